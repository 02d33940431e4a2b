"""The running devserver as tools see it: `<root>/server.json`, and `token` and `env` that read it."""

from devserver.running.server_file import SERVER_FILE, NotRunningError, read_running, remove, write

__all__ = ["SERVER_FILE", "NotRunningError", "read_running", "remove", "write"]
