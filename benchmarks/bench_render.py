"""Benchmark: the render chain against its floor, measured in the same run.

The floor is one trivial parameterised notebook through the very same chain (papermill with the
same kernel manager → nbconvert HTML → WeasyPrint PDF). Every figure is printed in seconds and as
a ratio to the floor, so that it means the same on a slower or busier machine:

- one half-year report: everything ``report <period>`` publishes (report and annex, HTML and
  PDF), as a command of its own against the floor as a process of its own (both with their
  imports), and in-process with the seconds of each step; for comparison, in-process without
  the annex's PDF and without both PDFs (what the PDFs cost on the way to the target);
- all reports with ``report --all`` (one process per core);
- optionally (``--tests``) the README's test command, ``pytest``.

Beside the wall time, the commands' CPU seconds (all their processes: kernels and PDF workers
included) are printed: they hardly change when something else runs on the machine, and show
whether a change saved work or only moved it between the two cores.

Run with ``make bench`` or ``.venv/bin/python benchmarks/bench_render.py [--repeat N]``.
Writes into a temp folder only.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from integrationsmonitor.cli import main as cli_main
from integrationsmonitor.demo import generate_demo
from integrationsmonitor.params import all_params_files
from integrationsmonitor.paths import project_root
from integrationsmonitor.render import _execute, export_html, render_period, write_pdf

TARGETS = {"one": 3, "all": 15, "tests": 60}  # issue 7: ratios to the floor


def floor_once(folder: Path) -> float:
    """One trivial parameterised notebook through papermill → HTML → PDF; seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('period = "2019-H2"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Untergrenze"), params,
                nbformat.v4.new_code_cell("print(period)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    source = folder / "source"
    source.mkdir(exist_ok=True)
    nbformat.write(nb, source / "floor.ipynb")
    start = time.perf_counter()
    executed = _execute(source / "floor.ipynb", folder, {"period": "2020-H1"})
    html = export_html(executed)
    write_pdf(html, folder / "floor.pdf")
    return time.perf_counter() - start


def children_cpu() -> float:
    """CPU seconds (user + system) of every finished child process so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def floor_cold(folder: Path) -> tuple[float, float]:
    """The floor as a command line user meets it: a fresh Python process (imports included);
    (wall seconds, CPU seconds)."""
    start, cpu = time.perf_counter(), children_cpu()
    subprocess.run([sys.executable, __file__, "--floor-only", str(folder)], check=True)
    return time.perf_counter() - start, children_cpu() - cpu


def report_cold(period: str, out: Path, database: Path) -> tuple[float, float]:
    """``integrationsmonitor report <period>`` as its own process; (wall, CPU seconds)."""
    exe = Path(sys.executable).with_name("integrationsmonitor")
    start, cpu = time.perf_counter(), children_cpu()
    subprocess.run([str(exe), "report", period, "--out", str(out), "--database", str(database)],
                   check=True, capture_output=True)
    return time.perf_counter() - start, children_cpu() - cpu


def without_pdfs(period: str, out: Path, overrides: dict[str, str], skip: tuple[str, ...]
                 ) -> float:
    """Seconds of an in-process render whose PDFs named in ``skip`` ("annex", "report") are
    empty files instead (a comparison, not a product)."""
    from unittest import mock

    from integrationsmonitor import render

    def no_pdf(*args) -> None:  # (html, target), or (session, html, target)
        args[-1].write_bytes(b"")

    patches = []
    if "annex" in skip:
        patches.append(mock.patch.object(render.RenderSession, "write_pdf_elsewhere", no_pdf))
    if "report" in skip:
        patches.append(mock.patch.object(render, "write_pdf", no_pdf))
    start = time.perf_counter()
    with contextlib.ExitStack() as stack:
        for p in patches:
            stack.enter_context(p)
        render_period(period, out_root=out, overrides=overrides)
    return time.perf_counter() - start


def median(values: list[float]) -> float:
    return statistics.median(values)


def line(label: str, seconds: float, floor: float, target: int | None = None, extra: str = ""
         ) -> None:
    ratio = seconds / floor
    goal = f" (Ziel ≤ {target}×: {'erreicht' if ratio <= target else 'verfehlt'})" \
        if target else ""
    print(f"{label:<44} {seconds:7.1f} s = {ratio:5.1f}× Untergrenze{goal}{extra}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="Läufe der Untergrenze und des "
                    "einen Berichts (Median)")
    ap.add_argument("--tests", action="store_true", help="auch `pytest` messen")
    ap.add_argument("--floor-only", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.floor_only:
        floor_once(args.floor_only)
        return
    periods = [p.stem for p in all_params_files()]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        database = generate_demo(tmp / "demo")
        print(f"Demo-Daten erzeugt und importiert: {time.perf_counter() - start:.1f} s")
        overrides = {"database": str(database)}

        floor_once(tmp / "warmup")  # imports of the in-process figures below
        floors = [floor_once(tmp / f"floor{i}") for i in range(args.repeat)]
        warm = median(floors)
        cold_floors = [floor_cold(tmp / f"cold{i}") for i in range(args.repeat)]
        floor = median([wall for wall, _ in cold_floors])
        floor_cpu = median([cpu for _, cpu in cold_floors])
        print(f"{'Untergrenze, eigener Prozess (wie report)':<44} {floor:7.1f} s "
              f"(Median aus {args.repeat}; im laufenden Prozess {warm:.1f} s; "
              f"CPU {floor_cpu:.1f} s)")
        colds = [report_cold(periods[-1], tmp / f"cold-one{i}", database)
                 for i in range(args.repeat)]
        cpu = median([c for _, c in colds])
        line(f"report {periods[-1]} (eigener Prozess)", median([w for w, _ in colds]), floor,
             TARGETS["one"], f"; CPU {cpu:.1f} s = {cpu / floor_cpu:.1f}× der Untergrenze")

        one, steps = [], {}
        for i in range(args.repeat):
            start = time.perf_counter()
            result = render_period(periods[-1], out_root=tmp / f"one{i}", overrides=overrides)
            one.append(time.perf_counter() - start)
            for k, v in result.seconds.items():
                steps.setdefault(k, []).append(v)
        detail = "; ".join(f"{k} {median(v):.1f} s" for k, v in steps.items())
        line("derselbe Bericht im laufenden Prozess", median(one), floor)
        print(f"  Schritte (Median): {detail}")
        # What the PDFs cost: the same render with them left out (nothing published is
        # measured here; the lines show how far the render is from its target without them).
        for label, skip in [("ohne das PDF des Anhangs", ("annex",)),
                            ("ohne beide PDFs", ("annex", "report"))]:
            walls = [without_pdfs(periods[-1], tmp / f"{'-'.join(skip)}{i}", overrides, skip)
                     for i in range(args.repeat)]
            line(f"  zum Vergleich: {label}", median(walls), floor)

        jobs = os.cpu_count() or 1
        start, cpu = time.perf_counter(), children_cpu()
        code = cli_main(["report", "--all", "--out", str(tmp / "all"), "--database",
                         str(database), "--jobs", str(jobs)])
        cpu = children_cpu() - cpu  # the render processes (and theirs) have ended
        line(f"alle {len(periods)} Berichte, report --all ({jobs} Prozesse)",
             time.perf_counter() - start, floor, TARGETS["all"],
             f"; CPU {cpu:.1f} s = {cpu / floor_cpu:.1f}× der Untergrenze; Exit {code}")

        if args.tests:
            start = time.perf_counter()
            run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "auto"],
                                 cwd=project_root(),
                                 capture_output=True, text=True)
            last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
            line("make test (pytest)", time.perf_counter() - start, floor, TARGETS["tests"],
                 f"; {last}")


if __name__ == "__main__":
    main()
