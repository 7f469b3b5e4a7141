"""The whole-site sweep (issue 13): for each role, every page reachable by links from the
home page of the demo hub answers 200 and passes every check a page must pass.

Links differing only in ids, tokens or query values are one pattern, visited for two
samples (``crawl_support.pattern``). Every page: one <h1>, a title, <html lang> in the
language chosen, no German source string left on an English page, no request to another
host, no console error, no script error. The first sample of a pattern also gets axe-core
and the header's language switch: the page must come back the same in the other language,
and the crawl goes on in it, so the switch is used both ways and pages are seen in both
languages. The server's HTML of every page, in each language it was seen in, goes to the
Nu HTML Checker in one batch per role. Links to files (calendar, PDF, CSV, JSON) are
fetched for their status only.

The crawl reads only (GET links; the logout and the language switch are forms), so the
roles share one live server on the demo data. It prints what it covered and where the
time went (``-rP``).
"""

from __future__ import annotations

from pathlib import Path
from time import monotonic

import pytest
from axe_playwright_python.base import AxeResults
from playwright.sync_api import Browser, Page

from tests.e2e.booking_pages import log_in
from tests.e2e.crawl_support import Crawl, Crawler, pattern, untranslated
from tests.test_html import nu_errors

ROLES = {
    "visitor": None,
    "client": "andreas.krueger@rheinchem.example",
    "advisor": "katharina.brandt@industryhub.example",
    "admin": "admin@industryhub.example",
}
# Pages each role must reach, so a crawl that stopped early (a failed sign-in, a lost
# navigation) fails instead of passing on the few pages it saw.
REACHED = {
    "visitor": {"/konto/registrieren", "/beratung/buchen?advisor&start&topic&type"},
    "client": {"/beratung/meine-termine", "/canvas/{n}", "/beratung/termin/{token}/kalender.ics"},
    "advisor": {"/berater/zeiten", "/berater/termin/{n}", "/berater/kalender"},
    "admin": {"/admin/protokoll", "/admin/nutzer/{n}", "/admin/statistik/buchungen.csv?bis&von"},
}


def nu_problems(crawl: Crawl, folder: Path) -> list[str]:
    """The Nu HTML Checker's errors on every page of the crawl, one run for all of them."""
    pages = {}
    for number, visit in enumerate(crawl.visits):
        for lang, html in visit.html.items():
            file = folder / f"{number:03d}-{lang}.html"
            file.write_text(html, encoding="utf-8")
            pages[file.name] = f"{visit.url} ({lang})"
    if not pages:
        return []
    errors = nu_errors([str(folder / name) for name in pages])
    return [
        f"{crawl.role} · {pages.get(Path(str(error.get('url'))).name, error.get('url'))}: "
        f"Nu HTML Checker, line {error.get('lastLine')}: {error.get('message')}"
        for error in errors
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_can_reach_passes_every_check(
    role: str, browser: Browser, live_server: str, axe, tmp_path: Path
) -> None:
    started = monotonic()
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    context.set_default_timeout(10_000)
    # axe-core in every document from the start: sending its 570 KB to each page to be
    # checked cost half a second a page, more than the check itself.
    context.add_init_script(script=axe.axe_script)
    page = context.new_page()
    if ROLES[role]:
        log_in(page, live_server, ROLES[role])

    def violations(page: Page) -> str:
        results = AxeResults(page.evaluate("axe.run({resultTypes: ['violations']})"))
        return results.generate_report() if results.violations_count else ""

    crawl = Crawler(page, live_server, role, violations).run()
    context.close()
    nu_started = monotonic()
    problems = crawl.problems + nu_problems(crawl, tmp_path)
    crawl.seconds["Nu HTML Checker"] = monotonic() - nu_started

    steps = ", ".join(f"{step} {seconds:.0f} s" for step, seconds in crawl.seconds.items())
    print(  # shown with -s or -rP: what the sweep covered and how long it took
        f"\n{role}: {len(crawl.visits)} pages, {len(crawl.files)} files, "
        f"{len(crawl.patterns)} patterns in {monotonic() - started:.0f} s ({steps})"
    )
    missed = REACHED[role] - crawl.patterns.keys()
    assert not missed, f"{role}: the crawl never reached {sorted(missed)}"
    assert problems == [], f"{len(problems)} problem(s):\n" + "\n".join(problems)


def test_links_differing_only_in_ids_tokens_or_query_values_are_one_pattern() -> None:
    same = [
        ("/admin/nutzer/6", "/admin/nutzer/2"),
        ("/beratung/termin/9de6dc17785a9728aace1089e24eb7d0@hub.example/verschieben",
         "/beratung/termin/2e0c1bdfcf30f977a5ccee4ffffcd38c@industryhub.example/verschieben"),
        ("/beratung/termine?topic=digitalisierung&day=2026-12-09",
         "/beratung/termine?day=2027-01-01&topic=industrie-4-0"),
        ("/canvas/3/export.pdf?version=2", "/canvas/2/export.pdf?version=1"),
    ]  # fmt: skip
    for one, other in same:
        assert pattern(f"http://hub{one}") == pattern(f"http://hub{other}"), (one, other)
    assert pattern("http://hub/beratung/termine?topic=a") != pattern("http://hub/beratung/termine")
    assert pattern("http://hub/admin/themen/neu") != pattern("http://hub/admin/themen/1")


def test_german_left_on_an_english_page_is_found_but_not_names_or_marked_german(
    browser: Browser,
) -> None:
    page = browser.new_page()
    page.set_content(
        '<html lang="en"><head><title>Sign in · Abmelden</title></head><body>'
        '<p>Meine Termine</p><p>Katharina Brandt</p><p lang="de">Deutsch</p>'
        '<button aria-label="Speichern">Save</button></body></html>'
    )
    found = untranslated(page)
    page.close()
    assert found == ["Abmelden", "Meine Termine", "Speichern"]
