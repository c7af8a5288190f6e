"""Reference data of the case-figure data basis: the territory of a concept (Verbandsgemeinden
and their mergers, from the concept folder's ``gebiet.yaml``), value lists of the extracts, and
the field table. All of it is YAML, not code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from integrationsmonitor.errors import InputError, Problem, file_label
from integrationsmonitor.paths import DEFAULT_CONCEPT, PACKAGE_DIR, TERRITORY_FILE

REFERENCE_DIR = PACKAGE_DIR / "reference"


@dataclass(frozen=True)
class Vocabulary:
    """One value list: codes, German labels, accepted spellings."""

    name: str
    codes: list[str]
    labels: dict[str, str]
    by_spelling: dict[str, str]  # lower-case spelling or code → code

    def parse(self, value: str) -> str | None:
        return self.by_spelling.get(" ".join(str(value).split()).lower())


@dataclass(frozen=True)
class Territory:
    """Verbandsgemeinden of the Kreis, with the codes valid on each day and today's territory."""

    kreis_code: str
    kreis_name: str
    units: pd.DataFrame  # code, name, valid_from, valid_until
    today: dict[str, str]  # any code → code on today's territory
    notes: list[str]

    def code_for(self, value: str, day: dt.date) -> str | None:
        """The unit code for a name or code as given in an extract on ``day``."""
        text = " ".join(str(value).split())
        if text.isdigit() and len(text) == len(self.kreis_code) + 3:
            # Excel drops the leading zero of a code typed as number: "73355006" is
            # "073355006" (the Land code of Rheinland-Pfalz is 07).
            text = text.zfill(len(self.kreis_code) + 4)
        valid = self.units[(self.units["valid_from"] <= day) & (self.units["valid_until"] >= day)]
        by_code = valid[valid["code"] == text]
        if len(by_code):
            return text
        by_name = valid[valid["name"].str.lower() == text.lower()]
        if len(by_name):
            return by_name["code"].iloc[0]
        # A known unit used outside its validity (e.g. an old name in a late extract).
        anywhere = self.units[(self.units["code"] == text)
                              | (self.units["name"].str.lower() == text.lower())]
        return anywhere["code"].iloc[0] if len(anywhere) else None

    def names_today(self) -> dict[str, str]:
        current = self.units[self.units["valid_until"] >= dt.date.max - dt.timedelta(days=1)]
        return dict(zip(current["code"], current["name"]))


@cache
def vocabularies() -> dict[str, Vocabulary]:
    data = yaml.safe_load((REFERENCE_DIR / "case_vocabularies.yaml").read_text("utf-8"))
    out = {}
    for name, entries in data.items():
        if not isinstance(entries, list) or not entries or not isinstance(entries[0], dict):
            continue
        spell = {}
        for e in entries:
            spell[str(e["code"]).lower()] = e["code"]
            spell[str(e["label"]).lower()] = e["code"]
            for alias in e.get("aliases", []):
                spell[str(alias).lower()] = e["code"]
        out[name] = Vocabulary(name, [e["code"] for e in entries],
                               {e["code"]: e["label"] for e in entries}, spell)
    return out


@cache
def good_perspective_countries() -> frozenset[str]:
    data = yaml.safe_load((REFERENCE_DIR / "case_vocabularies.yaml").read_text("utf-8"))
    return frozenset(c.lower() for c in data["good_perspective_countries"])


@dataclass(frozen=True)
class Nationalities:
    """The accepted nationalities: spelling (case-folded) → stored German name."""

    by_spelling: dict[str, str]
    destatis: dict[str, str]  # stored name → Destatis key, where known

    def parse(self, value: str) -> str | None:
        """The stored name for a spelling, ISO code or Destatis key; None when unknown.

        >>> n = nationalities()
        >>> n.parse("SYRIEN"), n.parse("syrisch"), n.parse("SY"), n.parse("475")
        ('Syrien', 'Syrien', 'Syrien', 'Syrien')
        >>> n.parse("Russland"), n.parse("Syrein")
        ('Russische Föderation', None)
        """
        return self.by_spelling.get(" ".join(str(value).split()).casefold())


@cache
def nationalities() -> Nationalities:
    """ISO 3166-1 countries (German and English names from babel's CLDR data) plus the
    spellings, Destatis keys and special values of ``nationalities.yaml``."""
    from babel import Locale

    data = yaml.safe_load((REFERENCE_DIR / "nationalities.yaml").read_text("utf-8"))
    extra = data.get("countries", {})
    skip = set(data.get("not_countries", []))
    german, english = Locale("de").territories, Locale("en").territories
    spell: dict[str, str] = {}
    destatis: dict[str, str] = {}

    def add(name: str, spellings) -> None:
        for s in spellings:
            spell.setdefault(" ".join(str(s).split()).casefold(), name)

    for code, de_name in german.items():
        if len(code) != 2 or not code.isalpha() or code in skip:
            continue
        spec = extra.get(code, {})
        name = spec.get("name", de_name)
        add(name, [name, de_name, code, english.get(code, de_name), *spec.get("aliases", [])])
        if spec.get("destatis"):
            destatis[name] = spec["destatis"]
            add(name, [spec["destatis"]])
    for spec in data.get("special", []):
        add(spec["name"], [spec["name"], spec.get("destatis", spec["name"]),
                           *spec.get("aliases", [])])
        destatis[spec["name"]] = spec.get("destatis")
    return Nationalities(spell, destatis)


@cache
def extract_fields() -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The field table (field, column, required, kind, description) and the drop list."""
    data = yaml.safe_load((REFERENCE_DIR / "extract_fields.yaml").read_text("utf-8"))
    return pd.DataFrame(data["fields"]), tuple(data["drop"])


def territory(path: str | Path | None = None) -> Territory:
    """The territory of a concept: ``path`` is a concept folder or its ``gebiet.yaml``.

    Without ``path`` the packaged default concept's territory (only for callers that have no
    concept; a report uses ``catalogue.territory``).

    Raises:
        InputError: the file is missing or not valid, naming file and key.
    """
    p = Path(path) if path is not None else DEFAULT_CONCEPT
    if p.is_dir() or p.suffix == "":
        p = p / TERRITORY_FILE
    return _territory(p.resolve())


@cache
def _territory(path: Path) -> Territory:
    name = file_label(path)
    if not path.exists():
        raise InputError(Problem(name, f"Datei nicht gefunden ({path}); jedes Konzept braucht "
                                 "sein Gebiet (Kreisschlüssel und Verbandsgemeinden)"))
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(Problem(name, f"kein gültiges YAML ({exc})",
                                 row=mark.line + 1 if mark is not None else None)) from exc
    problems: list[Problem] = []

    def bad(key: str, message: str) -> None:
        problems.append(Problem(name, message, key=key))

    def day(raw, key: str, default: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(str(raw if raw is not None else default))
        except ValueError:
            bad(key, f"erwartet ein Datum JJJJ-MM-TT, gefunden „{raw}“")
            return None

    if not isinstance(data, dict):
        raise InputError(Problem(name, "erwartet die Abschnitte kreis, verbandsgemeinden "
                                 "(und optional mergers)"), "Das Gebiet ist fehlerhaft.")
    for key in sorted(set(data) - {"kreis", "verbandsgemeinden", "mergers"}):
        bad(key, "unbekannter Schlüssel (erlaubt: kreis, verbandsgemeinden, mergers)")
    kreis = data.get("kreis") if isinstance(data.get("kreis"), dict) else {}
    code, kname = str(kreis.get("code") or ""), str(kreis.get("name") or "")
    if not (code.isdigit() and len(code) == 5):
        bad("kreis.code", f"erwartet den fünfstelligen Kreisschlüssel in Anführungszeichen, "
            f"z. B. \"07335\", gefunden „{kreis.get('code')}“")
    if not kname:
        bad("kreis.name", "Pflichtangabe fehlt")
    rows = []
    units = data.get("verbandsgemeinden")
    if not isinstance(units, list) or not units:
        bad("verbandsgemeinden", "erwartet eine Liste mit code und name je Verbandsgemeinde")
        units = []
    for i, u in enumerate(units):
        where = f"verbandsgemeinden[{i}]"
        if not isinstance(u, dict) or not u.get("code") or not u.get("name"):
            bad(where, "erwartet code (Verbandsschlüssel in Anführungszeichen) und name")
            continue
        ucode = str(u["code"])
        if code and not (ucode.isdigit() and len(ucode) == 9 and ucode.startswith(code)):
            bad(f"{where}.code", f"erwartet einen neunstelligen Verbandsschlüssel, der mit dem "
                f"Kreisschlüssel {code} beginnt, gefunden „{ucode}“")
        rows.append({"code": ucode, "name": " ".join(str(u["name"]).split()),
                     "valid_from": day(u.get("valid_from"), f"{where}.valid_from", "1900-01-01"),
                     "valid_until": day(u.get("valid_until"), f"{where}.valid_until",
                                        "9999-12-31")})
    frame = pd.DataFrame(rows, columns=["code", "name", "valid_from", "valid_until"])
    today = {c: c for c in frame["code"]}
    notes = []
    for i, m in enumerate(data.get("mergers") or []):
        where = f"mergers[{i}]"
        if not (isinstance(m, dict) and isinstance(m.get("from"), list) and m.get("into")):
            bad(where, "erwartet from (Liste der Verbandsschlüssel), into und note")
            continue
        for old in [*m["from"], m["into"]]:
            if str(old) not in today:
                bad(where, f"Verbandsschlüssel „{old}“ steht nicht unter verbandsgemeinden")
        for old in m["from"]:
            today[str(old)] = str(m["into"])
        if m.get("note"):
            notes.append(" ".join(str(m["note"]).split()))
    if problems:
        raise InputError(problems, f"Das Gebiet {name} ist fehlerhaft.")
    return Territory(code, kname, frame, today, notes)
