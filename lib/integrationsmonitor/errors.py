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


def file_label(path: str | Path) -> str:
    """The name by which a file is shown in messages."""
    return Path(path).name
