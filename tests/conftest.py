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
