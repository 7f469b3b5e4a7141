"""What no request may carry, refused before any view runs.

- No control character other than tab, line feed and carriage return (C0, the ASCII
  range below space) in the path, a query parameter or a form field, names included:
  PostgreSQL cannot store a NUL byte in text, and no field has a use for the others. The
  answer is a 400 that says so (a problem document under ``/api/``).
- ``<int:…>`` in a URL is at most 2**31 − 1, the largest id an INTEGER column holds; a
  larger number names no page (404), rather than an "integer out of range" database error.

Forms clean what remains (line breaks in single-line fields and so on): see ``app.forms``.
"""

from __future__ import annotations

import re

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class ControlCharacters(BadRequest):
    """A request with a control character in its path, query or form."""

    user_message = _l(
        "Die Anfrage enthält Steuerzeichen (zum Beispiel ein Nullbyte), die wir nicht "
        "annehmen. Bitte entfernen Sie sie und versuchen Sie es erneut."
    )


class DatabaseIntegerConverter(IntegerConverter):
    """``<int:…>`` for ids: no number above what the database's INTEGER holds."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def has_control_characters(text: str) -> bool:
    return _FORBIDDEN.search(text) is not None


def refuse_control_characters() -> None:
    """Raise ``ControlCharacters`` when the path, a query parameter or a form field has one."""
    texts = [request.path]
    for values in (request.args, request.form):
        for name, value in values.items(multi=True):
            texts += (name, value)
    texts += (upload.filename or "" for upload in request.files.values())
    if any(has_control_characters(text) for text in texts):
        raise ControlCharacters()


def init_app(app: Flask) -> None:
    """Call before any route is added: a rule looks its converters up when it is added."""
    app.url_map.converters["int"] = DatabaseIntegerConverter
    app.before_request(refuse_control_characters)
