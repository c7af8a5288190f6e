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


def test_there_is_one_params_file_per_half_year(real_catalogue):
    from integrationsmonitor.periods import ReportingCalendar

    assert [p.stem for p in all_params_files()] == [
        p.id for p in ReportingCalendar.of(real_catalogue).periods]


@pytest.mark.parametrize("path", all_params_files(), ids=lambda p: p.stem)
def test_params_file_parses_and_matches_every_notebook(path: Path):
    params = read_params_file(path)
    assert params.period == path.stem
    for nb in chain_notebooks():
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
    assert "kein Berichtszeitraum" in str(err.value)
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
