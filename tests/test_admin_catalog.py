"""Admins manage consultation types and topics; nobody else can."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ConsultationType, Role, Topic

TYPE_FORM = {
    "name_de": "Workshop Geschäftsmodell",
    "name_en": "Business model workshop",
    "slug": "workshop",
    "duration_minutes": "90",
    "buffer_before_minutes": "15",
    "buffer_after_minutes": "15",
    "minimum_notice_minutes": "4320",
    "horizon_days": "90",
    "max_per_day": "1",
    "location_kind": "on_site",
    "location_detail_de": "Musterstraße 1, Dormagen",
    "active": "y",
}


@pytest.mark.parametrize("role", [Role.CLIENT, Role.ADVISOR])
@pytest.mark.parametrize("path", ["/admin/beratungsarten", "/admin/themen/neu"])
def test_only_admins_manage_the_catalogue(client, auth, make, role, path):
    auth.login(make.user(role=role).email)
    assert client.get(path).status_code == 403


def test_admin_creates_a_consultation_type(app, client, admin):
    answer = client.submit("/admin/beratungsarten/neu", TYPE_FORM)
    assert answer.headers["Location"] == "/admin/beratungsarten"
    listing = client.get("/admin/beratungsarten").get_data(as_text=True)
    assert "Workshop Geschäftsmodell" in listing and "90 Minuten" in listing
    with app.app_context():
        ctype = db.session.scalar(sa.select(ConsultationType))
        assert (ctype.duration_minutes, ctype.max_per_day, ctype.location_kind) == (
            90, 1, "on_site",
        )  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("duration_minutes", "neunzig", "Bitte geben Sie eine ganze Zahl ein."),
        ("duration_minutes", "2", "Bitte eine Zahl von 5 bis 480."),
        ("slug", "Workshop Neu", "Nur Kleinbuchstaben"),
        ("location_kind", "mars", "Bitte wählen Sie, wo die Beratung stattfindet."),
    ],
)
def test_bad_type_input_is_explained(app, htmx_client, make, field, value, message):
    htmx_client.submit("/konto/anmelden", {"email": make.user(role=Role.ADMIN).email,
                                           "password": "Korrekt-Pferd-Batterie-9"})  # fmt: skip
    response = htmx_client.submit("/admin/beratungsarten/neu", {**TYPE_FORM, field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert 'value="Workshop Geschäftsmodell"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ConsultationType.id))) == 0


def test_slugs_are_unique(client, admin, make):
    make.consultation_type("workshop")
    response = client.submit("/admin/beratungsarten/neu", TYPE_FORM)
    assert response.status_code == 422
    assert "Dieser Kurzname ist schon vergeben." in response.get_data(as_text=True)


def test_admin_edits_a_type(app, client, admin, make):
    ctype = make.consultation_type()
    form = client.get(f"/admin/beratungsarten/{ctype.id}").get_data(as_text=True)
    assert 'value="erstgespraech"' in form
    client.submit(f"/admin/beratungsarten/{ctype.id}", {**TYPE_FORM, "slug": "erstgespraech"})
    with app.app_context():
        assert db.session.get(ConsultationType, ctype.id).duration_minutes == 90


def test_admin_creates_a_topic_with_advisors(app, client, admin, make):
    brandt = make.advisor(name="Dr. Katharina Brandt")
    make.advisor(name="Thomas Becker")
    client.submit(
        "/admin/themen/neu",
        {"name_de": "Kreislaufwirtschaft", "name_en": "Circular economy",
         "slug": "kreislaufwirtschaft", "advisor_ids": [str(brandt.id)]},
    )  # fmt: skip
    listing = client.get("/admin/themen").get_data(as_text=True)
    assert "Kreislaufwirtschaft" in listing and "Dr. Katharina Brandt" in listing
    assert "Thomas Becker" not in listing
    with app.app_context():
        topic = db.session.scalar(sa.select(Topic))
        assert [a.id for a in topic.advisors] == [brandt.id]


def test_unknown_catalogue_entries_are_404(client, admin):
    assert client.get("/admin/beratungsarten/999").status_code == 404
    assert client.get("/admin/themen/999").status_code == 404


def test_location_details_round_trip_in_both_languages(app, client, admin):
    both = {**TYPE_FORM, "location_detail_en": "Musterstrasse 1, Dormagen (main entrance)"}
    client.submit("/admin/beratungsarten/neu", both)
    with app.app_context():
        type_id = db.session.scalar(sa.select(ConsultationType.id))
    form = client.get(f"/admin/beratungsarten/{type_id}").get_data(as_text=True)
    assert 'name="location_detail_de" type="text" value="Musterstraße 1, Dormagen"' in form
    assert 'value="Musterstrasse 1, Dormagen (main entrance)"' in form
    client.submit(f"/admin/beratungsarten/{type_id}", {**both, "location_detail_en": ""})
    with app.app_context():
        ctype = db.session.get(ConsultationType, type_id)
        # Empty English: the English pages fall back to the German text (tests/test_formats).
        assert (ctype.location_detail_de, ctype.location_detail_en) == (
            "Musterstraße 1, Dormagen", "",
        )  # fmt: skip
