"""Measure status in the data basis: import of returned workbooks, history, and the views the
report needs (counts by status, implementation rate, change since the previous period)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

from integrationsmonitor.catalogue import Catalogue
from integrationsmonitor.database import connected, log_import, transaction
from integrationsmonitor.errors import UNCHANGED, InputError, Problem, ProblemCollector
from integrationsmonitor.input_files import is_lock_file
from integrationsmonitor.periods import Period, ReportingCalendar
from integrationsmonitor.status_workbook import read_status_workbook, write_template

STATUS_COLUMNS = ["period", "measure_id", "ak_id", "status", "progress_pct", "sachstand",
                  "financing", "responsible"]


class StatusImport(list):
    """The imported sheets (a list of StatusSheet) plus the import's notes: files left aside
    (Excel lock files) and entries not taken over, in German for the import summary."""

    notes: list[str]

    def __init__(self, sheets=(), notes=()):
        super().__init__(sheets)
        self.notes = list(notes)


def import_status(database: str | Path, catalogue: Catalogue, period: Period,
                  files: Sequence[str | Path]) -> StatusImport:
    """Import returned status workbooks of one period into the data basis, all or nothing.

    Every file is read and checked before anything is written; one bad file stops the whole
    import and the data basis stays as it was. A workbook replaces the earlier import of the
    same period and AK; other periods and AKs are kept. Excel's lock files (``~$…``, matched
    by ``*.xlsx`` while a workbook is open) are skipped with a note.

    Raises:
        InputError: listing the problems of every file, or two workbooks for the same AK.
    """
    ReportingCalendar.of(catalogue).check(period)
    skipped = [Path(f) for f in files if is_lock_file(Path(f))]
    files = [Path(f) for f in files if not is_lock_file(Path(f))]
    notes = [f"{f.name} übersprungen: Sperrdatei von Excel (entsteht, solange eine Mappe "
             "geöffnet ist), keine Arbeitsmappe" for f in skipped]
    if not files:
        raise InputError(Problem("(keine Datei)", "keine Statusbögen zum Import angegeben"
                                 + (" (nur Sperrdateien ~$…)" if skipped else "")))
    problems = ProblemCollector("(Import)", limit=200)
    sheets = []
    for f in files:
        try:
            sheets.append(read_status_workbook(f, catalogue, period))
        except InputError as exc:
            problems.extend(exc.problems)
    by_ak: dict[str, str] = {}
    for sheet in sheets:
        if sheet.ak_id in by_ak:
            problems.add(f"zweiter Bogen für AK {sheet.ak_id} im selben Import (schon aus "
                         f"{by_ak[sheet.ak_id]})", file=sheet.file)
        by_ak[sheet.ak_id] = sheet.file
    problems.raise_if_any(UNCHANGED)
    with connected(database) as con, transaction(con):
        for sheet in sheets:
            import_id = log_import(con, "status", sheet.file, sheet.sha256, len(sheet.status),
                                   period=period.id, ak_id=sheet.ak_id,
                                   notes="\n".join(sheet.notes) or None)
            con.execute("DELETE FROM measure_status WHERE period = ? AND ak_id = ?",
                        [period.id, sheet.ak_id])
            con.execute("DELETE FROM measure_kpi WHERE period = ? AND ak_id = ?",
                        [period.id, sheet.ak_id])
            status = sheet.status.assign(period=period.id, import_id=import_id)
            kpis = sheet.kpis.assign(period=period.id, import_id=import_id)
            con.register("new_status", status)
            con.execute("INSERT INTO measure_status BY NAME SELECT * FROM new_status")
            con.unregister("new_status")
            if len(kpis):
                con.register("new_kpis", kpis)
                con.execute("INSERT INTO measure_kpi BY NAME SELECT * FROM new_kpis")
                con.unregister("new_kpis")
    return StatusImport(sheets, notes + [n for s in sheets for n in s.notes])


def write_templates(database: str | Path | None, catalogue: Catalogue, period: Period,
                    out_dir: Path) -> list[Path]:
    """Write the status workbooks of every AK for ``period``, prefilled from the previous one."""
    cal = ReportingCalendar.of(catalogue)
    cal.check(period)
    prev_status = prev_kpis = None
    prev = cal.previous(period)
    if prev is not None and database is not None and Path(database).exists():
        with connected(database, read_only=True) as con:
            prev_status = status_rows(con, prev)
            prev_kpis = kpi_rows(con, prev)
    paths = []
    for ak_id in catalogue.arbeitskreise["ak_id"]:
        ps = prev_status[prev_status["ak_id"] == ak_id] if prev_status is not None else None
        pk = prev_kpis[prev_kpis["ak_id"] == ak_id] if prev_kpis is not None else None
        paths.append(write_template(catalogue, period, ak_id, out_dir, ps, pk))
    return paths


def status_rows(con: duckdb.DuckDBPyConnection, period: Period) -> pd.DataFrame:
    """The stored status rows of one period."""
    return con.execute(f"SELECT {', '.join(STATUS_COLUMNS)} FROM measure_status "
                       "WHERE period = ? ORDER BY measure_id", [period.id]).df()


def kpi_rows(con: duckdb.DuckDBPyConnection, period: Period | None = None) -> pd.DataFrame:
    """Stored Kennzahl rows, of one period or of all."""
    sql = "SELECT period, measure_id, ak_id, kennzahl, wert FROM measure_kpi"
    if period is None:
        return con.execute(sql + " ORDER BY period, measure_id, kennzahl").df()
    return con.execute(sql + " WHERE period = ? ORDER BY measure_id, kennzahl",
                       [period.id]).df()


def history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every stored status row of every period (the history of every measure)."""
    return con.execute(f"SELECT {', '.join(STATUS_COLUMNS)} FROM measure_status "
                       "ORDER BY measure_id, period").df()


def imported_aks(con: duckdb.DuckDBPyConnection, period: Period) -> set[str]:
    rows = con.execute("SELECT DISTINCT ak_id FROM measure_status WHERE period = ?",
                       [period.id]).fetchall()
    return {r[0] for r in rows}


def period_view(catalogue: Catalogue, hist: pd.DataFrame, period: Period,
                previous: Period | None) -> pd.DataFrame:
    """One row per measure of the catalogue with this period's and the previous period's status.

    Columns: the catalogue's measure columns, status, progress_pct, sachstand, financing,
    responsible, previous_status, change ("neu", "vorwärts", "rückwärts", "geändert",
    "unverändert", or "fehlt" when no status was reported), status_label, group, blocked,
    periods_unchanged (how many periods in a row, this one included, the status has stood).
    """
    vocab = catalogue.vocab.status.set_index("code")
    now = hist[hist["period"] == period.id].set_index("measure_id")
    before = (hist[hist["period"] == previous.id].set_index("measure_id")
              if previous is not None else now.iloc[0:0])
    df = catalogue.measures.set_index("measure_id").join(
        now[["status", "progress_pct", "sachstand", "financing", "responsible"]])
    df["previous_status"] = before["status"].reindex(df.index)

    def change(row) -> str:
        s, p = row["status"], row["previous_status"]
        if pd.isna(s):
            return "fehlt"
        if pd.isna(p):
            return "neu"
        if s == p:
            return "unverändert"
        rs, rp = vocab.at[s, "rank"], vocab.at[p, "rank"]
        if pd.isna(rs) or pd.isna(rp) or rs == rp:
            return "geändert"
        return "vorwärts" if rs > rp else "rückwärts"

    df["change"] = df.apply(change, axis=1)
    df["status_label"] = [vocab.at[s, "label"] if pd.notna(s) else "keine Angabe"
                          for s in df["status"]]
    df["group"] = [vocab.at[s, "group"] if pd.notna(s) else None for s in df["status"]]
    df["blocked"] = [bool(vocab.at[s, "blocked_by_funding"]) if pd.notna(s) else False
                     for s in df["status"]]
    df["periods_unchanged"] = _periods_unchanged(hist, period).reindex(df.index).fillna(0)
    return df.reset_index()


def _periods_unchanged(hist: pd.DataFrame, period: Period) -> pd.Series:
    """Per measure: the number of consecutive periods up to ``period`` with the same status
    (:func:`status_run`)."""
    upto = hist[hist["period"] <= period.id]
    out = {mid: len(_status_run(dict(zip(grp["period"], grp["status"])), period))
           for mid, grp in upto.groupby("measure_id")}
    return pd.Series({k: v for k, v in out.items() if v}, dtype="float64")


def status_run(hist: pd.DataFrame, measure_id: str, period: Period) -> list[str]:
    """The half-years in a row, up to and including ``period``, in which the measure has had
    the status it has in ``period``, oldest first; [] when none is reported for ``period``.

    The one rule for "seit wann in diesem Status": the column "Halbjahre im Status", the
    Steuerungsbedarf ("seit 2 Halbjahren „in Planung“") and "ausgesetzt seit" all count it.
    A half-year without a report ends the run.

    >>> h = pd.DataFrame({"measure_id": ["M"] * 4,
    ...                   "period": ["2018-H2", "2019-H1", "2019-H2", "2020-H1"],
    ...                   "status": ["verzoegert", "verzoegert", "in_planung", "in_planung"]})
    >>> status_run(h, "M", Period.parse("2020-H1"))
    ['2019-H2', '2020-H1']
    """
    rows = hist[(hist["measure_id"] == measure_id) & (hist["period"] <= period.id)]
    return _status_run(dict(zip(rows["period"], rows["status"])), period)


def _status_run(status_by_period: dict[str, str], period: Period) -> list[str]:
    current = status_by_period.get(period.id)
    if current is None or pd.isna(current):
        return []
    run: list[str] = []
    p = period
    while status_by_period.get(p.id) == current:
        run.insert(0, p.id)
        p = p.previous()
    return run


def counts_by_status(view: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Count of measures per AK (rows) and status (columns, in vocabulary order), with totals.

    Measures without a reported status are counted in the column "keine Angabe".
    """
    labels = list(catalogue.vocab.status["label"])
    ak_order = list(catalogue.arbeitskreise["ak_id"])
    table = pd.crosstab(view["ak_id"], view["status_label"]).reindex(
        index=ak_order, columns=labels + ["keine Angabe"], fill_value=0)
    if table["keine Angabe"].sum() == 0:
        table = table.drop(columns="keine Angabe")
    table.loc["Gesamt"] = table.sum()
    table["Gesamt"] = table.sum(axis=1)
    return table.astype(int)


# The Umsetzungsquote, one definition for the summary, the AK tables and every implementation
# indicator (UMS-I0 and the AK indicators): a measure counts as umgesetzt when its status is in
# the group "umgesetzt" (umgesetzt, Daueraufgabe); the base is every measure with a reported
# status outside the group "ausserhalb" (entfallen, zur Zeit keine Lösung möglich). "in
# Umsetzung" is in the base but not umgesetzt (status groups: concepts/vocabularies.yaml).
IMPLEMENTED_GROUPS = ("umgesetzt",)
RATE_BASE_GROUPS = ("umgesetzt", "laufend", "offen")


def implementation_rate(groups: pd.Series) -> float | None:
    """The Umsetzungsquote of measures given by their status groups (see above); None when no
    measure is in the base (nothing reported, or all entfallen / keine Lösung möglich).

    >>> implementation_rate(pd.Series(["umgesetzt", "laufend", "offen", "ausserhalb", None]))
    0.3333333333333333
    >>> implementation_rate(pd.Series(["ausserhalb"])) is None
    True
    """
    base = groups[groups.isin(RATE_BASE_GROUPS)]
    return float(base.isin(IMPLEMENTED_GROUPS).mean()) if len(base) else None


def implementation_rates(view: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Per AK and overall: shares of measures by status group.

    The base is every measure whose status is reported and not in group "ausserhalb"
    (entfallen, zur Zeit keine Lösung möglich). ``rate`` is the Umsetzungsquote (see
    :func:`implementation_rate`); ``rate_incl_running`` adds "in Umsetzung" as a secondary
    figure.

    Returns:
        Columns ak_id, base, umgesetzt, laufend, offen, ausserhalb, rate, rate_incl_running;
        the last row has ak_id "Gesamt".
    """
    ak_order = list(catalogue.arbeitskreise["ak_id"])
    groups = ["umgesetzt", "laufend", "offen", "ausserhalb"]
    counts = pd.crosstab(view["ak_id"], view["group"]).reindex(
        index=ak_order, columns=groups, fill_value=0)
    counts.loc["Gesamt"] = counts.sum()
    counts["base"] = counts[list(RATE_BASE_GROUPS)].sum(axis=1)
    base = counts["base"].where(counts["base"] > 0)
    # Same definition as implementation_rate(), counted per AK.
    counts["rate"] = counts[list(IMPLEMENTED_GROUPS)].sum(axis=1) / base
    counts["rate_incl_running"] = (counts["umgesetzt"] + counts["laufend"]) / base
    return counts.reset_index(names="ak_id")[["ak_id", "base", *groups, "rate",
                                              "rate_incl_running"]]


# A funding gap: the concept marks a measure as depending on outside money (its funding tag,
# konzept.yaml "funding_dependent") and the Arbeitskreis reports its financing as not secured
# (beantragt, offen, keine Mittel). A measure without that mark needs no outside money; a
# missing financing ("keine Angabe") is reported as such, never counted as a gap.
UNSECURED_FINANCING = ("beantragt", "offen", "keine_mittel")


def funding_gap(view: pd.DataFrame) -> pd.Series:
    """Per row of a :func:`period_view`: True where the measure has a funding gap (see above).

    >>> funding_gap(pd.DataFrame({"funding_dependent": [True, True, False, True],
    ...                           "financing": ["offen", "gesichert", "offen", None]})).tolist()
    [True, False, False, False]
    """
    return view["funding_dependent"].astype(bool) & view["financing"].isin(UNSECURED_FINANCING)
