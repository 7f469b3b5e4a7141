"""Every form of the site, found on its pages, sent bad input by hypothesis: never a 500, and
a rejected submission stores nothing.

The forms are read from the pages each person sees in the seeded hub (hidden fields, HTMX
forms and named buttons included), so a new form is fuzzed without being listed here. Each
submission carries a valid CSRF token and changes, drops or doubles some fields: line breaks,
NUL bytes, 100 KB, the years 1 and 9999, numbers beyond the database's, odd Unicode. A
rejection (4xx, or the form shown again with its errors) must leave every table's row count
as it was.

``FUZZ_EXAMPLES`` (default 5 per form) buys a deeper search locally; the examples are
derandomised, so CI sees the same ones every run.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from werkzeug.datastructures import MultiDict

from tests.conftest import HX
from tests.fuzz_support import Form, bad_submission, forms_on
from tests.sweep_support import (
    ADMIN,
    ADVISOR,
    ANONYMOUS,
    BOOKER,
    MEMBER,
    UNSAFE,
    address,
    browsers,
    build_hub,
    role_of,
    row_counts,
    rules,
    sweep_app,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
# Forms whose success ends what the rest of the fuzz needs, with the reason.
LEFT_OUT = {
    "/konto/abmelden",  # logging out: nothing to send but the token (the CSRF sweep has it)
}
# Unsafe routes no page of the seeded hub shows a form for (each page is opened once, in
# one state), and why; the CSRF sweep (tests/test_route_sweep.py) still covers them.
NO_FORM_ON_A_PAGE = {
    "auth.logout",  # in LEFT_OUT
    "admin.advisor_reactivate",  # only on the page of a deactivated advisor
    "admin.user_resend_invitation",  # only for an account that never set its password
    "advisor.add_holidays",  # only once the advisor has chosen a federal state
    "advisor.disconnect",  # only with a calendar connected
    "advisor.fetch_now",  # likewise
    "advisor.edit_note",  # the edit form is fetched by htmx from the note
    "canvas.restore_note",  # only on a deleted note
    "canvas.start_review",  # the demo's canvas in review is already being reviewed
}


@pytest.fixture(scope="module")
def app(database_url: str) -> Iterator[Flask]:
    # Without rate limits: the fuzz sends more in a second than a person in an hour.
    yield from sweep_app(database_url, RATELIMIT_ENABLED=False)


@pytest.fixture(scope="module")
def hub(app):
    return build_hub(app)


@pytest.fixture(scope="module")
def people(app, hub):
    return browsers(app)


def discover(app, hub, browser, person) -> list[Form]:
    """The distinct forms on every page this person may open."""
    found: dict[tuple, Form] = {}
    for rule in rules(app):
        if "GET" not in rule.methods or role_of(rule.endpoint) != person:
            continue
        with browser.get(address(app, hub, rule)) as page:
            if page.mimetype != "text/html" or page.status_code != 200:
                continue
            for form in forms_on(page.request.full_path, page.get_data(as_text=True)):
                found.setdefault(form.key, form)
    return [form for form in found.values() if urlsplit(form.action).path not in LEFT_OUT]


def is_rejected(response) -> bool:
    """A 4xx, or the form shown again with its errors."""
    if response.status_code >= 400:
        return True
    shown_again = response.status_code == 200 and response.mimetype == "text/html"
    return shown_again and 'aria-invalid="true"' in response.get_data(as_text=True)


def send(browser, form: Form, fields: list, htmx: bool):
    data = MultiDict(
        (name, (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value)
        for name, value in fields
    )
    headers = {}
    if htmx:
        token = dict(form.fields).get("csrf_token", "")
        headers = {**HX, "X-CSRFToken": token}
    if form.method == "GET":
        return browser.get(form.action, query_string=data, headers=headers)
    return browser.open(form.action, method=form.method, data=data, headers=headers)


def fuzz(app, browser, form: Form, seen: dict) -> None:
    @FUZZ
    @given(submission=bad_submission(form))
    def probe(submission):
        fields, htmx = submission
        before = row_counts(app)
        with send(browser, form, fields, htmx) as answer:
            where = f"{form.method} {form.action} (from {form.page}) {fields!r:.600}"
            assert answer.status_code < 500, where
            seen[answer.status_code] = seen.get(answer.status_code, 0) + 1
            if is_rejected(answer):
                assert row_counts(app) == before, where

    probe()


PEOPLE = [ANONYMOUS, BOOKER, MEMBER, ADVISOR, ADMIN]  # the admin last: deactivating people


@pytest.fixture(scope="module")
def forms(app, hub, people) -> dict[str | None, list[Form]]:
    """Each person's forms, read before the fuzz changes anything."""
    return {person: discover(app, hub, people[person], person) for person in PEOPLE}


def test_every_unsafe_route_has_a_form_the_fuzz_finds(app, forms):
    """So a new form is fuzzed as soon as a page shows it, and a route no page offers is a
    decision written down here."""
    adapter = app.url_map.bind("localhost")
    reached = {
        adapter.match(urlsplit(form.action).path, method=form.method)[0]
        for found in forms.values()
        for form in found
    }
    unsafe = {rule.endpoint for rule in rules(app) if set(UNSAFE) & rule.methods}
    missing = sorted(unsafe - reached - NO_FORM_ON_A_PAGE)
    assert not missing, f"no page of the seeded hub has a form for {missing}"
    assert NO_FORM_ON_A_PAGE & reached == set(), "listed as unreached, but a form sends it"


@pytest.mark.parametrize("person", PEOPLE)
def test_every_form_survives_bad_input_and_stores_nothing_it_rejects(app, people, forms, person):
    browser = people[person]
    assert forms[person], f"no form found for {person}"
    seen: dict[int, int] = {}
    for form in forms[person]:
        fuzz(app, browser, form, seen)
    print(f"{person or 'visitor'}: {len(forms[person])} forms, answers {sorted(seen.items())}")


# "²".isdigit() is True, but int("²") raises: each of these was a 500 before.
SUPERSCRIPT = [
    (ADMIN, "GET", "/canvas/pruefung?organisation=²&zustaendig=³", {}),
    (ADMIN, "GET", "/admin/protokoll?seite=²", {}),
    (ADMIN, "POST", "/admin/rechtstexte/privacy", {"based_on": "²", "body_de": "Neu"}),
    (ADVISOR, "POST", "/berater/zeiten", {"action": "remove:²:¹"}),
    (ADVISOR, "POST", "/berater/einstellungen", {"offered": "²", "topics": "²"}),
]


@pytest.mark.parametrize(("person", "method", "path", "data"), SUPERSCRIPT)
def test_digits_that_are_not_ascii_digits_are_no_500(app, people, person, method, path, data):
    browser = people[person]
    before = row_counts(app)
    answer = browser.get(path) if method == "GET" else browser.submit(path, data)
    assert answer.status_code in {200, 302, 400, 422}, answer.status_code
    answer.close()
    if answer.status_code != 302:
        assert row_counts(app) == before
