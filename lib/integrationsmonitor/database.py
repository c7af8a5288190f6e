"""The data basis: one embedded DuckDB file holding imported status, decisions, case data,
reference values, indicator history and the import log.

This module is the one home of the schema (every CREATE TABLE of the package), of its version
and migrations, and of opening the file: ``connected`` opens and always closes, turns DuckDB's
lock error into "Datenbasis ist gerade in Benutzung", and brings a data basis of an older
version up to date (in a transaction, after a backup copy). Every import runs in one
transaction (all-or-nothing) and is logged with the file's SHA-256.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb

from integrationsmonitor.errors import InputError, Problem, file_label
from integrationsmonitor.paths import resolve

# Version 1: status, decisions and the import log; the other tables were created on first use.
# Version 2: every table created at once; import_log.notes (what an import left aside).
SCHEMA_VERSION = 2

CORE_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE SEQUENCE IF NOT EXISTS import_seq START 1;
CREATE TABLE IF NOT EXISTS import_log (
    import_id INTEGER PRIMARY KEY,
    imported_at TIMESTAMP NOT NULL,
    kind VARCHAR NOT NULL,          -- 'status' | 'decisions' | 'extract-…' | 'reference'
    period VARCHAR,                 -- for status imports; the Stichtag for extracts
    ak_id VARCHAR,                  -- for status imports
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    n_rows INTEGER NOT NULL,
    notes VARCHAR                   -- what the import left aside, in German (schema 2)
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

# Person rows of the extracts (case_data.py); pseudonyms only, never names or source keys.
CASE_SCHEMA = """
CREATE TABLE IF NOT EXISTS person_stichtag (
    stichtag DATE NOT NULL,
    source VARCHAR NOT NULL,
    rechtskreis VARCHAR NOT NULL,
    pseudonym VARCHAR NOT NULL,
    vg_code VARCHAR NOT NULL,          -- today's territory
    vg_code_reported VARCHAR NOT NULL, -- as delivered
    nationality VARCHAR NOT NULL,
    birth_year SMALLINT NOT NULL,
    sex VARCHAR NOT NULL,
    residence_status VARCHAR NOT NULL,
    perspective VARCHAR NOT NULL,
    perspective_derived BOOLEAN NOT NULL,
    benefit_type VARCHAR,
    housing VARCHAR NOT NULL,
    course_type VARCHAR NOT NULL,
    course_state VARCHAR,
    course_level VARCHAR,
    employment VARCHAR NOT NULL,
    kita BOOLEAN,
    school BOOLEAN,
    import_id INTEGER NOT NULL
);
"""

# Indicator history per report period (indicators.py).
STORE_SCHEMA = """
CREATE TABLE IF NOT EXISTS indicator_value (
    period VARCHAR NOT NULL, indicator_id VARCHAR NOT NULL, stichtag DATE NOT NULL,
    value DOUBLE, PRIMARY KEY (period, indicator_id, stichtag));
CREATE TABLE IF NOT EXISTS indicator_assessment (
    period VARCHAR NOT NULL, indicator_id VARCHAR NOT NULL, current DOUBLE, baseline DOUBLE,
    target DOUBLE, expected DOUBLE, ampel VARCHAR, progress_value DOUBLE, status VARCHAR,
    score DOUBLE, PRIMARY KEY (period, indicator_id));
"""

# Official reference values imported from GENESIS exports (indicators.import_reference).
REFERENCE_SCHEMA = """
CREATE TABLE IF NOT EXISTS reference_import (
    figure VARCHAR, year INTEGER, region VARCHAR, value DOUBLE, marker VARCHAR, reason VARCHAR,
    import_id INTEGER, PRIMARY KEY (figure, year, region));
"""

SCHEMA = CORE_SCHEMA + CASE_SCHEMA + STORE_SCHEMA + REFERENCE_SCHEMA

# Steps from version n to n + 1; each runs in one transaction after a backup copy.
MIGRATIONS: dict[int, str] = {
    1: "ALTER TABLE import_log ADD COLUMN IF NOT EXISTS notes VARCHAR;\n" + SCHEMA,
}

IN_USE = ("Datenbasis ist gerade in Benutzung: ein anderer Import oder Bericht arbeitet mit ihr"
          "{pid}. Bitte warten, bis er fertig ist, und den Befehl dann wiederholen.")


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the data basis; a writable connection creates the file and schema if needed and
    migrates a data basis of an older version. The caller closes it (prefer ``connected``).

    Raises:
        InputError: a read-only open of a file that does not exist, a data basis in use by
            another process, a file that is not a data basis, or one of a newer version
            (German messages that say what to do).
    """
    path = resolve(path)
    name = file_label(path)
    if path.is_dir():
        raise InputError(Problem(name, f"ist ein Ordner, keine Datenbasis ({path})"))
    if read_only:
        if not path.exists():
            raise InputError(Problem(name, f"Datenbasis nicht gefunden ({path}). "
                                     "Zuerst Statusbögen importieren oder für die Demo "
                                     "„integrationsmonitor demo“ ausführen."))
        con = _open(path, read_only=True)
        try:
            _check_version(con, path, writable=False)
        except BaseException:
            con.close()
            raise
        return con
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only=False)
    try:
        version = _check_version(con, path, writable=True)
    except BaseException:
        con.close()
        raise
    if version is None:  # a new, empty file
        with transaction(con):
            con.execute(SCHEMA)
            con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                        [str(SCHEMA_VERSION)])
    elif version < SCHEMA_VERSION:
        con.close()
        con = _migrate(path, version)
    return con


@contextlib.contextmanager
def connected(path: str | Path, read_only: bool = False
              ) -> Iterator[duckdb.DuckDBPyConnection]:
    """The data basis as a connection that is closed when the block ends (see ``connect``)."""
    con = connect(path, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        text = str(exc)
        if "lock" in text.lower():
            pid = re.search(r"PID (\d+)", text)
            raise InputError(Problem(file_label(path), IN_USE.format(
                pid=f" (Prozess {pid.group(1)})" if pid else "")),
                "Der Befehl wurde nicht ausgeführt; die Datenbasis ist unverändert.") from None
        raise InputError(Problem(file_label(path), "keine Datenbasis des Integrationsmonitors "
                                 "oder beschädigt (DuckDB kann sie nicht öffnen). Bitte den "
                                 "Pfad prüfen oder die Sicherungskopie zurückspielen.")) from None


def _check_version(con: duckdb.DuckDBPyConnection, path: Path, writable: bool) -> int | None:
    """The schema version of an opened data basis, or None for an empty file."""
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}
    name = file_label(path)
    if not tables:
        return None
    if "meta" not in tables:
        raise InputError(Problem(name, "keine Datenbasis des Integrationsmonitors (die Tabelle "
                                 "„meta“ fehlt). Bitte den Pfad prüfen (--database)."))
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    try:
        version = int(row[0]) if row else 1
    except ValueError:
        version = 0
    if version > SCHEMA_VERSION or version < 1:
        raise InputError(Problem(name, f"die Datenbasis hat das Schema {row[0] if row else '?'}, "
                                 f"dieses Programm kennt Schema 1 bis {SCHEMA_VERSION}. Sie "
                                 "wurde mit einer neueren Version des Integrationsmonitors "
                                 "angelegt: bitte das Programm aktualisieren (git pull, dann "
                                 "make test) und den Befehl wiederholen. Die Datenbasis bleibt "
                                 "unverändert."))
    return version


def backup_path(path: Path, version: int) -> Path:
    """Where the copy of a data basis is kept before it is migrated from ``version``."""
    return path.with_name(f"{path.stem}.vor-schema-{version + 1}{path.suffix}")


def _migrate(path: Path, version: int) -> duckdb.DuckDBPyConnection:
    """Copy the file aside, then migrate step by step in one transaction."""
    backup = backup_path(path, version)
    shutil.copy2(path, backup)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        shutil.copy2(wal, backup.with_name(backup.name + ".wal"))
    con = _open(path, read_only=False)
    try:
        with transaction(con):
            for step in range(version, SCHEMA_VERSION):
                con.execute(MIGRATIONS[step])
            con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                        [str(SCHEMA_VERSION)])
    except duckdb.Error as exc:
        con.close()
        raise InputError(Problem(file_label(path), f"die Datenbasis (Schema {version}) ließ sich "
                                 f"nicht auf Schema {SCHEMA_VERSION} bringen ({exc}). Sie ist "
                                 f"unverändert; eine Kopie liegt in {backup.name}. Bitte den "
                                 "Fehler an die Entwicklung melden.")) from None
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
               n_rows: int, period: str | None = None, ak_id: str | None = None,
               notes: str | None = None) -> int:
    """Record one imported file and return its import ID.

    Args:
        notes: what the import left aside or changed, in German (e.g. an edited measure
            wording that was not taken over); shown in the import summary.
    """
    (import_id,) = con.execute("SELECT nextval('import_seq')").fetchone()
    con.execute("INSERT INTO import_log (import_id, imported_at, kind, period, ak_id, file_name, "
                "sha256, n_rows, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [import_id, dt.datetime.now().replace(microsecond=0), kind, period, ak_id,
                 file_name, sha256, n_rows, notes])
    return int(import_id)


def content_digest(con: duckdb.DuckDBPyConnection) -> str:
    """SHA-256 over the contents of every table (rows in a fixed order): equal digests mean
    an equal data basis, whatever DuckDB did to the file's pages."""
    h = hashlib.sha256()
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables ORDER BY table_name").fetchall()]
    for table in tables:
        rows = con.execute(f'SELECT * FROM "{table}"').fetchall()
        h.update(table.encode())
        for row in sorted(repr(r) for r in rows):
            h.update(row.encode())
    return h.hexdigest()
