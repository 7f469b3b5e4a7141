"""The baseline for the picker's throughput budget (DESIGN.md §9): a bare Flask hello page.

Served by ``bench/bench_picker.py`` under the same gunicorn settings as the site
(``gunicorn … 'bench.hello_app:app'`` from the project root).
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
