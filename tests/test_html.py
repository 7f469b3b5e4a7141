"""Markup rules every page keeps: unique ids, labelled fields, targeted HTMX requests."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest

from app.extensions import db
from app.models import Advisor, Role, User


class PageAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.label_targets: set[str] = set()
        self.fields: list[dict] = []
        self.htmx_without_target: list[dict] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids[attributes["id"]] += 1
        if tag == "label" and attributes.get("for"):
            self.label_targets.add(attributes["for"])
        if tag in {"input", "select", "textarea"} and attributes.get("type") != "hidden":
            self.fields.append(attributes)
        requests = any(name in attributes for name in ("hx-get", "hx-post", "hx-put", "hx-delete"))
        if requests and "hx-target" not in attributes:
            self.htmx_without_target.append(attributes)
        if tag == "script" and "src" not in attributes:
            self.inline.append("<script> without src")
        self.inline += [name for name in attributes if name.startswith(("on", "hx-on", "style"))]


def audit(html: str) -> PageAudit:
    parser = PageAudit()
    parser.feed(html)
    return parser


PUBLIC = ["/", "/impressum", "/datenschutz", "/konto/anmelden", "/konto/registrieren",
          "/konto/passwort-vergessen", "/konto/bestaetigung-erneut"]  # fmt: skip
SIGNED_IN = {Role.CLIENT: ["/konto/profil", "/konto/organisation"], Role.ADMIN: ["/admin/nutzer"]}


def pages(client, auth, make):
    for path in PUBLIC:
        yield path, client.get(path)
    for role, paths in SIGNED_IN.items():
        auth.login(make.user(role=role).email)
        for path in paths:
            yield path, client.get(path)
        auth.logout()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_page_keeps_the_markup_rules(client, auth, make, lang):
    client.set_cookie("lang", lang)
    for path, response in pages(client, auth, make):
        assert response.status_code == 200, path
        found = audit(response.get_data(as_text=True))
        duplicates = [name for name, count in found.ids.items() if count > 1]
        assert duplicates == [], f"{path}: duplicate ids {duplicates}"
        unlabelled = [f for f in found.fields if f.get("id") not in found.label_targets]
        assert unlabelled == [], f"{path}: fields without a label {unlabelled}"
        assert found.htmx_without_target == [], f"{path}: HTMX request without hx-target"
        assert found.inline == [], f"{path}: inline script or style {found.inline}"


def test_home_page_queries_do_not_grow_with_advisors(app, client, runner, count_queries):
    runner.invoke(args=["seed-demo"])
    with count_queries() as few:
        client.get("/")
    with app.app_context():
        for number in range(10):
            user = User(email=f"berater{number}@hub.example", name=f"B {number}",
                        role=Role.ADVISOR.value, password_hash="x")  # fmt: skip
            db.session.add(Advisor(user=user))
        db.session.commit()
    with count_queries() as many:
        page = client.get("/").get_data(as_text=True)
    assert "B 9" in page
    assert len(many) == len(few)
