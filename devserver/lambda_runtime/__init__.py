"""Lambda runtime emulation: run a handler call as the runtime would, in warm worker processes."""
