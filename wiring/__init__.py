"""The wiring format: which Lambda resolves each schema field, and which events feed which function.

A contract between three readers: the handlers' routes (checked by tests/contract), `infra/`
(which deploys from it) and `devserver/` (which invokes and delivers from it). It lives apart
from all three, so none of them depends on another to read it.
"""

from wiring.format import (
    AUTH_MODES,
    ApiConfig,
    EventSource,
    FieldResolver,
    FunctionConfig,
    Wiring,
    WiringError,
    load_wiring,
)

__all__ = [
    "AUTH_MODES",
    "ApiConfig",
    "EventSource",
    "FieldResolver",
    "FunctionConfig",
    "Wiring",
    "WiringError",
    "load_wiring",
]
