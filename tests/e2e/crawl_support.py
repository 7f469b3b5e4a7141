"""The whole-site sweep's crawler (``test_crawl.py``): a breadth-first walk in Chromium over
the links a role sees, with every check a page must pass, collected rather than raised so
one run names every page and every problem.

A crawl stays bounded by URL *patterns*: links that differ only by ids, tokens or query
values (``/admin/nutzer/7`` and ``/admin/nutzer/8``, ``?topic=a`` and ``?topic=b``) are one
pattern, visited for a few samples; the rest are seen once and left.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from time import monotonic
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

from babel.messages.pofile import read_po
from playwright.sync_api import APIResponse, ConsoleMessage, Page, Request, Response
from playwright.sync_api import Error as PlaywrightError

ENGLISH_CATALOGUE = (
    Path(__file__).resolve().parents[2] / "app/translations/en/LC_MESSAGES/messages.po"
)
SAMPLES_PER_PATTERN = 2
MAX_PAGES = 150  # a crawl that grows past this has lost its patterns: a failure, not a hang
# Files, not pages: fetched for their status only (a browser would download them).
FILE_SUFFIXES = (".ics", ".pdf", ".zip", ".csv", ".json", ".png", ".jpg", ".webp", ".svg")
LOGIN_PATH = "/konto/anmelden"
# Addresses that change state, were one ever linked: signing out would end the crawl.
NOT_FOLLOWED = {"/konto/abmelden", "/sprache"}
LANGUAGES = {"de": "Deutsch", "en": "English"}

_NUMBER = re.compile(r"/\d+(?=/|$|\.)")
_TOKEN = re.compile(r"/[A-Za-z0-9_.~%@-]{20,}(?=/|$)")  # signed tokens, booking uids


def pattern(url: str) -> str:
    """The URL with ids and tokens in its path replaced and only its query's names kept."""
    parts = urlsplit(url)
    path = _TOKEN.sub("/{token}", _NUMBER.sub("/{n}", parts.path))
    names = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(names) if names else "")


@cache
def german_sources() -> frozenset[str]:
    """The German source strings the English catalogue translates differently, or not yet:
    seen as a whole text on an English page, they mean a string escaped translation."""
    with ENGLISH_CATALOGUE.open("rb") as file:
        catalogue = read_po(file)
    found = set()
    for message in catalogue:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for source, english in zip(ids, strings, strict=False):
            if source and english != source and "%" not in source:
                found.add(" ".join(source.split()))
    return frozenset(found)


# Whole texts a reader meets: text nodes, accessible names and hints, and the title parts;
# German on purpose (an element or ancestor with lang="de", such as the "Deutsch" button)
# is left out.
_TEXTS_JS = """() => {
  const texts = [];
  const german = (element) => element.closest('[lang]')?.getAttribute('lang') === 'de';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('script, style, template') || german(parent)) continue;
    texts.push(node.textContent);
  }
  for (const element of document.querySelectorAll('[aria-label], [title], [placeholder], [alt]')) {
    if (german(element)) continue;
    for (const name of ['aria-label', 'title', 'placeholder', 'alt']) {
      if (element.hasAttribute(name)) texts.push(element.getAttribute(name));
    }
  }
  texts.push(...document.title.split(' · '));
  return texts;
}"""


_DOCUMENT_JS = """() => [
  document.querySelectorAll('h1').length, document.title, document.documentElement.lang
]"""


def untranslated(page: Page) -> list[str]:
    """German source strings the page shows as whole texts while it is in English."""
    texts = {" ".join(text.split()) for text in page.evaluate(_TEXTS_JS)}
    return sorted(texts & german_sources())


@dataclass
class Visit:
    """One page the crawl opened: its server HTML in both languages, for the Nu checker."""

    url: str
    html: dict[str, str] = field(default_factory=dict)


@dataclass
class Crawl:
    """What a crawl of one role saw and what was wrong, each problem naming its page."""

    role: str
    visits: list[Visit] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    patterns: dict[str, int] = field(default_factory=dict)
    seconds: Counter[str] = field(default_factory=Counter)  # where the time went, by step

    def problem(self, url: str, what: str) -> None:
        self.problems.append(f"{self.role} · {url}: {what}")


class Crawler:
    """Walks the site as whoever is signed in on ``page`` (or nobody), checking each page
    as it goes.

    ``check_accessibility(page)`` returns axe's report of violations (empty when none).
    """

    def __init__(
        self, page: Page, base_url: str, role: str, check_accessibility: Callable[[Page], str]
    ) -> None:
        self.page = page
        self.base = base_url
        self.origin = urlsplit(base_url).netloc
        self.crawl = Crawl(role)
        self.check_accessibility = check_accessibility
        self.current = ""
        self.lang = "de"  # the language the crawl expects; every switch turns it
        page.on("request", self._on_request)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.crawl.problem(self.current, f"page error {error}"))

    def _on_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in {"http", "https", "ws", "wss"} and parts.netloc != self.origin:
            self.crawl.problem(self.current, f"request to another host: {request.url}")

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.crawl.problem(self.current, f"console error {message.text!r}")

    def run(self) -> Crawl:
        """Breadth-first from the home page over same-origin links; the first sample of a
        pattern gets every check, further samples those that vary with the data (axe-core
        and the language switch would find the same markup again, at a second each)."""
        start = self.base + "/"
        queue, seen = deque([(start, True)]), {start}
        self.crawl.patterns[pattern(start)] = 1
        while queue:
            url, first = queue.popleft()
            if len(self.crawl.visits) >= MAX_PAGES:
                self.crawl.problem(url, f"more than {MAX_PAGES} pages: the patterns let it grow")
                break
            if self._is_file(url):
                self._check_file(url)
                continue
            for link in self._check_page(url, first=first):
                if urlsplit(link).path in NOT_FOLLOWED:
                    continue
                key = pattern(link)
                samples = self.crawl.patterns.get(key, 0)
                if link in seen or samples >= SAMPLES_PER_PATTERN:
                    continue
                seen.add(link)
                self.crawl.patterns[key] = samples + 1
                queue.append((link, samples == 0))
        return self.crawl

    @staticmethod
    def _is_file(url: str) -> bool:
        return urlsplit(url).path.endswith(FILE_SUFFIXES)

    def _check_file(self, url: str) -> None:
        self.current = url
        self.crawl.files.append(url)
        response: APIResponse = self.page.context.request.get(url, max_redirects=0)
        if response.status != 200:
            self.crawl.problem(url, f"file link answers {response.status}, not 200")
        elif "text/html" in response.headers.get("content-type", ""):
            self.crawl.problem(url, "file link answers with a web page, not the file")
        response.dispose()

    def _check_page(self, url: str, *, first: bool) -> list[str]:
        """Check the page at ``url``; the links on it."""
        self.current = url
        try:
            with self._timed("load"):
                response = self.page.goto(url)
        except PlaywrightError as error:
            if "Download is starting" in error.message:  # an attachment without a suffix
                self._check_file(url)
            else:
                self.crawl.problem(url, f"does not open: {error.message.splitlines()[0]}")
            return []
        if not self._check_response(url, response):
            self.crawl.visits.append(Visit(url))
            return []
        if "text/html" not in response.headers.get("content-type", ""):
            self.crawl.files.append(url)  # an image, say: its status is all there is to check
            return []
        visit = Visit(url)
        self.crawl.visits.append(visit)
        visit.html[self.lang] = response.text()
        with self._timed("checks"):
            self._check_document(url, self.lang)
            links = self._links()
        if first:
            with self._timed("axe-core"):
                report = self.check_accessibility(self.page)
            if report:
                self.crawl.problem(url, f"axe-core violations:\n{report}")
            with self._timed("language switch"):
                self._check_language_switch(visit)
        return links

    @contextmanager
    def _timed(self, step: str) -> Iterator[None]:
        started = monotonic()
        yield
        self.crawl.seconds[step] += monotonic() - started

    def _check_response(self, url: str, response: Response | None) -> bool:
        if response is None or response.status != 200:
            status = response.status if response else "no response"
            self.crawl.problem(url, f"linked page answers {status}, not 200")
            return False
        final = urlsplit(self.page.url)
        if final.netloc != self.origin:
            self.crawl.problem(url, f"link leaves the site for {self.page.url}")
            return False
        if final.path == LOGIN_PATH and urlsplit(url).path != LOGIN_PATH:
            self.crawl.problem(url, "linked page sends this role to the sign-in page")
            return False
        return True

    def _check_document(self, url: str, lang: str) -> None:
        """One h1, a title, the language in <html lang> and, in English, no German."""
        where = f"{url} ({lang})"
        headings, title, shown = self.page.evaluate(_DOCUMENT_JS)
        if headings != 1:
            self.crawl.problem(where, f"{headings} <h1> elements, not one")
        if not title.strip():
            self.crawl.problem(where, "empty <title>")
        if shown != lang:
            self.crawl.problem(where, f'<html lang="{shown}">, not "{lang}"')
            self.lang = shown if shown in LANGUAGES else self.lang  # one problem, not a trail
        german = untranslated(self.page) if lang == "en" else []
        if german:
            self.crawl.problem(where, f"German text on the English page: {german}")

    def _links(self) -> list[str]:
        """Same-origin link targets on the page, without fragments, in document order."""
        hrefs = self.page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        links = []
        for href in hrefs:
            link = urldefrag(urljoin(self.page.url, href)).url
            parts = urlsplit(link)  # mailto:, tel: and other sites are not crawled
            if parts.scheme in {"http", "https"} and parts.netloc == self.origin:
                links.append(link)
        return links

    def _check_language_switch(self, visit: Visit) -> None:
        """The header's switch to the other language shows the same page in it; the crawl
        goes on in that language, so the switch is used both ways and each page is seen in
        German and English."""
        here, other = self.page.url, "en" if self.lang == "de" else "de"
        switch = self.page.locator(".lang-switch").get_by_role("button", name=LANGUAGES[other])
        if switch.count() != 1:
            self.crawl.problem(here, f"no switch to {LANGUAGES[other]}")
            return
        with self.page.expect_navigation() as navigation:
            switch.click()
        self.lang = other
        response = navigation.value
        if response is None or response.status != 200 or self.page.url != here:
            self.crawl.problem(here, f"switching to {LANGUAGES[other]} leads to {self.page.url}")
            return
        visit.html[other] = response.text()
        self._check_document(here, other)
