"""Admins find, change, deactivate and re-invite accounts; every change is in the audit log;
nobody else gets in, and no admin locks the hub out."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.admin import account_changes
from app.auth import service
from app.database import begin_write
from app.extensions import db
from app.models import Advisor, AuditEvent, Role, User
from app.models.types import utcnow
from tests.conftest import PASSWORD, link_in
from tests.test_booking_concurrency import racing_app, together

WRONG_CREDENTIALS = "E-Mail-Adresse oder Passwort ist falsch"


def fetch_user(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def events(app, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = sa.select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        found = list(db.session.scalars(query))
        db.session.expunge_all()
        return found


def names_on(page: str) -> list[str]:
    return re.findall(
        r'<tr id="user-\d+">\s*<td[^>]*><a href="/admin/nutzer/\d+">([^<]*)</a>', page
    )


@pytest.fixture
def me(make, auth):
    """The signed-in admin."""
    admin = make.user("chefin@hub.example", role=Role.ADMIN, name="Chefin Admin")
    auth.login(admin.email)
    return admin


# --------------------------------------------------------------------------- who may


@pytest.mark.parametrize("role", [Role.CLIENT, Role.ADVISOR])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/nutzer"),
        ("get", "/admin/nutzer/{id}"),
        ("post", "/admin/nutzer/{id}"),
        ("get", "/admin/nutzer/{id}/aktiv"),
        ("post", "/admin/nutzer/{id}/aktiv"),
        ("post", "/admin/nutzer/{id}/einladung"),
        ("post", "/admin/nutzer/{id}/passwort"),
        ("get", "/admin/organisationen"),
    ],
)
def test_only_admins_manage_accounts(client, auth, make, role, method, path):
    someone = make.user(role=role)
    auth.login(someone.email)
    url = path.format(id=someone.id)
    response = client.get(url) if method == "get" else client.submit(url, {"aktiv": "0"})
    assert response.status_code == 403
    assert fetch_user(client.application, someone.id).active


@pytest.mark.parametrize(
    "path",
    ["/admin/nutzer/{id}", "/admin/nutzer/{id}/aktiv", "/admin/nutzer/{id}/einladung",
     "/admin/nutzer/{id}/passwort", "/admin/nutzer/{id}/pruefung"],
)  # fmt: skip
def test_a_post_without_its_csrf_token_is_refused(app, client, make, me, path):
    someone = make.user()
    response = client.post(path.format(id=someone.id), data={"aktiv": "0", "name": "X"})
    assert response.status_code == 400
    assert fetch_user(app, someone.id).active and events(app) == []


@pytest.mark.parametrize("path", ["/admin/nutzer/999999", "/admin/nutzer/999999/aktiv"])
def test_an_unknown_account_is_not_found(client, me, path):
    assert client.get(path).status_code == 404
    assert client.submit(path, {"aktiv": "0", "name": "X"}).status_code == 404


# --------------------------------------------------------------------------- the list


def test_search_finds_by_name_email_and_organisation_ignoring_case(client, make, me):
    rheinchem = make.organisation("Rheinchem Spezialchemie GmbH")
    make.user("a.krueger@rheinchem.example", name="Andreas Krüger", organisation=rheinchem)
    make.user("j.groess@schreinerei.example", name="Jürgen Größ")
    make.user("sabine@other.example", name="Sabine Wolf")
    assert names_on(client.get("/admin/nutzer?q=krüger").get_data(as_text=True)) == [
        "Andreas Krüger"
    ]
    assert names_on(client.get("/admin/nutzer?q=RHEINCHEM").get_data(as_text=True)) == [
        "Andreas Krüger"
    ]
    assert names_on(client.get("/admin/nutzer?q=größ").get_data(as_text=True)) == ["Jürgen Größ"]
    assert names_on(client.get("/admin/nutzer?q=SCHREINEREI.example").get_data(as_text=True)) == [
        "Jürgen Größ"
    ]


def test_percent_and_underscore_are_searched_literally(client, make, me):
    make.user(name="100% Rabatt_Team")
    make.user(name="100 Rabatt-Team")
    assert names_on(client.get("/admin/nutzer?q=0%25 Rabatt_").get_data(as_text=True)) == [
        "100% Rabatt_Team"
    ]
    assert names_on(client.get("/admin/nutzer?q=_").get_data(as_text=True)) == ["100% Rabatt_Team"]
    assert names_on(client.get("/admin/nutzer?q=%25").get_data(as_text=True)) == [
        "100% Rabatt_Team"
    ]


@pytest.mark.parametrize("typed", ["x" * 100_000, "%%%", "\\", "ü" * 300])
def test_any_search_answers_a_page(client, make, me, typed):
    response = client.get("/admin/nutzer", query_string={"q": typed, "seite": "-3"})
    assert response.status_code == 200
    assert "Keine Konten mit dieser Suche." in response.get_data(as_text=True)


def test_a_nul_byte_in_the_search_is_refused_with_a_message(client, me):
    response = client.get("/admin/nutzer", query_string={"q": "a\x00b"})
    assert response.status_code == 400
    assert "Steuerzeichen" in response.get_data(as_text=True)


def test_filters_by_role_and_status(app, client, make, me):
    make.user(name="Unbestätigte Kundin", verified=False)
    make.user(name="Gesperrter Kunde", active=False)
    make.user(name="Gelöschte Person", erased_at=utcnow())
    make.user(role=Role.ADVISOR, name="Beraterin Aktiv")

    def names(query: str) -> list[str]:
        return names_on(client.get(f"/admin/nutzer?{query}").get_data(as_text=True))

    assert names("status=unbestaetigt") == ["Unbestätigte Kundin"]
    assert names("status=deaktiviert") == ["Gesperrter Kunde"]
    assert names("status=geloescht") == ["Gelöschtes Konto"]
    assert names("status=aktiv&rolle=advisor") == ["Beraterin Aktiv"]
    assert names("rolle=admin") == ["Chefin Admin"]
    assert names("rolle=zauberer&status=irgendwas") == names("")


def test_pages_of_25_keep_the_filters_and_a_page_too_far_shows_the_last(client, make, me):
    organisation = make.organisation("Viele GmbH")
    for number in range(30):
        make.user(
            f"p{number:02d}@viele.example", name=f"Mitglied {number:02d}", organisation=organisation
        )
    first = client.get("/admin/nutzer?q=viele").get_data(as_text=True)
    assert names_on(first) == [f"Mitglied {n:02d}" for n in range(25)]
    assert "30 Konten" in first and "Seite 1 von 2" in first
    assert 'href="/admin/nutzer?seite=2&amp;q=viele" rel="next"' in first
    second = client.get("/admin/nutzer?q=viele&seite=2").get_data(as_text=True)
    assert names_on(second) == [f"Mitglied {n:02d}" for n in range(25, 30)]
    assert 'href="/admin/nutzer?q=viele" rel="prev"' in second
    beyond = client.get("/admin/nutzer?q=viele&seite=99999999999")
    assert beyond.status_code == 200 and names_on(beyond.get_data(as_text=True)) == names_on(second)


def test_the_live_search_swaps_only_the_results(htmx_client, auth, make):
    auth_admin = make.user(role=Role.ADMIN, name="Chefin")
    htmx_client.submit("/konto/anmelden", {"email": auth_admin.email, "password": PASSWORD})
    page = htmx_client.get("/admin/nutzer?q=chef", headers={"HX-Boosted": "true"})
    assert 'data-hx-push-url="true"' in page.get_data(as_text=True)
    fragment = htmx_client.get("/admin/nutzer?q=chef").get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="user-results"') and "<html" not in fragment
    assert names_on(fragment) == ["Chefin"]


def test_the_list_takes_the_same_statements_for_5_or_60_accounts(
    app, client, make, me, count_queries
):
    def statements() -> int:
        client.get("/admin/nutzer")
        with count_queries() as counted:
            assert client.get("/admin/nutzer").status_code == 200
        return len(counted)

    for _ in range(4):
        make.advisor()
    few = statements()
    organisation = make.organisation("Viele GmbH")
    for number in range(56):
        make.user(organisation=organisation) if number % 2 else make.advisor()
    assert statements() == few
    assert few <= 6


# --------------------------------------------------------------------------- staff


def test_creating_an_advisor_makes_a_profile_mails_a_link_and_logs_it(app, client, me, outbox):
    client.submit(
        "/admin/nutzer", {"name": "Julia Hoffmann", "email": "julia@hub.example", "role": "advisor"}
    )
    with app.app_context():
        julia = User.by_email("julia@hub.example")
        assert db.session.scalar(sa.select(Advisor).where(Advisor.user_id == julia.id))
    [welcome] = outbox("julia@hub.example")
    assert "/konto/passwort-neu/" in link_in(welcome)
    [event] = events(app, "user.created")
    seen = (event.actor_id, event.target_id, event.target_label, event.detail, event.ip_address)
    assert seen == (me.id, julia.id, "Julia Hoffmann", "advisor", "127.0.0.1")


# --------------------------------------------------------------------------- edit and roles


def test_the_detail_page_tells_what_the_account_is(client, make, me):
    organisation = make.organisation("Rheinchem Spezialchemie GmbH")
    krueger = make.user(name="Andreas Krüger", organisation=organisation)
    page = client.get(f"/admin/nutzer/{krueger.id}").get_data(as_text=True)
    assert "Andreas Krüger" in page and "Rheinchem Spezialchemie GmbH" in page
    assert f'href="/admin/organisationen/{organisation.id}"' in page
    assert "0 insgesamt, 0 anstehend" in page
    assert "Ein Unternehmenskonto bleibt ein Unternehmenskonto." in page


def test_an_admin_renames_someone_and_the_log_says_so(app, client, make, me):
    someone = make.user(name="Alter Name")
    answer = client.submit(f"/admin/nutzer/{someone.id}", {"name": "Neuer Name", "role": "client"})
    assert answer.headers["Location"] == f"/admin/nutzer/{someone.id}"
    assert fetch_user(app, someone.id).name == "Neuer Name"
    [event] = events(app)
    assert (event.action, event.actor_id, event.target_type, event.target_id) == (
        "user.changed", me.id, "user", someone.id
    )  # fmt: skip
    assert event.detail == "Name: Alter Name → Neuer Name"


def test_an_advisor_becomes_an_admin_and_back_keeping_one_profile(app, client, make, me):
    advisor = make.advisor(name="Thomas Becker")
    user_id = advisor.user_id
    client.submit(f"/admin/nutzer/{user_id}", {"name": "Thomas Becker", "role": "admin"})
    assert fetch_user(app, user_id).role == "admin"
    client.submit(f"/admin/nutzer/{user_id}", {"name": "Thomas Becker", "role": "advisor"})
    assert fetch_user(app, user_id).role == "advisor"
    assert [e.detail for e in events(app, "user.role_changed")] == [
        "advisor → admin", "admin → advisor"
    ]  # fmt: skip
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Advisor.id))) == 1


def test_an_admin_made_advisor_gets_an_advisor_profile(app, client, make, me):
    other = make.user(role=Role.ADMIN, name="Zweite Admin")
    client.submit(f"/admin/nutzer/{other.id}", {"name": "Zweite Admin", "role": "advisor"})
    with app.app_context():
        assert db.session.scalar(sa.select(Advisor.id).where(Advisor.user_id == other.id))


@pytest.mark.parametrize(
    ("role", "target_role", "message"),
    [
        (Role.CLIENT, "admin", "Ein Unternehmenskonto bleibt ein Unternehmenskonto"),
        (Role.ADVISOR, "client", "können nur zur Administration werden"),
        (Role.ADVISOR, "zauberer", "Bitte wählen Sie eine der angebotenen Rollen."),
    ],
)
def test_role_changes_outside_the_rules_are_explained_inline(
    app, htmx_client, make, role, target_role, message
):
    admin = make.user(role=Role.ADMIN)
    htmx_client.submit("/konto/anmelden", {"email": admin.email, "password": PASSWORD})
    someone = make.user(role=role, name="Jemand")
    response = htmx_client.submit(
        f"/admin/nutzer/{someone.id}", {"name": "Jemand", "role": target_role}
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text and text.lstrip().startswith('<form id="user-form"')
    assert fetch_user(app, someone.id).role == role and events(app) == []


def test_an_admin_cannot_demote_themselves(app, client, make, me):
    make.user(role=Role.ADMIN)  # not the last one: still refused
    response = client.submit(f"/admin/nutzer/{me.id}", {"name": me.name, "role": "advisor"})
    assert response.status_code == 422
    assert "Ihre eigene Rolle können Sie nicht ändern" in response.get_data(as_text=True)
    assert fetch_user(app, me.id).role == "admin"


def test_the_last_admin_is_never_demoted_or_deactivated(app, make):
    last = make.user(role=Role.ADMIN, name="Letzte Admin")
    make.user(role=Role.ADMIN, name="Gesperrte Admin", active=False)
    with app.test_request_context():
        begin_write(db.session())
        target = db.session.get(User, last.id)
        someone_else = User(id=-1, name="x", email="x", role="admin")  # an actor who isn't her
        with pytest.raises(account_changes.Refused, match="letzte aktive"):
            account_changes.change_user(
                target, name=target.name, role="advisor", actor=someone_else
            )
        with pytest.raises(account_changes.Refused, match="letzte aktive"):
            account_changes.set_active(target, False, actor=someone_else)
        db.session.rollback()
    assert fetch_user(app, last.id).role == "admin" and fetch_user(app, last.id).active


@pytest.mark.parametrize("name", ["a\x00b", "x" * 100_000, ""])
def test_a_bad_name_is_refused_inline_and_not_stored(app, client, make, me, name):
    someone = make.user(name="Bleibt")
    response = client.submit(f"/admin/nutzer/{someone.id}", {"name": name, "role": "client"})
    assert response.status_code in (400, 422)
    assert fetch_user(app, someone.id).name == "Bleibt" and events(app) == []


# --------------------------------------------------------------------------- activation


def test_deactivation_asks_first_then_logs_out_everywhere_and_login_fails(app, make, client):
    from flask import Flask  # noqa: F401  (two browsers: the admin's and the person's)

    person = make.user("kunde@firma.example", name="Kunde")
    theirs = app.test_client()
    theirs.submit("/konto/anmelden", {"email": person.email, "password": PASSWORD})
    assert theirs.get("/konto/profil").status_code == 200
    admin = make.user(role=Role.ADMIN)
    client.submit("/konto/anmelden", {"email": admin.email, "password": PASSWORD})

    question = client.get(f"/admin/nutzer/{person.id}/aktiv").get_data(as_text=True)
    assert "Konto von Kunde deaktivieren?" in question and 'name="aktiv" value="0"' in question
    done = client.submit(f"/admin/nutzer/{person.id}/aktiv", {"aktiv": "0"}, follow_redirects=True)
    assert "Kunde ist deaktiviert und überall abgemeldet." in done.get_data(as_text=True)

    assert theirs.get("/konto/profil").status_code == 302  # the session is over
    again = theirs.submit("/konto/anmelden", {"email": person.email, "password": PASSWORD})
    wrong = theirs.submit("/konto/anmelden", {"email": person.email, "password": "Falsch-123456"})
    assert WRONG_CREDENTIALS in again.get_data(as_text=True)
    assert again.get_data(as_text=True).count(WRONG_CREDENTIALS) == wrong.get_data(
        as_text=True
    ).count(WRONG_CREDENTIALS)
    [event] = events(app)
    assert (event.action, event.actor_id, event.target_id, event.ip_address) == (
        "user.deactivated", admin.id, person.id, "127.0.0.1"
    )  # fmt: skip

    client.submit(f"/admin/nutzer/{person.id}/aktiv", {"aktiv": "1"})
    assert (
        theirs.submit("/konto/anmelden", {"email": person.email, "password": PASSWORD}).status_code
        == 302
    )
    assert [e.action for e in events(app)] == ["user.deactivated", "user.activated"]


def test_an_admin_cannot_deactivate_themselves(app, client, make, me):
    make.user(role=Role.ADMIN)
    page = client.submit(f"/admin/nutzer/{me.id}/aktiv", {"aktiv": "0"}, follow_redirects=True)
    assert "Ihr eigenes Konto können Sie nicht deaktivieren" in page.get_data(as_text=True)
    assert fetch_user(app, me.id).active and events(app) == []


def test_an_advisor_page_points_to_the_advisor_settings(client, make, me):
    advisor = make.advisor(name="Thomas Becker")
    page = client.get(f"/admin/nutzer/{advisor.user_id}").get_data(as_text=True)
    assert "Ob jemand gebucht werden kann, stellen Sie bei den Beraterinnen" in page
    assert f'href="/admin/berater/{advisor.id}"' in page
    page = client.get(f"/admin/nutzer/{advisor.user_id}/aktiv").get_data(as_text=True)
    assert "Ob die Person gebucht werden kann, ändert sich dadurch nicht" in page


# --------------------------------------------------------------------------- mails


def test_a_staff_member_gets_a_fresh_welcome_link_that_works(app, client, make, me, outbox, auth):
    with app.test_request_context():
        advisor = service.create_staff_user(
            email="neu@hub.example", name="Neue Beraterin", role=Role.ADVISOR
        )
        db.session.commit()
        advisor_id = advisor.id
    answer = client.submit(f"/admin/nutzer/{advisor_id}/einladung", follow_redirects=True)
    assert (
        "Die Einladung an Neue Beraterin (neu@hub.example) ist erneut unterwegs."
        in answer.get_data(as_text=True)
    )
    assert "passwort-neu" not in answer.get_data(as_text=True)  # the admin never sees a link
    first, again = outbox("neu@hub.example")
    assert again.subject == first.subject
    auth.logout()
    chosen = "Neues-Berater-Passwort-7"
    client.submit(link_in(again), {"password": chosen, "password_confirm": chosen})
    assert auth.login("neu@hub.example", chosen).status_code == 302
    [event] = events(app, "user.invitation_resent")
    assert (event.actor_id, event.target_id, event.detail) == (me.id, advisor_id, "staff")


def test_an_unconfirmed_client_gets_a_fresh_verification_link(app, client, make, me, outbox):
    person = make.user("neu@firma.example", verified=False)
    client.submit(f"/admin/nutzer/{person.id}/einladung")
    [mail] = outbox("neu@firma.example")
    assert "/konto/bestaetigen/" in link_in(mail)
    client.get("/")  # the admin's session stays; the link works for anyone who opens it
    client.post(link_in(mail), data={"csrf_token": client.csrf_token()})
    assert fetch_user(app, person.id).is_verified


def test_a_confirmed_client_gets_no_invitation_but_is_told_why(app, client, make, me, outbox):
    person = make.user("fertig@firma.example", name="Fertig")
    page = client.submit(f"/admin/nutzer/{person.id}/einladung", follow_redirects=True)
    assert "hat die E-Mail-Adresse schon bestätigt" in page.get_data(as_text=True)
    assert outbox("fertig@firma.example") == [] and events(app) == []


def test_the_same_mail_goes_once_a_minute(app, client, make, me, outbox):
    person = make.user("vergesslich@firma.example", name="Vergesslich")
    client.submit(f"/admin/nutzer/{person.id}/passwort")
    page = client.submit(f"/admin/nutzer/{person.id}/passwort", follow_redirects=True)
    assert "gerade erst an Vergesslich gegangen" in page.get_data(as_text=True)
    assert len(outbox("vergesslich@firma.example")) == 1
    assert len(events(app, "user.password_reset_sent")) == 1


def test_fifty_presses_at_once_send_one_mail(app, make, database_url, outbox):
    admin = make.user(role=Role.ADMIN)
    person = make.user("einmal@firma.example", verified=False)
    racing = racing_app(database_url, 50)
    browsers = []
    for _ in range(50):  # signed in before the race, each with its own session
        browser = racing.test_client()
        browser.submit("/konto/anmelden", {"email": admin.email, "password": PASSWORD})
        browsers.append((browser, browser.csrf_token()))

    def press(number: int):
        def run(_client, _token):
            browser, token = browsers[number]
            return browser.post(f"/admin/nutzer/{person.id}/einladung", data={"csrf_token": token})

        return run

    answers = together(racing, [press(n) for n in range(50)])
    assert all(getattr(answer, "status_code", None) == 302 for answer in answers), answers
    assert len(outbox("einmal@firma.example")) == 1
    assert len(events(app, "user.invitation_resent")) == 1


def test_the_password_reset_mail_works_and_the_admin_never_sees_the_link(
    app, client, make, me, outbox
):
    person = make.user("reset@firma.example", name="Reset")
    answer = client.submit(f"/admin/nutzer/{person.id}/passwort", follow_redirects=True)
    text = answer.get_data(as_text=True)
    assert "Reset bekommt einen Link zum Zurücksetzen des Passworts an reset@firma.example." in text
    assert "passwort-neu" not in text
    [mail] = outbox("reset@firma.example")
    other = app.test_client()
    chosen = "Ganz-Neues-Passwort-8"
    other.submit(link_in(mail), {"password": chosen, "password_confirm": chosen})
    assert (
        other.submit("/konto/anmelden", {"email": person.email, "password": chosen}).status_code
        == 302
    )
    [event] = events(app, "user.password_reset_sent")
    assert (event.actor_id, event.target_id, event.ip_address) == (me.id, person.id, "127.0.0.1")


def test_a_deactivated_account_gets_no_mail(app, client, make, me, outbox):
    person = make.user("weg@firma.example", active=False, verified=False)
    client.submit(f"/admin/nutzer/{person.id}/passwort")
    client.submit(f"/admin/nutzer/{person.id}/einladung")
    assert outbox("weg@firma.example") == [] and events(app) == []


# --------------------------------------------------------------------------- erased


def test_an_erased_account_is_read_only(app, client, make, me, outbox):
    person = make.user("geloescht@firma.example", name="Gelöscht", erased_at=utcnow())
    page = client.get(f"/admin/nutzer/{person.id}").get_data(as_text=True)
    assert "Gelöschtes Konto" in page and "Konto deaktivieren" not in page
    assert 'id="user-form"' not in page
    for path, data in [
        ("", {"name": "Neu", "role": "client"}),
        ("/aktiv", {"aktiv": "0"}),
        ("/einladung", {}),
        ("/passwort", {}),
    ]:
        client.submit(f"/admin/nutzer/{person.id}{path}", data)
    stored = fetch_user(app, person.id)
    assert (stored.name, stored.active) == ("Gelöscht", True)
    assert outbox("geloescht@firma.example") == [] and events(app) == []


# --------------------------------------------------------------------------- reviewers


def test_switching_a_reviewer_is_logged(app, client, make, me):
    advisor = make.advisor(name="Thomas Becker")
    client.submit(f"/admin/nutzer/{advisor.user_id}/pruefung", {"pruefen": "1", "next": "user"})
    client.submit(f"/admin/nutzer/{advisor.user_id}/pruefung", {"pruefen": "1"})  # no change
    [event] = events(app)
    assert (event.action, event.target_id, event.actor_id) == (
        "user.reviewer_changed", advisor.user_id, me.id
    )  # fmt: skip


# --------------------------------------------------------------------------- markup


def test_the_pages_keep_the_markup_rules(app, client, make, me):
    from tests.test_html import audit

    advisor = make.advisor(name="Thomas Becker")
    member = make.user(name="Andreas Krüger")
    make.user(name="Gelöscht", erased_at=utcnow())
    paths = [
        "/admin/nutzer",
        "/admin/nutzer?q=a&rolle=client&status=aktiv",
        f"/admin/nutzer/{advisor.user_id}",
        f"/admin/nutzer/{member.id}",
        f"/admin/nutzer/{member.id}/aktiv",
        "/admin/organisationen",
        f"/admin/organisationen/{member.organisation_id}",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        found = audit(response.get_data(as_text=True))
        assert [name for name, count in found.ids.items() if count > 1] == [], path
        assert [f for f in found.fields if f.get("id") not in found.label_targets] == [], path
        assert found.htmx_without_target == [] and found.inline == [], path
        assert response.get_data(as_text=True).count("<h1") == 1, path
