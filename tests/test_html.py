"""Markup rules every page keeps: unique ids, labelled fields, targeted HTMX requests."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from datetime import time, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import tokens
from app.extensions import db
from app.models import Advisor, AvailabilityRule, Booking, Role, Topic, User
from tests.booking_support import GUEST, at, book, fetch, monday_in, user_of
from tests.conftest import needs_service


class PageAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.label_targets: set[str] = set()
        self.fields: list[dict] = []
        self.htmx_without_target: list[dict] = []
        self.inline: list[str] = []
        self.open_labels = 0  # a field inside a <label> is labelled by it

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.open_labels -= 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # htmx reads hx-* and data-hx-*; we write the latter, which is valid HTML.
        attributes = {name.removeprefix("data-"): value for name, value in attrs}
        if "id" in attributes:
            self.ids[attributes["id"]] += 1
        if tag == "label":
            self.open_labels += 1
            if attributes.get("for"):
                self.label_targets.add(attributes["for"])
        field = tag in {"input", "select", "textarea"} and attributes.get("type") != "hidden"
        if field and not self.open_labels:
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


def assert_pages_valid(pages, tmp_path: Path, statuses=(200,)) -> None:
    """Each (name, response) of ``pages`` answers one of ``statuses``, has one ``h1``,
    keeps the markup rules, and passes the Nu HTML Checker."""
    files = []
    for name, response in pages:
        html = response.get_data(as_text=True)
        assert response.status_code in statuses, (name, response.status_code)
        assert html.count("<h1") == 1, name
        found = audit(html)
        assert [i for i, count in found.ids.items() if count > 1] == [], name
        assert [f for f in found.fields if f.get("id") not in found.label_targets] == [], name
        assert found.htmx_without_target == [] and found.inline == [], name
        page = tmp_path / f"{name}.html"
        page.write_bytes(response.get_data())
        files.append(str(page))
    errors = nu_errors(files)
    assert errors == [], "\n".join(f"{e.get('url')}: {e.get('message')}" for e in errors)


PUBLIC = ["/", "/impressum", "/datenschutz", "/konto/anmelden", "/konto/registrieren",
          "/konto/passwort-vergessen", "/konto/bestaetigung-erneut"]  # fmt: skip
SIGNED_IN = {
    Role.CLIENT: [
        "/konto/profil",
        "/konto/organisation",
        "/beratung/meine-termine",
        "/konto/datenschutz/",
        "/konto/datenschutz/konto-loeschen",
    ],
    Role.ADMIN: [
        "/admin/",
        "/admin/nutzer",
        "/admin/nutzer?q=a&rolle=client",
        "/admin/organisationen",
        "/admin/berater",
        "/admin/beratungsarten",
        "/admin/beratungsarten/neu",
        "/admin/themen",
        "/admin/themen/neu",
        "/admin/rechtstexte",
        "/admin/rechtstexte/privacy",
        "/admin/datenschutz",
        "/admin/protokoll",
    ],
}


def verification_link(app, user: User) -> str:
    with app.app_context():
        token = tokens.make_token(
            tokens.VERIFY_EMAIL, {"uid": user.id, "email": user.email}, timedelta(days=1)
        )
    return f"/konto/bestaetigen/{token}"


def guest_confirmation_link(app, booking_id: int) -> str:
    with app.app_context():
        uid = db.session.get(Booking, booking_id).uid
        token = tokens.make_token(tokens.CONFIRM_BOOKING, {"uid": uid}, timedelta(minutes=30))
    return f"/beratung/bestaetigen/{token}"


def pages(app, client, auth, make, world):
    """Every page a visitor, client, advisor and admin can reach, booking pages included."""
    week = monday_in(2)
    start = at(week, "10:00")
    choice = f"type=erstgespraech&topic=digitalisierung&advisor={world.brandt.id}"
    booking = fetch(app, book(app, world, at(week, "14:00")))
    for path in [*PUBLIC, "/beratung/termine", f"/beratung/termine?{choice}&day={week}",
                 f"/beratung/buchen?{choice}&start={start:%Y-%m-%dT%H:%MZ}"]:  # fmt: skip
        yield path, client.get(path)
    yield "/konto/bestaetigen/…", client.get(verification_link(app, make.user(verified=False)))
    held = book(app, world, at(week, "15:00"), guest=GUEST)
    yield "/beratung/bestaetigen/…", client.get(guest_confirmation_link(app, held))
    auth.login(world.client.email)
    client.submit("/konto/organisation", {"email": "kollegin@firma.example"})  # listed open
    manage = f"/beratung/termin/{booking.uid}"
    for path in [*SIGNED_IN[Role.CLIENT], manage, f"{manage}/verschieben", f"{manage}/absagen",
                 f"{manage}/verschieben?start={start:%Y-%m-%dT%H:%MZ}",
                 f"/beratung/buchen?{choice}&start={start:%Y-%m-%dT%H:%MZ}"]:  # fmt: skip
        yield path, client.get(path)
    auth.logout()
    auth.login(user_of(app, world.brandt).email)
    # The workspace: the agenda of this week and of the booked one, each section, the booking
    # and the preview; the profile with the photo form.
    workspace = [
        "/berater/zeiten",
        "/berater/abwesenheiten",
        "/berater/einstellungen",
        "/berater/kalender",
        "/berater/vorschau",
        f"/berater/termin/{booking.id}",
    ]
    for path in ["/berater/", f"/berater/?woche={week}", *workspace, "/konto/profil"]:
        yield path, client.get(path)
    auth.logout()
    auth.login(make.user(role=Role.ADMIN).email)
    objects = [
        f"/admin/nutzer/{world.client.id}",
        f"/admin/organisationen/{world.client.organisation_id}",
        f"/admin/berater/{world.brandt.id}",
        f"/admin/berater/{world.brandt.id}/deaktivieren",
        f"/admin/berater/termin/{booking.id}/neu-zuweisen",
        f"/admin/berater/termin/{booking.id}/absagen",
        f"/admin/themen/{world.topic.id}/loeschen",
        f"/admin/datenschutz/gast-loeschen?guest-email={GUEST.email}",
        f"/admin/datenschutz/konto-loeschen?account-email={world.client.email}",
    ]
    for path in [*SIGNED_IN[Role.ADMIN], *objects, f"/berater/{world.brandt.id}/foto"]:
        yield path, client.get(path)
    auth.logout()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_page_keeps_the_markup_rules(app, client, auth, make, world, lang):
    client.set_cookie("lang", lang)
    for path, response in pages(app, client, auth, make, world):
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
        topic = db.session.scalars(sa.select(Topic)).first()  # only advisors of a topic show
        for number in range(10):
            user = User(email=f"berater{number}@hub.example", name=f"B {number}",
                        role=Role.ADVISOR.value, password_hash="x")  # fmt: skip
            advisor = Advisor(user=user, topics=[topic])
            db.session.add(advisor)
            db.session.flush()  # only advisors with hours are offered
            db.session.add(AvailabilityRule(advisor_id=advisor.id, weekday=0,
                                            start_time=time(9), end_time=time(12)))  # fmt: skip
        db.session.commit()
    with count_queries() as many:
        page = client.get("/").get_data(as_text=True)
    assert "B 9" in page
    assert len(many) == len(few)


VNU_JAR = Path(__file__).resolve().parent.parent / "node_modules/vnu-jar/build/dist/vnu.jar"
# A check is one short JVM run: the quick (C1) compiler alone takes a third of the time and
# CPU (98 pages: 3 s instead of 10 s); its larger frames need more stack than the default
# for the HTML schema.
VNU_JAVA_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss4m"]


def nu_errors(files: list[str]) -> list[dict]:
    """What the W3C's Nu HTML Checker reports as errors in ``files`` (skips without it)."""
    java = shutil.which("java")
    if java is None or not VNU_JAR.exists():
        needs_service("HTML check skipped: install Java and run `npm ci` for the Nu HTML Checker")
    checked = subprocess.run(  # noqa: S603 (fixed arguments, our own files)
        [java, *VNU_JAVA_FLAGS, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return json.loads(checked.stderr or '{"messages": []}')["messages"]


def test_pages_pass_the_nu_html_checker(app, client, auth, make, world, tmp_path):
    """The W3C's Nu HTML Checker finds no error on any page (DESIGN.md §9)."""
    files = []
    for number, (path, response) in enumerate(pages(app, client, auth, make, world)):
        page = tmp_path / f"{number:02d}{path.split('?')[0].replace('/', '_')}.html"
        page.write_bytes(response.get_data())
        files.append(str(page))
    errors = nu_errors(files)
    assert errors == [], "\n".join(f"{e.get('url')}: {e.get('message')}" for e in errors)
