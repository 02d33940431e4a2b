"""The front door's own safeguards: decoding what clients send, and the HTTP server's limits."""
