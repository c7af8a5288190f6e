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
YEAR_PATTERN = re.compile(r"^(?P<year>\d{4})$")
TERM_PATTERN = re.compile(r"^(?P<first>\d{4})-(?P<last>\d{4})$")
# Kinds of report: the half-year report to the steering body, the annual report to the Kreistag,
# the final report of the term.
HALF_YEAR, ANNUAL, FINAL = "halbjahr", "jahr", "abschluss"


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


@dataclass(frozen=True, order=True)
class ReportId:
    """Which report: ``2019-H1`` (half-year), ``2019`` (annual report to the Kreistag) or
    ``2018-2021`` (final report of the term). Its ID is the name of its params file and of its
    output folder."""

    id: str
    kind: str

    @classmethod
    def parse(cls, text: str) -> ReportId:
        """Raises ValueError (German) for anything else.

        >>> [ReportId.parse(t).kind for t in ("2019-H1", "2019", "2018-2021")]
        ['halbjahr', 'jahr', 'abschluss']
        """
        t = str(text).strip()
        if PERIOD_PATTERN.match(t):
            return cls(t, HALF_YEAR)
        if YEAR_PATTERN.match(t):
            return cls(t, ANNUAL)
        m = TERM_PATTERN.match(t)
        if m and int(m["first"]) < int(m["last"]):
            return cls(t, FINAL)
        raise ValueError(f"„{text}“ ist kein Bericht (erwartet ein Halbjahr wie 2019-H1, ein "
                         "Jahr wie 2019 für den Jahresbericht oder die Laufzeit wie 2018-2021 "
                         "für den Abschlussbericht)")

    @property
    def earliest_end(self) -> dt.date:
        """A day the report cannot be dated before (the calendar knows the exact end)."""
        if self.kind == HALF_YEAR:
            return Period.parse(self.id).end
        if self.kind == ANNUAL:
            return dt.date(int(self.id), 12, 31)
        return dt.date(int(self.id[-4:]), 1, 1)


@dataclass(frozen=True)
class Report:
    """A report placed in the calendar: its half-year of reference (``anchor``: the Stichtag of
    every figure), what it is compared with, and the half-years it covers."""

    rid: ReportId
    anchor: Period
    comparison: Period | None
    half_years: tuple[Period, ...]
    term_start: dt.date

    @property
    def id(self) -> str:
        return self.rid.id

    @property
    def kind(self) -> str:
        return self.rid.kind

    @property
    def title(self) -> str:
        """German title, e.g. "Sachstandsbericht 1. Halbjahr 2019", "Jahresbericht 2019"."""
        if self.kind == HALF_YEAR:
            return f"Sachstandsbericht {self.anchor.label}"
        if self.kind == ANNUAL:
            return f"Jahresbericht {self.id}"
        return f"Abschlussbericht {self.id.replace('-', '–')}"

    @property
    def span(self) -> str:
        start = max(self.half_years[0].start, self.term_start)
        return f"{fmt.date(start)}–{fmt.date(self.anchor.end)}"


def _report_in(calendar: ReportingCalendar, rid: ReportId) -> Report:
    periods = calendar.periods
    if rid.kind == HALF_YEAR:
        p = calendar.check(Period.parse(rid.id))
        return Report(rid, p, calendar.previous(p), (p,), calendar.term_start)
    if rid.kind == ANNUAL:
        year = int(rid.id)
        years = sorted({p.year for p in periods})
        if year not in years[:-1]:
            raise ValueError(f"Für {year} gibt es keinen Jahresbericht: Jahresberichte an den "
                             f"Kreistag gibt es für {', '.join(map(str, years[:-1]))}; das "
                             f"Jahr {years[-1]} schließt der Abschlussbericht "
                             f"{years[0]}-{years[-1]} ab")
        own = tuple(p for p in periods if p.year == year)
        before = [p for p in periods if p.year == year - 1]
        return Report(rid, own[-1], before[-1] if before else None, own, calendar.term_start)
    final = f"{periods[0].year}-{periods[-1].year}"
    if rid.id != final:
        raise ValueError(f"Der Abschlussbericht dieser Laufzeit heißt {final}, nicht {rid.id}")
    # The final report compares the end of the term with its first half-year.
    return Report(rid, periods[-1], periods[0], tuple(periods), calendar.term_start)


def report_in(calendar: ReportingCalendar, text: str) -> Report:
    """The report ``text`` (``2019-H1``, ``2019``, ``2018-2021``) in this calendar.

    Raises:
        ValueError: not a report of this term (German, naming the ones there are).
    """
    return _report_in(calendar, ReportId.parse(text))


def all_reports(calendar: ReportingCalendar) -> list[str]:
    """Every report of the term: the half-years, the annual reports, the final report."""
    periods = calendar.periods
    years = sorted({p.year for p in periods})
    return ([p.id for p in periods] + [str(y) for y in years[:-1]]
            + [f"{years[0]}-{years[-1]}"])
