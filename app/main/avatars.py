"""Initials avatars for advisors without a photo: which letters, which colour."""

from __future__ import annotations

import zlib

# Backgrounds in static/css/app.css (.avatar-c0 … .avatar-c7); each has at least 4.5:1
# contrast with white text, so the initials stay readable.
PALETTE_SIZE = 8
# Academic and honorific titles are not part of the initials ("Dr. Katharina Brandt": KB).
TITLES = {"dr", "prof", "dipl", "ing", "med", "rer", "nat", "phil", "mba", "msc", "bsc"}


def initials(name: str) -> str:
    """First letters of the first and last name, titles skipped: "Dr. Katharina Brandt" → "KB"."""
    words = [w for w in name.replace("-", " ").split() if w.strip(".,").lower() not in TITLES]
    words = [w for w in words if w[0].isalpha()]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][0].upper()
    return (words[0][0] + words[-1][0]).upper()


def colour_index(name: str) -> int:
    """A stable colour per name (the same on every page and server, unlike ``hash``)."""
    return zlib.crc32(name.strip().lower().encode("utf-8")) % PALETTE_SIZE
