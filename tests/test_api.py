"""The free-slots JSON API for the hub's main website."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.booking_support import at, book, monday_in


def test_free_slots_as_json(client, world):
    week = monday_in(2)
    response = client.get(
        f"/api/v1/slots?type=erstgespraech&topic=digitalisierung&from={week}&to={week}"
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = response.json
    assert (data["type"], data["topic"], data["timezone"]) == (
        "erstgespraech", "digitalisierung", "Europe/Berlin",
    )  # fmt: skip
    first = data["slots"][0]
    assert first["start"] == f"{at(week, '09:00'):%Y-%m-%dT%H:%M:%SZ}"
    assert first["start_local"].startswith(f"{week}T09:00:00+0")
    assert {a["name"] for a in first["advisors"]} == {"Dr. Katharina Brandt", "Thomas Becker"}
    assert "/beratung/buchen?" in first["book_url"]
    assert len(data["slots"]) == 16  # 09:00–16:30 every 30 minutes


def test_booked_advisor_drops_out_of_that_slot(app, client, world):
    week = monday_in(2)
    book(app, world, at(week, "09:00"))
    data = client.get(
        f"/api/v1/slots?type=erstgespraech&topic=digitalisierung&from={week}&to={week}"
    ).json
    assert [a["name"] for a in data["slots"][0]["advisors"]] == ["Thomas Becker"]
    one = client.get(
        f"/api/v1/slots?type=erstgespraech&topic=digitalisierung&advisor={world.brandt.id}"
        f"&from={week}&to={week}"
    ).json
    # 09:30 is inside the booking's 15-minute buffer; 10:00 is the next free time.
    assert one["slots"][0]["start"] == f"{at(week, '10:00'):%Y-%m-%dT%H:%M:%SZ}"


def test_dates_are_read_in_the_given_zone(client, world):
    week = monday_in(2)
    data = client.get(
        f"/api/v1/slots?type=erstgespraech&topic=digitalisierung&from={week}&to={week}"
        "&tz=America/New_York"
    ).json
    assert data["timezone"] == "America/New_York"
    # The New York day starts 6 hours later: Berlin 09:00 is 03:00 there, still that Monday.
    first = datetime.fromisoformat(data["slots"][0]["start_local"])
    assert first == at(week, "09:00").astimezone(ZoneInfo("America/New_York"))
    assert first.date() == week


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("type=nope&topic=digitalisierung", {"type"}),
        ("type=erstgespraech&topic=nope", {"topic"}),
        ("type=erstgespraech&topic=digitalisierung&advisor=999", {"advisor"}),
        ("type=erstgespraech&topic=digitalisierung&from=morgen", {"from"}),
        ("type=erstgespraech&topic=digitalisierung&from=2026-01-01&to=2026-03-01", {"to"}),
        ("type=erstgespraech&topic=digitalisierung&tz=Mars/Base", {"tz"}),
        ("", {"type", "topic"}),
    ],
)
def test_bad_queries_get_a_problem_document(client, world, query, names):
    response = client.get(f"/api/v1/slots?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 400
    assert {p["name"] for p in response.json["invalid_params"]} == names
