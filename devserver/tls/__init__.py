"""HTTPS/WSS next to plain HTTP: a local certificate authority, its server certificate, a listener."""
