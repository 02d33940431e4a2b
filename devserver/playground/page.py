"""The playground's HTML: GraphiQL from local files, an auth bar, and the page's settings."""

from __future__ import annotations

import html
import json
from string import Template
from typing import Any

from devserver.playground.assets import STATIC_DIR

_TEMPLATE = Template((STATIC_DIR / "index.html").read_text(encoding="utf-8"))

MISSING_ASSETS = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Playground not installed</title></head>
<body style="font-family: sans-serif; max-width: 42rem; margin: 3rem auto">
<h1>The playground's files are not installed</h1>
<p>GraphiQL is installed from the npm registry into <code>$vendor_dir</code>, which is missing:</p>
<ul>$missing</ul>
<p>Run <code>scripts/dev</code> (it runs <code>npm ci</code> there), or
<code>npm ci --ignore-scripts --prefix devserver/playground</code>.
POST /graphql works without them.</p>
</body></html>
"""


def render_page(title: str, settings: dict[str, Any]) -> str:
    # `</` inside the JSON would end the <script> element early; `<\/` is the same JSON string.
    embedded = json.dumps(settings).replace("</", "<\\/")
    return _TEMPLATE.substitute(title=html.escape(title), settings=embedded)


def render_missing(vendor_dir: str, missing: list[str]) -> str:
    items = "".join(f"<li><code>{html.escape(name)}</code></li>" for name in missing)
    return Template(MISSING_ASSETS).substitute(vendor_dir=html.escape(vendor_dir), missing=items)
