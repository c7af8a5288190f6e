"""Own cuts of the case-figure data basis for analysts: counts by one or two dimensions at a
Stichtag, always aggregated and disclosure-protected. There is no way to get person rows here.

    >>> from integrationsmonitor import explore
    >>> explore.dimensions()[:3]
    ['rechtskreis', 'vg', 'nationality']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from integrationsmonitor import case_figures as cf
from integrationsmonitor import formatting as fmt
from integrationsmonitor.database import connect
from integrationsmonitor.disclosure import LEGEND, Protected, protect
from integrationsmonitor.html import protected_table
from integrationsmonitor.reference import vocabularies

TOTAL = cf.TOTAL


@dataclass(frozen=True)
class Cut:
    """A protected count table; Jupyter shows it as the published table."""

    title: str
    protected: Protected

    def _repr_html_(self) -> str:
        return str(protected_table(self.protected.display(), self.title, "", LEGEND))


def dimensions() -> list[str]:
    """The dimensions that can be cut by (keys of :data:`case_figures.DIMENSIONS`)."""
    return list(cf.DIMENSIONS)


def stichtage(database: str | Path) -> list[str]:
    """The Stichtage in the data basis, as TT.MM.JJJJ."""
    con = connect(database, read_only=True)
    try:
        return [fmt.date(d) for d in cf.available_stichtage(con)]
    finally:
        con.close()


def cut(database: str | Path, stichtag: str, rows: str, columns: str | None = None,
        filters: dict[str, str] | None = None) -> Cut:
    """Counts of persons at ``stichtag`` by ``rows`` (and ``columns``), with totals, protected.

    Args:
        database: the DuckDB data basis.
        stichtag: "TT.MM.JJJJ".
        rows, columns: dimension keys (see :func:`dimensions`).
        filters: dimension key → value (label or code), e.g. ``{"rechtskreis": "SGB II"}``;
            only dimensions with a value list can filter.

    Raises:
        ValueError: unknown dimension, filter or value (German message).
    """
    day = fmt.parse_date(stichtag)
    for key in filter(None, (rows, columns)):
        if key not in cf.DIMENSIONS:
            raise ValueError(f"unbekanntes Merkmal „{key}“ (erlaubt: {', '.join(dimensions())})")
    if columns == "nationality":
        raise ValueError("Staatsangehörigkeit nur als Zeilen-Merkmal")
    clauses, args = ["stichtag = ?"], [day]
    for key, value in (filters or {}).items():
        d = cf.DIMENSIONS.get(key)
        vocab = vocabularies().get(d.vocabulary) if d and d.vocabulary else None
        if vocab is None:
            raise ValueError(f"nach „{key}“ kann nicht gefiltert werden")
        code = vocab.parse(value)
        if code is None:
            raise ValueError(f"unbekannter Wert „{value}“ für {key} (erwartet: "
                             f"{', '.join(vocab.labels.values())})")
        clauses.append(f"({d.expression}) = ?")
        args.append(code)
    dr = cf.DIMENSIONS[rows]
    dc = cf.DIMENSIONS[columns] if columns else None
    clauses += [f"({dr.where})", f"({dc.where})" if dc else "TRUE"]
    col_expr = dc.expression if dc else f"'{TOTAL}'"
    con = connect(database, read_only=True)
    try:
        counts = con.execute(
            f"SELECT {dr.expression} AS r, {col_expr} AS c, count(*) AS n FROM person_stichtag "
            f"WHERE {' AND '.join(clauses)} GROUP BY ALL", args).df()
    finally:
        con.close()
    table = counts.pivot_table(index="r", columns="c", values="n", aggfunc="sum",
                               fill_value=0)
    table = cf.order_and_label(rows, table, table.sum(axis=1))
    if dc is not None:
        table = cf.order_and_label(columns, table.T, table.sum(axis=0)).T
        table[TOTAL] = table.sum(axis=1)
    table.loc[TOTAL] = table.sum()
    table = table.fillna(0).astype("int64")
    protected = protect(table, total_row=TOTAL, total_column=TOTAL if dc is not None else None)
    title = f"Personen am {fmt.date(day)} nach {cf.DIMENSIONS[rows].title.split(' nach ')[-1]}"
    if dc is not None:
        title += f" und {dc.title.split(' nach ')[-1]}"
    if filters:
        title += " (" + ", ".join(f"{k}: {v}" for k, v in filters.items()) + ")"
    return Cut(title, protected)


def as_frame(result: Cut) -> pd.DataFrame:
    """The published table as a DataFrame of counts, suppressed cells missing (for charts)."""
    return result.protected.published()
