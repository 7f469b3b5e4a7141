"""The administration's data-protection requests: export for an account or a guest
address, erase a guest address, erase an account; each audited with a masked address."""

from __future__ import annotations

import sqlalchemy as sa

from app.admin.audit import AuditAction
from app.extensions import db
from app.models import AuditEvent, Booking, Role, User
from tests.booking_support import GUEST
from tests.privacy_support import occurrences, past_booking, unzip, upcoming
from tests.test_html import assert_pages_valid

PAGE = "/admin/datenschutz"


def audited(app, action: AuditAction) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action.value)
        ).all()
        db.session.expunge_all()
        return events


def test_clients_cannot_reach_it(app, world, auth, client):
    auth.login(world.client.email)
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}/gast-loeschen?guest-email=eva@gast.example").status_code == 403
    assert client.get(f"{PAGE}/konto-loeschen?account-email=x@y.example").status_code == 403
    for url in (f"{PAGE}/export", f"{PAGE}/gast-loeschen", f"{PAGE}/konto-loeschen"):
        assert client.submit(url, {"email": world.client.email}).status_code == 403


def test_a_client_exports_only_their_own_data(app, world, make, auth, client):
    other = make.user("andere@firma.example", name="Andere Anna")
    past_booking(app, world, other.id, days_ago=3, agenda="Annas Agenda")
    auth.login(world.client.email)
    data, _readme = unzip(client.submit("/konto/datenschutz/export", {"email": other.email}).data)
    assert data["profile"]["email"] == world.client.email
    assert "Annas Agenda" not in str(data)


def test_export_for_an_account_is_audited(app, world, admin, client):
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Daten exportieren" in page.get_data(as_text=True)
    upcoming(app, world)
    response = client.submit(
        f"{PAGE}/export", {"kind": "account", "email": world.client.email.upper()}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data, _readme = unzip(response.data)
    assert data["profile"]["email"] == world.client.email
    assert len(data["bookings"]) == 1
    [event] = audited(app, AuditAction.DATA_EXPORTED_FOR_USER)
    assert event.target_id == world.client.id
    assert event.target_label == "p•••@firma.example"
    assert event.actor_id is not None and event.actor_id != world.client.id


def test_export_for_a_guest(app, world, admin, client):
    upcoming(app, world, guest=GUEST)
    response = client.submit(f"{PAGE}/export", {"kind": "guest", "email": "Eva@Gast.example"})
    data, _readme = unzip(response.data)
    assert [b["guest_name"] for b in data["bookings"]] == ["Eva Gast"]
    [event] = audited(app, AuditAction.DATA_EXPORTED_FOR_GUEST)
    assert event.target_label == "e•••@gast.example"


def test_unknown_and_bad_addresses_get_a_neutral_answer(app, world, admin, client):
    for kind in ("account", "guest"):
        unknown = client.submit(f"{PAGE}/export", {"kind": kind, "email": "nie@da.example"})
        assert unknown.status_code == 404
        assert "nichts gefunden" in unknown.get_data(as_text=True)
    # A NUL byte is refused for every form before any view (app/edges.py).
    nul = client.submit(f"{PAGE}/export", {"kind": "account", "email": "a\x00b@x.example"})
    assert nul.status_code == 400
    for bad in ("x" * 100_000, "kein at", "zeile\n@x.example"):
        response = client.submit(f"{PAGE}/export", {"kind": "account", "email": bad})
        assert response.status_code == 422
        assert 'class="error"' in response.get_data(as_text=True)
    assert (
        client.submit(f"{PAGE}/export", {"kind": "alles", "email": "a@b.example"}).status_code
        == 422
    )
    confirm = client.get(f"{PAGE}/gast-loeschen", query_string={"guest-email": "nie@da.example"})
    assert confirm.status_code == 404
    bad = client.get(f"{PAGE}/konto-loeschen", query_string={"account-email": "x" * 5000})
    assert bad.status_code == 422
    assert audited(app, AuditAction.DATA_EXPORTED_FOR_USER) == []


def test_erasing_a_guest_address(app, world, admin, client, outbox):
    coming = upcoming(app, world, guest=GUEST)
    past_booking(
        app, world, None, days_ago=30, guest_name="Eva Gast", guest_email="eva@gast.example"
    )
    confirm = client.get(f"{PAGE}/gast-loeschen", query_string={"guest-email": "EVA@gast.example"})
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "2 Buchungen werden anonymisiert" in text
    assert "1 kommender Termin wird abgesagt" in text
    assert "eva@gast.example" not in text.replace('value="eva@gast.example"', "")

    no_csrf = client.post(f"{PAGE}/gast-loeschen", data={"email": "eva@gast.example"})
    assert no_csrf.status_code == 400
    done = client.submit(
        f"{PAGE}/gast-loeschen", {"email": "eva@gast.example"}, follow_redirects=True
    )
    assert "2 Termine anonymisiert, 1 abgesagt" in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Booking, coming).status == "cancelled"
    assert occurrences(app, "eva@gast.example", "Eva Gast") == []
    [event] = audited(app, AuditAction.GUEST_ERASED)
    assert event.target_label == "e•••@gast.example"
    assert "bookings=2" in event.detail


def test_erasing_an_account(app, world, admin, client, auth):
    upcoming(app, world)
    confirm = client.get(
        f"{PAGE}/konto-loeschen", query_string={"account-email": world.client.email}
    )
    assert confirm.status_code == 200
    assert "Konto von Andreas Krüger löschen?" in confirm.get_data(as_text=True)
    done = client.submit(
        f"{PAGE}/konto-loeschen", {"email": world.client.email}, follow_redirects=True
    )
    assert "Das Konto ist gelöscht; 1 kommende Termine wurden abgesagt." in done.get_data(
        as_text=True
    )
    assert occurrences(app, world.client.email, "Andreas Krüger") == []
    [event] = audited(app, AuditAction.USER_ERASED)
    assert event.target_id == world.client.id and event.target_label == "p•••@firma.example"
    again = client.get(f"{PAGE}/konto-loeschen", query_string={"account-email": world.client.email})
    assert again.status_code == 404


def test_admins_cannot_erase_themselves(app, world, make, auth, client):
    me = make.user("chefin@hub.example", role=Role.ADMIN)
    auth.login(me.email)
    confirm = client.get(f"{PAGE}/konto-loeschen", query_string={"account-email": me.email})
    assert confirm.status_code == 409
    assert "eigenes Konto" in confirm.get_data(as_text=True)
    assert client.submit(f"{PAGE}/konto-loeschen", {"email": me.email}).status_code == 409
    with app.app_context():
        assert db.session.get(User, me.id).erased_at is None


def privacy_pages(app, world, make, auth, client):
    upcoming(app, world)
    upcoming(app, world, clock="14:00", guest=GUEST)
    auth.login(world.client.email)
    yield "overview", client.get("/konto/datenschutz/")
    yield "delete", client.get("/konto/datenschutz/konto-loeschen")
    yield (
        "delete-error",
        client.submit("/konto/datenschutz/konto-loeschen", {"password": "", "confirm": "nein"}),
    )
    auth.logout()
    auth.login(make.user(role=Role.ADMIN).email)
    yield "admin", client.get(PAGE)
    yield "admin-errors", client.submit(f"{PAGE}/export", {"kind": "x", "email": "kein"})
    yield (
        "admin-unknown",
        client.submit(f"{PAGE}/export", {"kind": "guest", "email": "nie@da.example"}),
    )
    yield (
        "guest-confirm",
        client.get(f"{PAGE}/gast-loeschen", query_string={"guest-email": "eva@gast.example"}),
    )
    yield (
        "account-confirm",
        client.get(f"{PAGE}/konto-loeschen", query_string={"account-email": world.client.email}),
    )


def test_the_pages_keep_the_markup_rules(app, world, make, auth, client, tmp_path):
    pages = privacy_pages(app, world, make, auth, client)
    assert_pages_valid(pages, tmp_path, statuses=(200, 404, 422))


def test_wrong_passwords_are_rate_limited_like_logins(app, world, auth, client):
    app.config["RATELIMIT_ENABLED"] = True
    from app.extensions import limiter

    limiter.reset()
    auth.login(world.client.email)
    statuses = [
        client.submit(
            "/konto/datenschutz/konto-loeschen", {"password": "falsch", "confirm": "LÖSCHEN"}
        ).status_code
        for _ in range(12)
    ]
    limiter.reset()  # the next test starts with a clean slate
    assert statuses[0] == 422
    assert 429 in statuses
    with app.app_context():
        assert db.session.get(User, world.client.id).erased_at is None


def test_an_advisor_is_erased_only_without_upcoming_meetings(app, world, admin, client):
    from tests.booking_support import user_of

    booking_id = upcoming(app, world)
    advisor = user_of(app, world.brandt)
    refused = client.get(f"{PAGE}/konto-loeschen", query_string={"account-email": advisor.email})
    assert refused.status_code == 409
    assert "1 kommende Termine" in refused.get_data(as_text=True)
    with app.app_context():
        db.session.get(Booking, booking_id).status = "cancelled"
        db.session.commit()
    done = client.submit(f"{PAGE}/konto-loeschen", {"email": advisor.email})
    assert done.status_code == 302
    with app.app_context():
        from app.models import Advisor

        profile = db.session.get(Advisor, world.brandt.id)
        assert not profile.active and profile.feed_token is None
        assert db.session.get(User, advisor.id).name == "Gelöschtes Konto"
    assert occurrences(app, advisor.email, "Dr. Katharina Brandt") == []
