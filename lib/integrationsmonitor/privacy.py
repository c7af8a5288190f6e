"""The privacy gate: nothing is published that carries a person.

Before a report is written, every executed notebook and the HTML are checked for
- a pseudonym of the data basis (64 hex characters) or a source key (demo keys ``DEMO-…``,
  12-digit AZR numbers),
- a published count cell (class ``count`` in a disclosure-protected table) showing 1 or 2.
A hit stops the render; the previous outputs stay as they were.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import nbformat

from integrationsmonitor.disclosure import is_small

HEX64 = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
SOURCE_KEY_PATTERNS = [re.compile(r"\bDEMO-\d{4,}\b"), re.compile(r"(?<![\w.])\d{12}(?![\w.])")]
DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+")
COUNT_CELL = re.compile(r'<td class="[^"]*\bcount\b[^"]*">\s*([^<]*?)\s*</td>')


class PrivacyError(Exception):
    """A report would publish person-level data or an unprotected small count."""


def pseudonyms(database: Path) -> set[str]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT DISTINCT pseudonym FROM person_stichtag")
                .fetchall()}
    except duckdb.CatalogException:
        return set()
    finally:
        con.close()


def notebook_texts(path: Path) -> list[str]:
    """Everything a reader of the executed notebook can see: sources and outputs."""
    nb = nbformat.read(path, as_version=4)
    texts = []
    for cell in nb.cells:
        texts.append(cell.source)
        for out in cell.get("outputs", []):
            texts.append(str(out.get("text", "")))
            texts.extend(str(v) for k, v in out.get("data", {}).items()
                         if k.startswith("text/"))
            texts.append(str(out.get("evalue", "")))
    return texts


def check(documents: dict[str, list[str]], database: Path | None = None,
          known: set[str] | None = None) -> None:
    """Raise :class:`PrivacyError` naming every document and finding.

    Args:
        documents: name → texts (e.g. a notebook's cells and outputs, or the HTML).
        database: the data basis whose pseudonyms must not appear, or
        known: those pseudonyms, read once by the caller (:func:`pseudonyms`).
    """
    known = known if known is not None else pseudonyms(database)
    findings = []
    for name, texts in documents.items():
        for text in texts:
            text = DATA_URI.sub("", text)  # embedded images: encoded bytes, not text
            for token in set(HEX64.findall(text)):
                if token in known:
                    findings.append(f"{name}: enthält ein Pseudonym ({token[:8]}…)")
            for pattern in SOURCE_KEY_PATTERNS:
                for match in set(pattern.findall(text)):
                    findings.append(f"{name}: enthält eine Personenkennung ({match[:6]}…)")
            for value in COUNT_CELL.findall(text):
                if is_small(value):
                    findings.append(f"{name}: veröffentlichte Fallzahl {value} ohne "
                                    "Geheimhaltung")
    if findings:
        raise PrivacyError("Datenschutzprüfung nicht bestanden; es wurde nichts "
                           "veröffentlicht:\n  - " + "\n  - ".join(sorted(set(findings))))
