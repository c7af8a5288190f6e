"""German number and date formats for everything a person reads (1.234,5 · 31.12.2019)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal

LOCALE = "de_DE"


def number(value: float | int | None, decimals: int = 0) -> str:
    """A number in German notation, e.g. ``number(1234.5, 1) == "1.234,5"``; missing → "–".

    >>> number(1234.5, 1)
    '1.234,5'
    >>> number(None)
    '–'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    fmt = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(_round_half_up(value, decimals), format=fmt, locale=LOCALE)


def _round_half_up(value: float | int, decimals: int) -> Decimal:
    """Commercial rounding (kaufmännisches Runden), as official statistics publish: 0,25 → 0,3.

    The value is taken by its shortest decimal representation, so 41.25 rounds to 41.3.
    """
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)


def percent(share: float | None, decimals: int = 1) -> str:
    """A share (0–1) as German percent, e.g. ``percent(0.4125) == "41,3 %"``.

    >>> percent(0.4125)
    '41,3\\xa0%'
    """
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "–"
    return number(float(Decimal(repr(float(share))) * 100), decimals) + "\xa0%"


def date(value: dt.date | None) -> str:
    """A date as dd.mm.yyyy, e.g. ``date(dt.date(2019, 12, 31)) == "31.12.2019"``.

    >>> date(dt.date(2019, 12, 31))
    '31.12.2019'
    """
    if value is None:
        return "–"
    return _babel_date(value, format="dd.MM.yyyy", locale=LOCALE)


def long_date(value: dt.date) -> str:
    """A date written out, e.g. "31. Dezember 2019".

    >>> long_date(dt.date(2019, 12, 31))
    '31. Dezember 2019'
    """
    return _babel_date(value, format="d. MMMM yyyy", locale=LOCALE)


def parse_date(text: str) -> dt.date:
    """Parse a German (dd.mm.yyyy) or ISO (yyyy-mm-dd) date; raises ValueError otherwise."""
    text = text.strip()
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"„{text}“ ist kein Datum (erwartet TT.MM.JJJJ)")


# --- German grammar for generated sentences ----------------------------------------------------

CASES = ("nom", "acc", "dat", "gen")
# Indefinite article by gender (m, f, n) and case: "ein Kurs", "einen Kurs", "einem Kurs".
INDEFINITE = {
    "m": {"nom": "ein", "acc": "einen", "dat": "einem", "gen": "eines"},
    "f": {"nom": "eine", "acc": "eine", "dat": "einer", "gen": "einer"},
    "n": {"nom": "ein", "acc": "ein", "dat": "einem", "gen": "eines"},
}


def agree(value: float | int, singular: str, plural: str) -> str:
    """The singular for exactly 1 (as written: 1, not 1,0), else the plural.

    >>> agree(1, "ist", "sind"), agree(0, "ist", "sind"), agree(2, "Kurs", "Kurse")
    ('ist', 'sind', 'Kurse')
    """
    return singular if value == 1 else plural


def plural_dative(plural: str) -> str:
    """The dative plural: -n added unless the plural ends in -n or -s.

    >>> plural_dative("Prozentpunkte"), plural_dative("Veranstaltungen"), plural_dative("Autos")
    ('Prozentpunkten', 'Veranstaltungen', 'Autos')
    """
    return plural if plural.endswith(("n", "s")) else plural + "n"


def count(value: float | int, singular: str, plural: str, decimals: int = 0,
          case: str = "nom", gender: str | None = None) -> str:
    """A number with its noun in the right number and case, German.

    The singular stands only for exactly 1 written without decimals ("1 Veranstaltung", but
    "1,0 Prozentpunkte"); the dative plural takes its -n ("seit 3 Halbjahren", "um 23,4
    Prozentpunkten" → see examples). With a ``gender`` (m, f, n) the number 1 is written as
    the indefinite article in ``case`` ("einen Kurs"). The singular noun is used as given:
    pass the genitive form yourself where it differs ("eines Kurses").

    >>> count(1, "Veranstaltung", "Veranstaltungen")
    '1 Veranstaltung'
    >>> count(23.4, "Prozentpunkt", "Prozentpunkte", 1, case="dat")
    '23,4 Prozentpunkten'
    >>> count(1, "Kurs", "Kurse", case="acc", gender="m")
    'einen Kurs'
    >>> count(1234, "Teilnahme", "Teilnahmen")
    '1.234 Teilnahmen'

    Raises:
        ValueError: an unknown case or gender.
    """
    if case not in CASES:
        raise ValueError(f"case must be one of {CASES}, not {case!r}")
    if gender is not None and gender not in INDEFINITE:
        raise ValueError(f"gender must be m, f or n, not {gender!r}")
    one = value == 1 and decimals == 0
    if one:
        noun = singular
        if gender is not None:
            return f"{INDEFINITE[gender][case]} {noun}"
    else:
        noun = plural_dative(plural) if case == "dat" else plural
    return f"{number(value, decimals)} {noun}"


def number_ranges(numbers: list[int]) -> str:
    """Item numbers for a reader: three or more in a row as a range with an en dash.

    >>> number_ranges([1, 2, 3, 4, 5, 7, 9, 10])
    '1–5, 7, 9, 10'
    >>> number_ranges([14])
    '14'
    """
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) >= 3 else ", ".join(map(str, r))
                     for r in runs)

