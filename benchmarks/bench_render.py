"""Benchmark: the demo data basis, one period end to end, and all periods end to end.

Prints wall-clock figures (seconds); run with `make bench` or
`.venv/bin/python benchmarks/bench_render.py [--repeat N]`. Writes into a temp folder only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from integrationsmonitor.cli import main as cli_main
from integrationsmonitor.demo import generate_demo
from integrationsmonitor.params import all_params_files
from integrationsmonitor.render import render_period


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=1, help="runs of the one-period figure")
    args = ap.parse_args()
    periods = [p.stem for p in all_params_files()]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        database = generate_demo(tmp / "demo")
        print(f"demo data (30 status workbooks, 14 extracts, imported): "
              f"{time.perf_counter() - start:6.1f} s")
        overrides = {"database": str(database)}

        one = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = render_period(periods[-1], out_root=tmp / "one", overrides=overrides)
            one.append(time.perf_counter() - start)
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
        print(f"one period ({periods[-1]}), end to end:   {statistics.median(one):6.1f} s "
              f"(median of {len(one)}; last run: {steps})")

        start = time.perf_counter()
        for period in periods:
            render_period(period, out_root=tmp / "all", overrides=overrides)
        total = time.perf_counter() - start
        print(f"all {len(periods)} periods, one process:     {total:6.1f} s "
              f"({total / len(periods):.1f} s per period)")

        jobs = os.cpu_count() or 1
        start = time.perf_counter()
        code = cli_main(["report", "--all", "--out", str(tmp / "cli"), "--database", str(database),
                     "--jobs", str(jobs)])
        total = time.perf_counter() - start
        print(f"all {len(periods)} periods, `report --all` ({jobs} processes): {total:6.1f} s "
              f"(exit {code})")


if __name__ == "__main__":
    main()
