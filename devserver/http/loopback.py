"""Which requests come from this machine: the guard on every endpoint that hands out credentials."""

from __future__ import annotations

import ipaddress


def is_local_request(peer: str | None, host: str | None) -> bool:
    """True for a loopback client that addressed a loopback name (defeats DNS rebinding)."""
    return _is_loopback(peer) and (host == "localhost" or _is_loopback(host))


def _is_loopback(address: str | None) -> bool:
    if not address:
        return False
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False
