"""Numbers on the dashboard in the viewer's language: what Babel writes for "#,##0",
"#,##0.0" and the locale's percent pattern with one decimal (German "12,5 %", English
"12.5%").

Formatted with Python's own format and the locale's symbols: a year's tables and charts
have hundreds of cells, and Babel's pattern engine per cell would cost more than the SQL.
The symbols are looked up once per page (``NumberStyle.current``): asking flask-babel for
the locale per cell was a tenth of the page's time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol
from flask_babel import get_locale


@cache
def _symbols_of(locale: str) -> dict[int, str]:
    """Python's "," and "." as the locale's group and decimal symbols."""
    return str.maketrans({",": get_group_symbol(locale), ".": get_decimal_symbol(locale)})


@cache
def _percent_sign_of(locale: str) -> str:
    """What follows the number in the locale's percent pattern: "\u00a0%" or "%"."""
    pattern = Locale.parse(locale).percent_formats[None].pattern
    return pattern[pattern.rindex("0") + 1 :]


@dataclass(frozen=True)
class NumberStyle:
    symbols: dict[int, str]
    percent_sign: str

    @classmethod
    def current(cls) -> NumberStyle:
        """The style of the locale in force."""
        locale = str(get_locale() or "de")
        return cls(_symbols_of(locale), _percent_sign_of(locale))

    def page(self, value, kind: str) -> str:
        """A table cell or key figure: ``int``, ``hours`` (one decimal), ``percent`` (a
        share, shown ×100 with one decimal); "–" for no value."""
        if value is None:
            return "–"
        if kind == "int":
            return f"{int(value):,}".translate(self.symbols)
        if kind == "hours":
            return f"{value:,.1f}".translate(self.symbols)
        if kind == "percent":
            return f"{value * 100:,.1f}".translate(self.symbols) + self.percent_sign
        return str(value)

    def chart(self, value: float, kind: str = "int") -> str:
        """A tick or bar value: whole numbers without decimals, else one ("2,5 %", "12,5")."""
        if kind == "percent":
            value *= 100
        text = f"{value:,.0f}" if abs(value - round(value)) < 1e-9 else f"{value:,.1f}"
        return text.translate(self.symbols) + (self.percent_sign if kind == "percent" else "")

    def percent(self, value: float) -> str:
        return self.chart(value, "percent")


def page_value(value, kind: str) -> str:
    return NumberStyle.current().page(value, kind)


def chart_number(value: float, kind: str = "int") -> str:
    return NumberStyle.current().chart(value, kind)
