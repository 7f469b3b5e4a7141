"""Which main-navigation link is "you are here" (``aria-current``), decided on the server.

A link is the current page (``aria-current="page"``) on the pages it leads to, and marks
the current section (``aria-current="true"``) on the pages reached from there, so screen
readers say "current page" only where it is true and everyone sees where they are.
"""

from __future__ import annotations

from flask import request
from markupsafe import Markup

# link endpoint → (pages it leads to, pages within its section; "admin." is a prefix)
SECTIONS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "booking.start": (
        frozenset({"booking.start", "booking.picker"}),
        ("booking.book", "booking.confirm_guest"),
    ),
    "admin.dashboard": (frozenset({"admin.dashboard"}), ("admin.",)),
    "advisor.agenda": (frozenset({"advisor.agenda"}), ("advisor.",)),
    "auth.profile": (
        frozenset({"auth.profile"}),
        ("auth.change_password", "main.photo", "privacy."),
    ),
    "auth.login": (frozenset({"auth.login"}), ("auth.forgot_password", "auth.reset_password")),
}


def nav_current(link: str, endpoint: str | None) -> str | None:
    """``"page"``, ``"true"`` or None: what ``aria-current`` the link to ``link`` gets on
    the page of ``endpoint``."""
    if endpoint is None:
        return None
    pages, within = SECTIONS.get(link, (frozenset({link}), ()))
    if endpoint in pages:
        return "page"
    if any(
        endpoint == name or (name.endswith(".") and endpoint.startswith(name)) for name in within
    ):
        return "true"
    return None


def aria_current(link: str) -> Markup:
    """The attribute for a navigation link in a template, or nothing."""
    state = nav_current(link, request.endpoint)
    return Markup(' aria-current="{}"').format(state) if state else Markup("")
