"""A seeded hub and a real address for every rule of the URL map, for the whole-site sweeps
(tests/test_route_sweep.py, tests/test_fuzz_forms.py).

The hub is the demo (``flask seed-demo``: canvases in every state, a fortnight of
consultations, a guest's unconfirmed request) plus what the demo leaves out: an advisor's
photo and calendar feed, an open invitation. Each rule is visited as the person who may use
it, so a refusal the sweeps see comes from what they test, not from the access rules.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import sqlalchemy as sa
from flask import Flask, url_for
from PIL import Image
from werkzeug.routing import Rule

from app import create_app, demo, tokens
from app.advisor.service import new_feed_token
from app.auth.invitations import invite_colleague
from app.auth.service import set_password_link
from app.booking.links import manage_token
from app.database import begin_write
from app.demo import DEMO_PASSWORD
from app.extensions import db, limiter
from app.main.legal import publish
from app.main.photos import replace_photo
from app.models import (
    Advisor,
    AvailabilityException,
    Booking,
    BookingNote,
    Canvas,
    CanvasNote,
    CanvasVersion,
    Invitation,
    LegalKind,
    ReviewComment,
    User,
)
from tests.conftest import Client, app_config
from tests.conftest import _empty_tables as empty_tables

ADMIN = "admin@industryhub.example"  # also the demo's canvas reviewer
ADVISOR = "katharina.brandt@industryhub.example"
MEMBER = "andreas.krueger@rheinchem.example"  # owns the demo's canvases
BOOKER = "sabine.wolf@rheinchem.example"  # has upcoming consultations with ADVISOR
BYSTANDER = "markus@schreinerei-lehmann.example"
ANONYMOUS = None
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")

# Who may use a route, by endpoint prefix; the longest matching prefix wins.
ROLES: dict[str, str | None] = {
    "admin.": ADMIN,
    "advisor.": ADVISOR,
    "main.photo": ADVISOR,
    "main.upload_photo": ADVISOR,
    "main.remove_photo": ADVISOR,
    "canvas.": MEMBER,
    # Reviewing is the reviewer's work.
    "canvas.review": ADMIN,
    "canvas.review_queue": ADMIN,
    "canvas.start_review": ADMIN,
    "canvas.request_changes": ADMIN,
    "canvas.approve": ADMIN,
    "canvas.comment": ADMIN,
    "canvas.resolve_comment": ADMIN,
    "canvas.assign": ADMIN,
    "booking.": BOOKER,
    "booking.advisor_bookings": ADVISOR,
    "booking.confirm_guest": ANONYMOUS,
    "privacy.": BOOKER,
    "auth.": BOOKER,
    # The ways into an account are for visitors without one.
    "auth.login": ANONYMOUS,
    "auth.register": ANONYMOUS,
    "auth.forgot_password": ANONYMOUS,
    "auth.reset_password": ANONYMOUS,
    "auth.verify_email": ANONYMOUS,
    "auth.resend_verification": ANONYMOUS,
    "auth.check_mail": ANONYMOUS,
    "main.": BOOKER,
    "api.": ANONYMOUS,
    "healthz": ANONYMOUS,
    "readyz": ANONYMOUS,
    "feed.": ANONYMOUS,
    "static": ANONYMOUS,
    "hub_logo": ANONYMOUS,
    "theme_css": ANONYMOUS,
}


def role_of(endpoint: str) -> str | None:
    matches = [prefix for prefix in ROLES if endpoint == prefix or endpoint.startswith(prefix)]
    assert matches, f"{endpoint}: add who may use it to ROLES in tests/sweep_support.py"
    return ROLES[max(matches, key=len)]


@dataclass
class Hub:
    """The argument values of the URL map, by name, and where one name means several things
    (``token``, ``number``, ``note_id``) by endpoint."""

    values: dict[str, object]
    by_endpoint: dict[str, dict[str, object]] = field(default_factory=dict)
    # Query strings some pages need to show their content instead of a redirect.
    queries: dict[str, str] = field(default_factory=dict)

    def arguments(self, rule: Rule) -> dict[str, object]:
        known = {**self.values, **self.by_endpoint.get(rule.endpoint, {})}
        unknown = set(rule.arguments) - set(known)
        assert not unknown, f"{rule.endpoint}: teach tests/sweep_support.py {sorted(unknown)}"
        return {name: known[name] for name in rule.arguments}


def portrait() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 400), (40, 90, 140)).save(buffer, "JPEG")
    return buffer.getvalue()


def build_hub(app: Flask) -> Hub:
    """Seed the demo and the rest, and name a real object for every argument."""
    with app.test_request_context():
        begin_write(db.session())
        demo.seed()
        advisor = Advisor.of_user(User.by_email(ADVISOR))
        member, booker = User.by_email(MEMBER), User.by_email(BOOKER)
        feed = new_feed_token(advisor)
        replace_photo(advisor, portrait())
        invite_colleague(member, "neu@rheinchem.example")
        publish(LegalKind.PRIVACY, "# Datenschutz", "# Privacy", 0, User.by_email(ADMIN))
        db.session.commit()
        hub = _name_objects(advisor, member, booker)
        hub.by_endpoint["feed.advisor_feed"] = {"token": feed}
        hub.by_endpoint["main.advisor_photo"] = {"token": advisor.photo_token}
        db.session.remove()
    booking = hub.queries["booking.book"] = _a_free_slot(app, hub.values["advisor_id"])
    # The booker's consultation is with the same advisor: offered this time to move to, the
    # page shows its confirmation form.
    hub.queries["booking.reschedule"] = urlencode({"start": parse_qs(booking)["start"][0]})
    return hub


def _a_free_slot(app: Flask, advisor_id: int) -> str:
    """The query of the booking form for the advisor's first free slot the API offers."""
    with app.test_client() as client:
        answer = client.get(
            f"/api/v1/slots?type=erstgespraech&topic=digitalisierung&advisor={advisor_id}"
        ).json
    return urlsplit(answer["slots"][0]["book_url"]).query


def _one(query):
    found = db.session.scalar(query.limit(1))
    assert found is not None, f"the seeded hub lacks {query}"
    return found


def _name_objects(advisor: Advisor, member: User, booker: User) -> Hub:
    booking = _one(
        sa.select(Booking)
        .where(Booking.booked_by_id == booker.id, Booking.status == "confirmed")
        .order_by(Booking.start.desc())
    )
    noted = _one(sa.select(BookingNote).join(Booking).where(Booking.advisor_id == advisor.id))
    pending = _one(sa.select(Booking).where(Booking.status == "pending"))
    draft = _one(sa.select(Canvas).where(Canvas.status == "draft"))
    in_review = _one(sa.select(Canvas).where(Canvas.status == "in_review"))
    approved = _one(sa.select(Canvas).where(Canvas.status == "approved"))
    review_version = _one(
        sa.select(CanvasVersion)
        .where(CanvasVersion.canvas_id == in_review.id)
        .order_by(CanvasVersion.number.desc())
    )
    comment = _one(sa.select(ReviewComment).where(ReviewComment.version_id == review_version.id))
    canvas_note = _one(sa.select(CanvasNote).where(CanvasNote.canvas_id == draft.id))
    absence = _one(
        sa.select(AvailabilityException).where(AvailabilityException.advisor_id == advisor.id)
    )
    invitation = _one(sa.select(Invitation).where(Invitation.revoked_at.is_(None)))
    # Links mailed to a client no sweep logs in as: a fuzzed reset must not end a session.
    bystander = User.by_email(BYSTANDER)
    verify = tokens.make_token(
        tokens.VERIFY_EMAIL, {"uid": bystander.id, "email": bystander.email}, timedelta(days=1)
    )
    reset = set_password_link(bystander, timedelta(hours=1)).rsplit("/", 1)[1]
    confirm = tokens.make_token(tokens.CONFIRM_BOOKING, {"uid": pending.uid}, timedelta(hours=1))
    reviewing = {"canvas_id": in_review.id, "number": review_version.number}
    hub = Hub(
        values={
            "advisor_id": advisor.id,
            "booking_id": booking.id,
            "type_id": booking.consultation_type_id,
            "topic_id": booking.topic_id,
            "user_id": booker.id,
            "organisation_id": booker.organisation_id,
            "kind": "privacy",
            "figure": "buchungen",
            "exception_id": absence.id,
            "invitation_id": invitation.id,
            "uid": booking.uid,
            "canvas_id": draft.id,
            "note_id": canvas_note.id,
            "number": 1,
            "comment_id": comment.id,
            "filename": "js/app.js",
        },
        queries={
            "admin.privacy_erase_guest": f"guest-email={pending.guest_email}",
            "admin.privacy_erase_user": f"account-email={booker.email}",
            "booking.picker": "type=erstgespraech&topic=digitalisierung&advisor=any",
            "canvas.compare": "von=1&bis=2",
            "api.slots": "type=erstgespraech&topic=digitalisierung",
        },
    )
    hub.by_endpoint.update(
        {
            "advisor.booking": {"booking_id": noted.booking_id},
            "advisor.edit_note": {"booking_id": noted.booking_id, "note_id": noted.id},
            "advisor.delete_note": {"booking_id": noted.booking_id, "note_id": noted.id},
            "advisor.add_note": {"booking_id": noted.booking_id},
            "advisor.outcome": {"booking_id": noted.booking_id},
            "booking.confirm_guest": {"token": confirm},
            "auth.verify_email": {"token": verify},
            "auth.reset_password": {"token": reset},
            "canvas.review": reviewing,
            "canvas.start_review": reviewing,
            "canvas.request_changes": reviewing,
            "canvas.approve": reviewing,
            "canvas.comment": {**reviewing, "block": comment.block_key or "notes"},
            "canvas.resolve_comment": {"canvas_id": in_review.id},
            "canvas.assign": {"canvas_id": in_review.id},
            "canvas.compare": {"canvas_id": approved.id},
            "canvas.versions": {"canvas_id": approved.id},
            "canvas.version": {"canvas_id": approved.id, "number": 1},
        }
    )
    hub.values["manage_token"] = manage_token(booking)
    return hub


def sweep_app(database_url: str, **overrides) -> Iterator[Flask]:
    """The tests' app, with a logo (so ``/logo`` has something to serve) and ``overrides``."""
    app = create_app(app_config(database_url, HUB_LOGO="favicon.svg", **overrides))
    app.test_client_class = Client
    limiter.reset()
    yield app
    with app.app_context():
        empty_tables()
        db.engine.dispose()


def browsers(app: Flask) -> dict[str | None, Client]:
    """A client per person of ``ROLES``, logged in (the anonymous one is not)."""
    clients = {}
    for email in set(ROLES.values()):
        clients[email] = app.test_client()
        if email is not None:
            answer = clients[email].submit(
                "/konto/anmelden", {"email": email, "password": DEMO_PASSWORD}
            )
            assert answer.status_code == 302, f"{email} could not log in"
    return clients


def rules(app: Flask) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))


def address(app: Flask, hub: Hub, rule: Rule) -> str:
    with app.test_request_context():
        path = url_for(rule.endpoint, **hub.arguments(rule))
    query = hub.queries.get(rule.endpoint)
    return f"{path}?{query}" if query else path


def table_contents(app: Flask) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: what a refused request must not change."""
    with app.app_context():
        contents = {}
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows = db.session.execute(sa.select(table).order_by(*order)).all()
            contents[table.name] = [tuple(row) for row in rows]
        db.session.remove()
        return contents


def row_counts(app: Flask) -> dict[str, int]:
    """How many rows each table has (cheaper than ``table_contents``, for many probes)."""
    with app.app_context():
        selects = [
            sa.select(sa.literal(table.name), sa.func.count()).select_from(table)
            for table in db.metadata.sorted_tables
        ]
        counts = dict(db.session.execute(sa.union_all(*selects)).all())
        db.session.remove()
        return counts
