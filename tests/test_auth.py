"""Accounts: registration, verification, login, logout, reset, profile, invitations."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import template_rendered

from app.extensions import db
from app.models import Organisation, Role, User
from tests.conftest import PASSWORD, link_in

REGISTRATION = {
    "name": "Andrea Schmitz",
    "email": "Andrea.Schmitz@Rheinchem.example",
    "password": PASSWORD,
    "password_confirm": PASSWORD,
    "organisation_name": "Rheinchem Spezialchemie GmbH",
    "industry": "Chemie",
    "city": "Dormagen",
    "size": "250+",
    "accept_privacy": "y",
}


def stored_user(app, email: str) -> User | None:
    with app.app_context():
        user = User.by_email(email)
        if user is not None:
            db.session.expunge(user)
        return user


# Registration


@pytest.mark.production_hashing
def test_registration_creates_organisation_and_unverified_user(app, client, outbox):
    answer = client.submit("/konto/registrieren", REGISTRATION)
    assert answer.headers["Location"] == "/konto/postfach"
    page = client.get("/konto/postfach").get_data(as_text=True)
    assert "Bitte prüfen Sie Ihr Postfach" in page
    user = stored_user(app, "andrea.schmitz@rheinchem.example")
    assert user.email == "andrea.schmitz@rheinchem.example"  # stored lower-case
    assert user.role == Role.CLIENT
    assert not user.is_verified
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    with app.app_context():
        organisation = db.session.get(Organisation, user.organisation_id)
        assert (organisation.name, organisation.city, organisation.size) == (
            "Rheinchem Spezialchemie GmbH",
            "Dormagen",
            "250+",
        )
    [mail] = outbox()
    assert mail.to_address == user.email
    assert mail.subject == "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    assert "/konto/bestaetigen/" in mail.body_text


def test_registering_a_taken_address_answers_the_same_and_tells_the_owner(client, make, outbox):
    fresh = client.submit("/konto/registrieren", {**REGISTRATION, "email": "neu@firma.example"})
    owner = make.user("andrea.schmitz@rheinchem.example")
    taken = client.submit("/konto/registrieren", REGISTRATION)
    assert taken.status_code == fresh.status_code == 302
    assert taken.headers["Location"] == fresh.headers["Location"] == "/konto/postfach"
    assert taken.get_data() == fresh.get_data()
    [mail] = outbox(owner.email)
    assert mail.to_address == owner.email
    assert mail.subject == "Sie haben bereits ein Konto"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "keine-adresse", "gültige E-Mail-Adresse"),
        ("password", "kurz", "mindestens 10 Zeichen"),
        ("password", "passwort123", "zu leicht zu erraten"),
        ("password_confirm", "Anderes-Passwort-42", "stimmen nicht überein"),
        ("accept_privacy", "", "Bitte setzen Sie das Häkchen"),
        ("organisation_name", "", "Bitte geben Sie den Namen Ihres Unternehmens ein."),
    ],
)
def test_bad_registration_input_is_explained_and_keeps_what_was_typed(
    app, htmx_client, field, value, message
):
    data = {**REGISTRATION, field: value}
    if field == "password":
        data["password_confirm"] = value
    response = htmx_client.submit("/konto/registrieren", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'aria-invalid="true"' in html
    assert f'aria-describedby="{field}-error"' in html or f"{field}-error" in html
    assert 'value="Andrea Schmitz"' in html
    assert 'value="Rheinchem Spezialchemie GmbH"' in html or field == "organisation_name"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_honeypot_filled_by_a_bot_creates_nothing(app, client, outbox):
    answer = client.submit("/konto/registrieren", {**REGISTRATION, "website": "http://spam"})
    assert answer.headers["Location"] == "/konto/postfach"
    assert stored_user(app, REGISTRATION["email"]) is None
    assert outbox() == []


# Verification


def test_verification_link_confirms_the_address(app, client, outbox):
    client.submit("/konto/registrieren", REGISTRATION)
    page = client.submit(link_in(outbox()[0]), follow_redirects=True)
    assert "Ihre E-Mail-Adresse ist bestätigt" in page.get_data(as_text=True)
    assert stored_user(app, REGISTRATION["email"]).is_verified


def test_opening_the_verification_link_only_shows_a_button(app, client, outbox):
    """Mail scanners open links before the person does: a GET changes nothing."""
    client.submit("/konto/registrieren", REGISTRATION)
    link = link_in(outbox()[0])
    page = client.get(link)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'action="{link}"' in html and 'name="csrf_token"' in html
    assert not stored_user(app, REGISTRATION["email"]).is_verified
    assert client.post(link).status_code == 400  # no CSRF token, no change
    assert not stored_user(app, REGISTRATION["email"]).is_verified


def test_tampered_verification_link_is_refused(app, client, outbox):
    client.submit("/konto/registrieren", REGISTRATION)
    page = client.get(link_in(outbox()[0]) + "x", follow_redirects=True)
    assert "Dieser Link ist ungültig" in page.get_data(as_text=True)
    page = client.submit(link_in(outbox()[0]) + "x", follow_redirects=True)
    assert "Dieser Link ist ungültig" in page.get_data(as_text=True)
    assert not stored_user(app, REGISTRATION["email"]).is_verified


def test_expired_verification_link_says_so(app, client, outbox):
    app.config["EMAIL_TOKEN_MAX_AGE"] = app.config["EMAIL_TOKEN_MAX_AGE"] * 0
    client.submit("/konto/registrieren", REGISTRATION)
    time.sleep(1.1)
    page = client.get(link_in(outbox()[0]), follow_redirects=True)
    assert "Dieser Link ist abgelaufen" in page.get_data(as_text=True)


# Login and logout


def test_login_and_logout(client, auth, make):
    user = make.user(name="Sabine Wolf")
    response = auth.login(user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Abmelden" in home and "Profil" in home
    auth.logout()
    home = client.get("/").get_data(as_text=True)
    assert "Anmelden" in home and "Abmelden" not in home


def test_logout_ends_the_session_and_the_remember_cookie_on_the_server(app, client, make):
    user = make.user()
    client.submit("/konto/anmelden", {"email": user.email, "password": PASSWORD, "remember": "y"})
    stolen = {name: client.get_cookie(name).value for name in ("session", "remember_token")}
    answer = client.submit("/konto/abmelden")
    assert any(c.startswith("remember_token=;") for c in answer.headers.getlist("Set-Cookie"))
    for name, value in stolen.items():
        replay = app.test_client()
        replay.set_cookie(name, value)
        assert replay.get("/konto/profil").status_code == 302, name


def test_login_is_case_insensitive_on_the_address(auth, make):
    user = make.user("sabine.wolf@rheinchem.example")
    assert auth.login("Sabine.Wolf@RHEINCHEM.example").status_code == 302
    assert user.email == "sabine.wolf@rheinchem.example"


def test_wrong_password_and_unknown_address_get_the_same_answer(auth, make):
    user = make.user()
    wrong = auth.login(user.email, "falsches-Passwort-123")
    unknown = auth.login("niemand@nirgends.example", "falsches-Passwort-123")
    assert wrong.status_code == unknown.status_code == 422
    message = "E-Mail-Adresse oder Passwort ist falsch."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_unverified_user_is_asked_to_confirm_first(auth, make):
    user = make.user(verified=False)
    page = auth.login(user.email)
    assert page.status_code == 422
    assert "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse" in page.get_data(as_text=True)


def test_deactivated_user_cannot_log_in(auth, make):
    user = make.user(active=False)
    assert auth.login(user.email).status_code == 422


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/konto/profil", "/konto/profil"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_login_redirects_only_to_same_site_paths(client, make, next_url, expected):
    user = make.user()
    response = client.submit(
        "/konto/anmelden", {"email": user.email, "password": PASSWORD, "next": next_url}
    )
    assert response.headers["Location"] == expected


def test_login_required_page_sends_to_login_and_back(client, auth, make):
    user = make.user()
    response = client.get("/konto/profil")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/konto/anmelden?next=")
    login = client.get(response.headers["Location"], follow_redirects=True)
    assert "Bitte melden Sie sich an" in login.get_data(as_text=True)
    back = client.submit(
        "/konto/anmelden", {"email": user.email, "password": PASSWORD, "next": "/konto/profil"}
    )
    assert back.headers["Location"] == "/konto/profil"


def test_login_is_rate_limited_with_a_translated_429(client, make):
    user = make.user()
    for _ in range(10):
        client.submit("/konto/anmelden", {"email": user.email, "password": "falsch-falsch-1"})
    blocked = client.submit("/konto/anmelden", {"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Zu viele Versuche" in blocked.get_data(as_text=True)
    client.set_cookie("lang", "en")
    english = client.submit("/konto/anmelden", {"email": user.email, "password": PASSWORD})
    assert english.status_code == 429
    assert "Too many attempts" in english.get_data(as_text=True)


def test_remember_me_cookie_is_http_only_and_same_site(client, make):
    user = make.user()
    response = client.submit(
        "/konto/anmelden", {"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(cookie for cookie in cookies if cookie.startswith("remember_token="))
    assert "HttpOnly" in remember
    assert "SameSite=Lax" in remember


def test_registration_does_the_same_work_for_known_and_unknown_addresses(
    client, make, outbox, monkeypatch
):
    """Byte-identical answers are not enough: both paths hash once and queue one mail."""
    from app.models import users

    calls: list[str] = []

    class CountingHasher(PasswordHasher):  # argon2's hasher has read-only attributes
        def hash(self, password, **kwargs):
            calls.append(password)
            return super().hash(password, **kwargs)

    make.user("andrea.schmitz@rheinchem.example")
    monkeypatch.setattr(users, "password_hasher", CountingHasher(1, 8, 1))
    client.submit("/konto/registrieren", REGISTRATION)
    known_hashes, known_mails = len(calls), len(outbox())
    client.submit("/konto/registrieren", {**REGISTRATION, "email": "neu@firma.example"})
    assert (known_hashes, known_mails) == (1, 1)
    assert (len(calls) - known_hashes, len(outbox()) - known_mails) == (1, 1)


# Password reset and change


def test_reset_answers_the_same_for_unknown_addresses(client, make, outbox):
    user = make.user()
    known = client.submit("/konto/passwort-vergessen", {"email": user.email})
    unknown = client.submit("/konto/passwort-vergessen", {"email": "nobody@firma.example"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/konto/postfach"
    assert known.get_data() == unknown.get_data()
    assert [mail.to_address for mail in outbox()] == [user.email]


@pytest.mark.parametrize(
    ("path", "template", "verified"),
    [
        ("/konto/passwort-vergessen", "mail/reset_password.txt", True),
        ("/konto/bestaetigung-erneut", "mail/verify_email.txt", False),
    ],
)
def test_mail_forms_do_the_same_work_for_unknown_addresses(
    app, client, make, outbox, path, template, verified
):
    """The answer is identical, so the time must be too: an unknown address renders the
    same mail (and queues nothing), instead of answering a millisecond sooner."""
    user = make.user(verified=verified)
    rendered: list[str] = []

    def record(sender, template, context, **extra) -> None:
        rendered.append(template.name)

    with template_rendered.connected_to(record, app):
        client.submit(path, {"email": user.email})
        known = list(rendered)
        rendered.clear()
        client.submit(path, {"email": "niemand@firma.example"})
    assert template in known
    assert [name for name in rendered if name.startswith("mail/")] == [
        name for name in known if name.startswith("mail/")
    ]
    assert [mail.to_address for mail in outbox()] == [user.email]


def test_reset_link_sets_a_new_password_once(client, auth, make, outbox):
    user = make.user()
    client.submit("/konto/passwort-vergessen", {"email": user.email})
    link = link_in(outbox()[0])
    new_password = "Neues-Sicheres-Passwort-7"
    done = client.submit(link, {"password": new_password, "password_confirm": new_password})
    assert done.headers["Location"].startswith("/konto/anmelden")
    assert auth.login(user.email, PASSWORD).status_code == 422
    assert auth.login(user.email, new_password).status_code == 302
    auth.logout()
    reused = client.get(link, follow_redirects=True)
    assert "Dieser Link ist ungültig" in reused.get_data(as_text=True)


def test_password_change_logs_out_other_sessions(app, client, make):
    user = make.user()
    laptop, phone = client, app.test_client()
    for device in (laptop, phone):
        device.submit("/konto/anmelden", {"email": user.email, "password": PASSWORD})
        assert device.get("/konto/profil").status_code == 200
    new_password = "Ganz-Neues-Passwort-11"
    changed = laptop.submit(
        "/konto/passwort",
        {"current_password": PASSWORD, "password": new_password, "password_confirm": new_password},
    )
    assert changed.status_code == 302
    assert laptop.get("/konto/profil").status_code == 200  # this device stays logged in
    assert phone.get("/konto/profil").status_code == 302  # the other one is out


def test_password_change_needs_the_current_password(client, auth, make):
    user = make.user()
    auth.login(user.email)
    response = client.submit(
        "/konto/passwort",
        {
            "current_password": "falsch",
            "password": "Neu-Neu-Neu-12",
            "password_confirm": "Neu-Neu-Neu-12",
        },
    )
    assert response.status_code == 422
    assert "Das aktuelle Passwort ist nicht richtig." in response.get_data(as_text=True)


def test_password_change_attempts_are_rate_limited_per_user(app, client, auth, make):
    app.config["PASSWORD_CHANGE_RATE_LIMIT"] = "3 per minute"
    user = make.user()
    auth.login(user.email)
    wrong = {"current_password": "geraten", "password": "Neu-Neu-Neu-12",
             "password_confirm": "Neu-Neu-Neu-12"}  # fmt: skip
    for _ in range(3):
        assert client.submit("/konto/passwort", wrong).status_code == 422
    assert client.submit("/konto/passwort", wrong).status_code == 429
    auth.logout()
    other = make.user()
    auth.login(other.email)  # the limit is this user's, not the address's
    assert client.submit("/konto/passwort", wrong).status_code == 422


# Links in mail


def test_mail_links_come_from_base_url_not_the_host_header(app, client, make, outbox):
    user = make.user()
    client.submit(
        "/konto/passwort-vergessen", {"email": user.email}, headers={"Host": "localhost:6666"}
    )
    [mail] = outbox()
    links = re.findall(r"https?://\S+", mail.body_text)
    assert links and all(link.startswith("http://localhost/konto/") for link in links), links
    assert "6666" not in mail.body_html


def test_external_url_needs_no_request(app):
    from app.web import external_url

    app.config["BASE_URL"] = "https://termine.industryhub.example/hub/"
    with app.app_context():
        assert external_url("auth.login", email="a@b.example") == (
            "https://termine.industryhub.example/hub/konto/anmelden?email=a@b.example"
        )


def test_production_refuses_to_start_without_base_url(database_url, monkeypatch):
    from app import create_app
    from tests.conftest import app_config

    monkeypatch.delenv("BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app(app_config(database_url, BASE_URL=None))
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app(app_config(database_url, BASE_URL="termine.example"))


def test_development_defaults_base_url_to_the_local_server(monkeypatch):
    from app.config import Config

    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert Config().BASE_URL == "http://127.0.0.1:5000"
    monkeypatch.setenv("FLASK_DEBUG", "0")
    assert Config().BASE_URL is None


# Profile


def test_profile_saves_name_language_and_time_zone(app, client, auth, make):
    user = make.user()
    auth.login(user.email)
    client.submit(
        "/konto/profil", {"name": "Dr. Sabine Wolf", "locale": "en", "timezone": "America/New_York"}
    )
    stored = stored_user(app, user.email)
    assert (stored.name, stored.locale, stored.timezone) == (
        "Dr. Sabine Wolf",
        "en",
        "America/New_York",
    )
    page = client.get("/konto/profil").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "America/New_York" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Mars/Olympus_Mons", "Unbekannte Zeitzone"),
        ("locale", "xx", "Diese Sprache wird nicht angeboten"),
    ],
)
def test_profile_rejects_unknown_zone_or_language(app, htmx_client, make, field, value, message):
    user = make.user()
    htmx_client.submit("/konto/anmelden", {"email": user.email, "password": PASSWORD})
    data = {"name": "Neuer Name", "locale": "de", "timezone": "Europe/Berlin", field: value}
    response = htmx_client.submit("/konto/profil", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert 'value="Neuer Name"' in response.get_data(as_text=True)
    assert stored_user(app, user.email).name == user.name


# Inviting colleagues


def test_colleague_joins_the_organisation_by_invitation(app, client, auth, make, outbox):
    organisation = make.organisation("Schreinerei Lehmann")
    inviter = make.user(organisation=organisation)
    auth.login(inviter.email)
    client.submit("/konto/organisation", {"email": "geselle@schreinerei-lehmann.example"})
    auth.logout()
    invitation = outbox("geselle@schreinerei-lehmann.example")[0]
    assert "Schreinerei Lehmann" in invitation.subject
    form = client.get(link_in(invitation))
    assert "Schreinerei Lehmann beizutreten" in form.get_data(as_text=True)
    joined = client.submit(
        link_in(invitation),
        {
            "name": "Jonas Geselle",
            "email": "geselle@schreinerei-lehmann.example",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "accept_privacy": "y",
        },
    )
    assert joined.status_code == 302  # verified by the invitation, logged in at once
    colleague = stored_user(app, "geselle@schreinerei-lehmann.example")
    assert colleague.organisation_id == organisation.id
    assert colleague.is_verified


def test_tampered_invitation_is_refused(client):
    page = client.get("/konto/registrieren?invitation=abc.def", follow_redirects=True)
    assert "Dieser Link ist ungültig" in page.get_data(as_text=True)


# Roles


@pytest.mark.parametrize(
    ("role", "status"), [(Role.CLIENT, 403), (Role.ADVISOR, 403), (Role.ADMIN, 200)]
)
def test_only_admins_manage_users(client, auth, make, role, status):
    user = make.user(role=role)
    auth.login(user.email)
    assert client.get("/admin/nutzer").status_code == status


def test_admin_creates_an_advisor_who_sets_a_password_by_mail(app, client, auth, make, outbox):
    admin = make.user(role=Role.ADMIN)
    auth.login(admin.email)
    client.submit(
        "/admin/nutzer",
        {"name": "Julia Hoffmann", "email": "julia.hoffmann@hub.example", "role": "advisor"},
    )
    auth.logout()
    advisor = stored_user(app, "julia.hoffmann@hub.example")
    assert advisor.role == Role.ADVISOR
    [welcome] = outbox("julia.hoffmann@hub.example")
    chosen = "Mein-Berater-Passwort-5"
    client.submit(link_in(welcome), {"password": chosen, "password_confirm": chosen})
    assert auth.login(advisor.email, chosen).status_code == 302
