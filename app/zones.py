"""The time zones people pick from: the tz database's own list of zones, not every name in it.

``available_timezones()`` holds some 600 names, a third of them legacy aliases
("Africa/Timbuktu", "US/Eastern", "Asia/Calcutta"). We offer the zones of ``zone.tab``: one
for each region of each country with its own clock history, each named after a city people
know. A browser may still report an alias (older systems say "Asia/Calcutta"): the links of
``tzdata.zi`` map it to the zone we offer, so it is understood, not refused.

Both files are read from where ``zoneinfo`` reads its zones (the system's tz database, else
the ``tzdata`` package), so every zone offered can be loaded.
"""

from __future__ import annotations

import unicodedata
import zoneinfo
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

UTC = "UTC"

# The order of the groups in the picker: Europe first, where the hubs and most clients are.
REGIONS = {
    "Europe": _l("Europa"),
    "Africa": _l("Afrika"),
    "America": _l("Amerika"),
    "Asia": _l("Asien"),
    "Australia": _l("Australien"),
    "Pacific": _l("Pazifik"),
    "Atlantic": _l("Atlantik"),
    "Indian": _l("Indischer Ozean"),
    "Antarctica": _l("Antarktis"),
    "Arctic": _l("Arktis"),
}


def _tz_file(name: str) -> str:
    """A file of the tz database, from the first place ``zoneinfo`` would look for zones."""
    for root in zoneinfo.TZPATH:
        path = Path(root, name)
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")


@cache
def _offered() -> dict[str, str]:
    """Zone → ISO 3166 country code, from ``zone.tab`` (tab-separated, ``#`` comments)."""
    zones = {}
    for line in _tz_file("zone.tab").splitlines():
        if line and not line.startswith("#"):
            country, _coordinates, zone, *_comment = line.split("\t")
            zones[zone] = country
    return zones


@cache
def _links() -> dict[str, str]:
    """Alias → the zone it names, from the ``L target alias`` lines of ``tzdata.zi``."""
    links = {}
    for line in _tz_file("tzdata.zi").splitlines():
        if line.startswith("L "):
            _kind, target, alias = line.split()
            links[alias] = target
    return links


def _resolved(name: str) -> str:
    links, seen = _links(), set()
    while name in links and name not in seen:
        seen.add(name)
        name = links[name]
    return name


@cache
def _canonical() -> dict[str, str]:
    """Every name that means an offered zone (the zone itself, or an alias) → that zone."""
    offered = [*_offered(), UTC]
    # Several offered zones can share one rule set (e.g. Zagreb and Belgrade): an alias of
    # that rule set goes to the zone bearing its name, else to the first in the list.
    by_rules: dict[str, str] = {}
    for zone in offered:
        rules = _resolved(zone)
        if zone == rules or rules not in by_rules:
            by_rules[rules] = zone
    # GMT by any name ("GMT", "Etc/Greenwich") never leaves UTC's clock.
    by_rules["Etc/GMT"] = UTC
    names = dict(by_rules)
    names.update(
        (alias, by_rules[_resolved(alias)]) for alias in _links() if _resolved(alias) in by_rules
    )
    names.update((zone, zone) for zone in offered)
    return names


def canonical_timezone(name: str | None) -> str | None:
    """The zone we offer for ``name`` ("Asia/Calcutta" → "Asia/Kolkata"), else None."""
    return _canonical().get(name) if name else None


def is_known_timezone(name: str | None) -> bool:
    return canonical_timezone(name) is not None


def timezone_names() -> tuple[str, ...]:
    """The zones offered, sorted, and UTC."""
    return (*sorted(_offered()), UTC)


def _sort_key(text: str) -> str:
    """ "Österreich" next to "Oslo", not after "Zürich"."""
    return unicodedata.normalize("NFKD", text).casefold()


def zone_label(zone: str, locale: str) -> str:
    """ "Wien (Österreich)" / "Vienna (Austria)": the city as the language writes it."""
    if zone == UTC:
        return "UTC"
    names = Locale.parse(locale)
    city = names.time_zones.get(zone, {}).get("city")
    if not city:  # "America/Indiana/Knox" → "Knox, Indiana"
        city = ", ".join(reversed(zone.split("/")[1:])).replace("_", " ")
    country = _offered().get(zone)
    country = names.territories.get(country, country) if country else None
    return f"{city} ({country})" if country and country != city else city


@cache
def _groups(locale: str) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    by_region: dict[str, list[tuple[str, str]]] = {region: [] for region in REGIONS}
    for zone in _offered():
        by_region[zone.partition("/")[0]].append((zone, zone_label(zone, locale)))
    groups = [
        (str(REGIONS[region]), tuple(sorted(choices, key=lambda c: _sort_key(c[1]))))
        for region, choices in by_region.items()
        if choices
    ]
    groups.append((str(_l("Weltzeit")), ((UTC, "UTC"),)))
    return tuple(groups)


def timezone_choices(current: str | None) -> list[tuple[str, list[tuple[str, str]]]]:
    """The zones offered, grouped by region (for ``<optgroup>``), ``current`` first.

    ``current`` appears once only (a select with two selected options is invalid HTML); an
    alias is shown as its zone; a name we do not offer gets no group of its own.
    """
    locale = str(get_locale() or "de")
    zone = canonical_timezone(current)
    groups = [
        (region, [choice for choice in choices if choice[0] != zone])
        for region, choices in _groups(locale)
    ]
    if zone is None:
        return groups
    return [(str(_l("Ihre Zeitzone")), [(zone, zone_label(zone, locale))]), *groups]


def zone_options(current: str | None) -> Markup:
    """The ``<optgroup>``s of a zone ``<select>`` with ``current`` selected, as HTML.

    Some 420 options are sent with every change of the picker's choice: built once per
    language and zone instead of by a template loop each time (about 5 ms a request).
    """
    return _zone_options(str(get_locale() or "de"), canonical_timezone(current))


@lru_cache(maxsize=128)
def _zone_options(locale: str, zone: str | None) -> Markup:
    option = Markup('<option value="{}">{}</option>')
    chosen = Markup('<option value="{}" selected>{}</option>')
    group = Markup('<optgroup label="{}">{}</optgroup>')
    return Markup("").join(
        group.format(
            region,
            Markup("").join(
                (chosen if name == zone else option).format(name, label) for name, label in choices
            ),
        )
        for region, choices in timezone_choices(zone)
    )
