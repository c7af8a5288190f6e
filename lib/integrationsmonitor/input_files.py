"""What kind of file staff handed in, and its text: one place that recognises folders, empty
files, Excel lock files, .xls, .ods, password-protected workbooks and UTF-16 text by their
bytes, and decodes text in UTF-8, Windows-1252 or DOS code page 850 — so that every reader
gives the same German message naming the file instead of a library's English one.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path

import yaml

from integrationsmonitor.errors import InputError, Problem, file_label

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File (Office 97-2003, encrypted OOXML)
LOCK_PREFIX = "~$"

SAVE_AS_XLSX = "„Datei → Speichern unter … → Excel-Arbeitsmappe (*.xlsx)“"
KIND_MESSAGES = {
    "dir": "ist ein Ordner, keine Datei; bitte die Datei selbst angeben",
    "missing": "Datei nicht gefunden",
    "empty": "die Datei ist leer",
    "lock": "Sperrdatei von Excel (~$…), keine Arbeitsmappe: sie entsteht, solange die Mappe "
            "in Excel geöffnet ist; bitte die Datei ohne ~$ im Namen angeben",
    "ods": "eine OpenDocument-Tabelle (.ods, z. B. aus LibreOffice); bitte in LibreOffice "
           "„Datei → Speichern unter … → Excel 2007-365 (.xlsx)“ wählen",
    "xls": f"eine alte Excel-97-2003-Arbeitsmappe (.xls); bitte in Excel {SAVE_AS_XLSX} wählen",
    "encrypted": "die Arbeitsmappe ist mit einem Kennwort verschlüsselt und lässt sich nicht "
                 "lesen; bitte in Excel unter „Datei → Informationen → Arbeitsmappe schützen → "
                 "Mit Kennwort verschlüsseln“ das Kennwort löschen, speichern und erneut "
                 "importieren (Blattschutz ohne Kennwort ist kein Problem)",
    "ole": "eine Office-Datei im alten Format, aber keine Arbeitsmappe",
    "zip": "ein ZIP-Archiv, aber keine Excel-Arbeitsmappe",
    "utf16": "eine Textdatei in UTF-16 („Unicode-Text“); bitte als „CSV UTF-8 (durch "
             "Trennzeichen getrennt)“ oder „CSV (Trennzeichen-getrennt)“ speichern",
    "xlsx": "eine Excel-Arbeitsmappe (.xlsx), keine Textdatei",
}


def file_kind(path: Path) -> str:
    """The kind of file by its bytes: dir, missing, empty, lock, xlsx, ods, xls, encrypted,
    ole, zip, utf16 or text."""
    if path.is_dir():
        return "dir"
    if not path.exists():
        return "missing"
    if path.name.startswith(LOCK_PREFIX):
        return "lock"
    with path.open("rb") as f:
        head = f.read(4096)
    if not head.strip():
        return "empty"
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
                mimetype = z.read("mimetype") if "mimetype" in names else b""
        except (zipfile.BadZipFile, OSError):
            return "zip"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if b"opendocument" in mimetype:
            return "ods"
        return "zip"
    if head.startswith(OLE_MAGIC):
        data = path.read_bytes()
        if "EncryptionInfo".encode("utf-16-le") in data:
            return "encrypted"
        if any(s.encode("utf-16-le") in data for s in ("Workbook", "Book")):
            return "xls"
        return "ole"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        return "utf16"
    return "text"


def require_kind(path: Path, allowed: set[str], advice: dict[str, str] | None = None) -> str:
    """The file's kind, or an InputError naming the file and what to do.

    Args:
        allowed: kinds the caller can read, e.g. {"xlsx"} or {"xlsx", "text"}.
        advice: messages that replace the standard ones for this reader.
    """
    kind = file_kind(path)
    if kind in allowed:
        return kind
    messages = KIND_MESSAGES | (advice or {})
    message = messages.get(kind, "Dateiformat nicht erkannt")
    if kind == "missing":
        message += f" ({path})"
    raise InputError(Problem(file_label(path), message))


# Letters that German text in these files has, and that a wrong code page turns into
# something else: in cp1252, cp850's ä ö ü are „ ” and an undefined byte; in cp850,
# cp1252's ä ö ü are box-drawing characters.
_GERMAN = set("äöüÄÖÜßéèáàçñ")


def _score(text: str) -> int:
    bad = sum(1 for ch in text if 0x2500 <= ord(ch) <= 0x25FF or 0x80 <= ord(ch) < 0xA0
              or ch in "„”™šŽžœ‰")
    return sum(1 for ch in text if ch in _GERMAN) - 2 * bad


def decode_text(raw: bytes, name: str) -> tuple[str, str]:
    """Text and the encoding it was in: UTF-8 (with or without BOM), else Windows-1252 or DOS
    code page 850, whichever reads as more plausible German.

    >>> decode_text("Müller".encode("cp850"), "a.csv")
    ('Müller', 'cp850')
    >>> decode_text("Müller".encode("cp1252"), "a.csv")
    ('Müller', 'cp1252')
    """
    text, encoding = _decode(raw, name)
    # Decomposed umlauts (macOS writes "o" + combining diaeresis) become single characters,
    # so that "Staatsangehörigkeit" is one spelling.
    return unicodedata.normalize("NFC", text), encoding


def _decode(raw: bytes, name: str) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise InputError(Problem(name, f"die Datei beginnt wie UTF-8, enthält aber an "
                                     f"Byte {exc.start + 3} kein gültiges Zeichen; bitte "
                                     "erneut als „CSV UTF-8“ speichern")) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]:
        raise InputError(Problem(name, KIND_MESSAGES["utf16"]))
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Only the bytes above ASCII differ between the two code pages: score just those (fast
    # also for extracts of 100,000 rows).
    high = raw.translate(None, bytes(range(128)))
    candidates = []
    for encoding in ("cp1252", "cp850"):
        try:
            candidates.append((_score(high.decode(encoding)), encoding))
        except UnicodeDecodeError:
            continue
    best = max(candidates, key=lambda c: c[0])[1]  # ties keep cp1252 (listed first)
    return raw.decode(best), best


def read_text(path: Path) -> str:
    """A text file (YAML, CSV) in UTF-8, Windows-1252 or code page 850, with located errors."""
    require_kind(path, {"text"}, {"xlsx": "eine Excel-Arbeitsmappe, erwartet eine Textdatei"})
    return decode_text(path.read_bytes(), file_label(path))[0]


def read_yaml(path: Path, what: str) -> object:
    """A YAML file staff edit by hand: missing file, folder, wrong encoding and syntax errors
    become German messages with file, line and column.

    Args:
        what: what the file is, for the summary (e.g. "Die Spaltenzuordnung").
    """
    name = file_label(path)
    try:
        text = read_text(path)
    except InputError as exc:
        raise InputError(exc.problems, f"{what} wurde nicht gelesen.") from None
    try:
        return yaml.safe_load(io.StringIO(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "Syntaxfehler"
        raise InputError(Problem(
            name, f"kein gültiges YAML ({_yaml_problem(problem)}; der Fehler kann auch in der "
                  "Zeile davor liegen); häufige Ursachen: ein Tabulator statt Leerzeichen, ein "
                  "fehlender Doppelpunkt oder ein Wert mit „:“ ohne Anführungszeichen",
            row=mark.line + 1 if mark else None,
            column=str(mark.column + 1) if mark else None),
            f"{what} wurde nicht gelesen.") from None


def _yaml_problem(problem: str) -> str:
    known = {
        "could not find expected ':'": "Doppelpunkt erwartet",
        "found character '\\t' that cannot start any token": "Tabulator gefunden",
        "mapping values are not allowed here": "Doppelpunkt an unerwarteter Stelle",
        "found undefined alias": "unbekannter Verweis (*)",
    }
    for english, german in known.items():
        if problem.startswith(english):
            return german
    return "Syntaxfehler"


def is_lock_file(path: Path) -> bool:
    """Excel's ``~$name.xlsx`` owner files, which ``*.xlsx`` matches while a book is open."""
    return Path(path).name.startswith(LOCK_PREFIX)
