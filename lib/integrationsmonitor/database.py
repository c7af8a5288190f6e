"""The data basis: one embedded DuckDB file holding imported status, decisions and their log.

Every import runs in one transaction (all-or-nothing) and is logged with the file's SHA-256.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb

from integrationsmonitor.errors import InputError, Problem, file_label
from integrationsmonitor.paths import resolve

SCHEMA_VERSION = "1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE SEQUENCE IF NOT EXISTS import_seq START 1;
CREATE TABLE IF NOT EXISTS import_log (
    import_id INTEGER PRIMARY KEY,
    imported_at TIMESTAMP NOT NULL,
    kind VARCHAR NOT NULL,          -- 'status' | 'decisions'
    period VARCHAR,                 -- for status imports
    ak_id VARCHAR,                  -- for status imports
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    n_rows INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS measure_status (
    period VARCHAR NOT NULL,
    measure_id VARCHAR NOT NULL,
    ak_id VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    progress_pct INTEGER,
    sachstand VARCHAR,
    financing VARCHAR,
    responsible VARCHAR,
    import_id INTEGER NOT NULL,
    PRIMARY KEY (period, measure_id)
);
CREATE TABLE IF NOT EXISTS measure_kpi (
    period VARCHAR NOT NULL,
    measure_id VARCHAR NOT NULL,
    ak_id VARCHAR NOT NULL,
    kennzahl VARCHAR NOT NULL,
    wert DOUBLE NOT NULL,
    import_id INTEGER NOT NULL,
    PRIMARY KEY (period, measure_id, kennzahl)
);
CREATE TABLE IF NOT EXISTS steering_decision (
    decision_id VARCHAR PRIMARY KEY,
    decided_on DATE NOT NULL,
    reason VARCHAR NOT NULL,
    decision VARCHAR NOT NULL,
    import_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS steering_decision_measure (
    decision_id VARCHAR NOT NULL,
    measure_id VARCHAR NOT NULL,
    PRIMARY KEY (decision_id, measure_id)
);
"""


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the data basis; a writable connection creates the file and schema if needed.

    Raises:
        InputError: a read-only open of a file that does not exist (German message).
    """
    path = resolve(path)
    if read_only:
        if not path.exists():
            raise InputError(Problem(file_label(path), f"Datenbasis nicht gefunden ({path}). "
                                     "Zuerst Statusbögen importieren oder für die Demo "
                                     "„integrationsmonitor demo“ ausführen."))
        return duckdb.connect(str(path), read_only=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute(SCHEMA)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
    return con


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All-or-nothing: commit when the block succeeds, roll back on any exception."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def log_import(con: duckdb.DuckDBPyConnection, kind: str, file_name: str, sha256: str,
               n_rows: int, period: str | None = None, ak_id: str | None = None) -> int:
    """Record one imported file and return its import ID."""
    (import_id,) = con.execute("SELECT nextval('import_seq')").fetchone()
    con.execute("INSERT INTO import_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [import_id, dt.datetime.now().replace(microsecond=0), kind, period, ak_id,
                 file_name, sha256, n_rows])
    return int(import_id)
