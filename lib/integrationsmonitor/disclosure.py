"""Statistical disclosure control for every published table of case figures.

Rules (see docs/geheimhaltung.md):

- Primary suppression: a count of 1 or 2 is shown as "*". Statistik der Bundesagentur für
  Arbeit: every published cell must rest on at least 3 cases.
- Exactly zero is shown as "–" (the statistical offices' marker for "genau null").
- Secondary suppression: no suppressed value may be recomputable from the totals shown. For
  every line (row or column) that has a total, the number of suppressed cells in the line's
  equation (its cells and its total) must be 0 or at least 2; where it is 1, the smallest
  further cell of that line is suppressed, and so on until every line is safe.
- A share whose numerator or denominator is suppressed is suppressed.

Limits: the equations are those of one table. Linked tables (the same total shown in two
tables) are kept safe by showing the same totals everywhere, which this module cannot check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from integrationsmonitor import formatting as fmt

MIN_CASES = 3  # BA: at least 3 cases per published cell
SUPPRESSED = "*"
ZERO = "–"
LEGEND = ("„*“: Wert unterdrückt (weniger als 3 Fälle oder daraus rückrechenbar); „–“: genau "
          "null. Geheimhaltung nach dem Verfahren der Statistik der Bundesagentur für Arbeit "
          "(mindestens 3 Fälle je Zelle, sekundäre Sperrung).")


@dataclass(frozen=True)
class Protected:
    """A count table with its suppression pattern.

    Attributes:
        values: the true counts (never published as such).
        suppressed: True where the published table shows "*".
        primary: True where a cell is suppressed because it is 1 or 2.
    """

    values: pd.DataFrame
    suppressed: pd.DataFrame
    primary: pd.DataFrame

    def display(self) -> pd.DataFrame:
        """The table as published: German numbers, "*" and "–"."""
        shown = self.values.map(lambda v: ZERO if v == 0 else fmt.number(v))
        return shown.mask(self.suppressed, SUPPRESSED)

    def published(self) -> pd.DataFrame:
        """The counts as published: suppressed cells are missing (NaN)."""
        return self.values.astype("float64").mask(self.suppressed)


def suppress_small_counts(values: pd.DataFrame) -> pd.DataFrame:
    """Primary suppression: True where 1 ≤ count < 3.

    >>> suppress_small_counts(pd.DataFrame({"a": [0, 1, 2, 3]}))["a"].tolist()
    [False, True, True, False]
    """
    return (values >= 1) & (values < MIN_CASES)


def protect(values: pd.DataFrame, total_row: str | None = None,
            total_column: str | None = None) -> Protected:
    """Primary and secondary suppression of a count table.

    Args:
        values: non-negative whole counts; the totals, if any, are a row and/or a column.
        total_row: label of the row holding column totals (its column equations are checked).
        total_column: label of the column holding row totals (its row equations are checked).

    Returns:
        The :class:`Protected` table.

    >>> t = pd.DataFrame({"A": [5, 2, 7], "B": [4, 6, 10], "Gesamt": [9, 8, 17]},
    ...                  index=["x", "y", "Gesamt"])
    >>> protect(t, "Gesamt", "Gesamt").display().loc["y"].tolist()
    ['*', '*', '8']
    >>> protect(pd.DataFrame({"n": []}), None, None).display().empty
    True
    """
    if (values < 0).any().any():
        raise ValueError("Geheimhaltung: negative Fallzahlen")
    primary = suppress_small_counts(values)
    mask = primary.to_numpy().copy()
    v = values.to_numpy()
    lines = []  # (cells of the line as index tuples, index of its total)
    if total_column is not None:
        tc = values.columns.get_loc(total_column)
        inner = [j for j in range(values.shape[1]) if j != tc]
        for i in range(values.shape[0]):
            lines.append(([(i, j) for j in inner], (i, tc)))
    if total_row is not None:
        tr = values.index.get_loc(total_row)
        inner = [i for i in range(values.shape[0]) if i != tr]
        for j in range(values.shape[1]):
            lines.append(([(i, j) for i in inner], (tr, j)))
    changed = True
    while changed:
        changed = False
        for cells, total in lines:
            members = [*cells, total]
            if sum(mask[c] for c in members) != 1:
                continue
            # Suppress the smallest positive open cell of the line; failing that any open cell;
            # failing that the total.
            open_cells = [c for c in cells if not mask[c]]
            positive = [c for c in open_cells if v[c] > 0]
            pick = min(positive or open_cells, key=lambda c: v[c], default=total)
            if mask[pick]:
                pick = total
            mask[pick] = True
            changed = True
    return Protected(values, pd.DataFrame(mask, index=values.index, columns=values.columns),
                     primary)


def protect_share(numerator: Protected, denominator: Protected,
                  shares: pd.DataFrame) -> pd.DataFrame:
    """Shares (0–1) with NaN wherever numerator or denominator is suppressed."""
    hidden = numerator.suppressed.reindex_like(shares).fillna(True).astype(bool) | \
        denominator.suppressed.reindex_like(shares).fillna(True).astype(bool)
    return shares.mask(hidden)


def share_text(share: float) -> str:
    return SUPPRESSED if share is None or np.isnan(share) else fmt.percent(share)
