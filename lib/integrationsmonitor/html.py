"""Small HTML building blocks for report sections (tables, status badges, notes).

Every section function returns an :class:`HtmlBlock`; Jupyter shows it through ``_repr_html_``,
and nbconvert carries it into the report unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import pandas as pd

CHANGE_SYMBOLS = {
    "vorwärts": ("▲", "vorwärts"),
    "rückwärts": ("▼", "rückwärts"),
    "unverändert": ("=", "unverändert"),
    "geändert": ("◆", "geändert"),
    "neu": ("●", "neu erfasst"),
    "fehlt": ("!", "keine Meldung"),
}


@dataclass(frozen=True, repr=False)
class HtmlBlock:
    """A piece of report HTML that Jupyter displays as such."""

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        # The plain-text form of a notebook output: short, so that the executed notebooks do
        # not carry every table (and every embedded chart) a second time.
        return f"<HTML-Abschnitt, {len(self.html):,} Zeichen>".replace(",", ".")

    def __str__(self) -> str:
        return self.html

    def __add__(self, other: HtmlBlock) -> HtmlBlock:
        return HtmlBlock(self.html + other.html)


def join(blocks: Sequence[HtmlBlock | str]) -> HtmlBlock:
    return HtmlBlock("".join(str(b) for b in blocks))


def text(value: Any) -> str:
    """Escaped text; missing values become an empty string."""
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return ""
    return escape(str(value))


def status_badge(code: str | None, label: str) -> str:
    css = code if isinstance(code, str) else "keine"
    return f'<span class="status status-{escape(css)}">{escape(label)}</span>'


def change_badge(change: str) -> str:
    symbol, word = CHANGE_SYMBOLS[change]
    return (f'<span class="change change-{escape(change)}"><span aria-hidden="true">{symbol}'
            f"</span> {escape(word)}</span>")


Column = tuple[str, str, Callable[[pd.Series], str]]


def sheet_attrs(sheet: str | None, part: str | None = None) -> str:
    """The link of a published table to its sheet of the data annex (``tabellen.xlsx``):
    ``data-sheet`` names the sheet, ``data-sheet-part`` says the table shows only some of its
    rows (which ones, in words). A test holds every table to its sheet, cell for cell."""
    if not sheet:
        return ""
    return f' data-sheet="{escape(sheet)}"' + (f' data-sheet-part="{escape(part)}"' if part
                                               else "")


def column_attr(column: str | None) -> str:
    """The sheet column a header cell (or a part of a cell) shows."""
    return f' data-sheet-column="{escape(column)}"' if column else ""


def in_column(html: str, column: str) -> str:
    """A part of a cell that shows another column of the sheet than the cell's own (e.g. the
    progress in per cent under a measure's status)."""
    return f"<span{column_attr(column)}>{html}</span>"


def footnote_mark(mark: str = "*") -> str:
    """A footnote mark that refers to the legend under a table; not a cell value."""
    return f'<sup class="fn">{escape(mark)}</sup>'


def table(rows: pd.DataFrame, columns: Sequence[Column], caption: str | None = None,
          css_class: str = "", legend: str | None = None, numeric: Sequence[str] = (),
          sheet: str | None = None, part: str | None = None,
          sheet_columns: dict[str, str] | None = None) -> HtmlBlock:
    """An HTML table. Each column is (key, German header, cell function of the row → HTML).

    Cells are produced by the given functions, so every formatting rule stays with the
    caller; ``numeric`` names the keys of right-aligned columns. Every cell carries the class
    ``col-<key>`` for the style sheet's column widths. ``sheet`` (and ``part``) link the table
    to its sheet of the data annex; a header shows the sheet column of the same name unless
    ``sheet_columns`` maps its key to another.
    """
    def css(key: str) -> str:
        return f"col-{escape(key)}" + (" num" if key in numeric else "")

    names = sheet_columns or {}
    head = "".join(f'<th scope="col" class="{css(key)}"'
                   f'{column_attr(names.get(key, h) if sheet else None)}>{escape(h)}</th>'
                   for key, h, _ in columns)
    body = []
    for _, row in rows.iterrows():
        cells = "".join(f'<td class="{css(key)}">{fn(row)}</td>' for key, _, fn in columns)
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    leg = f'<p class="legend">{legend}</p>' if legend else ""
    return HtmlBlock(f'<div class="table-scroll"><table class="report-table {css_class}'
                     f'{_short(len(rows))}"{sheet_attrs(sheet, part)}>{cap}'
                     f'<thead><tr>{head}</tr></thead>'
                     f'<tbody>{"".join(body)}</tbody></table></div>{leg}')


# A table of at most this many rows is not split across pages (print style: table.short):
# no "Personen nach Geschlecht" with two rows on one page and two on the next, nor the eight
# Verbandsgemeinden split after two.
SHORT_TABLE_ROWS = 10


def _short(rows: int) -> str:
    return " short" if rows <= SHORT_TABLE_ROWS else ""


def note(message: str, kind: str = "info") -> HtmlBlock:
    return HtmlBlock(f'<p class="note note-{kind}">{message}</p>')


def heading(level: int, title: str, anchor: str | None = None) -> str:
    ident = f' id="{escape(anchor)}"' if anchor else ""
    return f"<h{level}{ident}>{escape(title)}</h{level}>"


def figure(svg_data_uri: str, alt: str, caption: str) -> HtmlBlock:
    return HtmlBlock(f'<figure><img src="{svg_data_uri}" alt="{escape(alt)}"/>'
                     f"<figcaption>{escape(caption)}</figcaption></figure>")


def protected_table(display: pd.DataFrame, caption: str, row_header: str,
                    legend: str | None = None, extra: pd.DataFrame | None = None,
                    sheet: str | None = None,
                    sheet_columns: Sequence[str] | None = None) -> HtmlBlock:
    """A disclosure-protected count table as published.

    Count cells carry the class ``count`` (the privacy gate checks them: never 1 or 2);
    ``extra`` adds columns that are not counts (changes, shares), already formatted.
    ``sheet`` links the table to its sheet of the data annex; ``sheet_columns`` names the
    sheet column of every column (the row header first) where the headers say more.
    """
    extra = extra if extra is not None else pd.DataFrame(index=display.index)
    headers = [row_header, *map(str, display.columns), *map(str, extra.columns)]
    names = list(sheet_columns) if sheet_columns else headers
    cols = [column_attr(n if sheet else None) for n in names]
    head = f'<th scope="col"{cols[0]}>{escape(row_header)}</th>' + "".join(
        f'<th scope="col" class="num"{a}>{escape(h)}</th>' for h, a in zip(headers[1:], cols[1:]))
    body = []
    for label in display.index:
        cells = "".join(f'<td class="num count">{escape(v)}</td>' for v in display.loc[label])
        cells += "".join(f'<td class="num">{escape(v)}</td>' for v in extra.loc[label])
        body.append(f'<tr><th scope="row">{escape(str(label))}</th>{cells}</tr>')
    leg = f'<p class="legend">{escape(legend)}</p>' if legend else ""
    return HtmlBlock(f'<div class="table-scroll"><table class="report-table sdc totals-last'
                     f'{_short(len(display))}"{sheet_attrs(sheet)}><caption>{escape(caption)}</caption><thead><tr>'
                     f'{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>{leg}')
