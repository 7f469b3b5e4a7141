"""The time-zone list: the tz database's zones, not its aliases; grouped; your own first."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, available_timezones

import pytest
from flask_babel import force_locale

from app.extensions import db
from app.i18n import canonical_timezone, is_known_timezone, timezone_choices, timezone_names
from app.models import User
from tests.conftest import PASSWORD

ALIASES = ["Africa/Timbuktu", "Asia/Calcutta", "US/Eastern", "Europe/Kiev", "America/Buenos_Aires"]


def test_only_canonical_zones_are_offered():
    offered = timezone_names()
    assert {"Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"} <= set(offered)
    assert not set(ALIASES) & set(offered)
    # Far fewer than the ~600 names the tz database knows, and each one loads.
    assert 300 < len(offered) < len(available_timezones()) - 150
    assert all(ZoneInfo(zone) for zone in offered)


@pytest.mark.parametrize(
    ("name", "zone"),
    [("Asia/Calcutta", "Asia/Kolkata"), ("Africa/Timbuktu", "Africa/Abidjan"),
     ("US/Eastern", "America/New_York"), ("Europe/Kiev", "Europe/Kyiv"),
     ("Etc/UTC", "UTC"), ("Europe/Berlin", "Europe/Berlin"),
     ("Mars/Olympus_Mons", None), ("", None), (None, None)],
)  # fmt: skip
def test_a_legacy_name_means_its_zone(name, zone):
    assert canonical_timezone(name) == zone
    assert is_known_timezone(name) is (zone is not None)


def test_choices_are_grouped_by_region_with_the_current_zone_first(app):
    with app.test_request_context(), force_locale("de"):
        groups = timezone_choices("Asia/Calcutta")
    labels = [label for label, _zones in groups]
    assert labels[:3] == ["Ihre Zeitzone", "Europa", "Afrika"]
    assert "Amerika" in labels and "Asien" in labels
    assert groups[0][1] == [("Asia/Kolkata", "Kalkutta (Indien)")]
    zones = [zone for _label, choices in groups for zone, _ in choices]
    assert len(zones) == len(set(zones)) == len(timezone_names())  # each once, own one too
    europe = dict(groups[1][1])
    assert europe["Europe/Vienna"] == "Wien (Österreich)"


def test_places_are_named_in_the_readers_language(app):
    with app.test_request_context(), force_locale("en"):
        groups = timezone_choices("Europe/Berlin")
    labels = {zone: label for _group, choices in groups for zone, label in choices}
    assert labels["Europe/Vienna"] == "Vienna (Austria)"
    assert labels["America/Indiana/Knox"] == "Knox, Indiana (United States)"


def test_the_profile_offers_grouped_zones_and_keeps_a_legacy_one_as_its_zone(
    app, client, auth, make
):
    user = make.user(timezone="Asia/Calcutta")
    auth.login(user.email, PASSWORD)
    page = client.get("/konto/profil").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="timezone".*?</select>', page, re.S).group(0)
    assert select.count("<optgroup") >= 10
    assert 'value="Africa/Timbuktu"' not in select and 'value="US/Eastern"' not in select
    first = re.search(r'<optgroup label="([^"]+)">\s*<option([^>]*)>([^<]+)<', select)
    assert first.group(1) == "Ihre Zeitzone"
    assert 'value="Asia/Kolkata"' in first.group(2) and "selected" in first.group(2)
    assert select.count("selected") == 1
    saved = client.submit(
        "/konto/profil", {"name": user.name, "locale": "de", "timezone": "Asia/Calcutta"}
    )
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).timezone == "Asia/Kolkata"


def test_a_browser_reporting_a_legacy_name_gets_its_zone_not_the_hubs(client):
    client.set_cookie("tz", "Asia/Calcutta")
    page = client.get("/").get_data(as_text=True)
    assert "Zeiten in der Zeitzone Asia/Kolkata" in page
