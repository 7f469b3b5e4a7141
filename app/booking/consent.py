"""What a guest booking keeps of the guest's consent to the privacy notice.

The version of the notice in force (0: the built-in text, before any was published) and
the exact sentence the guest ticked, in the booking's language; together with the time
(``guest_consent_at``) they show what the guest agreed to, long after the notice changed.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app.models.legal import LegalDocument, LegalKind

# The sentence of the consent box on the guest booking form (and the registration form).
GUEST_CONSENT = _l(
    "Ich habe die Datenschutzhinweise gelesen und bin mit der Verarbeitung "
    "meiner Daten zur Beratung einverstanden."
)


def consent_sentence(locale: str | None) -> str:
    """The consent sentence exactly as it reads in ``locale``."""
    with force_locale(locale or "de"):
        return str(GUEST_CONSENT)


def guest_consent(locale: str | None) -> tuple[int, str]:
    """(privacy notice version in force, consent sentence in ``locale``)."""
    return LegalDocument.number_in_force(LegalKind.PRIVACY), consent_sentence(locale)
