"""Seeded generator of synthetic person-level extracts (Sozialamt: AsylbLG, Jobcenter: SGB II)
for every Stichtag, written in the offices' real formats and imported through the real path.

Invented people with plausible magnitudes for the Landkreis (about 1,500 refugees arrived
2015–16, about 1,000 of them from countries with good Bleibeperspektive): people move from
AsylbLG to SGB II when recognised, course participation and employment grow, few arrive, some
leave. ``scale`` multiplies the population for a Land-sized benchmark data basis.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import yaml

from integrationsmonitor import formatting as fmt
from integrationsmonitor.case_data import ColumnMapping, import_extract
from integrationsmonitor.pseudonym import DEMO_KEY, DEMO_KEY_PREFIX
from integrationsmonitor.reference import Territory, extract_fields
from integrationsmonitor.workbook import text_cells

GOOD = ["Syrien", "Irak", "Eritrea", "Iran", "Somalia"]
GOOD_P = [0.62, 0.18, 0.1, 0.06, 0.04]
UNCLEAR = ["Afghanistan", "Nigeria", "Pakistan", "Türkei", "Russische Föderation", "Albanien",
           "Georgien", "Gambia", "Guinea", "Äthiopien", "Aserbaidschan", "Sri Lanka"]
UNCLEAR_P = [0.36, 0.12, 0.09, 0.09, 0.07, 0.05, 0.05, 0.04, 0.04, 0.04, 0.03, 0.02]
# Share of the refugees living in each Verbandsgemeinde (invented, roughly by population).
VG_SHARES = {"Bruchmühlbach-Miesau": 0.11, "Enkenbach-Alsenborn": 0.14,
             "Kaiserslautern-Süd": 0.10, "Landstuhl": 0.17, "Otterbach-Otterberg": 0.13,
             "Ramstein-Miesenbach": 0.20, "Weilerbach": 0.15}
# The Jobcenter's software names columns its own way: the demo mapping file says how.
JOBCENTER_COLUMNS = {"Kunden-AZR": "person_key", "Stichtag Bestand": "stichtag",
                     "Rechtskreis": "rechtskreis", "Wohnort VG": "vg",
                     "Nationalität": "nationality", "Geb.-Jahr": "birth_year",
                     "Geschlecht": "sex", "Aufenthaltstitel": "residence_status",
                     "Unterbringung": "housing", "Sprachkurs": "course_type",
                     "Kursstatus": "course_state", "Sprachniveau": "course_level",
                     "Erwerbsstatus": "employment", "Kita": "kita", "Schule": "school"}
MAPPING_NAME = "zuordnung_jobcenter.yaml"


@dataclass(frozen=True)
class Extract:
    path: Path
    source: str
    stichtag: dt.date


def stichtage(baseline: dt.date, period_stichtage: list[dt.date]) -> list[dt.date]:
    return [baseline, *period_stichtage]


def simulate(stichtage_: list[dt.date], seed: int, scale: float = 1.0
             ) -> dict[dt.date, pd.DataFrame]:
    """The synthetic population at each Stichtag: one frame per Stichtag, one row per person
    receiving AsylbLG or SGB II, columns in extract field names (German values)."""
    rng = np.random.default_rng(seed)
    n0 = int(1500 * scale)
    people = _new_people(rng, n0, stichtage_[0], arrived_early=True, id_start=0)
    out = {}
    for i, day in enumerate(stichtage_):
        if i > 0:
            people = _advance(rng, people, day)
            arrivals = _new_people(rng, int(rng.poisson(35 * scale)), day, arrived_early=False,
                                   id_start=int(people["id"].max()) + 1)
            people = pd.concat([people, arrivals], ignore_index=True)
        out[day] = _extract_view(rng, people[people["rk"] != "weg"], day)
    return out


def _new_people(rng, n: int, day: dt.date, arrived_early: bool, id_start: int) -> pd.DataFrame:
    good = rng.random(n) < (0.66 if arrived_early else 0.4)
    nat = np.where(good, rng.choice(GOOD, n, p=GOOD_P), rng.choice(UNCLEAR, n, p=UNCLEAR_P))
    child = rng.random(n) < 0.38
    old = ~child & (rng.random(n) < 0.025)
    age = np.where(child, rng.integers(0, 18, n),
                   np.where(old, rng.integers(65, 80, n), rng.integers(18, 64, n)))
    rk = np.where(good & (rng.random(n) < (0.78 if arrived_early else 0.05)), "sgb2", "asylblg")
    vg = rng.choice(list(VG_SHARES), n, p=list(VG_SHARES.values()))
    return pd.DataFrame({
        "id": np.arange(id_start, id_start + n), "good": good, "nationality": nat,
        "birth_year": day.year - age,
        "sex": np.where(child, rng.choice(["m", "w", "d"], n, p=[0.5, 0.499, 0.001]),
                        rng.choice(["m", "w", "d"], n, p=[0.62, 0.379, 0.001])),
        "rk": rk, "vg": vg, "months": np.where(arrived_early, rng.integers(24, 40, n), 0),
        "gu": rng.random(n) < np.where(rk == "asylblg", 0.6, 0.15),
        "course": np.where(child, "keiner", np.where(
            rng.random(n) < 0.55, np.where(good, "ik", "eok"), "keiner")),
        "course_state": np.where(rng.random(n) < 0.5, "teilnehmend", "berechtigt"),
        "level": "", "kita_p": rng.random(n),
        "employment": rng.choice(["arbeitslos", "massnahme", "svb", "geringfuegig"], n,
                                 p=[0.72, 0.14, 0.07, 0.07]) if arrived_early else "arbeitslos",
    })


def _advance(rng, p: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    p = p.copy()
    n = len(p)
    active = p["rk"] != "weg"
    p.loc[active, "months"] += 6
    u = rng.random(n)
    recognised = active & (p["rk"] == "asylblg") & (u < np.where(p["good"], 0.35, 0.07))
    p.loc[recognised, "rk"] = "sgb2"
    leave = active & ~recognised & (rng.random(n) < np.where(p["rk"] == "asylblg", 0.05, 0.06))
    p.loc[leave, "rk"] = "weg"
    p.loc[active & p["gu"] & (rng.random(n) < 0.2), "gu"] = False
    adult = (day.year - p["birth_year"]) >= 18
    c = rng.random(n)
    start = active & adult & (p["course"] == "keiner") & (c < 0.2)
    p.loc[start, "course"] = np.where(p.loc[start, "good"], "ik", "eok")
    p.loc[start, "course_state"] = "berechtigt"
    step = active & (p["course"] != "keiner") & (c > 0.55)
    nxt = {"berechtigt": "teilnehmend", "teilnehmend": "abgeschlossen"}
    p.loc[step, "course_state"] = p.loc[step, "course_state"].map(lambda s: nxt.get(s, s))
    done = step & (p["course_state"] == "abgeschlossen") & (p["level"] == "")
    lv = rng.random(n)
    p.loc[done, "level"] = np.where(lv[done.to_numpy()] < 0.48, "B1",
                                    np.where(lv[done.to_numpy()] < 0.9, "A2", "A1"))
    # Berufssprachkurs after a completed Integrationskurs at B1.
    deu = active & (p["course"] == "ik") & (p["level"] == "B1") & (rng.random(n) < 0.25)
    p.loc[deu, ["course", "course_state"]] = ["deufoev", "teilnehmend"]
    e = rng.random(n)
    work = active & adult & (p["rk"] == "sgb2")
    p.loc[work & (p["employment"] == "arbeitslos") & (e < 0.12), "employment"] = "massnahme"
    p.loc[work & (p["employment"] == "massnahme") & (e > 0.7), "employment"] = "svb"
    p.loc[work & (p["employment"] == "arbeitslos") & (e > 0.93), "employment"] = "ausbildung"
    p.loc[work & (p["employment"] == "arbeitslos") & (e > 0.88) & (e <= 0.93),
          "employment"] = "geringfuegig"
    return p


def _extract_view(rng, p: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    age = day.year - p["birth_year"]
    asyl = p["rk"] == "asylblg"
    n = len(p)
    status = np.where(asyl, rng.choice(["Aufenthaltsgestattung", "Duldung", "Aufenthaltserlaubnis"],
                                       n, p=[0.58, 0.32, 0.10]),
                      np.where(p["months"] > 60, "Niederlassungserlaubnis", "Aufenthaltserlaubnis"))
    employment = np.where(age < 15, "nicht erwerbsfähig", np.where(
        (age < 18), "in Schule", np.where(age >= 65, "nicht erwerbsfähig",
                                          p["employment"].map(EMPLOYMENT_LABELS))))
    kita_age = (age >= 3) & (age <= 5)
    kita_rate = 0.55 + 0.05 * (day.year - 2018)
    vg = p["vg"].where(~((p["vg"] == "Kaiserslautern-Süd") & (day >= dt.date(2019, 7, 1))),
                       "Landstuhl")
    return pd.DataFrame({
        "person_key": [f"{DEMO_KEY_PREFIX}{i:07d}" for i in p["id"]],
        "stichtag": fmt.date(day),
        "rechtskreis": np.where(asyl, "AsylbLG", "SGB II"),
        "vg": vg.to_numpy(), "nationality": p["nationality"].to_numpy(),
        "birth_year": p["birth_year"].to_numpy(), "sex": p["sex"].to_numpy(),
        "residence_status": status,
        "benefit_type": np.where(asyl, np.where(p["months"] >= 18, "Analogleistungen",
                                                "Grundleistungen"), ""),
        "housing": np.where(p["gu"], "Gemeinschaftsunterkunft", "eigene Wohnung"),
        "course_type": p["course"].map(COURSE_LABELS).to_numpy(),
        "course_state": np.where(p["course"] == "keiner", "", p["course_state"]),
        "course_level": p["level"].to_numpy(),
        "employment": employment,
        "kita": np.where(kita_age, np.where(p["kita_p"] < kita_rate, "ja", "nein"), ""),
        "school": np.where((age >= 6) & (age <= 17), "ja", ""),
    })


EMPLOYMENT_LABELS = {"arbeitslos": "arbeitslos", "massnahme": "in Maßnahme",
                     "ausbildung": "in Ausbildung", "geringfuegig": "geringfügig beschäftigt",
                     "svb": "sozialversicherungspflichtig beschäftigt"}
COURSE_LABELS = {"keiner": "keiner", "eok": "Erstorientierungskurs", "ik": "Integrationskurs",
                 "deufoev": "Berufssprachkurs"}


def write_extracts(frames: dict[dt.date, pd.DataFrame], out_dir: Path,
                   formats: str = "mixed") -> list[Extract]:
    """Write the Sozialamt and Jobcenter extracts of every Stichtag.

    ``mixed`` writes what the offices deliver: the Sozialamt CSV in Windows-1252 with ``;``
    (with names, which are dropped at import), the Jobcenter XLSX with title rows and its own
    column names (at two Stichtage a UTF-8 CSV with BOM and ``,``); ``csv`` writes UTF-8 CSV
    with the default column names only (fast, for the scale benchmark).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    fields, _ = extract_fields()
    german = dict(zip(fields["field"], fields["column"]))
    jobcenter = {v: k for k, v in JOBCENTER_COLUMNS.items()}
    (out_dir / MAPPING_NAME).write_text(
        "# Spaltenzuordnung des Jobcenters (Demo): Spalte im Extrakt → Feld\n"
        + yaml.safe_dump({"columns": JOBCENTER_COLUMNS}, allow_unicode=True, sort_keys=False),
        encoding="utf-8")
    extracts = []
    for day, frame in frames.items():
        for source, rk in (("sozialamt", "AsylbLG"), ("jobcenter", "SGB II")):
            part = frame[frame["rechtskreis"] == rk]
            stem = f"{source}_{day:%Y-%m-%d}"
            if formats == "csv":
                path = out_dir / f"{stem}.csv"
                part.rename(columns=german).to_csv(path, sep=";", index=False,
                                                  encoding="utf-8")
            elif source == "sozialamt":
                path = out_dir / f"{stem}.csv"
                named = part.rename(columns=german).drop(columns=["Bleibeperspektive"],
                                                         errors="ignore")
                named.insert(1, "Name", [f"Demo-Person {k[-4:]}" for k in part["person_key"]])
                with path.open("w", encoding="cp1252", newline="") as fh:
                    named.to_csv(fh, sep=";", index=False, quoting=csv.QUOTE_MINIMAL)
            elif day.month == 12 and day.year % 2 == 0:
                # Some Stichtage come as CSV export: UTF-8 with BOM, comma-separated.
                path = out_dir / f"{stem}.csv"
                part.drop(columns=["benefit_type"]).rename(columns=jobcenter).to_csv(
                    path, sep=",", index=False, encoding="utf-8-sig")
            else:
                path = out_dir / f"{stem}.xlsx"
                _write_xlsx(path, part.drop(columns=["benefit_type"]).rename(columns=jobcenter),
                            day)
            extracts.append(Extract(path, source, day))
    return extracts


def _write_xlsx(path: Path, frame: pd.DataFrame, day: dt.date) -> None:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Bestand")
    ws.append(["Jobcenter Landkreis Kaiserslautern – Bestand Geflüchtete (SGB II)"])
    ws.append([f"Stichtag: {fmt.date(day)}", "", "synthetische Demodaten"])
    ws.append([])
    ws.append(text_cells(ws, list(frame.columns)))
    for row in frame.itertuples(index=False):  # text stays text, as in every file we write
        ws.append(text_cells(ws, [int(v) if isinstance(v, np.integer) else v for v in row]))
    wb.save(path)


def generate_case_demo(database: Path, out_dir: Path, stichtage_: list[dt.date],
                       seed: int, scale: float = 1.0, formats: str = "mixed",
                       territory: Territory | None = None) -> list[Extract]:
    """Simulate, write and import the demo extracts of every Stichtag (demo key), checked
    against ``territory`` (the demo concept's)."""
    extracts = write_extracts(simulate(stichtage_, seed, scale), out_dir, formats)
    jobcenter_mapping = ColumnMapping.from_file(out_dir / MAPPING_NAME)
    for e in extracts:
        mapping = jobcenter_mapping if (e.source == "jobcenter" and formats != "csv") else None
        import_extract(database, e.path, e.source, e.stichtag, DEMO_KEY, mapping, territory)
    return extracts


