"""Commands a newcomer and an operator run: seed-demo, create-admin, worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Advisor,
    Booking,
    Canvas,
    CanvasNote,
    CanvasVersion,
    Organisation,
    OutboxMessage,
    ReviewComment,
    Role,
    Topic,
    User,
)
from tests.booking_support import GUEST, at, book, fetch, monday_in


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (
                User,
                Organisation,
                Advisor,
                Topic,
                Canvas,
                CanvasNote,
                CanvasVersion,
                ReviewComment,
                Booking,
            )
        }


def test_seed_demo_builds_a_believable_hub_and_is_idempotent(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "admin@industryhub.example" in first.output
    assert "Sprechstunde-Demo-2026" in first.output
    after_first = counts(app)
    assert after_first["Topic"] == 6
    assert 3 <= after_first["Advisor"] <= 4
    assert 2 <= after_first["Organisation"] <= 3
    with app.app_context():
        slugs = set(db.session.scalars(sa.select(Topic.slug)))
        assert {"digitalisierung", "datenschutz", "foerdermittel"} <= slugs
        roles = set(db.session.scalars(sa.select(User.role)))
        assert roles == {"client", "advisor", "admin"}

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "already present" in second.output
    assert counts(app) == after_first


def test_seed_demo_shows_canvases_in_every_state_and_one_brought_to_a_consultation(
    app, runner, client, auth
):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        states = dict(db.session.execute(sa.select(Canvas.template_key, Canvas.status)).all())
        assert states == {"bmc": "draft", "tlbmc": "in_review", "lean": "approved"}
        open_comments = db.session.scalars(
            sa.select(ReviewComment.block_key).where(ReviewComment.resolved_at.is_(None))
        ).all()
        assert len(open_comments) == 2
        booking = db.session.scalar(sa.select(Booking).where(Booking.canvas_id.is_not(None)))
        assert booking.canvas.template_key == "lean"
        assert booking.canvas_version.number == 2
    auth.login("katharina.brandt@industryhub.example", "Sprechstunde-Demo-2026")
    week = booking.start.astimezone(ZoneInfo("Europe/Berlin")).date()
    page = client.get(f"/berater/?woche={week}").get_data(as_text=True)
    assert "Sensorgestütztes Dosier-Abo — Version 2" in page
    compare = client.get(f"/canvas/{booking.canvas_id}/vergleich?von=1&bis=2")
    assert compare.status_code == 200
    assert "Ausschussquote je Linie vor und nach dem Einbau" in compare.get_data(as_text=True)


def test_seed_demo_refuses_outside_development_unless_forced(app, runner):
    app.testing = app.debug = False  # as on a production server
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code != 0
    assert "published password" in refused.output
    assert counts(app)["User"] == 0

    forced = runner.invoke(args=["seed-demo", "--force"])
    assert forced.exit_code == 0, forced.output
    assert counts(app)["User"] > 0


def test_demo_users_can_log_in(runner, auth):
    runner.invoke(args=["seed-demo"])
    response = auth.login("andreas.krueger@rheinchem.example", "Sprechstunde-Demo-2026")
    assert response.status_code == 302


def test_create_admin(app, runner, auth):
    result = runner.invoke(
        args=["create-admin", "--email", "Chefin@Hub.example", "--name", "Nina Albers"],
        input="Ein-Langes-Passwort-1\nEin-Langes-Passwort-1\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        admin = User.by_email("chefin@hub.example")
        assert admin.role == Role.ADMIN and admin.is_verified
    assert auth.login("chefin@hub.example", "Ein-Langes-Passwort-1").status_code == 302


def test_create_admin_refuses_a_taken_address_and_a_short_password(runner, make):
    make.user("chefin@hub.example")
    taken = runner.invoke(
        args=["create-admin", "--email", "chefin@hub.example", "--name", "X"],
        input="Ein-Langes-Passwort-1\nEin-Langes-Passwort-1\n",
    )
    assert taken.exit_code != 0
    assert "exists already" in taken.output
    short = runner.invoke(
        args=["create-admin", "--email", "neu@hub.example", "--name", "X"], input="kurz\nkurz\n"
    )
    assert short.exit_code != 0
    assert "at least 10 characters" in short.output


def test_worker_once_sends_what_is_due(app, runner, client, smtp_server):
    app.config.update(smtp_server.config())
    client.submit("/konto/passwort-vergessen", {"email": "nobody@firma.example"})
    runner.invoke(args=["seed-demo"])
    client.submit("/konto/passwort-vergessen", {"email": "lea.schubert@flowbit.example"})
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert [m["To"] for m in smtp_server.messages] == ["lea.schubert@flowbit.example"]
    with app.app_context():
        assert db.session.scalar(sa.select(OutboxMessage.sent_at)) is not None


def test_purge_expired_releases_stale_guest_holds(app, runner, world):
    held = book(app, world, at(monday_in(2), "10:00"), guest=GUEST)
    assert "0 expired holds released." in runner.invoke(args=["purge-expired"]).output
    with app.app_context():
        db.session.execute(
            sa.update(Booking).values(hold_expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        db.session.commit()
    assert "1 expired holds released." in runner.invoke(args=["purge-expired"]).output
    assert fetch(app, held).status == "cancelled"


def test_seed_demo_gives_the_demo_advisor_a_working_fortnight(app, runner):
    """Upcoming meetings, a guest's unconfirmed request, one past meeting waiting for its
    outcome and one closed with a private note — and not one mail about made-up bookings."""
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    now = datetime.now(UTC)
    with app.app_context():
        advisor = Advisor.of_user(User.by_email("katharina.brandt@industryhub.example"))
        bookings = db.session.scalars(
            sa.select(Booking).where(Booking.advisor_id == advisor.id)
        ).all()
        upcoming = [b for b in bookings if b.start > now]
        assert sum(b.status == "confirmed" for b in upcoming) >= 3
        assert [b.guest_name for b in upcoming if b.status == "pending"] == ["Lena Vogt"]
        past = {b.status: b for b in bookings if b.end < now}
        assert set(past) == {"confirmed", "completed"}
        assert "Pilotkunde" in past["completed"].notes[0].body
        assert [e.action for e in past["completed"].history] == [
            "created",
            "confirmed",
            "completed",
        ]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    before = counts(app)["Booking"]
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert counts(app)["Booking"] == before
