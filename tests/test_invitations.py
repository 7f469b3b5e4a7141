"""Invitations into an organisation: for one address, used once, revocable, rate-limited."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Invitation, OutboxMessage, User
from tests.conftest import PASSWORD, link_in
from tests.test_booking_concurrency import racing_app, together

INVITED = "geselle@schreinerei-lehmann.example"


def joining(name: str = "Jonas Geselle", email: str = INVITED) -> dict:
    return {
        "name": name,
        "email": email,
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "accept_privacy": "y",
    }


@pytest.fixture
def inviter(make):
    return make.user(organisation=make.organisation("Schreinerei Lehmann"))


def invite(client, auth, inviter, email: str = INVITED):
    auth.login(inviter.email)
    answer = client.submit("/konto/organisation", {"email": email})
    auth.logout()
    return answer


def invitations(app) -> list[Invitation]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(Invitation).order_by(Invitation.id)))
        db.session.expunge_all()
        return found


def users_named(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(User.id)).where(User.email == email))


def test_invitation_joins_only_the_invited_address(app, client, auth, inviter, outbox):
    invite(client, auth, inviter)
    link = link_in(outbox(INVITED)[0])
    form = client.get(link).get_data(as_text=True)
    field = re.search(r'<input[^>]*id="email"[^>]*>', form).group(0)
    assert "readonly" in field and f'value="{INVITED}"' in field
    joined = client.submit(link, joining(email="fremder@anderswo.example"))
    assert joined.status_code == 302
    assert users_named(app, "fremder@anderswo.example") == 0
    with app.app_context():
        colleague = User.by_email(INVITED)
        assert colleague.organisation_id == inviter.organisation_id
        assert colleague.is_verified


def test_invitation_link_works_once(app, client, auth, inviter, outbox):
    invite(client, auth, inviter)
    link = link_in(outbox(INVITED)[0])
    client.submit(link, joining())
    auth.logout()
    again = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert "Diese Einladung wurde bereits verwendet" in again
    client.submit(link, joining(name="Zweiter Versuch"))
    assert users_named(app, INVITED) == 1
    [used] = invitations(app)
    assert used.used_at is not None


def test_opening_an_invitation_link_changes_nothing(app, client, auth, inviter, outbox):
    invite(client, auth, inviter)
    link = link_in(outbox(INVITED)[0])
    for _ in range(3):
        assert client.get(link).status_code == 200
    [invitation] = invitations(app)
    assert invitation.used_at is None and invitation.revoked_at is None


def test_only_a_hash_of_the_link_secret_is_stored(app, client, auth, inviter, outbox):
    invite(client, auth, inviter)
    secret = link_in(outbox(INVITED)[0]).partition("invitation=")[2]
    [invitation] = invitations(app)
    assert invitation.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert invitation.email == INVITED
    assert invitation.expires_at - invitation.created_at == app.config["INVITE_TOKEN_MAX_AGE"]


def test_organisation_page_lists_open_invitations_and_revokes_them(
    app, client, auth, inviter, outbox
):
    invite(client, auth, inviter)
    auth.login(inviter.email)
    page = client.get("/konto/organisation").get_data(as_text=True)
    assert f">{INVITED}</td>" in page and f">{inviter.name}</td>" in page
    [invitation] = invitations(app)
    revoked = client.submit(f"/konto/organisation/einladungen/{invitation.id}/zurueckziehen")
    assert revoked.status_code == 302
    page = client.get("/konto/organisation").get_data(as_text=True)
    assert f">{INVITED}</td>" not in page
    auth.logout()
    answer = client.get(link_in(outbox(INVITED)[0]), follow_redirects=True)
    assert "Diese Einladung wurde zurückgezogen" in answer.get_data(as_text=True)
    client.submit(link_in(outbox(INVITED)[0]), joining())
    assert users_named(app, INVITED) == 0


def test_revoking_with_htmx_swaps_the_list(app, htmx_client, inviter, outbox):
    htmx_client.submit("/konto/anmelden", {"email": inviter.email, "password": PASSWORD})
    htmx_client.submit("/konto/organisation", {"email": INVITED})
    [invitation] = invitations(app)
    answer = htmx_client.submit(f"/konto/organisation/einladungen/{invitation.id}/zurueckziehen")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "<html" not in html and 'id="invitations"' in html
    assert f">{INVITED}</td>" not in html and "ist zurückgezogen" in html


def test_a_member_of_another_organisation_cannot_revoke(app, client, auth, make, inviter):
    invite(client, auth, inviter)
    [invitation] = invitations(app)
    stranger = make.user()
    auth.login(stranger.email)
    url = f"/konto/organisation/einladungen/{invitation.id}/zurueckziehen"
    assert client.submit(url).status_code == 404
    assert f">{INVITED}</td>" not in client.get("/konto/organisation").get_data(as_text=True)
    [still] = invitations(app)
    assert still.revoked_at is None


def test_expired_invitation_says_so(app, client, auth, inviter, outbox):
    app.config["INVITE_TOKEN_MAX_AGE"] = timedelta(0)
    invite(client, auth, inviter)
    answer = client.get(link_in(outbox(INVITED)[0]), follow_redirects=True)
    assert "Diese Einladung ist abgelaufen" in answer.get_data(as_text=True)


def test_inviting_again_replaces_the_open_invitation(app, client, auth, inviter, outbox):
    invite(client, auth, inviter)
    invite(client, auth, inviter, INVITED.upper())
    first, second = outbox(INVITED)
    old, new = invitations(app)
    assert old.revoked_at is not None and new.revoked_at is None
    assert "zurückgezogen" in client.get(link_in(first), follow_redirects=True).get_data(
        as_text=True
    )
    assert client.submit(link_in(second), joining()).headers["Location"] == "/"


def test_inviting_an_existing_account_answers_the_same(app, client, auth, make, inviter, outbox):
    owner = make.user("schon-da@firma.example")
    fresh = invite(client, auth, inviter, "neu@firma.example")
    known = invite(client, auth, inviter, owner.email)
    assert fresh.status_code == known.status_code == 302
    assert fresh.headers["Location"] == known.headers["Location"]
    assert [i.email for i in invitations(app)] == ["neu@firma.example", owner.email]
    [told] = outbox(owner.email)
    assert "/konto/registrieren" not in told.body_text  # nothing to register with
    assert told.subject != ""


def test_eleventh_invitation_of_a_user_in_a_day_is_refused(app, client, auth, inviter, outbox):
    auth.login(inviter.email)
    for number in range(10):
        answer = client.submit("/konto/organisation", {"email": f"k{number}@firma.example"})
        assert answer.status_code == 302
    refused = client.submit("/konto/organisation", {"email": "k10@firma.example"})
    assert refused.status_code == 422
    assert "zu viele Einladungen" in refused.get_data(as_text=True)
    assert outbox("k10@firma.example") == []
    assert len(invitations(app)) == 10


def test_an_organisation_has_its_own_daily_invitation_limit(app, client, auth, make, inviter):
    app.config["INVITE_LIMIT_PER_ORGANISATION"] = 3
    colleague = make.user(organisation=SimpleNamespace(id=inviter.organisation_id))
    for number in range(3):
        invite(client, auth, inviter if number % 2 else colleague, f"k{number}@firma.example")
    auth.login(colleague.email)
    refused = client.submit("/konto/organisation", {"email": "k3@firma.example"})
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 3


def test_invitation_posts_are_rate_limited_per_user(app, client, auth, make, inviter):
    app.config["INVITE_RATE_LIMIT"] = "2 per minute"
    auth.login(inviter.email)
    for number in range(2):
        client.submit("/konto/organisation", {"email": f"k{number}@firma.example"})
    assert client.submit("/konto/organisation", {"email": "k9@firma.example"}).status_code == 429
    auth.logout()
    other = make.user()
    auth.login(other.email)  # same address, another user: not limited
    assert client.submit("/konto/organisation", {"email": "k9@firma.example"}).status_code == 302


def test_two_registrations_with_one_link_at_once_give_one_account(
    app, client, auth, inviter, outbox, database_url
):
    invite(client, auth, inviter)
    link = link_in(outbox(INVITED)[0])

    def register(number: int):
        def action(racer, csrf):
            return racer.post(link, data={"csrf_token": csrf, **joining(name=f"Person {number}")})

        return action

    answers = together(racing_app(database_url, 5), [register(n) for n in range(5)])
    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert sorted(a.status_code for a in answers) == [302] * 5
    assert [a.headers["Location"] for a in answers].count("/") == 1
    assert users_named(app, INVITED) == 1
