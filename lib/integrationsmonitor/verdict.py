"""The one headline verdict of an indicator at a Stichtag: against the straight-line Zielpfad
during the term, reached / not reached from the target date on, held / not held for holding
targets, or not assessable with the reason in words.

The rule (documented with worked examples in docs/indikatoren.md):

- Zielpfad: the straight line from the baseline to the target at the target date. A declared
  baseline (``cumulative_from`` → 0, or ``baseline:`` in the catalogue) holds at the *start* of
  its day, so a count "seit 01.07.2018" starts at 0 at 2018.5; a baseline taken from the data
  is a Stichtag and counts at the end of its day (see :func:`progress.decimal_year`).
- Anteil des erwarteten Weges a = (Wert − Basis) / (Zielpfad − Basis).
- In order: no value → ``nicht_bewertbar``; holding target → ``gehalten`` / ``nicht_gehalten``;
  no baseline → ``nicht_bewertbar``; target met (by direction) → ``erreicht``; from the target
  date on → ``nicht_erreicht`` with the share of the whole way; Stichtag not after the
  baseline → ``nicht_bewertbar``; value worse than the baseline → ``verschlechtert``;
  a ≥ 0.9 → ``auf_kurs``; a ≥ 0.6 → ``hinter_zielpfad``; else ``deutlich_hinter_zielpfad``.
- A value equal to its baseline is never ``verschlechtert`` (it is a ≥ 0 with no progress); a
  value that exists is never hidden behind grey: every ``nicht_bewertbar`` names its reason
  and the value.

The thresholds follow the Ampel the Lenkungsgruppe expects (grün/gelb/rot against a planned
path), each colour with a symbol of its own shape so that it reads in black-and-white print.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Protocol

from integrationsmonitor import formatting as fmt
from integrationsmonitor.progress import decimal_year

GREEN = 0.9  # share of the expected way from which the indicator is "auf Kurs"
YELLOW = 0.6  # … from which it is "hinter dem Zielpfad" (below: "deutlich hinter")
TOLERANCE = 1e-9  # values this close count as equal (shares of the same counts)

# code: (label, Ampel colour, symbol, severity: 0 best … 5 worst)
VERDICTS: dict[str, tuple[str, str, str, int]] = {
    "erreicht": ("Ziel erreicht", "gruen", "●", 0),
    "auf_kurs": ("auf Kurs", "gruen", "●", 0),
    "gehalten": ("Ziel gehalten", "gruen", "●", 0),
    "hinter_zielpfad": ("hinter dem Zielpfad", "gelb", "▲", 2),
    "deutlich_hinter_zielpfad": ("deutlich hinter dem Zielpfad", "rot", "■", 3),
    "nicht_erreicht": ("Ziel nicht erreicht", "rot", "■", 4),
    "verschlechtert": ("verschlechtert", "rot", "▼", 5),
    "nicht_gehalten": ("Ziel nicht gehalten", "rot", "▼", 5),
    "nicht_bewertbar": ("nicht bewertbar", "grau", "○", 1),
}
BEST = frozenset(c for c, v in VERDICTS.items() if v[1] == "gruen")
COLOUR_WORDS = {"gruen": "grün", "gelb": "gelb", "rot": "rot", "grau": "grau"}

RULE_TEXT = (
    "Bewertung: Zielpfad ist die gerade Linie von der Basis zum Ziel am Zieldatum (Zählungen "
    "„seit …“ beginnen bei 0 an ihrem Starttag). ● auf Kurs ab 90 % des bis zum Stichtag "
    "erwarteten Weges, ▲ hinter dem Zielpfad ab 60 %, ■ deutlich hinter dem Zielpfad darunter, "
    "▼ verschlechtert: schlechter als die Basis. ● Ziel erreicht, sobald der Wert das Ziel "
    "erreicht; ab dem Zieldatum nur noch „Ziel erreicht“ oder ■ „Ziel nicht erreicht“ mit dem "
    "Anteil des Weges. Halteziele: ● gehalten / ▼ nicht gehalten. ○ nicht bewertbar, mit Grund.")


class Judged(Protocol):
    """What the rule needs of an indicator (see :class:`indicators.Indicator`)."""

    direction: str
    target: float
    target_date: dt.date
    target_kind: str

    @property
    def fixed_baseline(self) -> tuple[dt.date, float] | None: ...

    def format(self, value: float | None, short: bool = False, case: str = "nom",
               precise: bool = False) -> str: ...


@dataclass(frozen=True)
class Verdict:
    """One headline verdict.

    Attributes:
        code: one of :data:`VERDICTS`.
        reason: one German sentence with the figures the verdict rests on.
        expected: the value on the Zielpfad at the Stichtag (holding targets: the target).
        share_of_way: (value − baseline) / (target − baseline), the share of the whole way.
        share_of_expected: (value − baseline) / (expected − baseline), the share of the way
            expected by the Stichtag (None from the target date on and where undefined).
    """

    code: str
    reason: str
    expected: float | None = None
    share_of_way: float | None = None
    share_of_expected: float | None = None

    @property
    def label(self) -> str:
        return VERDICTS[self.code][0]

    @property
    def colour(self) -> str:
        return VERDICTS[self.code][1]

    @property
    def symbol(self) -> str:
        return VERDICTS[self.code][2]

    @property
    def severity(self) -> int:
        return VERDICTS[self.code][3]

    @property
    def colour_word(self) -> str:
        return COLOUR_WORDS[self.colour]

    @property
    def is_best(self) -> bool:
        return self.code in BEST

    @property
    def headline(self) -> str:
        """The label as shown in tables, e.g. "Ziel nicht erreicht (62 % des Weges)"."""
        if self.code == "nicht_erreicht" and self.share_of_way is not None:
            return f"{self.label} ({fmt.percent(self.share_of_way, 0)} des Weges)"
        return self.label


def start_of_day(day: dt.date) -> float:
    """The time of the start of ``day`` in decimal years: 01.07.2018 → 2018.5."""
    return decimal_year(day - dt.timedelta(days=1))


def baseline_time(ind: Judged, baseline_date: dt.date) -> float:
    """A declared baseline counts at the start of its day, one from the data at its end."""
    return start_of_day(baseline_date) if ind.fixed_baseline else decimal_year(baseline_date)


def meets(direction: str, value: float, target: float) -> bool:
    """Whether ``value`` has reached ``target`` in the indicator's direction."""
    if math.isclose(value, target, rel_tol=0, abs_tol=TOLERANCE):
        return True
    return value > target if direction == "positive" else value < target


def worse(direction: str, value: float, baseline: float) -> bool:
    """Strictly worse than the baseline; an unchanged value is never worse."""
    if math.isclose(value, baseline, rel_tol=0, abs_tol=TOLERANCE):
        return False
    return value < baseline if direction == "positive" else value > baseline


def target_side_problem(ind: Judged, baseline: float) -> str | None:
    """Why the target does not fit the baseline (German), or None when it does.

    A target to reach must lie beyond the baseline in the indicator's direction; a holding
    target (``target_kind: halten``) may lie anywhere.
    """
    if ind.target_kind == "halten" or not (
            worse(ind.direction, ind.target, baseline)):
        return None
    side, need = (("unter", "darüber") if ind.direction == "positive" else ("über", "darunter"))
    rule = "höher ist besser" if ind.direction == "positive" else "niedriger ist besser"
    return (f"der Zielwert {ind.format(ind.target)} liegt {side} der Basis "
            f"{ind.format(baseline)}; bei „{rule}“ muss ein Ziel {need} liegen. Zielwert "
            "korrigieren oder als Halteziel erklären (target_kind: halten)")


def judge(ind: Judged, baseline_date: dt.date | None, baseline: float | None,
          stichtag: dt.date, value: float | None, green: float = GREEN,
          yellow: float = YELLOW, missing: str | None = None) -> Verdict:
    """The verdict of one indicator at ``stichtag`` (rule in the module docstring).

    Args:
        baseline_date, baseline: the baseline (None when it is missing).
        value: the value at the Stichtag (None when there is none).
        green, yellow: thresholds on the share of the expected way.
        missing: why there is no value, in German words (for ``nicht_bewertbar``).
    """
    f, target = ind.format, ind.target

    def d(v: float | None) -> str:  # dative, after "mit" and "von"
        return ind.format(v, case="dat")

    until = fmt.date(ind.target_date)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        why = missing or "kein Wert zum Stichtag"
        return Verdict("nicht_bewertbar", f"Kein Wert zum {fmt.date(stichtag)}: {why}.")
    if ind.target_kind == "halten":
        bound = "mindestens" if ind.direction == "positive" else "höchstens"
        held = meets(ind.direction, value, target)
        return Verdict("gehalten" if held else "nicht_gehalten",
                       f"Mit {d(value)} ist das Halteziel von {bound} {d(target)} "
                       f"{'' if held else 'nicht '}gehalten.", expected=target)
    if baseline is None or baseline_date is None:
        why = missing or "die Basis ist nicht bekannt"
        return Verdict("nicht_bewertbar", f"Der Wert von {d(value)} ist gegen den Zielpfad "
                       f"nicht bewertbar: kein Basiswert ({why}).")
    t0, ti, t_end = baseline_time(ind, baseline_date), decimal_year(stichtag), \
        decimal_year(ind.target_date)
    whole = target - baseline
    share_of_way = (value - baseline) / whole if whole else None
    at_end = ti >= t_end
    expected = None
    if ti > t0 and t_end > t0:
        expected = baseline + whole * min((ti - t0) / (t_end - t0), 1.0)
    if meets(ind.direction, value, target):
        when = f"zum Zieldatum {until}" if at_end else "schon vor dem Zieldatum"
        return Verdict("erreicht", f"Mit {d(value)} ist das Ziel von {d(target)} {when} "
                       "erreicht.", expected, share_of_way)
    if whole == 0:  # target met at the baseline and lost since
        code = "nicht_erreicht" if at_end else "verschlechtert"
        return Verdict(code, f"Das Ziel von {d(target)} war zur Basis am "
                       f"{fmt.date(baseline_date)} erreicht; mit {d(value)} ist es "
                       "nicht mehr erreicht.", expected, None)
    if at_end:
        where = (f"{fmt.percent(share_of_way, 0)} des Weges von der Basis {f(baseline)} "
                 "zum Ziel" if share_of_way >= 0 else
                 f"der Wert liegt schlechter als die Basis von {d(baseline)}")
        return Verdict("nicht_erreicht", f"Zum Zieldatum {until} ist das Ziel von "
                       f"{d(target)} mit {d(value)} nicht erreicht: {where}.",
                       expected, share_of_way)
    if expected is None:
        return Verdict("nicht_bewertbar", f"Der Wert von {d(value)} am "
                       f"{fmt.date(stichtag)} ist die Basis; bewertbar ab dem nächsten "
                       "Stichtag.", None, share_of_way)
    covered = (value - baseline) / (expected - baseline)
    path = f"Zielpfad {f(expected, precise=True)}, Ziel {f(target)} bis {until}"
    if worse(ind.direction, value, baseline):
        return Verdict("verschlechtert", f"Mit {d(value)} liegt der Wert schlechter als die "
                       f"Basis von {d(baseline)} am {fmt.date(baseline_date)} ({path}).",
                       expected, share_of_way, covered)
    share = fmt.percent(covered, 0)
    # A share that is exactly a threshold in decimal figures (75 % of 83,33 %: 90 %) may come
    # out a hair below it in floating point; within TOLERANCE it counts as reached.
    if covered >= green - TOLERANCE:
        code, where = "auf_kurs", "auf dem Zielpfad"
    elif covered >= yellow - TOLERANCE:
        code, where = "hinter_zielpfad", "hinter dem Zielpfad"
    else:
        code, where = "deutlich_hinter_zielpfad", "deutlich hinter dem Zielpfad"
    moved = ("unverändert zur Basis" if not share_of_way else
             f"{share} des bis zum Stichtag erwarteten Weges")
    return Verdict(code, f"Mit {d(value)} liegt der Wert {where} ({moved}; {path}).",
                   expected, share_of_way, covered)
