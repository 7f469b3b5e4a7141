"""A business-model canvas from the first note to the consultation, in real Chromium.

A client of Rheinchem fills in a Business Model Canvas (notes added, one dragged by mouse
to another block, one moved up by keyboard), submits it; the hub's admin comments on two
blocks and asks for changes; the company sees the comments beside its blocks, edits a
note, resubmits and compares the versions; the admin approves; the company downloads the
PDF and brings the canvas to a booking, where the advisor reads it, read-only. axe checks
every canvas and review page on the way, the board once at phone width.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from pypdf import PdfReader

from tests.e2e.booking_pages import (
    AGENDA,
    BRANDT,
    advisor_id,
    choose_slot,
    expect_booking_page,
    log_in,
    monday_in,
    open_picker,
    picker_url,
    submit_booking,
    summary_value,
)

pytestmark = pytest.mark.e2e

CLIENT = "andreas.krueger@rheinchem.example"
ADMIN = "admin@industryhub.example"
ADVISOR = "katharina.brandt@industryhub.example"
TITLE = "Journey: Lösungsmittel-Recycling als Service"
PHONE = {"width": 390, "height": 844}

# (block, text): what the company writes first, block by block.
NOTES = [
    ("Wertangebote", "Recycling vor Ort ohne Transport"),
    ("Wertangebote", "Abrechnung pro Liter zurückgewonnen"),
    ("Kundensegmente", "Lackierereien mit Lösemittelabfall"),
    ("Schlüsselpartner", "Entsorger mit Genehmigung"),
]
DRAGGED = "Entsorger mit Genehmigung"  # by mouse, from Schlüsselpartner to Kundensegmente
RAISED = "Abrechnung pro Liter zurückgewonnen"  # by keyboard, to the top of Wertangebote
EDITED = "Recycling vor Ort ohne Transport"
EDITED_TO = "Recycling vor Ort, Anlage im Leasing"
COMMENTS = {
    "Wertangebote": "Was kostet die Anlage die Kundschaft?",
    "Kundensegmente": "Wie viele Lackierereien gibt es in NRW?",
}


@contextmanager
def signed_in(browser: Browser, live_server: str, email: str) -> Iterator[Page]:
    """A second person at another computer: their own browser context, logged in."""
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        log_in(page, live_server, email)
        yield page
    finally:
        context.close()


def block(page: Page, title: str) -> Locator:
    return page.get_by_role("region", name=title, exact=True)


def note(page: Page, block_title: str, text: str) -> Locator:
    return block(page, block_title).get_by_role("listitem").filter(has_text=text)


def note_texts(page: Page, block_title: str) -> list[str]:
    """The texts of a block's editable notes, top to bottom, as their fields hold them."""
    fields = block(page, block_title).get_by_role("textbox", name="Text der Notiz")
    return fields.evaluate_all("fields => fields.map(field => field.value)")


def open_board(page: Page) -> None:
    """Wait until the board is enhanced: htmx loaded and SortableJS bound to its lists."""
    # A whole page after a POST: give it the context's timeout, not expect's shorter one.
    heading = page.get_by_role("heading", level=1, name=TITLE)
    expect(heading).to_be_visible(timeout=10_000)
    page.wait_for_function(
        "() => window.htmx !== undefined && window.Sortable !== undefined"
        " && document.querySelector('ul[data-sortable]:not([data-sorting])') === null"
    )


def open_from_list(page: Page) -> None:
    """The company's way back to its board: the main navigation, then the list."""
    page.get_by_role("navigation").get_by_role("link", name="Canvas", exact=True).click()
    page.get_by_role("link", name=TITLE).click()
    open_board(page)


def create_canvas(page: Page, live_server: str, axe_check) -> None:
    page.goto(f"{live_server}/canvas/")
    expect(
        page.get_by_role("heading", level=1, name="Geschäftsmodelle auf dem Canvas")
    ).to_be_visible()
    axe_check(page)
    page.get_by_label("Business Model Canvas", exact=True).check()
    page.get_by_label("Titel", exact=True).fill(TITLE)
    page.get_by_role("button", name="Canvas anlegen").click()
    open_board(page)


def add_note(page: Page, block_title: str, text: str) -> None:
    target = block(page, block_title)
    before = target.get_by_role("textbox", name="Text der Notiz").count()
    field = target.get_by_label(f"Neue Notiz in „{block_title}“")
    if not field.is_visible():  # after an addition the form stays open for the next note
        target.get_by_text("Notiz hinzufügen").click()
    field.fill(text)
    target.get_by_role("button", name="Hinzufügen").click()
    expect(target.get_by_role("textbox", name="Text der Notiz")).to_have_count(before + 1)
    expect(note(page, block_title, text)).to_be_visible()


def drag_note(page: Page, text: str, *, from_block: str, onto: Locator) -> None:
    """Drag a note by its handle onto ``onto`` as a mouse does: press, move in steps, let go.

    The dragged note is shown in each list it passes, which moves the blocks below: the
    pointer goes after the target again until it stays put, then lets go on it."""
    handle = note(page, from_block, text).locator(".note-handle")
    with page.expect_response(lambda response: response.url.endswith("/verschieben")) as moved:
        handle.hover()
        page.mouse.down()
        aim = None
        for _ in range(5):
            box = onto.bounding_box()
            assert box is not None
            centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            if centre == aim:
                break
            aim = centre
            page.mouse.move(*aim, steps=10)
        page.mouse.up()
    assert moved.value.ok, moved.value.status


def raise_note(page: Page, block_title: str, text: str) -> None:
    """Move a note up as a keyboard user does: into its text, Tab on to "Nach oben" (the
    note's controls show once focus is inside it), Enter."""
    item = note(page, block_title, text)
    item.get_by_role("textbox", name="Text der Notiz").focus()
    up = item.get_by_role("button", name="Nach oben")
    for _ in range(8):
        page.keyboard.press("Tab")
        if up.evaluate("button => button === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the note's “Nach oben” button")
    page.keyboard.press("Enter")


def flash(page: Page, text: str) -> Locator:
    return page.get_by_role("status").filter(has_text=text)


def build_the_board(page: Page, live_server: str, axe_check) -> None:
    create_canvas(page, live_server, axe_check)
    for block_title, text in NOTES:
        add_note(page, block_title, text)

    drag_note(
        page,
        DRAGGED,
        from_block="Schlüsselpartner",
        onto=note(page, "Kundensegmente", "Lackierereien mit Lösemittelabfall"),
    )
    expect(note(page, "Kundensegmente", DRAGGED)).to_be_visible()

    raise_note(page, "Wertangebote", RAISED)
    first = block(page, "Wertangebote").get_by_role("textbox", name="Text der Notiz").first
    expect(first).to_have_value(RAISED)
    # The keyboard stays on the arrow of the note it moved, to move it on.
    expect(
        note(page, "Wertangebote", RAISED).get_by_role("button", name="Nach oben")
    ).to_be_focused()

    page.reload()
    open_board(page)
    assert note_texts(page, "Wertangebote") == [RAISED, EDITED]
    assert sorted(note_texts(page, "Kundensegmente")) == sorted(
        [DRAGGED, "Lackierereien mit Lösemittelabfall"]
    )
    assert note_texts(page, "Schlüsselpartner") == []
    axe_check(page)
    page.set_viewport_size(PHONE)
    axe_check(page)
    page.set_viewport_size({"width": 1280, "height": 720})


def submit(page: Page, number: int, axe_check) -> None:
    page.get_by_role("button", name="Zur Prüfung einreichen").click()
    expect(
        flash(page, f"Version {number} von „{TITLE}“ ist zur Prüfung eingereicht")
    ).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{TITLE} · Version {number}")
    axe_check(page)


def open_review(admin: Page, number: int, axe_check) -> None:
    """From the admin's queue to the review page of version ``number``."""
    admin.get_by_role("navigation").get_by_role("link", name="Prüfung").click()
    expect(admin.get_by_role("heading", level=1, name="Prüfung")).to_be_visible()
    axe_check(admin)
    row = admin.get_by_role("row").filter(has=admin.get_by_role("link", name=TITLE))
    expect(row).to_contain_text(f"Version {number}")
    row.get_by_role("link", name=TITLE).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(f"{TITLE} · Version {number}")
    axe_check(admin)


def comment_and_request_changes(admin: Page, axe_check) -> None:
    open_review(admin, 1, axe_check)
    expect(block(admin, "Wertangebote").get_by_text(EDITED)).to_be_visible()
    for block_title, body in COMMENTS.items():
        target = block(admin, block_title)
        target.get_by_text("Kommentieren", exact=True).click()
        target.get_by_label(f"Kommentar zu „{block_title}“").fill(body)
        target.get_by_role("button", name="Kommentar speichern").click()
        expect(target.get_by_text(body)).to_be_visible()
    axe_check(admin)
    admin.get_by_role("button", name="Änderungen erbitten").click()
    expect(flash(admin, f"Änderungen für „{TITLE}“ erbeten")).to_be_visible()
    expect(admin.get_by_text("Änderungen erbeten", exact=True)).to_be_visible()


def revise_and_resubmit(page: Page, axe_check) -> None:
    open_from_list(page)
    expect(page.get_by_text(f"Für „{TITLE}“ wurden Änderungen erbeten.")).to_be_visible()
    for block_title, body in COMMENTS.items():
        expect(block(page, block_title).get_by_text("1 offen", exact=True)).to_be_visible()
        expect(block(page, block_title).get_by_text(body)).to_be_visible()
    axe_check(page)

    edited = note(page, "Wertangebote", EDITED)
    edited.get_by_role("textbox", name="Text der Notiz").fill(EDITED_TO)
    expect(edited.get_by_text("Gespeichert", exact=True)).to_be_visible()
    submit(page, 2, axe_check)

    page.get_by_role("link", name="Mit Version 1 vergleichen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vergleich: Version 1 und Version 2")
    summary = page.get_by_role("region", name="Zusammenfassung")
    for count in ("0 neu", "0 entfernt", "1 geändert", "0 verschoben"):
        expect(summary).to_contain_text(count)
    changed = page.get_by_role("region", name=re.compile(r"^Wertangebote"))
    expect(changed.get_by_text("geändert", exact=True)).to_be_visible()
    after = changed.get_by_role("listitem").filter(has_text=EDITED_TO)
    expect(after).to_contain_text("Geändert: Text")
    expect(changed.get_by_role("listitem").filter(has_text=EDITED)).to_contain_text(
        "Geändert: Text"
    )
    unchanged = page.get_by_role("region", name=re.compile(r"^Kundensegmente"))
    expect(unchanged.get_by_text("geändert", exact=True)).to_have_count(0)
    axe_check(page)


def approve(admin: Page, axe_check) -> None:
    open_review(admin, 2, axe_check)
    admin.get_by_role("button", name="Freigeben").click()
    expect(flash(admin, f"„{TITLE}“ ist freigegeben.")).to_be_visible()


def download_pdf(page: Page, axe_check) -> None:
    open_from_list(page)
    expect(page.get_by_text(f"„{TITLE}“ ist freigegeben.")).to_be_visible()
    axe_check(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    reader = PdfReader(download.path())
    words = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    for text in (TITLE, EDITED_TO, RAISED, DRAGGED, "Lackierereien mit Lösemittelabfall"):
        assert text in words, (text, words)


def bring_to_a_booking(page: Page, live_server: str, live_app) -> None:
    """The client books Dr. Brandt and brings the canvas's draft."""
    url = picker_url(live_server, topic="digitalisierung", advisor=advisor_id(live_app, ADVISOR))
    open_picker(page, url, monday_in(3))
    choose_slot(page)
    page.get_by_label(AGENDA).fill("Canvas-Journey: Recycling als Service besprechen")
    page.get_by_label("Canvas mitbringen").select_option(label=f"{TITLE} — Entwurf")
    submit_booking(page)
    expect_booking_page(page, status="bestätigt")
    expect(summary_value(page, "Canvas")).to_have_text(f"{TITLE} — Entwurf")
    expect(summary_value(page, "Mit")).to_contain_text(BRANDT)


def advisor_reads_it(advisor: Page, axe_check) -> None:
    advisor.get_by_role("navigation").get_by_role("link", name="Arbeitsplatz").click()
    expect(advisor.get_by_role("heading", level=1, name="Agenda")).to_be_visible()
    for weeks in (1, 2, 3):  # the booking is three weeks ahead
        advisor.get_by_role("link", name="Nächste Woche").click()
        expect(advisor).to_have_url(re.compile(f"woche={monday_in(weeks)}"))
    axe_check(advisor)  # the agenda, with the booking and its canvas
    advisor.get_by_role("link", name=f"{TITLE} — Entwurf").click()
    expect(advisor.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
    for block_title, text in (("Wertangebote", EDITED_TO), ("Kundensegmente", DRAGGED)):
        expect(block(advisor, block_title).get_by_text(text)).to_be_visible()
    expect(advisor.get_by_role("textbox")).to_have_count(0)
    expect(advisor.get_by_text("Notiz hinzufügen")).to_have_count(0)
    expect(advisor.get_by_role("button", name="Zur Prüfung einreichen")).to_have_count(0)
    axe_check(advisor)


def test_a_canvas_from_first_note_to_the_consultation(
    page: Page, browser: Browser, live_server: str, live_app, axe_check
) -> None:
    log_in(page, live_server, CLIENT)
    build_the_board(page, live_server, axe_check)
    submit(page, 1, axe_check)

    with signed_in(browser, live_server, ADMIN) as admin:
        comment_and_request_changes(admin, axe_check)
        revise_and_resubmit(page, axe_check)
        approve(admin, axe_check)

    download_pdf(page, axe_check)
    bring_to_a_booking(page, live_server, live_app)
    with signed_in(browser, live_server, ADVISOR) as advisor:
        advisor_reads_it(advisor, axe_check)
