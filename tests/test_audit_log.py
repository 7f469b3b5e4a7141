"""The audit log page: admins read and filter it, download it as CSV; nobody changes it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import url_for

from app.admin.audit import AuditAction
from app.extensions import db
from app.models import AuditEvent, Role, User
from tests.test_html import assert_pages_valid

LOG = "/admin/protokoll"
CSV = "/admin/protokoll.csv"


def add_events(app, count, *, action=AuditAction.TOPIC_SAVED, actor=None, at=None, **fields):
    """``count`` entries, one minute apart, the newest at ``at``."""
    at = at or datetime(2026, 11, 30, 12, tzinfo=UTC)
    with app.app_context():
        for n in range(count):
            db.session.add(
                AuditEvent(
                    action=action.value,
                    actor_id=actor.id if actor else None,
                    at=at - timedelta(minutes=n),
                    target_type=fields.get("target_type", "topic"),
                    target_id=fields.get("target_id", 1),
                    target_label=fields.get("target_label", f"Thema {n}"),
                    detail=fields.get("detail", ""),
                    ip_address=fields.get("ip_address", "203.0.113.7"),
                )
            )
        db.session.commit()


def rows(response):
    text = response.get_data(as_text=True)
    return text.count('<td class="audit-when"')


def test_newest_first_with_who_what_and_where(app, client, make, auth):
    boss = make.user("chefin@hub.example", role=Role.ADMIN, name="Petra Chefin")
    add_events(app, 1, action=AuditAction.LEGAL_PUBLISHED, actor=boss,
               at=datetime(2026, 12, 1, 9, tzinfo=UTC), target_type="legaldocument",
               target_label="Datenschutzhinweise, Version 2", detail="privacy v2")  # fmt: skip
    add_events(app, 1, action=AuditAction.RETENTION_PURGED, target_type="",
               target_id=None, target_label="", ip_address="")  # fmt: skip
    auth.login(boss.email)
    page = client.get(LOG).get_data(as_text=True).split("<tbody>")[1]
    assert page.index("Rechtstext veröffentlicht") < page.index(
        "Aufbewahrungsfrist: Daten anonymisiert"
    )
    assert "Petra Chefin" in page and "chefin@hub.example" in page and "System" in page
    assert "203.0.113.7" in page
    assert '<a href="/admin/rechtstexte">Datenschutzhinweise, Version 2</a>' in page
    assert "1. Dez. 2026, 10:00" in page  # Europe/Berlin, the viewer's zone


def test_filters_narrow_the_log(app, client, make, auth):
    boss = make.user("chefin@hub.example", role=Role.ADMIN, name="Petra Chefin")
    other = make.user("kollege@hub.example", role=Role.ADMIN, name="Karl Kollege")
    add_events(app, 3, action=AuditAction.TOPIC_SAVED, actor=boss,
               at=datetime(2026, 11, 10, 12, tzinfo=UTC))  # fmt: skip
    add_events(app, 2, action=AuditAction.USER_CREATED, actor=other, target_type="user",
               at=datetime(2026, 11, 20, 12, tzinfo=UTC))  # fmt: skip
    auth.login(boss.email)
    assert rows(client.get(LOG)) == 5
    assert rows(client.get(LOG, query_string={"aktion": "user.created"})) == 2
    assert rows(client.get(LOG, query_string={"person": "KOLLEGE"})) == 2
    assert rows(client.get(LOG, query_string={"person": "chefin@"})) == 3
    assert rows(client.get(LOG, query_string={"person": "%"})) == 0  # no wildcard
    assert rows(client.get(LOG, query_string={"objekt": "user"})) == 2
    assert rows(client.get(LOG, query_string={"von": "2026-11-15"})) == 2
    assert rows(client.get(LOG, query_string={"bis": "2026-11-10"})) == 3  # the whole day
    assert rows(client.get(LOG, query_string={"von": "2026-11-11", "bis": "2026-11-19"})) == 0
    page = client.get(LOG, query_string={"aktion": "user.created"}).get_data(as_text=True)
    assert '<option selected value="user.created">Konto angelegt</option>' in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"von": "gestern"}, "Bitte geben Sie ein Datum ein"),
        ({"bis": "9999-12-31"}, "Bitte ein Datum zwischen 2000 und 2100."),
        ({"von": "2026-02-30"}, "Bitte geben Sie ein Datum ein"),
        ({"von": "2026-12-01", "bis": "2026-11-01"}, "„Bis“ liegt vor „Von“."),
        ({"aktion": "log.deleted"}, "Bitte wählen Sie eine der angebotenen Aktionen."),
        ({"objekt": "secret"}, "Bitte wählen Sie eine der angebotenen Objektarten."),
        ({"person": "x" * 101}, "Bitte höchstens 100 Zeichen."),
        ({"seite": "-3"}, None),
        ({"seite": "99999999999"}, None),
        ({"seite": "zwei"}, None),
    ],
)
def test_bad_filters_are_explained_and_ignored(app, client, admin, args, message):
    add_events(app, 2)
    response = client.get(LOG, query_string=args)
    assert response.status_code == 200
    if message:
        assert message in response.get_data(as_text=True)
    assert rows(response) == 2  # the refused filter filters nothing
    assert client.get(CSV, query_string=args).status_code == 200


def test_pages_of_fifty_keep_the_filter(app, client, admin):
    add_events(app, 120, action=AuditAction.TOPIC_SAVED)
    add_events(app, 1, action=AuditAction.TYPE_SAVED)
    first = client.get(LOG, query_string={"aktion": "topic.saved"})
    assert rows(first) == 50
    assert "/admin/protokoll?seite=2&amp;aktion=topic.saved" in first.get_data(as_text=True)
    third = client.get(LOG, query_string={"aktion": "topic.saved", "seite": "3"})
    assert rows(third) == 20 and "Thema 119" in third.get_data(as_text=True)
    assert rows(client.get(LOG, query_string={"seite": "40"})) == 21  # past the end: the last


def test_queries_per_page_do_not_grow_with_the_log(app, client, make, auth, count_queries):
    people = [make.user(role=Role.ADMIN) for _ in range(3)]
    auth.login(people[0].email)
    for person in people:
        add_events(app, 2, actor=person)
    client.get(LOG)
    with count_queries() as few:
        assert rows(client.get(LOG)) == 6
    for person in people:
        add_events(app, 40, actor=person)
    with count_queries() as many:
        assert rows(client.get(LOG)) == 50
    assert len(many) == len(few)
    with count_queries() as few_csv:
        client.get(CSV, query_string={"aktion": "type.saved"})
    with count_queries() as all_csv:
        client.get(CSV)
    assert len(all_csv) == len(few_csv)


def test_csv_is_filtered_and_safe_for_spreadsheets(app, client, make, auth):
    boss = make.user("chefin@hub.example", role=Role.ADMIN, name="=Petra Chefin")
    add_events(app, 1, actor=boss, target_label="=HYPERLINK(\"http://evil\")",
               detail="+SUM(A1)", ip_address="-1")  # fmt: skip
    add_events(app, 1, action=AuditAction.USER_CREATED, target_label="@ganz normal",
               at=datetime(2026, 12, 2, tzinfo=UTC))  # fmt: skip
    auth.login(boss.email)
    response = client.get(CSV, query_string={"aktion": "topic.saved"})
    assert (
        response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    )
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert table[0][0] == "Zeit (Europe/Berlin)"
    assert len(table) == 2  # the header and the one filtered entry
    entry = table[1]
    assert entry[0] == "2026-11-30 13:00:00"
    assert entry[1:4] == ["'=Petra Chefin", "chefin@hub.example", "Thema gespeichert"]
    assert entry[6:] == ['\'=HYPERLINK("http://evil")', "'+SUM(A1)", "'-1"]
    everything = client.get(CSV).get_data().decode("utf-8-sig")
    assert "'@ganz normal" in everything and "System" in everything


def test_the_log_is_read_only(app, client, admin):
    add_events(app, 1)
    rules = [rule for rule in app.url_map.iter_rules() if "protokoll" in rule.rule]
    assert {rule.endpoint for rule in rules} >= {"admin.audit_log", "admin.audit_log_csv"}
    for rule in rules:
        assert rule.endpoint.startswith("admin.")
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    # No other route of the site names an audit entry: nothing takes an event's id.
    for rule in app.url_map.iter_rules():
        assert "audit" not in rule.endpoint or rule.methods <= {"GET", "HEAD", "OPTIONS"}
    token = client.csrf_token()
    for method in ("post", "put", "patch", "delete"):
        answer = getattr(client, method)(LOG, data={"csrf_token": token})
        assert answer.status_code == 405
        assert getattr(client, method)(f"{LOG}/1", data={"csrf_token": token}).status_code == 404
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent))
        assert (event.action, event.target_label) == ("topic.saved", "Thema 0")


@pytest.mark.parametrize("path", [LOG, CSV])
def test_only_admins_read_the_log(client, auth, make, path):
    response = client.get(path)
    assert response.status_code == 302 and "/konto/anmelden" in response.headers["Location"]
    for role in (Role.CLIENT, Role.ADVISOR):
        auth.login(make.user(role=role).email)
        assert client.get(path).status_code == 403
        auth.logout()


def test_links_only_to_pages_that_exist(app, client, admin):
    add_events(app, 1, action=AuditAction.TOPIC_DELETED, target_label="Gelöschtes Thema")
    add_events(app, 1, action=AuditAction.GUEST_ERASED, target_type="booking",
               target_label="g•••@firma.example", at=datetime(2026, 12, 3, tzinfo=UTC))  # fmt: skip
    page = client.get(LOG).get_data(as_text=True)
    assert "Gelöschtes Thema" in page and ">Gelöschtes Thema</a>" not in page
    assert "g•••@firma.example" in page and ">g•••@firma.example</a>" not in page


def test_an_object_links_to_its_admin_page(app, client, admin):
    with app.app_context():
        someone = db.session.scalar(sa.select(User))
    add_events(app, 1, action=AuditAction.USER_CHANGED, target_type="user",
               target_id=someone.id, target_label="Person X")  # fmt: skip
    page = client.get(LOG).get_data(as_text=True)
    if "admin.user" not in app.view_functions:  # that page is not served here
        assert "Person X</a>" not in page
        return
    with app.test_request_context():
        address = url_for("admin.user", user_id=someone.id)
    assert f'<a href="{address}">Person X</a>' in page


def test_the_page_keeps_the_markup_rules(app, client, make, auth, tmp_path):
    boss = make.user("chefin@hub.example", role=Role.ADMIN, name="Petra Chefin")
    add_events(app, 60, actor=boss)
    add_events(app, 1, action=AuditAction.RETENTION_PURGED, target_type="", target_id=None)
    auth.login(boss.email)
    pages = {
        "all": client.get(LOG),
        "page2": client.get(LOG, query_string={"seite": "2"}),
        "filtered": client.get(LOG, query_string={"aktion": "topic.saved", "person": "chef"}),
        "bad": client.get(LOG, query_string={"von": "9999-01-01", "aktion": "x"}),
        "empty": client.get(LOG, query_string={"objekt": "booking"}),
    }
    assert_pages_valid(pages.items(), tmp_path)
