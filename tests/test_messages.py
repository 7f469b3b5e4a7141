"""Every form message says what is wrong and what to do, next to the field it is about."""

from __future__ import annotations

import re

import pytest

from tests.booking_support import GUEST_FORM, at, monday_in
from tests.test_admin_catalog import TYPE_FORM

GENERIC = "Bitte füllen Sie dieses Feld aus"
CONSENT = (
    "Bitte setzen Sie das Häkchen, um den Datenschutzhinweisen zuzustimmen: "
    "ohne Ihre Zustimmung dürfen wir Ihre Angaben nicht verarbeiten."
)


def book_url() -> str:
    start = at(monday_in(2), "10:00")
    return (
        "/beratung/buchen?type=erstgespraech&topic=digitalisierung&advisor=any"
        f"&start={start:%Y-%m-%dT%H:%MZ}"
    )


def error_of(html: str, field: str) -> str:
    return re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html).group(1)


def test_consent_left_out_is_explained_at_the_checkbox_and_the_rest_is_kept(htmx_client, world):
    response = htmx_client.submit(book_url(), {**GUEST_FORM, "accept_privacy": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_of(html, "accept_privacy") == CONSENT
    checkbox = re.search(r'<input[^>]*id="accept_privacy"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in checkbox
    assert 'aria-describedby="accept_privacy-hint accept_privacy-error"' in checkbox
    assert 'value="Eva Gast"' in html and "Rezepturverwaltung" in html


@pytest.mark.parametrize("path", ["booking", "/konto/registrieren"])
def test_the_consent_hint_links_the_privacy_notice_in_a_new_tab(client, world, path):
    html = client.get(book_url() if path == "booking" else path).get_data(as_text=True)
    hint = re.search(r'<p class="hint" id="accept_privacy-hint">(.*?)</p>', html, re.S).group(1)
    link = re.search(r'<a href="([^"]+)" target="_blank" rel="noopener">([^<]+)</a>', hint)
    # A guest consents to the version in force (0: the built-in notice), kept with the booking.
    notice = "/datenschutz/version/0" if path == "booking" else "/datenschutz"
    assert link.groups() == (notice, "Datenschutzhinweise")
    assert "neuen Tab" in hint  # said aloud and in print, not only shown by an icon
    assert "Datenschutz“ am Ende jeder Seite" not in html
    assert client.get(link.group(1)).status_code == 200
    # Our message, not the browser's generic bubble: the form is checked by the server.
    assert re.search(r'<form id="(booking|register)-form"[^>]* novalidate', html)


def test_an_empty_guest_booking_names_each_missing_entry(htmx_client, world):
    html = htmx_client.submit(book_url(), {}).get_data(as_text=True)
    assert GENERIC not in html
    assert error_of(html, "agenda") == "Bitte schreiben Sie kurz, worüber Sie sprechen möchten."
    assert error_of(html, "guest_name") == "Bitte geben Sie Ihren Namen ein."
    assert error_of(html, "guest_email") == "Bitte geben Sie Ihre E-Mail-Adresse ein."
    assert error_of(html, "guest_company") == "Bitte geben Sie den Namen Ihres Unternehmens ein."
    assert error_of(html, "accept_privacy") == CONSENT


@pytest.mark.parametrize(
    ("path", "errors"),
    [
        ("/konto/anmelden", {"email": "Bitte geben Sie Ihre E-Mail-Adresse ein.",
                             "password": "Bitte geben Sie Ihr Passwort ein."}),
        ("/konto/registrieren", {"name": "Bitte geben Sie Ihren Namen ein.",
                                 "password": "Bitte wählen Sie ein Passwort.",
                                 "password_confirm": "Bitte geben Sie das Passwort zur "
                                                     "Sicherheit noch einmal ein."}),
    ],
)  # fmt: skip
def test_empty_account_forms_name_each_missing_entry(htmx_client, path, errors):
    html = htmx_client.submit(path, {}).get_data(as_text=True)
    assert GENERIC not in html
    for field, message in errors.items():
        assert error_of(html, field) == message


def test_an_empty_consultation_type_names_each_missing_entry(client, admin):
    html = client.submit("/admin/beratungsarten/neu", {}).get_data(as_text=True)
    assert GENERIC not in html
    assert error_of(html, "name_de") == "Bitte geben Sie einen deutschen Namen ein."
    assert error_of(html, "duration_minutes") == "Bitte geben Sie die Dauer in Minuten an."


def test_a_wrong_password_says_what_to_do_next(htmx_client, make):
    user = make.user()
    html = htmx_client.submit(
        "/konto/anmelden", {"email": user.email, "password": "falsches-Passwort-123"}
    ).get_data(as_text=True)
    assert error_of(html, "password") == (
        "E-Mail-Adresse oder Passwort ist falsch. Bitte prüfen Sie beides "
        "oder setzen Sie Ihr Passwort über „Passwort vergessen?“ zurück."
    )
    assert "Passwort vergessen?</a>" in html


def test_a_taken_slug_asks_for_another(client, admin, make):
    make.consultation_type("workshop")
    html = client.submit("/admin/beratungsarten/neu", TYPE_FORM).get_data(as_text=True)
    assert error_of(html, "slug") == (
        "Dieser Kurzname ist schon vergeben. Bitte wählen Sie einen anderen."
    )
