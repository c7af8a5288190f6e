"""Benchmark of the case-figure data basis: import of a 100,000-row extract, a Land-sized data
basis of more than one million person-Stichtag rows, all case-figure tables and all indicators
over it.

Prints wall-clock seconds and the peak memory (RSS) of each step, each step in a fresh process
so that the peaks do not mix. Run: `.venv/bin/python benchmarks/bench_case_data.py`.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STICHTAGE = [dt.date(2018, 3, 31), dt.date(2018, 12, 31), dt.date(2019, 6, 30),
             dt.date(2019, 12, 31), dt.date(2020, 6, 30), dt.date(2020, 12, 31),
             dt.date(2021, 6, 30)]


def step_import_100k(folder: Path) -> dict:
    from integrationsmonitor.case_data import import_extract
    from integrationsmonitor.case_demo import simulate
    from integrationsmonitor.pseudonym import DEMO_KEY
    from integrationsmonitor.reference import extract_fields

    frame = simulate(STICHTAGE[:1], seed=1, scale=140)[STICHTAGE[0]]
    frame = frame[frame["rechtskreis"] == "SGB II"].head(100_000)
    fields, _ = extract_fields()
    path = folder / "jobcenter_100k.csv"
    frame.rename(columns=dict(zip(fields["field"], fields["column"]))).to_csv(
        path, sep=";", index=False, encoding="cp1252")
    start = time.perf_counter()
    result = import_extract(folder / "import.duckdb", path, "jobcenter", STICHTAGE[0], DEMO_KEY)
    return {"rows": result.rows, "seconds": time.perf_counter() - start}


def step_build_land(folder: Path) -> dict:
    from integrationsmonitor.case_demo import generate_case_demo

    start = time.perf_counter()
    generate_case_demo(folder / "land.duckdb", folder / "land", STICHTAGE, seed=2, scale=110,
                       formats="csv")
    import duckdb

    con = duckdb.connect(str(folder / "land.duckdb"), read_only=True)
    rows = con.execute("SELECT count(*) FROM person_stichtag").fetchone()[0]
    con.close()
    return {"rows": rows, "seconds": time.perf_counter() - start}


def step_tables(folder: Path) -> dict:
    import duckdb

    from integrationsmonitor import case_figures as cf

    con = duckdb.connect(str(folder / "land.duckdb"), read_only=True)
    start = time.perf_counter()
    n = 0
    compared = [STICHTAGE[0], STICHTAGE[-2], STICHTAGE[-1]]
    for key in cf.DIMENSIONS:
        cf.dimension_table(con, key, compared)
        n += 1
    cf.dimension_table(con, "rechtskreis", STICHTAGE)
    cf.vg_by_rechtskreis(con, STICHTAGE[-1])
    cf.transitions(con, STICHTAGE[-2], STICHTAGE[-1])
    con.close()
    return {"tables": n + 3, "seconds": time.perf_counter() - start}


def step_indicators(folder: Path) -> dict:
    import duckdb
    import pandas as pd

    from integrationsmonitor.catalogue import load_catalogue
    from integrationsmonitor.indicators import assess_all, load_indicators
    from integrationsmonitor.periods import Period

    catalogue = load_catalogue()
    indicators = load_indicators(catalogue)
    con = duckdb.connect(str(folder / "land.duckdb"), read_only=True)
    history = pd.DataFrame(columns=["period", "measure_id", "ak_id", "status", "progress_pct",
                                    "sachstand", "financing", "responsible"])
    kpis = pd.DataFrame(columns=["period", "measure_id", "ak_id", "kennzahl", "wert"])
    start = time.perf_counter()
    results = assess_all(con, catalogue, indicators, Period.parse("2021-H1"), history, kpis)
    con.close()
    case = sum(1 for a in results if a.indicator.kind.startswith("case"))
    return {"indicators": len(results), "from_case_data": case,
            "seconds": time.perf_counter() - start}


STEPS = {"import_100k": step_import_100k, "build_land": step_build_land,
         "tables": step_tables, "indicators": step_indicators}


def main() -> None:
    if len(sys.argv) == 3:  # child: one step
        result = STEPS[sys.argv[1]](Path(sys.argv[2]))
        result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory() as tmp:
        for name in STEPS:
            out = subprocess.run([sys.executable, __file__, name, tmp], capture_output=True,
                                 text=True, check=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            extra = ", ".join(f"{k} {v:,}" for k, v in r.items()
                              if k not in ("seconds", "peak_mib"))
            rate = (f", {r['rows'] / r['seconds']:,.0f} rows/s" if "rows" in r else "")
            print(f"{name:12s} {r['seconds']:7.1f} s  peak {r['peak_mib']:6.0f} MiB  "
                  f"({extra}{rate})")


if __name__ == "__main__":
    main()
