"""Shared fixtures: the hand-made mini concept, helpers that fill status workbooks as an
Arbeitskreis would, and the demo data basis."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from integrationsmonitor.catalogue import load_catalogue
from integrationsmonitor.demo import ensure_demo
from integrationsmonitor.status_workbook import COLUMNS, FIRST_ROW, HEADER_ROW, SHEET

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def mini():
    return load_catalogue(FIXTURES / "mini-concept")


@pytest.fixture(scope="session")
def real_catalogue():
    return load_catalogue()


@pytest.fixture(scope="session")
def demo_database() -> Path:
    return ensure_demo()


def fill_workbook(path: Path, rows: dict[str, dict[str, object]]) -> Path:
    """Fill a status workbook: rows maps measure ID → {column header: value}."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    col = {ws.cell(HEADER_ROW, c).value: c for c in range(1, len(COLUMNS) + 1)}
    for r in range(FIRST_ROW, ws.max_row + 1):
        mid = ws.cell(r, 1).value
        for header, value in rows.get(mid, {}).items():
            ws.cell(r, col[header]).value = value
    wb.save(path)
    return path


def row_of(path: Path, measure_id: str) -> int:
    ws = openpyxl.load_workbook(path)[SHEET]
    for r in range(FIRST_ROW, ws.max_row + 1):
        if ws.cell(r, 1).value == measure_id:
            return r
    raise KeyError(measure_id)


@pytest.fixture(scope="session")
def rendered_outputs(tmp_path_factory, demo_database) -> Path:
    """Every report of params/ rendered once per test run through the command line into a
    temporary outputs folder (shared by the end-to-end, browser and PDF-form tests); the data
    basis is hashed before and after into ``<folder>.db-hashes``. Under pytest-xdist the
    workers share one render: the first to need it renders, the others wait for it."""
    import fcntl
    import hashlib
    import os

    from integrationsmonitor.cli import main

    def render(out: Path) -> None:
        before = hashlib.sha256(demo_database.read_bytes()).hexdigest()
        assert main(["report", "--all", "--out", str(out)]) == 0
        after = hashlib.sha256(demo_database.read_bytes()).hexdigest()
        (out.parent / f"{out.name}.db-hashes").write_text(f"{before}\n{after}")

    if "PYTEST_XDIST_WORKER" not in os.environ:
        out = tmp_path_factory.mktemp("outputs")
        render(out)
        return out
    shared = tmp_path_factory.getbasetemp().parent  # one folder for all workers of the run
    out = shared / "outputs"
    with open(shared / "outputs.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / "outputs.done"
        if not done.exists():
            out.mkdir()
            render(out)
            done.touch()
    return out
