"""The forms a page really has (hidden fields, HTMX forms, named buttons included), read
with the standard library's HTML parser, and the bad input the fuzzers send to them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from hypothesis import strategies as st


@dataclass
class Form:
    """One form as a browser would send it: where, how, and each field's value."""

    page: str
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    # Fields whose value is one of a set (select, radio, named buttons): name → values.
    choices: dict[str, list[str]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    htmx: bool = False

    @property
    def key(self) -> tuple:
        """Forms that send the same names to the same kind of place (ids aside: one note's
        form stands for every note's) are one form to fuzz."""
        path = re.sub(r"/\d+(?=/|$)", "/<id>", urlsplit(self.action).path)
        return (self.method, path, tuple(sorted({name for name, _ in self.fields})))


class FormParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.select: str | None = None
        self.textarea: str | None = None
        self.text = ""
        self.elsewhere: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            post = a.get("data-hx-post") or a.get("hx-post")
            method = "POST" if post else a.get("method", "get").upper()
            action = post or a.get("action") or self.page
            self.current = Form(
                self.page, urljoin(self.page, action), method, htmx=bool(post or a.get("hx-get"))
            )
            return
        form = self.current
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind == "file":
                form.files.append(name)
            elif kind in {"checkbox", "radio"}:
                form.choices.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    form.fields.append((name, a.get("value", "on")))
            elif kind not in {"submit", "button", "image", "reset"}:
                form.fields.append((name, a.get("value", "")))
        elif tag == "button":
            if name:
                form.choices.setdefault(name, []).append(a.get("value", ""))
            if a.get("formaction"):
                self.elsewhere.append(urljoin(self.page, a["formaction"]))
        elif tag == "select" and name:
            self.select = name
            form.choices.setdefault(name, [])
        elif tag == "option" and self.select:
            form.choices[self.select].append(a.get("value", ""))
            if "selected" in a:
                form.fields.append((self.select, a.get("value", "")))
        elif tag == "textarea" and name:
            self.textarea, self.text = name, ""

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.current:
            self.forms.append(self.current)
            # A button with its own ``formaction`` sends the same fields elsewhere.
            self.forms += [replace(self.current, action=action) for action in self.elsewhere]
            self.current, self.elsewhere = None, []
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.current and self.textarea:
            self.current.fields.append((self.textarea, self.text))
            self.textarea = None


def forms_on(page: str, html: str) -> list[Form]:
    parser = FormParser(page)
    parser.feed(html)
    return parser.forms


HUNDRED_KB = "x" * 100 * 1024
# What careless users and attackers type, beside what hypothesis makes up.
ODD_VALUES = [
    "",
    " ",
    "\n",
    "\r\n\r\n",
    "Zeile eins\nZeile zwei",
    "a\x00b",  # refused before any view (app/edges.py), a 400
    "\t",
    "9999-12-31",
    "0001-01-01",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "9999-12-31T23:59:59+14:00",
    "2026-02-30",
    "24:00",
    "-1",
    "0",
    "-2147483649",
    "2147483648",
    "9223372036854775808",
    "9" * 40,
    "1e309",
    "NaN",
    "-0",
    "١٢٣",  # Arabic-Indic digits: int() reads them
    "²",
    "\u202eevil",
    "\ufeff",
    "Ⅻ",
    "😀" * 50,
    "ß" * 300,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "javascript:alert(1)",
    "//evil.example",
    "https://evil.example/",
    "a@b",
    "@",
    "x" * 255 + "@firma.example",
    "Europe/Nowhere",
    "true",
    "on",
    HUNDRED_KB,
]


def bad_values() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(ODD_VALUES),
        st.text(max_size=40),
        st.integers().map(str),
        st.dates().map(lambda day: day.isoformat()),
        st.datetimes().map(lambda moment: moment.isoformat(timespec="minutes")),
    )


FILE_NAMES = ["a.jpg", "canvas.json", "", "../../x", "ä\u202e.gpj"]
FILES = [b"", b"GIF89a" + b"\x00" * 64, b"\xff\xd8\xff\xe0 not a jpeg", b"{" * 5000, b'{"a": 1}']


@st.composite
def bad_submission(draw, form: Form) -> tuple[list[tuple[str, object]], bool]:
    """The form's fields with some changed, dropped or sent twice, and whether htmx sends it.

    The CSRF token is left alone: the fuzz is about what a form accepts, not about CSRF.
    """
    sent: list[tuple[str, object]] = []
    names = [name for name, _ in form.fields] + [
        n for n in form.choices if n not in dict(form.fields)
    ]
    for name in dict.fromkeys(names):
        original = dict(form.fields).get(name, (form.choices.get(name) or [""])[0])
        if name == "csrf_token":
            sent.append((name, original))
            continue
        what = draw(st.sampled_from(["keep", "keep", "bad", "bad", "drop", "twice"]))
        if what == "keep":
            choices = form.choices.get(name)
            sent.append((name, draw(st.sampled_from(choices)) if choices else original))
        elif what == "bad":
            sent.append((name, draw(bad_values())))
        elif what == "twice":
            sent += [(name, original), (name, draw(bad_values()))]
    for name in form.files:
        if draw(st.booleans()):
            sent.append(
                (
                    name,
                    (
                        draw(st.sampled_from(FILES)),
                        draw(st.sampled_from(["a.jpg", "x.json", "", "../x"])),
                    ),
                )
            )
    return sent, form.htmx and draw(st.booleans())
