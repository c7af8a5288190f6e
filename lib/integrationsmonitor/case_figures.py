"""Case figures ("Daten, Zahlen, Fakten") from the data basis: counts per Stichtag by the
dimensions the concept's data basis names, transitions between Stichtage, and their changes
against the baseline and the previous Stichtag. Every table leaves here disclosure-protected.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from integrationsmonitor import formatting as fmt
from integrationsmonitor.disclosure import Protected, protect
from integrationsmonitor.reference import Territory, vocabularies
from integrationsmonitor.reference import territory as default_territory

TOTAL = "Gesamt"
AGE_GROUPS = [(0, 2, "0–2 Jahre"), (3, 5, "3–5 Jahre"), (6, 17, "6–17 Jahre"),
              (18, 24, "18–24 Jahre"), (25, 64, "25–64 Jahre"), (65, 200, "65 Jahre und älter")]
TOP_NATIONALITIES = 10


@dataclass(frozen=True)
class Dimension:
    key: str
    title: str
    expression: str  # SQL over person_stichtag giving the category code
    vocabulary: str | None = None
    where: str = "TRUE"
    note: str | None = None


def _age_case() -> str:
    age = "(year(stichtag) - birth_year)"
    whens = " ".join(f"WHEN {age} BETWEEN {lo} AND {hi} THEN '{label}'"
                     for lo, hi, label in AGE_GROUPS)
    return f"CASE {whens} END"


DIMENSIONS = {d.key: d for d in [
    Dimension("rechtskreis", "Personen nach Rechtskreis", "rechtskreis", "rechtskreis"),
    Dimension("vg", "Personen nach Verbandsgemeinde (Gebietsstand heute)", "vg_code", None,
              note="territory"),
    Dimension("nationality", f"Personen nach Staatsangehörigkeit (die {TOP_NATIONALITIES} "
              "häufigsten am Stichtag)", "nationality"),
    Dimension("age_group", "Personen nach Altersgruppe", _age_case(),
              note="Alter aus dem Geburtsjahr (Stichtagsjahr minus Geburtsjahr)."),
    Dimension("sex", "Personen nach Geschlecht", "sex", "sex"),
    Dimension("residence_status", "Personen nach Aufenthaltsstatus", "residence_status",
              "residence_status"),
    Dimension("perspective", "Personen nach Bleibeperspektive", "perspective", "perspective",
              note="Wo der Extrakt keine Angabe hat, ist die Bleibeperspektive aus der "
                   "Staatsangehörigkeit abgeleitet (Länderliste in den Referenzdaten)."),
    Dimension("housing", "Personen nach Unterbringung", "housing", "housing"),
    Dimension("course", "Erwachsene nach Sprachkurs und Teilnahmestand",
              "CASE WHEN course_type = 'keiner' THEN 'keiner' "
              "ELSE course_type || ':' || coalesce(course_state, '') END", None,
              where="year(stichtag) - birth_year >= 18"),
    Dimension("course_level", "Erwachsene nach erreichtem Sprachniveau", "coalesce(course_level, "
              "'ohne')", "course_level", where="year(stichtag) - birth_year >= 18"),
    Dimension("employment", "Erwerbsfähige im SGB II (15 bis 64 Jahre) nach Erwerbsstatus",
              "employment", "employment",
              where="rechtskreis = 'sgb2' AND year(stichtag) - birth_year BETWEEN 15 AND 64"),
]}


@dataclass(frozen=True)
class CaseTable:
    """A published table: protected counts per Stichtag and the changes shown beside them."""

    key: str
    title: str
    stichtage: list[dt.date]
    protected: Protected  # rows: categories + Gesamt; columns: the Stichtage
    note: str | None

    def change(self, later: dt.date, earlier: dt.date) -> pd.Series:
        """later − earlier, NaN where either value is suppressed."""
        pub = self.protected.published()
        return pub[later] - pub[earlier]


def available_stichtage(con: duckdb.DuckDBPyConnection) -> list[dt.date]:
    try:
        rows = con.execute("SELECT DISTINCT stichtag FROM person_stichtag ORDER BY 1").fetchall()
    except duckdb.CatalogException:  # no extract imported yet
        return []
    return [r[0] for r in rows]


def dimension_table(con: duckdb.DuckDBPyConnection, key: str, stichtage: list[dt.date],
                    territory: Territory | None = None) -> CaseTable:
    """Counts of persons by one dimension at the given Stichtage, with a Gesamt row.
    ``territory``: the concept's (``catalogue.territory``), for the Verbandsgemeinden."""
    d = DIMENSIONS[key]
    counts = con.execute(
        f"SELECT stichtag, {d.expression} AS category, count(*) AS n FROM person_stichtag "
        f"WHERE stichtag IN (SELECT unnest(?)) AND ({d.where}) GROUP BY ALL",
        [stichtage]).df()
    table = counts.pivot_table(index="category", columns="stichtag", values="n",
                               aggfunc="sum", fill_value=0)
    table.columns = [c.date() if hasattr(c, "date") else c for c in table.columns]
    table = table.reindex(columns=stichtage, fill_value=0)
    terr = territory or default_territory()
    table = _order_and_label(key, d, table, table[stichtage[-1]], terr)
    table.loc[TOTAL] = table.sum()
    note = d.note
    if note == "territory":
        note = " ".join(terr.notes) or None
    return CaseTable(key, d.title, stichtage, protect(table.astype("int64"), total_row=TOTAL),
                     note)


def _order_and_label(key: str, d: Dimension, table: pd.DataFrame, rank_by: pd.Series,
                     territory: Territory | None = None) -> pd.DataFrame:
    """Rows in the dimension's order with German labels; nationalities: the top ones by
    ``rank_by`` and the rest summed."""
    vocab = vocabularies()
    if key == "vg":
        names = (territory or default_territory()).names_today()
        return table.reindex(list(names), fill_value=0).rename(index=names)
    if key == "nationality":
        top = rank_by.sort_values(ascending=False, kind="stable").index[:TOP_NATIONALITIES]
        rest = table.drop(index=top).sum()
        out = table.loc[top]
        out.loc["übrige Staatsangehörigkeiten"] = rest
        return out
    if key == "age_group":
        return table.reindex([g[2] for g in AGE_GROUPS], fill_value=0)
    if key == "course":
        labels = {"keiner": "kein Sprachkurs"}
        for t in vocab["course_type"].codes:
            for s in vocab["course_state"].codes:
                labels[f"{t}:{s}"] = (f"{vocab['course_type'].labels[t]} – "
                                      f"{vocab['course_state'].labels[s]}")
        order = [k for k in labels if k in table.index or k == "keiner"]
        return table.reindex(order, fill_value=0).rename(index=labels)
    if key == "course_level":
        order = ["ohne", *vocab["course_level"].codes]
        return table.reindex(order, fill_value=0).rename(index={"ohne": "ohne Angabe"})
    codes = vocab[d.vocabulary].codes
    return table.reindex(codes, fill_value=0).rename(index=vocab[d.vocabulary].labels)


def order_and_label(key: str, table: pd.DataFrame, rank_by: pd.Series,
                    territory: Territory | None = None) -> pd.DataFrame:
    """Public form of the row ordering and labelling of a dimension (used by :mod:`explore`)."""
    return _order_and_label(key, DIMENSIONS[key], table, rank_by, territory)


def vg_by_rechtskreis(con: duckdb.DuckDBPyConnection, stichtag: dt.date,
                      territory: Territory | None = None) -> Protected:
    """Verbandsgemeinde × Rechtskreis at one Stichtag, with row and column totals.
    ``territory``: the concept's (``catalogue.territory``)."""
    counts = con.execute("SELECT vg_code, rechtskreis, count(*) AS n FROM person_stichtag "
                         "WHERE stichtag = ? GROUP BY ALL", [stichtag]).df()
    names = (territory or default_territory()).names_today()
    rk = vocabularies()["rechtskreis"]
    table = counts.pivot_table(index="vg_code", columns="rechtskreis", values="n",
                               aggfunc="sum", fill_value=0).reindex(
        index=list(names), columns=rk.codes, fill_value=0)
    table = table.rename(index=names, columns=rk.labels)
    table[TOTAL] = table.sum(axis=1)
    table.loc[TOTAL] = table.sum()
    return protect(table.astype("int64"), total_row=TOTAL, total_column=TOTAL)


def transitions(con: duckdb.DuckDBPyConnection, previous: dt.date, current: dt.date
                ) -> Protected:
    """Persons by Rechtskreis at the previous Stichtag (rows) and now (columns): who moved
    from AsylbLG to SGB II, who is new, who left. Followed through the pseudonym."""
    rk = vocabularies()["rechtskreis"]
    outside = "nicht im Bestand"
    df = con.execute("""
        WITH a AS (SELECT pseudonym, rechtskreis FROM person_stichtag WHERE stichtag = ?),
             b AS (SELECT pseudonym, rechtskreis FROM person_stichtag WHERE stichtag = ?)
        SELECT coalesce(a.rechtskreis, 'none') AS before, coalesce(b.rechtskreis, 'none') AS after,
               count(*) AS n
        FROM a FULL OUTER JOIN b USING (pseudonym) GROUP BY ALL""", [previous, current]).df()
    labels = rk.labels | {"none": outside}
    order = [*rk.codes, "none"]
    table = df.pivot_table(index="before", columns="after", values="n", aggfunc="sum",
                           fill_value=0).reindex(index=order, columns=order, fill_value=0)
    table = table.rename(index=labels, columns=labels)
    table[TOTAL] = table.sum(axis=1)
    table.loc[TOTAL] = table.sum()
    return protect(table.astype("int64"), total_row=TOTAL, total_column=TOTAL)


def stichtag_label(day: dt.date) -> str:
    return fmt.date(day)
