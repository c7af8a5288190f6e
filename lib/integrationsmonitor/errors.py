"""Errors that tell a person, in German, which input is wrong, where, and what was expected."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One problem in one input, located as precisely as the input allows.

    Attributes:
        file: file name (without directories, so messages stay short and carry no user paths).
        message: what is wrong and what was expected, in German.
        sheet: worksheet name for workbooks.
        row: 1-based row number as a spreadsheet program shows it.
        column: column header or letter.
        key: key path in a YAML file (e.g. "Maßnahme SPR-M01.goals").
    """

    file: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    key: str | None = None

    def __str__(self) -> str:
        where = [f"Datei {self.file}"]
        if self.sheet is not None:
            where.append(f"Blatt „{self.sheet}“")
        if self.row is not None:
            where.append(f"Zeile {self.row}")
        if self.column is not None:
            where.append(f"Spalte „{self.column}“")
        if self.key is not None:
            where.append(f"Schlüssel „{self.key}“")
        return ", ".join(where) + f": {self.message}"


class InputError(Exception):
    """Raised when an input cannot be accepted; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | Problem, summary: str | None = None):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        self.summary = summary or "Die Eingabe wurde nicht übernommen."
        super().__init__(self.__str__())

    def __str__(self) -> str:
        lines = [f"{self.summary} {len(self.problems)} Fehler:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class ProblemCollector:
    """Collects the located problems of one input and raises them together.

    One input (a file, optionally a sheet) gets one collector; ``add`` records a problem with
    row and column, ``raise_if_any`` stops the import with every problem found so far. Only the
    first ``limit`` problems are listed; the rest are counted, so a file with 100,000 bad rows
    still gives a readable message.

    >>> problems = ProblemCollector("a.csv")
    >>> problems.add("Pflichtangabe fehlt", row=3, column="Geschlecht")
    >>> len(problems), bool(problems)
    (1, True)
    >>> str(problems.items[0])
    'Datei a.csv, Zeile 3, Spalte „Geschlecht“: Pflichtangabe fehlt'
    """

    def __init__(self, file: str | Path, sheet: str | None = None, limit: int = 50):
        self.file = file if isinstance(file, str) else file_label(file)
        self.sheet = sheet
        self.limit = limit
        self.items: list[Problem] = []
        self.more = 0

    def add(self, message: str, row: int | None = None, column: str | None = None,
            sheet: str | None = ..., key: str | None = None, file: str | None = None) -> None:
        """Record one problem; ``sheet`` defaults to the collector's sheet."""
        if len(self.items) >= self.limit:
            self.more += 1
            return
        self.items.append(Problem(file or self.file, message,
                                  sheet=self.sheet if sheet is ... else sheet,
                                  row=row, column=column, key=key))

    def extend(self, problems: list[Problem]) -> None:
        """Take over problems found elsewhere (e.g. in another file of the same import)."""
        for p in problems:
            if len(self.items) >= self.limit:
                self.more += 1
            else:
                self.items.append(p)

    def __len__(self) -> int:
        return len(self.items) + self.more

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self, summary: str | None = None) -> None:
        """Raise one InputError with every problem collected, if there is any."""
        if not self.items:
            return
        summary = summary or UNCHANGED
        if self.more:
            summary += f" (Weitere {self.more} Fehler sind nicht aufgeführt.)"
        raise InputError(self.items, summary)


UNCHANGED = "Der Import wurde abgebrochen; die Datenbasis ist unverändert."


def file_label(path: str | Path) -> str:
    """The name by which a file is shown in messages."""
    return Path(path).name


def shown(text: object, limit: int = 60) -> str:
    """Text as it may be quoted in a message: control characters and stray bytes are named,
    never copied raw, and long text is cut.

    >>> shown("a\x96b")
    'a<U+0096>b'
    >>> shown("x" * 70, limit=5)
    'xxxxx…'
    """
    out = []
    for ch in str(text):
        if ch in "\t":
            out.append(" ")
        elif ord(ch) < 32 or 127 <= ord(ch) < 160 or ch == "\ufffd":
            out.append(f"<U+{ord(ch):04X}>")
        else:
            out.append(ch)
    text = "".join(out)
    return text if len(text) <= limit else text[:limit] + "…"
