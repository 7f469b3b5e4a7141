"""German public holidays by federal state, from the maintained ``holidays`` package.

The package knows which holidays each state keeps (Fronleichnam in NW, not in BE; Berlin's
Frauentag …) and names them in German and English, so nothing here is a hand-kept list that
would go stale.
"""

from __future__ import annotations

from datetime import date

import holidays
from flask_babel import lazy_gettext as _l

# The 16 Bundesländer by the codes the package (and Advisor.holiday_region) use, in the
# order of their German names.
REGIONS = {
    "BW": _l("Baden-Württemberg"),
    "BY": _l("Bayern"),
    "BE": _l("Berlin"),
    "BB": _l("Brandenburg"),
    "HB": _l("Bremen"),
    "HH": _l("Hamburg"),
    "HE": _l("Hessen"),
    "MV": _l("Mecklenburg-Vorpommern"),
    "NI": _l("Niedersachsen"),
    "NW": _l("Nordrhein-Westfalen"),
    "RP": _l("Rheinland-Pfalz"),
    "SL": _l("Saarland"),
    "SN": _l("Sachsen"),
    "ST": _l("Sachsen-Anhalt"),
    "SH": _l("Schleswig-Holstein"),
    "TH": _l("Thüringen"),
}

# Our UI languages to the package's names for them.
LANGUAGES = {"de": "de", "en": "en_US"}


def holidays_of(region: str, year: int, locale: str = "de") -> list[tuple[date, str]]:
    """The public holidays of Bundesland ``region`` in ``year`` by date, named in ``locale``
    (German for a language the package does not name them in)."""
    if region not in REGIONS:
        raise ValueError(f"unknown Bundesland {region!r}")
    found = holidays.country_holidays(
        "DE", subdiv=region, years=year, language=LANGUAGES.get(locale, "de")
    )
    return sorted(found.items())
