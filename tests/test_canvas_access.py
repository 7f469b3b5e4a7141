"""Every route of the ``canvas`` blueprint, walked as every role, against the objects of
organisation A: nobody outside learns that A's canvases, notes, versions or comments exist.

The routes are read from ``app.url_map``, so a route added later is walked too: it is
expected to be a member's page (GET: read, POST: write) unless ``KINDS`` says otherwise,
and a URL argument the sweep cannot fill fails the test until ``arguments`` learns it.

Expectations per kind of route (``ALLOWED``): who reaches it; everyone else gets a 404 for
A's objects (a 403 is fine for those who may read the canvas but not do this to it, and
for role pages such as the review queue, whose existence is no secret). A page that
answers at all never shows A's title, note or comment to someone who may not read them.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.canvas import attach, review
from app.canvas import notes as note_service
from app.canvas.service import live_notes
from app.extensions import db
from app.models import Advisor, Booking, Canvas, CanvasVersion, Role, User
from tests.booking_support import at, book, monday_in, organisation_of, user_of, writing
from tests.canvas_support import make_canvas, submit

SECRET = "Geheimprojekt Kreislauf-Katalysator"  # in A's titles, notes and comments

ANONYMOUS, STRANGER, ADVISOR, ATTACHED, REVIEWER, ADMIN, MEMBER = ROLES = (
    "anonymous",
    "member of organisation B",
    "advisor without a booking",
    "advisor of a booking bringing the canvas",
    "reviewer advisor",
    "admin",
    "member of organisation A",
)

PUBLIC, OWN, READ, WRITE, REVIEW, QUEUE = "public", "own", "read", "write", "review", "queue"
# Routes that are not a member's plain read (GET) or write (POST) of one canvas.
KINDS = {
    "canvas.grid_stylesheet": PUBLIC,
    "canvas.index": OWN,
    "canvas.create": OWN,
    "canvas.import_json": OWN,
    "canvas.move_form": WRITE,  # a GET, but the form of a member's change
    "canvas.review_queue": QUEUE,
    "canvas.review": REVIEW,
    "canvas.comment": REVIEW,
    "canvas.resolve_comment": REVIEW,
    "canvas.assign": REVIEW,
    "canvas.start_review": REVIEW,
    "canvas.request_changes": REVIEW,
    "canvas.approve": REVIEW,
}
READERS = {MEMBER, ATTACHED, REVIEWER, ADMIN}
# Who reaches a route of each kind, for A's submitted canvas. A's draft that was never
# submitted is its members' alone; reviewers see canvases only once submitted.
ALLOWED = {
    PUBLIC: set(ROLES),
    OWN: {MEMBER, STRANGER},  # each member's own organisation's list and forms
    READ: READERS,
    WRITE: {MEMBER},
    REVIEW: {REVIEWER, ADMIN},
    QUEUE: {REVIEWER, ADMIN},
}
# Query strings a route needs to show something.
QUERIES = {"canvas.compare": "?von=1&bis=entwurf"}


# What a form sends, as plausible for every write as one dict can be: a member's write
# then gets past its validation and does its work.
def form(values: dict, token: str) -> dict:
    return {
        "csrf_token": token,
        "block": values["block"],
        "text": "Neue Notiz",
        "version": "1",
        "position": "0",
        "title": "Neuer Titel",
        "body": "Ein Kommentar",
    }


# Write routes whose precondition a fresh note or comment cannot meet (a 404 for a member
# there is the object's state, not a refusal).
STATEFUL = {"canvas.restore_note"}


def kind_of(rule, method: str) -> str:
    return KINDS.get(rule.endpoint, READ if method == "GET" else WRITE)


@pytest.fixture
def sweep(app, make, world):
    """Organisation A's submitted canvas (v1 in review, a note, an open comment) and its
    never-submitted draft; a booking of A with Brandt bringing v1; users of every role."""
    member = world.client
    submitted = make_canvas(app, member, notes={"value_propositions": [SECRET]}, title=SECRET)
    submit(app, member, submitted)
    draft = make_canvas(app, member, template="lean", notes={"problem": [SECRET]}, title=SECRET)
    admin = make.user(role=Role.ADMIN)
    reviewer = make.advisor(world.topic)
    with writing(app):
        db.session.get(Advisor, reviewer.id).is_reviewer = True
        canvas = db.session.get(Canvas, submitted)
        review.start_review(canvas, db.session.get(User, admin.id))
        version = db.session.scalars(canvas_versions(submitted)).one()
        comment = review.add_comment(
            version, db.session.get(User, admin.id), SECRET, "value_propositions"
        )
        booking = db.session.get(Booking, book(app, world, at(monday_in(2), "10:00")))
        attach.attach(booking, attach.choice_value(submitted, 1))
        draft_note = note_ids(db.session.get(Canvas, draft))[0]
        objects = SimpleNamespace(
            submitted=submitted,
            draft=draft,
            note=note_ids(canvas)[0],
            draft_note=draft_note,
            comment=comment.id,
        )
        db.session.commit()
    emails = {
        STRANGER: make.user().email,
        ADVISOR: user_of(app, world.becker).email,
        ATTACHED: user_of(app, world.brandt).email,
        REVIEWER: user_of(app, reviewer).email,
        ADMIN: admin.email,
        MEMBER: member.email,
    }
    return SimpleNamespace(objects=objects, emails=emails, member=member, admin=admin)


def canvas_versions(canvas_id: int):
    return sa.select(CanvasVersion).where(CanvasVersion.canvas_id == canvas_id)


def note_ids(canvas: Canvas) -> list[int]:
    return [note.id for note in live_notes(canvas)]


def targets(objects) -> list[tuple[str, dict]]:
    """A's objects as URL arguments: the submitted canvas with its own note, version and
    comment; the never-submitted draft (its version 1 does not exist, the comment is the
    other canvas's); and the submitted canvas with the draft's note and a version it lacks."""
    return [
        (
            "submitted",
            {
                "canvas_id": objects.submitted,
                "number": 1,
                "note_id": objects.note,
                "comment_id": objects.comment,
                "block": "value_propositions",
            },
        ),
        (
            "draft",
            {
                "canvas_id": objects.draft,
                "number": 1,
                "note_id": objects.draft_note,
                "comment_id": objects.comment,
                "block": "problem",
            },
        ),
        (
            "mismatched",
            {
                "canvas_id": objects.submitted,
                "number": 99,
                "note_id": objects.draft_note,
                "comment_id": 0,
                "block": "value_propositions",
            },
        ),
    ]


def arguments(rule, values: dict) -> dict:
    filled = {}
    for name in rule.arguments:
        if name in values:
            filled[name] = values[name]
        else:
            pytest.fail(f"{rule.endpoint}: the sweep cannot fill the URL argument {name!r}")
    return filled


def allowed(kind: str, target: str, rule, role: str) -> bool:
    if kind in (PUBLIC, OWN, QUEUE):
        return role in ALLOWED[kind]
    if target == "mismatched":
        # Nothing of another canvas, nor a version it lacks, is reachable through it.
        return not ({"note_id", "number", "comment_id"} & set(rule.arguments)) and (
            role in ALLOWED[kind]
        )
    if target == "draft":
        unfilled = {"number", "comment_id"} & set(rule.arguments)
        return role == MEMBER and kind in (READ, WRITE) and not unfilled
    return role in ALLOWED[kind]


def refusals(kind: str, target: str, role: str) -> set[int]:
    """The answers that refuse ``role`` without telling it more than it knows."""
    if role == ANONYMOUS:
        return {302, 404} if kind != QUEUE else {302, 403}
    if kind in (QUEUE, OWN):
        return {403, 404}
    may_read_canvas = role == MEMBER or (target != "draft" and role in READERS)
    return {403, 404} if may_read_canvas else {404}


def fresh_objects(app, sweep, values: dict) -> dict:
    """A new note of the canvas in ``values`` (and, on the submitted canvas, an open
    comment) for a write that may use them up: a delete, a resolve."""
    with writing(app):
        member = db.session.get(User, sweep.member.id)
        canvas = db.session.get(Canvas, values["canvas_id"])
        note = note_service.add_note(canvas, member, values["block"], "Neue Notiz")
        fresh = {**values, "note_id": note.id}
        if canvas.version_count:
            version = db.session.scalars(canvas_versions(canvas.id)).one()
            author = db.session.get(User, sweep.admin.id)
            comment = review.add_comment(version, author, "Neuer Kommentar", values["block"])
            fresh["comment_id"] = comment.id
        db.session.commit()
        return fresh


def canvas_rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("canvas.")),
        key=lambda rule: rule.rule,
    )


def requests(app):
    """Every (rule, method) of the blueprint, reads before writes (a write may change what
    a later read finds)."""
    walked = [
        (rule, method)
        for rule in canvas_rules(app)
        for method in sorted(rule.methods & {"GET", "POST"})
    ]
    return sorted(walked, key=lambda pair: pair[1] != "GET")


@pytest.mark.parametrize("role", ROLES)
def test_every_canvas_route_answers_each_role_as_its_rights_allow(app, client, auth, sweep, role):
    if role != ANONYMOUS:
        auth.login(sweep.emails[role])
    token = client.csrf_token()
    paths = app.url_map.bind("localhost")
    leaks = []
    for rule, method in requests(app):
        kind = kind_of(rule, method)
        for target, values in targets(sweep.objects):
            if target != "submitted" and kind in (PUBLIC, OWN, QUEUE):
                continue  # no object of A in the URL
            if target == "mismatched" and not {"note_id", "number", "comment_id"} & set(
                rule.arguments
            ):
                continue
            may = allowed(kind, target, rule, role)
            if may and method == "POST":
                values = fresh_objects(app, sweep, values)
            url = paths.build(rule.endpoint, arguments(rule, values)) + QUERIES.get(
                rule.endpoint, ""
            )
            where = f"{method} {url} ({rule.endpoint}, {kind}, {target})"
            try:  # one broken route must not hide what the others answer
                answer = client.open(url, method=method, data=form(values, token))
            except Exception as error:  # TESTING lets a 500 raise
                leaks.append(f"{where}: raised {error!r}")
                continue
            status, body = answer.status_code, answer.get_data()  # a PDF is no text
            if may:
                ok = status < 500 and status != 403
                ok = ok and (status != 404 or (method == "POST" and rule.endpoint in STATEFUL))
                # A read shows the page, or sends on to another (never to the login).
                ok = ok and (method == "POST" or status in (200, 302) or kind == OWN)
                with client.session_transaction() as session:  # its messages are its own
                    session.pop("_flashes", None)
            else:
                ok = status in refusals(kind, target, role)
            if status == 302:
                ok = ok and ("/konto/anmelden" in answer.headers["Location"]) != may
            reads = role == MEMBER or (target == "submitted" and role in READERS)
            if SECRET.encode() in body and not reads:
                ok = False
            if not ok:
                leaks.append(f"{where}: {status}")
    assert not leaks, f"as {role}:\n" + "\n".join(leaks)


def test_the_sweep_walks_the_routes_of_every_part(app):
    """The sweep covers the whole blueprint: the editor, versions, exports and review."""
    endpoints = {rule.endpoint for rule in canvas_rules(app)}
    expected = {
        "canvas.index",
        "canvas.show",
        "canvas.versions",
        "canvas.version",
        "canvas.compare",
        "canvas.export_json",
        "canvas.review_queue",
        "canvas.review",
        "canvas.approve",
    }
    assert expected <= endpoints, sorted(expected - endpoints)


def test_a_colleague_in_another_organisation_of_the_same_name_sees_nothing(
    app, client, auth, make, sweep, world
):
    """Organisations are told apart by id, not name: a second company called like A sees
    none of A's canvases."""
    twin = make.organisation(organisation_of(app, world.client).name)
    auth.login(make.user(organisation=twin).email)
    assert client.get(f"/canvas/{sweep.objects.submitted}").status_code == 404
    assert SECRET not in client.get("/canvas/").get_data(as_text=True)
