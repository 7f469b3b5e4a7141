"""The JSON API (``/api/v1``) sent hypothesis-made queries, paths, methods and bodies: never a
500; a 200 is the documented slot list, anything else an RFC 9457 problem document.

The API has no OpenAPI description (app/booking/api.py documents its one endpoint), so the
queries are drawn here from its parameters: real values, near misses and nonsense, missing,
doubled and unknown parameters.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.booking_support import monday_in
from tests.fuzz_support import bad_values

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
PARAMETERS = ["type", "topic", "advisor", "from", "to", "tz"]


@pytest.fixture
def real(app, world):
    """Real values for each parameter, so that a query often is nearly right."""
    return {
        "type": [world.ctype.slug],
        "topic": [world.topic.slug],
        "advisor": ["any", str(world.brandt.id), str(world.becker.id)],
        "from": [monday_in(1).isoformat(), "2030-01-07"],
        "to": [(monday_in(1) + timedelta(days=6)).isoformat(), "2030-01-20"],
        "tz": ["Europe/Berlin", "America/New_York", "UTC", "Etc/GMT+12"],
    }


def queries(real: dict[str, list[str]]):
    value = {
        name: st.one_of(st.sampled_from(values), bad_values()) for name, values in real.items()
    }
    one = st.one_of(
        *(st.tuples(st.just(name), strategy) for name, strategy in value.items()),
        st.tuples(st.text(max_size=10), bad_values()),  # an unknown parameter
    )
    return st.lists(one, max_size=8)


def assert_problem(response, where) -> None:
    assert response.mimetype == "application/problem+json", where
    body = response.json
    assert body["status"] == response.status_code and body["title"], where


def assert_slots(response, where) -> None:
    assert response.mimetype == "application/json", where
    body = response.json
    assert isinstance(body["slots"], list), where
    for slot in body["slots"]:
        assert slot["start"] < slot["end"] and slot["advisors"], where
        assert slot["book_url"].startswith("http://localhost/beratung/buchen?"), where


def test_slot_queries_answer_slots_or_a_problem_never_a_500(client, real):
    @FUZZ
    @given(query=queries(real))
    def probe(query):
        # Half of them start from a valid query, so the other parameters are what is tested.
        with client.get("/api/v1/slots", query_string=query) as answer:
            where = f"/api/v1/slots {query!r:.400}"
            assert answer.status_code in {200, 400}, (answer.status_code, where)
            if answer.status_code == 200:
                assert_slots(answer, where)
            else:
                assert_problem(answer, where)
                for invalid in answer.json.get("invalid_params", []):
                    assert invalid["name"] in PARAMETERS and invalid["reason"], where

    probe()


def test_nearly_valid_queries_keep_answering(client, real):
    """One parameter bad at a time: the answer names it, or the value was harmless."""

    valid = {key: values[0] for key, values in real.items()}
    with client.get("/api/v1/slots", query_string=valid) as answer:
        assert answer.status_code == 200 and answer.json["slots"]  # each probe breaks one

    @FUZZ
    @given(name=st.sampled_from(PARAMETERS), value=bad_values())
    def probe(name, value):
        query = {**valid, name: value}
        with client.get("/api/v1/slots", query_string=query) as answer:
            where = f"{name}={value!r:.200}"
            assert answer.status_code in {200, 400}, (answer.status_code, where)
            if answer.status_code == 200:
                assert_slots(answer, where)
            else:
                assert_problem(answer, where)
                named = {p["name"] for p in answer.json.get("invalid_params", [])}
                assert name in named or "detail" in answer.json, where

    probe()


BODY_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded"]
PATH_PIECE = st.text(
    st.characters(codec="utf-8", exclude_characters="/?#%"), min_size=1, max_size=20
)


def test_any_other_address_or_method_under_the_api_is_a_problem_document(client):
    @FUZZ
    @given(
        pieces=st.lists(st.one_of(PATH_PIECE, st.sampled_from(["v1", "slots", ".."])), max_size=4),
        method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
        body=st.one_of(st.none(), st.binary(max_size=200), st.text(max_size=200)),
        kind=st.sampled_from(
            ["application/json", "text/plain", "application/x-www-form-urlencoded"]
        ),
    )
    def probe(pieces, method, body, kind):
        path = "/api/" + "/".join(pieces)
        with client.open(path, method=method, data=body, content_type=kind) as answer:
            where = f"{method} {path!r}"
            assert answer.status_code < 500, (answer.status_code, where)
            if answer.status_code != 200:
                assert_problem(answer, where)

    probe()
