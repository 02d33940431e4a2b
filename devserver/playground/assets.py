"""The third-party browser files the playground serves, all from the local `npm ci` install."""

from __future__ import annotations

from pathlib import Path

PLAYGROUND_DIR = Path(__file__).parent
DEFAULT_VENDOR_DIR = PLAYGROUND_DIR / "node_modules"
STATIC_DIR = PLAYGROUND_DIR / "static"

# URL name → file under node_modules. Only these are served: never the whole tree.
VENDOR_FILES = {
    "react.js": "react/umd/react.production.min.js",
    "react-dom.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.js": "graphiql/graphiql.min.js",
    "graphiql.css": "graphiql/graphiql.min.css",
}
STATIC_FILES = {"playground.js", "playground.css", "appsync-realtime.js"}

MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def vendor_file(vendor_dir: Path, name: str) -> Path | None:
    relative = VENDOR_FILES.get(name)
    return vendor_dir / relative if relative else None


def static_file(name: str) -> Path | None:
    return STATIC_DIR / name if name in STATIC_FILES else None


def missing_vendor_files(vendor_dir: Path) -> list[str]:
    """The vendor files that are not installed (empty when `npm ci` has run)."""
    return [relative for relative in VENDOR_FILES.values() if not (vendor_dir / relative).is_file()]


def media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix, "application/octet-stream")
