"""Report parameters: every params file is valid and feeds exactly the notebooks' parameters."""

from pathlib import Path

import papermill
import pytest

from integrationsmonitor.errors import InputError
from integrationsmonitor.params import (
    PARAMETER_NAMES,
    all_params_files,
    parse_parameters,
    read_params_file,
)
from integrationsmonitor.render import chain_notebooks

GOOD = {"period": "2019-H1", "report_date": "2019-08-21", "database": "x.duckdb",
        "concept": "k.yaml", "author": "Bildungskoordination"}


def test_there_is_one_params_file_per_report(real_catalogue):
    """Six half-years, three annual reports to the Kreistag, one final report."""
    assert sorted(p.stem for p in all_params_files()) == sorted(
        ["2018-H2", "2019-H1", "2019-H2", "2020-H1", "2020-H2", "2021-H1",
         "2018", "2019", "2020", "2018-2021"])


@pytest.mark.parametrize("path", all_params_files(), ids=lambda p: p.stem)
def test_params_file_parses_and_matches_every_notebook(path: Path):
    params = read_params_file(path)
    assert params.period == path.stem
    from integrationsmonitor.periods import ReportId

    for nb in chain_notebooks(kind=ReportId.parse(path.stem).kind):
        declared = set(papermill.inspect_notebook(str(nb)))
        assert declared == set(PARAMETER_NAMES), nb.name
        assert set(params.as_dict()) == declared


def test_params_reject_unknown_and_missing_keys():
    values = dict(GOOD, colour="blau")
    del values["author"]
    with pytest.raises(InputError) as err:
        parse_parameters(values, "2019-H1.yaml")
    msg = str(err.value)
    assert "Schlüssel „colour“: unbekannter Parameter" in msg
    assert "Schlüssel „author“: Pflichtparameter fehlt" in msg


def test_params_reject_unquoted_yaml_date(tmp_path):
    # An unquoted YAML date becomes a date object; papermill would inject it as code.
    path = tmp_path / "2019-H1.yaml"
    text = "\n".join(f'{k}: "{v}"' for k, v in GOOD.items()).replace(
        'report_date: "2019-08-21"', "report_date: 2019-08-21")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="erwartet Text in Anführungszeichen"):
        read_params_file(path)


def test_params_reject_bad_period_and_date():
    with pytest.raises(InputError) as err:
        parse_parameters(dict(GOOD, period="2019-H7", report_date="31.02.2019"))
    assert "„2019-H7“ ist kein Bericht" in str(err.value)
    assert "„31.02.2019“ ist kein Datum" in str(err.value)


def test_params_file_name_must_match_period(tmp_path):
    path = tmp_path / "2020-H1.yaml"
    path.write_text("\n".join(f'{k}: "{v}"' for k, v in GOOD.items()), encoding="utf-8")
    with pytest.raises(InputError, match="Dateiname muss dem Berichtszeitraum"):
        read_params_file(path)


def test_german_date_is_accepted_and_hash_is_stable():
    a = parse_parameters(dict(GOOD, report_date="21.08.2019"))
    b = parse_parameters(dict(GOOD, report_date="21.08.2019"))
    assert a.report_day.isoformat() == "2019-08-21"
    assert a.sha256 == b.sha256 != parse_parameters(GOOD).sha256


def test_report_date_before_the_end_of_its_period_is_refused():
    with pytest.raises(InputError) as err:
        parse_parameters(dict(GOOD, report_date="15.06.2019"))  # 2019-H1 ends 30.06.2019
    assert ("Schlüssel „report_date“: Berichtsdatum 15.06.2019 liegt vor dem Ende des "
            "Berichtszeitraums (30.06.2019)") in str(err.value)
    assert parse_parameters(dict(GOOD, report_date="30.06.2019")).report_date == "30.06.2019"


def test_data_basis_comes_from_the_periods_params_file_or_the_option(tmp_path):
    from integrationsmonitor.params import data_basis
    from integrationsmonitor.paths import project_root

    basis = data_basis("2019-H2")
    assert basis.database == project_root() / "data" / "demo" / "integrationsmonitor.duckdb"
    assert basis.concept.name == "kaiserslautern-2018-2021"
    assert basis.source == "aus params/2019-H2.yaml"
    own = data_basis("2019-H2", tmp_path / "x.duckdb", tmp_path / "k.yaml")
    assert (own.database, own.concept, own.source) == (tmp_path / "x.duckdb",
                                                       tmp_path / "k.yaml", "--database")


def test_papermill_report_date_before_the_period_end_fails_in_the_first_call(tmp_path):
    from integrationsmonitor.paths import notebooks_dir, project_root

    params = read_params_file(all_params_files()[0]).as_dict()
    with pytest.raises(papermill.PapermillExecutionError) as err:
        papermill.execute_notebook(
            str(notebooks_dir() / "10_berechnung.ipynb"), str(tmp_path / "out.ipynb"),
            parameters=dict(params, report_date="2018-12-01", output_dir=str(tmp_path)),
            cwd=str(project_root()),
            progress_bar=False)
    assert "Berichtsdatum 01.12.2018 liegt vor dem Ende des Berichtszeitraums" in \
        str(err.value)


def test_empty_notebook_parameters_come_from_the_periods_params_file():
    own = read_params_file(all_params_files()[0])
    filled = parse_parameters({"period": own.period, "report_date": "", "database": "",
                               "concept": "", "author": ""})
    assert filled == own


def test_empty_value_in_a_params_file_is_refused(tmp_path):
    path = tmp_path / "2019-H1.yaml"
    path.write_text('period: "2019-H1"\nreport_date: "2019-08-21"\ndatabase: ""\n'
                    'concept: "x"\nauthor: "BK"\n', encoding="utf-8")
    with pytest.raises(InputError, match="Schlüssel „database“: Pflichtparameter ist leer"):
        read_params_file(path)


def test_empty_notebook_parameter_without_params_file_names_the_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("INTEGRATIONSMONITOR_PARAMS", str(tmp_path))
    with pytest.raises(InputError) as err:
        parse_parameters(dict(GOOD, concept=""))
    assert ("Schlüssel „concept“: ist leer, und im Ordner "
            f"{tmp_path} gibt es keine Parameterdatei 2019-H1.yaml") in str(err.value)


def test_papermill_parameter_under_an_unknown_name_fails_in_the_first_call(tmp_path):
    from integrationsmonitor.paths import notebooks_dir, project_root

    params = read_params_file(params_file_of("2019-H2")).as_dict()
    with pytest.raises(papermill.PapermillExecutionError) as err:
        papermill.execute_notebook(
            str(notebooks_dir() / "10_berechnung.ipynb"), str(tmp_path / "out.ipynb"),
            parameters=dict(params, output_dir=str(tmp_path), farbe="blau"),
            cwd=str(project_root()), progress_bar=False)
    assert "Schlüssel „farbe“: unbekannter Parameter" in str(err.value)
    assert not (tmp_path / "ergebnis.pkl").exists()


def params_file_of(period: str):
    from integrationsmonitor.params import params_file

    return params_file(period)
