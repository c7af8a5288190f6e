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


def table(rows: pd.DataFrame, columns: Sequence[Column], caption: str | None = None,
          css_class: str = "", legend: str | None = None, numeric: Sequence[str] = ()) -> HtmlBlock:
    """An HTML table. Each column is (key, German header, cell function of the row → HTML).

    Cells are produced by the given functions, so every formatting rule stays with the
    caller; ``numeric`` names the keys of right-aligned columns. Every cell carries the class
    ``col-<key>`` for the style sheet's column widths.
    """
    def css(key: str) -> str:
        return f"col-{escape(key)}" + (" num" if key in numeric else "")

    head = "".join(f'<th scope="col" class="{css(key)}">{escape(h)}</th>'
                   for key, h, _ in columns)
    body = []
    for _, row in rows.iterrows():
        cells = "".join(f'<td class="{css(key)}">{fn(row)}</td>' for key, _, fn in columns)
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    leg = f'<p class="legend">{legend}</p>' if legend else ""
    return HtmlBlock(f'<table class="report-table {css_class}">{cap}<thead><tr>{head}</tr>'
                     f'</thead><tbody>{"".join(body)}</tbody></table>{leg}')


def note(message: str, kind: str = "info") -> HtmlBlock:
    return HtmlBlock(f'<p class="note note-{kind}">{message}</p>')


def heading(level: int, title: str, anchor: str | None = None) -> str:
    ident = f' id="{escape(anchor)}"' if anchor else ""
    return f"<h{level}{ident}>{escape(title)}</h{level}>"


def figure(svg_data_uri: str, alt: str, caption: str) -> HtmlBlock:
    return HtmlBlock(f'<figure><img src="{svg_data_uri}" alt="{escape(alt)}"/>'
                     f"<figcaption>{escape(caption)}</figcaption></figure>")


def protected_table(display: pd.DataFrame, caption: str, row_header: str,
                    legend: str | None = None, extra: pd.DataFrame | None = None) -> HtmlBlock:
    """A disclosure-protected count table as published.

    Count cells carry the class ``count`` (the privacy gate checks them: never 1 or 2);
    ``extra`` adds columns that are not counts (changes, shares), already formatted.
    """
    extra = extra if extra is not None else pd.DataFrame(index=display.index)
    head = f'<th scope="col">{escape(row_header)}</th>' + "".join(
        f'<th scope="col" class="num">{escape(str(c))}</th>'
        for c in [*display.columns, *extra.columns])
    body = []
    for label in display.index:
        cells = "".join(f'<td class="num count">{escape(v)}</td>' for v in display.loc[label])
        cells += "".join(f'<td class="num">{escape(v)}</td>' for v in extra.loc[label])
        body.append(f'<tr><th scope="row">{escape(str(label))}</th>{cells}</tr>')
    leg = f'<p class="legend">{escape(legend)}</p>' if legend else ""
    return HtmlBlock(f'<table class="report-table sdc totals-last"><caption>{escape(caption)}'
                     f'</caption><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody>'
                     f"</table>{leg}")
