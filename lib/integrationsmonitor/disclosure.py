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

Analysts' own cuts (:mod:`integrationsmonitor.explore`) can be made in any number, so table-wise
suppression cannot protect them against differencing across cuts. They use cell-key
perturbation instead (ONS, Census 2021; Destatis, Zensus 2022) through the ONS package
``cell-key-perturbation``: every person has a record key derived from the pseudonym, a cell's key
is the sum of its persons' record keys modulo 256, and the p-table
(``reference/ptable.yaml``) turns (count, cell key) into a small noise. The same persons always
get the same noise, in any cut, so repeating or reframing a query averages nothing out, and a
difference of published cells carries the noise of every cell in it.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import yaml

from integrationsmonitor import formatting as fmt
from integrationsmonitor.paths import PACKAGE_DIR

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


def is_small(counts):
    """The one small-count rule (Statistik der BA: every published cell rests on at least 3
    cases): True where 1 ≤ count < 3. Works on a number, a Series or a frame; a count
    written as text (a published cell) is read as a number.

    >>> is_small(2), is_small(0), is_small("1"), is_small("12")
    (True, False, True, False)
    >>> is_small(pd.Series([0, 1, 2, 3])).tolist()
    [False, True, True, False]
    """
    if isinstance(counts, str):
        counts = int(counts) if counts.isdigit() else 0
    return (counts >= 1) & (counts < MIN_CASES)


def suppress_small_counts(values: pd.DataFrame) -> pd.DataFrame:
    """Primary suppression: True where the count is small (:func:`is_small`).

    >>> suppress_small_counts(pd.DataFrame({"a": [0, 1, 2, 3]}))["a"].tolist()
    [False, True, True, False]
    """
    return is_small(values)


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


# --- Cell-key perturbation for analysts' cuts ------------------------------------------------

PTABLE_FILE = PACKAGE_DIR / "reference" / "ptable.yaml"
PERTURBED_LEGEND = (
    "Eigener Schnitt: Zellen, die auch der Bericht zeigt, haben dessen Wert und Sperrung "
    "(Verfahren der Statistik der BA); alle anderen sind mit der Cell-Key-Methode leicht "
    "gestört (höchstens ±2, für dieselben Personen immer gleich), Summen werden daher nicht "
    "aus den Zellen gebildet. „*“: Wert unter 3 oder gesperrt; „–“: genau null.")


@dataclass(frozen=True)
class PTableSpec:
    """The noise distribution per original count, as read from ``reference/ptable.yaml``.

    Attributes:
        record_key_range: number of record (and cell) keys, 0 … range − 1.
        max_pcv: the largest count with a row of its own (larger ones reuse rows 501–max_pcv).
        noise: original count (or 0 for "default") → {noise: probability}.
    """

    record_key_range: int
    max_pcv: int
    noise: dict[int, dict[int, float]]

    def distribution(self, count: int) -> dict[int, float]:
        return self.noise.get(count, self.noise[0])


@cache
def ptable_spec() -> PTableSpec:
    """The p-table specification, checked: rows sum to 1, no count turns negative, noise of
    counts from 2 on is unbiased and at most ±2.

    >>> spec = ptable_spec()
    >>> spec.record_key_range, sum(spec.distribution(7).values())
    (256, 1.0)
    """
    raw = yaml.safe_load(PTABLE_FILE.read_text(encoding="utf-8"))
    noise = {0 if k == "default" else int(k): {int(n): float(p) for n, p in row.items()}
             for k, row in raw["noise"].items()}
    spec = PTableSpec(int(raw["record_key_range"]), int(raw["max_pcv"]), noise)
    for count in [*range(1, 5), 750]:
        dist = spec.distribution(count)
        if abs(sum(dist.values()) - 1) > 1e-9:
            raise ValueError(f"p-Tabelle: Wahrscheinlichkeiten für {count} ergeben nicht 1")
        if min(count + n for n in dist) < 0:
            raise ValueError(f"p-Tabelle: Störung macht {count} negativ")
        if count >= 2 and (abs(sum(n * p for n, p in dist.items())) > 1e-9
                           or max(map(abs, dist)) > 2):
            raise ValueError(f"p-Tabelle: Störung für {count} nicht unverzerrt oder über ±2")
    return spec


@cache
def perturbation_table() -> pd.DataFrame:
    """The p-table in the ONS format: one row per (pcv, ckey) with its ``pvalue`` (the noise).

    Each noise value gets a run of consecutive cell keys proportional to its probability
    (ascending noise over ascending keys), so with uniform cell keys the noise follows the
    specified distribution.

    >>> t = perturbation_table()
    >>> len(t), int(t["ckey"].max()), sorted(t.loc[t["pcv"] == 5, "pvalue"].unique().tolist())
    (192000, 255, [-2, -1, 0, 1, 2])
    """
    spec = ptable_spec()
    rows = []
    for pcv in range(1, spec.max_pcv + 1):
        keys = []
        for noise, prob in sorted(spec.distribution(pcv).items()):
            keys += [noise] * round(prob * spec.record_key_range)
        if len(keys) != spec.record_key_range:
            raise ValueError(f"p-Tabelle: Wahrscheinlichkeiten für {pcv} sind keine "
                             f"Vielfachen von 1/{spec.record_key_range}")
        rows += [(pcv, ckey, noise) for ckey, noise in enumerate(keys)]
    return pd.DataFrame(rows, columns=["pcv", "ckey", "pvalue"])


def record_key_sql(pseudonym: str = "pseudonym") -> str:
    """SQL (DuckDB) for a person's record key: 0–255 from a hash of the pseudonym.

    The pseudonym is a keyed hash (HMAC), so nobody without the key can compute a record key;
    hashing it once more with a fixed prefix keeps the record key independent of the
    pseudonym's own digits.
    """
    return (f"(('0x' || left(sha256('record-key:' || {pseudonym}), 4))::INTEGER "
            f"% {ptable_spec().record_key_range})")


def perturb_counts(microdata: pd.DataFrame, by: list[str], record_key: str = "record_key"
                   ) -> pd.DataFrame:
    """Perturbed counts of ``microdata`` rows per combination of the columns ``by``.

    Runs ``cell_key_perturbation.create_perturbed_table`` with this project's p-table and no
    threshold (the display rule is :func:`perturbed_display`).

    Returns:
        One row per observed combination: the ``by`` columns, ``true`` (internal only, never
        published) and ``published`` (the perturbed count, never negative).
    """
    from cell_key_perturbation.create_perturbed_table import create_perturbed_table

    if microdata.empty:
        return pd.DataFrame(columns=[*by, "true", "published"])
    # The package reports its validation steps in English on stdout; analysts see ours.
    with contextlib.redirect_stdout(io.StringIO()):
        table = create_perturbed_table(microdata[[*by, record_key]], perturbation_table(),
                                       geog=[], tab_vars=list(by), record_key=record_key,
                                       use_existing_ons_id=False, threshold=0)
    table = table[table["pre_sdc_count"] > 0]
    return pd.DataFrame({**{b: table[b].to_numpy() for b in by},
                         "true": table["pre_sdc_count"].astype("int64").to_numpy(),
                         "published": table["count"].astype("int64").clip(lower=0).to_numpy()})


def perturbed_display(true: int, published: int) -> tuple[str, float]:
    """How one perturbed cell is published: (text, number or NaN).

    An empty cell is "–" (exactly zero, never perturbed); a perturbed value below 3 is "*",
    as in the report's rule; otherwise the perturbed value.

    >>> perturbed_display(0, 0), perturbed_display(1, 2), perturbed_display(40, 41)
    (('–', 0.0), ('*', nan), ('41', 41.0))
    """
    if true == 0:
        return ZERO, 0.0
    if published < MIN_CASES:  # 0 after perturbation of a non-empty cell, or small
        return SUPPRESSED, float("nan")
    return fmt.number(published), float(published)
