"""The demo data basis is complete, plausible and reproducible."""

import duckdb
import pandas as pd
import pytest

from integrationsmonitor.demo import generate_demo
from integrationsmonitor.measure_status import implementation_rates, period_view
from integrationsmonitor.periods import Period


@pytest.fixture(scope="module")
def demo(demo_database):
    con = duckdb.connect(str(demo_database), read_only=True)
    hist = con.execute("SELECT * FROM measure_status").df()
    n_decisions = con.execute("SELECT count(*) FROM steering_decision").fetchone()[0]
    con.close()
    return hist, n_decisions


def test_every_measure_has_a_status_in_every_period(demo, real_catalogue):
    hist, _ = demo
    assert len(hist) == 6 * 48
    assert hist.groupby("period")["measure_id"].nunique().eq(48).all()


def test_no_solution_items_stay_so(demo, real_catalogue):
    hist, _ = demo
    marked = set(real_catalogue.measures.loc[real_catalogue.measures["no_solution"] != "",
                                             "measure_id"])
    assert marked == {"WOH-M10", "WOH-M11", "WOH-M12"}
    assert set(hist.loc[hist["measure_id"].isin(marked), "status"]) == {"keine_loesung"}


def test_only_money_dependent_measures_are_suspended_for_money(demo, real_catalogue):
    hist, _ = demo
    dependent = set(real_catalogue.measures.loc[real_catalogue.measures["funding_dependent"],
                                                "measure_id"])
    suspended = hist[hist["status"] == "ausgesetzt_mittel"]
    assert len(suspended) > 0
    assert set(suspended["measure_id"]) <= dependent
    assert set(suspended["period"]) < set(hist["period"])  # only in some periods


def test_most_measures_move_forward_and_some_stall(demo, real_catalogue):
    hist, n_decisions = demo
    first = period_view(real_catalogue, hist, Period.parse("2018-H2"), None)
    last = period_view(real_catalogue, hist, Period.parse("2021-H1"), None)
    r0 = implementation_rates(first, real_catalogue).set_index("ak_id").at["Gesamt", "rate"]
    r1 = implementation_rates(last, real_catalogue).set_index("ak_id").at["Gesamt", "rate"]
    assert r0 < 0.2 < 0.6 < r1
    assert (hist["status"] == "verzoegert").sum() > 0
    assert n_decisions >= 3


def test_same_seed_gives_the_same_data(tmp_path, demo):
    hist, _ = demo
    again = generate_demo(tmp_path)
    con = duckdb.connect(str(again), read_only=True)
    other = con.execute("SELECT * FROM measure_status").df()
    con.close()
    key = ["period", "measure_id"]
    cols = ["period", "measure_id", "status", "progress_pct", "sachstand", "financing"]
    pd.testing.assert_frame_equal(
        hist.sort_values(key)[cols].reset_index(drop=True),
        other.sort_values(key)[cols].reset_index(drop=True))


def test_import_dates_belong_to_the_story_not_to_the_day_it_was_made(demo_database):
    import datetime as dt

    con = duckdb.connect(str(demo_database), read_only=True)
    log = con.execute("SELECT kind, period, imported_at FROM import_log").df()
    con.close()
    at = {(r.kind, r.period if isinstance(r.period, str) else None):
          r.imported_at.to_pydatetime() for r in log.itertuples()}
    # by hand: three weeks after 31.12.2019, four after 31.03.2018, the day after 21.04.2021
    assert at[("status", "2019-H2")] == dt.datetime(2020, 1, 21, 9, 0)
    assert at[("extract-jobcenter", "2018-03-31")] == dt.datetime(2018, 4, 28, 9, 0)
    assert at[("decisions", None)] == dt.datetime(2021, 4, 22, 9, 0)
    assert max(at.values()) == dt.datetime(2021, 7, 28, 9, 0)  # the last extract, 30.06.2021


def test_a_running_course_measure_held_a_course_and_the_resumption_names_every_suspended(
        demo_database):
    from integrationsmonitor.demo import SUSPENDED_FOR_FUNDS, demo_decisions

    con = duckdb.connect(str(demo_database), read_only=True)
    zero = con.execute("SELECT count(*) FROM measure_kpi WHERE wert = 0").fetchone()[0]
    suspended = {m for (m,) in con.execute(
        "SELECT DISTINCT measure_id FROM measure_status WHERE status = 'ausgesetzt_mittel'"
    ).fetchall()}
    con.close()
    assert zero == 0
    resumed = next(d for d in demo_decisions() if d.decision_id == "2020-02")
    assert suspended == set(SUSPENDED_FOR_FUNDS) == set(resumed.measure_ids)
