"""The canvas grid as CSS, written from the templates' data (``app/canvas/templates.py``),
so a new template brings its layout with it and no stylesheet names a block.

Wide screens get each layer's ``grid-template-areas``; narrow ones stack the blocks in the
template's reading order (``static/css/canvas.css`` switches the grid on).
"""

from __future__ import annotations

import hashlib
from functools import cache

from flask import Response, request

from app.canvas import bp
from app.canvas.templates import TEMPLATES


@cache
def grid_css() -> str:
    rules = []
    for template in TEMPLATES.values():
        for layer in template.layers:
            areas = " ".join(f'"{row}"' for row in layer.grid)
            rules.append(f".board-{template.key}-{layer.key} {{ grid-template-areas: {areas}; }}")
    areas = {block.area for t in TEMPLATES.values() for layer in t.layers for block in layer.blocks}
    for area in sorted(areas):
        rules.append(f".area-{area} {{ grid-area: {area}; }}")
    body = "\n".join(rules)
    # Print too: a landscape page is narrower than 60rem, and the canvas is printed whole.
    return f"@media (min-width: 60rem), print {{\n{body}\n}}\n"


@cache
def _etag() -> str:
    return hashlib.sha256(grid_css().encode()).hexdigest()[:16]


@bp.get("/raster.css")
def grid_stylesheet() -> Response:
    response = Response(grid_css(), mimetype="text/css")
    response.set_etag(_etag())
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response.make_conditional(request)
