"""The concept catalogue: counts taken by hand from the concept text, IDs, and clear errors."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from integrationsmonitor.catalogue import load_catalogue
from integrationsmonitor.errors import InputError

# Counted by hand from shared/concept/integrationskonzept-2018-2021.txt (see the notes at the
# top of the catalogue file for how the bullet lists were read).
GOALS_PER_AK = {"SPR": 1, "BIL": 5, "ARB": 1, "WOH": 5, "TEI": 9}
MEASURES_PER_AK = {"SPR": 4, "BIL": 11, "ARB": 8, "WOH": 12, "TEI": 13}


def test_catalogue_has_every_goal_and_measure_of_the_concept(real_catalogue):
    c = real_catalogue
    assert list(c.arbeitskreise["ak_id"]) == ["SPR", "BIL", "ARB", "WOH", "TEI"]
    assert c.goals.groupby("ak_id").size().to_dict() == GOALS_PER_AK
    assert c.measures.groupby("ak_id").size().to_dict() == MEASURES_PER_AK
    assert len(c.goals) == 21
    assert len(c.measures) == 48


def test_ids_are_unique_and_every_measure_hangs_under_a_goal_of_its_ak(real_catalogue):
    c = real_catalogue
    ids = list(c.arbeitskreise["ak_id"]) + list(c.goals["goal_id"]) + list(c.measures["measure_id"])
    assert len(ids) == len(set(ids))
    goal_ak = dict(zip(c.goals["goal_id"], c.goals["ak_id"]))
    for m in c.measures.itertuples():
        assert m.goal_ids, m.measure_id
        assert all(goal_ak[g] == m.ak_id for g in m.goal_ids), m.measure_id
        assert m.measure_id.startswith(m.ak_id + "-M")


def test_catalogue_keeps_the_verbatim_wording(real_catalogue):
    texts = set(real_catalogue.measures["text"])
    assert "Runder Tisch DaZ und Workshops" in texts
    assert "Hinweis auf Bürgerbusse und Mitfahrerbänke, Führerscheinwerb" in texts
    assert ("Weitere Beratung und Begleitung von Ehrenamtlichen durch die "
            "Ansprechpartner*innen von Ort") in texts
    goals = set(real_catalogue.goals["text"])
    assert "Transparenz: Was ist eine Kita? Was nützt Kita Kindern? Wo gibt es Kitas?" in goals


def test_sub_areas_target_groups_and_no_solution_items(real_catalogue):
    c = real_catalogue
    subs = c.subareas.groupby("ak_id")["title"].apply(list).to_dict()
    assert subs["BIL"] == ["Kita", "Grund- und weiterführende Schulen"]
    assert subs["WOH"] == ["Betreuung", "Wohnung", "Mobilität / ÖPNV", "Datenverbindungen",
                           "Einkaufsmöglichkeiten"]
    no_solution = c.goals[c.goals["no_solution"] != ""]
    assert list(no_solution["goal_id"]) == ["WOH-Z3", "WOH-Z4", "WOH-Z5"]
    m = c.measures.set_index("measure_id")
    assert m.at["SPR-M01", "target_group_id"] == "bp-unklar"
    assert m.at["SPR-M02", "target_group_id"] == "bp-gut"
    assert m.at["SPR-M01", "funding_dependent"]
    assert not m.at["ARB-M01", "funding_dependent"]
    # TEI-M03 serves two goals: it is one measure, reported once.
    assert m.at["TEI-M03", "goal_ids"] == ("TEI-Z2", "TEI-Z3")


def _write(tmp_path, text):
    path = tmp_path / "konzept.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _mini_text():
    from tests.conftest import FIXTURES

    return (FIXTURES / "mini-concept" / "konzept.yaml").read_text(encoding="utf-8")


def test_catalogue_rejects_duplicate_measure_id(tmp_path):
    path = _write(tmp_path, _mini_text().replace("id: AAA-M03", "id: AAA-M01"))
    with pytest.raises(InputError) as err:
        load_catalogue(path)
    assert "Maßnahmen-ID „AAA-M01“ kommt mehrfach vor" in str(err.value)
    assert "konzept.yaml" in str(err.value)


def test_catalogue_rejects_goal_of_another_ak_and_unknown_keys(tmp_path):
    text = _mini_text().replace("goals: [BBB-Z1]\n        text: Maßnahme B eins",
                                "goals: [AAA-Z1]\n        text: Maßnahme B eins")
    text = text.replace("funding_dependent: true\n        text: Maßnahme zwei",
                        "funding_dependnt: true\n        text: Maßnahme zwei")
    with pytest.raises(InputError) as err:
        load_catalogue(_write(tmp_path, text))
    msg = str(err.value)
    assert "Ziel „AAA-Z1“ gibt es im Arbeitskreis BBB nicht" in msg
    assert "funding_dependnt" in msg and "unbekannter Schlüssel" in msg
    assert len(err.value.problems) == 2  # both problems at once, not one per run


def test_catalogue_rejects_missing_text_and_bad_date(tmp_path):
    text = _mini_text().replace("text: Maßnahme drei", "text:").replace(
        'term_end: "2019-12-31"', 'term_end: "31.12.2019"')
    with pytest.raises(InputError) as err:
        load_catalogue(_write(tmp_path, text))
    msg = str(err.value)
    assert "Schlüssel „Maßnahme AAA-M03.text“: Pflichtangabe fehlt" in msg
    assert "erwartet ein Datum JJJJ-MM-TT, gefunden „31.12.2019“" in msg


def test_catalogue_rejects_broken_yaml_with_line(tmp_path):
    with pytest.raises(InputError) as err:
        load_catalogue(_write(tmp_path, "concept: [unclosed\n  id: x\n"))
    assert "kein gültiges YAML" in str(err.value)
    assert err.value.problems[0].row is not None


def test_catalogue_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="Konzeptordner nicht gefunden"):
        load_catalogue(tmp_path / "gibtsnicht")


def test_catalogue_file_of_the_former_layout_points_to_the_folder(tmp_path):
    (tmp_path / "landkreis-x").mkdir()
    (tmp_path / "landkreis-x.yaml").write_text("concept: {}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_catalogue(tmp_path / "landkreis-x.yaml")
    msg = str(err.value)
    assert "Datei landkreis-x.yaml: ist kein Konzeptordner; gemeint ist wohl der Ordner" in msg
    assert "konzept.yaml, indikatoren.yaml, gebiet.yaml" in msg


def test_concept_folder_without_territory_names_the_missing_file(tmp_path):
    from tests.conftest import FIXTURES

    (tmp_path / "konzept.yaml").write_text(
        (FIXTURES / "mini-concept" / "konzept.yaml").read_text(encoding="utf-8"),
        encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_catalogue(tmp_path)
    assert "Datei gebiet.yaml: Datei nicht gefunden" in str(err.value)


def test_catalogue_carries_its_territory_reference_figures_and_narrative(real_catalogue, mini):
    assert real_catalogue.kreisschluessel == "07335"
    assert "Weilerbach" in real_catalogue.territory.names_today().values()
    assert set(real_catalogue.reference_figures["year"]) == {2018, 2019, 2020, 2021}
    assert real_catalogue.narrative.steering_body == "Lenkungsgruppe"
    assert real_catalogue.narrative.council == "Kreistag"
    assert mini.kreisschluessel == "09999"
    assert set(mini.territory.names_today().values()) == {"Nordheim", "Südheim"}
    assert mini.reference_figures.empty
    assert mini.narrative.quotations == {}
    assert mini.narrative.baseline == "Stand 31.03.2018"


def test_catalogue_requires_the_steering_body_and_rejects_kreisschluessel(tmp_path):
    from tests.conftest import FIXTURES

    text = (FIXTURES / "mini-concept" / "konzept.yaml").read_text(encoding="utf-8")
    text = text.replace("    steering_group: Lenkungsgruppe\n", "").replace(
        "  body: Landkreis Musterland\n", '  body: Landkreis Musterland\n  kreisschluessel: "1"\n')
    with pytest.raises(InputError) as err:
        load_catalogue(_write(tmp_path, text))
    msg = str(err.value)
    assert "Schlüssel „concept.reporting.steering_group“: Pflichtangabe fehlt" in msg
    assert "der Kreisschlüssel steht in gebiet.yaml" in msg


def test_package_data_installs_every_file_of_the_shipped_concept_folder():
    import fnmatch
    import tomllib

    from integrationsmonitor.paths import CONCEPTS_DIR, PACKAGE_DIR

    root = PACKAGE_DIR.parent.parent
    globs = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"]["setuptools"]["package-data"]["integrationsmonitor"]
    files = [p.relative_to(PACKAGE_DIR).as_posix() for p in CONCEPTS_DIR.rglob("*.yaml")]
    assert "concepts/kaiserslautern-2018-2021/referenzwerte/2019.yaml" in files
    # setuptools globs do not cross "/" with "*": match part by part.
    missing = [f for f in files if not any(
        len(g.split("/")) == len(f.split("/"))
        and all(fnmatch.fnmatchcase(a, b) for a, b in zip(f.split("/"), g.split("/")))
        for g in globs)]
    assert missing == []


def test_measure_short_title_is_optional_and_checked(tmp_path):
    from integrationsmonitor.paths import PACKAGE_DIR

    source = PACKAGE_DIR / "concepts" / "kaiserslautern-2018-2021"
    target = tmp_path / "konzept"
    shutil.copytree(source, target)
    yaml_file = target / "konzept.yaml"
    text = yaml_file.read_text(encoding="utf-8")
    yaml_file.write_text(text.replace("        short_title: Leerstand-Register\n", ""),
                         encoding="utf-8")
    measures = load_catalogue(target).measures.set_index("measure_id")
    assert pd.isna(measures.at["WOH-M07", "short_title"])
    assert measures.at["WOH-M06", "short_title"] == "FSJ- und BFD-Stellen"
    yaml_file.write_text(text.replace("short_title: Leerstand-Register",
                                      "short_title: " + "Leerstand " * 6), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_catalogue(target)
    assert "Maßnahme WOH-M07.short_title" in str(err.value)
