"""The reporting calendar: half-year periods of the concept's term, their Stichtage, and the
annual reports to the Kreistag.

Period IDs are ``YYYY-H1`` / ``YYYY-H2`` so that file names sort in time order. The calendar is
derived from the term in the concept catalogue (01.07.2018–30.06.2021), not written in code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from integrationsmonitor import formatting as fmt

PERIOD_PATTERN = re.compile(r"^(?P<year>\d{4})-H(?P<half>[12])$")


@dataclass(frozen=True, order=True)
class Period:
    """One half-year reporting period; its Stichtag is the last day of the half-year."""

    year: int
    half: int

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse ``"2019-H1"``; raises ValueError with a German message otherwise."""
        m = PERIOD_PATTERN.match(str(text).strip())
        if not m:
            raise ValueError(f"„{text}“ ist kein Berichtszeitraum (erwartet z. B. 2019-H1)")
        return cls(int(m["year"]), int(m["half"]))

    @classmethod
    def containing(cls, day: dt.date) -> Period:
        return cls(day.year, 1 if day.month <= 6 else 2)

    @property
    def id(self) -> str:
        return f"{self.year}-H{self.half}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year, 6, 30) if self.half == 1 else dt.date(self.year, 12, 31)

    @property
    def stichtag(self) -> dt.date:
        return self.end

    @property
    def label(self) -> str:
        """German label, e.g. "2. Halbjahr 2018"."""
        return f"{self.half}. Halbjahr {self.year}"

    @property
    def span(self) -> str:
        """e.g. "01.07.2018–31.12.2018"."""
        return f"{fmt.date(self.start)}–{fmt.date(self.end)}"

    def previous(self) -> Period:
        return Period(self.year, 1) if self.half == 2 else Period(self.year - 1, 2)

    def next(self) -> Period:
        return Period(self.year, 2) if self.half == 1 else Period(self.year + 1, 1)

    def __str__(self) -> str:
        return self.id


@dataclass(frozen=True)
class AnnualReport:
    """The written report to the Kreistag at the end of a year (or the final report at term end)."""

    year: int
    periods: tuple[Period, ...]
    final: bool

    @property
    def stichtag(self) -> dt.date:
        return self.periods[-1].stichtag

    @property
    def label(self) -> str:
        return f"Abschlussbericht {self.year}" if self.final else f"Jahresbericht {self.year}"


@dataclass(frozen=True)
class ReportingCalendar:
    """All half-year periods from the term's start to its end, plus the baseline Stichtag."""

    term_start: dt.date
    term_end: dt.date
    baseline_stichtag: dt.date

    @classmethod
    def of(cls, catalogue) -> ReportingCalendar:
        return cls(catalogue.term_start, catalogue.term_end, catalogue.baseline_stichtag)

    @property
    def periods(self) -> list[Period]:
        out, p = [], Period.containing(self.term_start)
        while p.start <= self.term_end:
            out.append(p)
            p = p.next()
        return out

    def __contains__(self, period: Period) -> bool:
        return period in self.periods

    def check(self, period: Period) -> Period:
        """Return ``period`` if it lies in the term, else raise ValueError (German)."""
        if period not in self.periods:
            first, last = self.periods[0].id, self.periods[-1].id
            raise ValueError(f"Berichtszeitraum {period.id} liegt außerhalb der Laufzeit "
                             f"des Konzepts ({first} bis {last})")
        return period

    def previous(self, period: Period) -> Period | None:
        """The previous period in the term, or None for the first."""
        prev = period.previous()
        return prev if prev in self.periods else None

    def annual_reports(self) -> list[AnnualReport]:
        """One written report to the Kreistag per calendar year; the last is the final report."""
        years = sorted({p.year for p in self.periods})
        return [AnnualReport(y, tuple(p for p in self.periods if p.year == y), y == years[-1])
                for y in years]
