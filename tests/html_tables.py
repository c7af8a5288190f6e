"""Hold every table of a rendered report to its sheet of the data annex, cell for cell.

A published table names its sheet (``data-sheet``; ``data-sheet-part`` when it shows only some
of the sheet's rows) and every header cell names its sheet column (``data-sheet-column``); a
part of a cell that shows another column (the progress under a status) names that column.

One normalisation, from the sheet towards what a reader sees:
- a number in the sheet: the HTML text is read as a German number ("1.234,5", "−3", "±0",
  "12,5 %", "4,0 Pp.", "3 Halbjahre": sign, digits, an optional unit after it) and must equal
  the sheet's number rounded half up to the decimals the HTML shows (percentages are 0–100
  in the sheet);
- a date in the sheet: the HTML shows it as 31.12.2019;
- an empty sheet cell: the HTML shows nothing or "–"; "*" (suppressed) is "*" in both; in a
  disclosure-protected count table (class ``sdc``) "–" is an exact 0, as the legend says;
- text: the same text (whitespace collapsed); a text the report shortens ends with "…" and must
  be the beginning of the sheet's text; a part in parentheses ("(halten)") is compared without
  them.
Decoration a screen reader skips (``aria-hidden``: the ▲ of a change, the symbol of a verdict)
and footnote marks (``<sup class="fn">``, explained in the legend) are not cell values.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from pathlib import Path

VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "col", "source"}


@dataclass
class Cell:
    text: str = ""
    parts: dict[str, str] = field(default_factory=dict)


@dataclass
class Table:
    sheet: str | None
    part: str | None
    zero_dash: bool  # a protected count table: "–" shows an exact 0
    caption: str
    header: list[tuple[str, str | None]]  # (text, sheet column)
    rows: list[list[Cell]]


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.stack: list[tuple[str, str | None, bool]] = []  # tag, part column, skipped
        self.table: Table | None = None
        self.cell: Cell | None = None
        self.in_head = self.in_caption = False
        self.header_column: str | None = None
        self.row: list[Cell] | None = None

    def _skipping(self) -> bool:
        return any(skip for _, _, skip in self.stack)

    def _part(self) -> str | None:
        for _, column, _ in reversed(self.stack):
            if column:
                return column
        return None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.table = Table(a.get("data-sheet"), a.get("data-sheet-part"),
                               "sdc" in (a.get("class") or "").split(), "", [], [])
        elif tag == "caption":
            self.in_caption = True
        elif tag == "thead":
            self.in_head = True
        elif tag == "tr" and self.table is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = Cell()
            self.header_column = a.get("data-sheet-column")
            return
        if tag in VOID:
            return
        if self.cell is not None:
            skip = a.get("aria-hidden") == "true" or "fn" in (a.get("class") or "").split()
            self.stack.append((tag, a.get("data-sheet-column"), skip))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.cell.text = _clean(self.cell.text)
            self.cell.parts = {k: _clean(v) for k, v in self.cell.parts.items()}
            if self.in_head:
                self.table.header.append((self.cell.text, self.header_column))
            else:
                self.row.append(self.cell)
            self.cell, self.stack = None, []
        elif tag == "tr" and self.row is not None:
            if not self.in_head:
                self.table.rows.append(self.row)
            self.row = None
        elif tag == "thead":
            self.in_head = False
        elif tag == "caption":
            self.in_caption = False
        elif tag == "table" and self.table is not None:
            self.table.caption = _clean(self.table.caption)
            self.tables.append(self.table)
            self.table = None
        elif self.cell is not None and self.stack and tag not in VOID:
            self.stack.pop()

    def handle_data(self, data):
        if self.in_caption and self.table is not None:
            self.table.caption += data
        if self.cell is None or self._skipping():
            return
        column = self._part()
        if column:
            self.cell.parts[column] = self.cell.parts.get(column, "") + data
        else:
            self.cell.text += " " + data if self.cell.text else data


def _clean(value: str) -> str:
    return re.sub(r"\s+", " ", value.replace("\xa0", " ").replace("\u202f", " ")).strip()


def tables_of(html: str) -> list[Table]:
    """Every table of an HTML document, as a reader sees its cells."""
    parser = _Parser()
    parser.feed(html)
    return parser.tables


def read_workbook(path: Path) -> dict[str, list[list[object]]]:
    """Every sheet of a workbook: header row first."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb}


NUMBER = re.compile(r"^(?P<sign>[+−-]|±)?(?P<int>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<frac>\d+))?"
                    r"(?: ?(?:%|Pp\.|[A-Za-zÄÖÜäöüß]+))?$")


def same_value(shown: str, value: object, zero_dash: bool = False) -> bool:
    """Does the text a reader sees show this sheet value (the normalisation above)?"""
    if zero_dash and shown == "–" and value == 0 and not isinstance(value, bool):
        return True
    if value is None or value == "":
        return shown in ("", "–")
    if isinstance(value, bool):
        return shown == ("ja" if value else "nein")
    if isinstance(value, (int, float)):
        m = NUMBER.match(shown)
        if not m:
            return False
        decimals = len(m["frac"] or "")
        number = Decimal(m["int"].replace(".", "") + ("." + m["frac"] if m["frac"] else ""))
        if m["sign"] in ("−", "-"):
            number = -number
        expected = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals),
                                                         rounding=ROUND_HALF_UP)
        return number == expected
    if isinstance(value, (dt.date, dt.datetime)):
        day = value.date() if isinstance(value, dt.datetime) else value
        return shown == f"{day:%d.%m.%Y}"
    text = _clean(str(value))
    if shown.startswith("(") and shown.endswith(")"):
        shown = shown[1:-1]
    if shown.endswith("…"):
        return len(shown) > 1 and text.startswith(shown[:-1].rstrip())
    return shown == text


def compare(table: Table, sheet: list[list[object]]) -> list[str]:
    """Every difference between an HTML table and its sheet (empty: the same cells).

    The header cells must name sheet columns; a full table has the sheet's rows in its order,
    a part (``data-sheet-part``) only some of them, found by the value of its first column.
    """
    where = f"table {table.caption or '(ohne Titel)'!r} / sheet {table.sheet!r}"
    header, data = [str(h) for h in sheet[0]], sheet[1:]
    columns = [column or text for text, column in table.header]
    problems = [f"{where}: column {c!r} is not in the sheet" for c in columns
                if c not in header]
    if problems:
        return problems
    index = [header.index(c) for c in columns]
    if table.part is None and len(table.rows) != len(data):
        problems.append(f"{where}: {len(table.rows)} rows, the sheet has {len(data)}")
    for n, row in enumerate(table.rows):
        if len(row) != len(columns):
            problems.append(f"{where}, row {n + 1}: {len(row)} cells, {len(columns)} headers")
            continue
        if table.part is None:
            found = data[n] if n < len(data) else None
        else:
            found = next((r for r in data if same_value(row[0].text, r[index[0]])), None)
        if found is None:
            problems.append(f"{where}, row {n + 1} ({row[0].text!r}): not in the sheet")
            continue
        for cell, column, i in zip(row, columns, index):
            if not same_value(cell.text, found[i], table.zero_dash):
                problems.append(f"{where}, row {row[0].text!r}, column {column!r}: "
                                f"HTML {cell.text!r}, sheet {found[i]!r}")
            for other, shown in cell.parts.items():
                if other not in header:
                    problems.append(f"{where}: column {other!r} is not in the sheet")
                elif not same_value(shown, found[header.index(other)]):
                    problems.append(f"{where}, row {row[0].text!r}, column {other!r}: "
                                    f"HTML {shown!r}, sheet {found[header.index(other)]!r}")
    return problems

