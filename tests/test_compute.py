"""The one computation of a report: results computed once, published values only, and section
renderers that never go back to the data basis."""

from __future__ import annotations

import pickle

import duckdb
import pytest

from integrationsmonitor import compute, report
from integrationsmonitor.errors import InputError
from integrationsmonitor.params import params_file, parse_parameters, read_params_file
from integrationsmonitor.privacy import pseudonyms


def called_sections() -> set[str]:
    """Every report.* function the published notebooks call (one call per section)."""
    import nbformat

    from integrationsmonitor.paths import notebooks_dir
    from integrationsmonitor.render import ANNEX_NOTEBOOK, REPORT_NOTEBOOKS

    called = set()
    for name in [*REPORT_NOTEBOOKS.values(), ANNEX_NOTEBOOK]:
        for cell in nbformat.read(notebooks_dir() / name, as_version=4).cells:
            if cell.cell_type == "code" and cell.source.startswith("report."):
                called.add(cell.source.split("(")[0].removeprefix("report."))
    return called - {"results", "data_annex"}


@pytest.fixture(scope="module")
def results(demo_database):
    params = read_params_file(params_file("2019-H2"))
    return compute.compute(parse_parameters(params.as_dict() | {"database": str(demo_database)}))


def test_every_section_renders_from_the_results_without_the_data_basis(results, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a section opened the data basis")

    monkeypatch.setattr(duckdb, "connect", refuse)
    optional = {"preface", "conclusion"}  # empty without the coordinator's own text
    for name in called_sections():
        html = str(getattr(report, name)(results))
        assert html.strip() or name in optional, name


def test_notebooks_call_only_existing_sections():
    assert called_sections() and all(callable(getattr(report, n, None))
                                     for n in called_sections())


def test_results_carry_published_case_counts_only(results, demo_database):
    for table in [*results.cases.dimensions.values(), results.cases.vg_by_rechtskreis,
                  results.cases.transitions]:
        shown = set(table.display.to_numpy().ravel())
        assert not shown & {"1", "2"}, table.title
        assert table.published.isna().sum().sum() == (table.display == "*").sum().sum()
    blob = pickle.dumps(results)
    assert not any(p.encode() in blob for p in list(pseudonyms(demo_database))[:200])


def test_results_of_another_period_are_refused(tmp_path, results):
    (tmp_path / compute.RESULTS_FILE).write_bytes(pickle.dumps(results))
    with pytest.raises(InputError, match="gehört zum Bericht 2019-H2, nicht zu 2020-H1"):
        compute.load_results("2020-H1", str(tmp_path))
    assert compute.load_results("2019-H2", str(tmp_path)).period.id == "2019-H2"


def test_steps_must_run_in_order(demo_database):
    run = compute.start("2019-H2", "2020-02-19", str(demo_database),
                        "lib/integrationsmonitor/concepts/kaiserslautern-2018-2021", "BK")
    with pytest.raises(RuntimeError, match="Zuerst den Schritt Maßnahmenstatus"):
        compute.indicators(run)
    with pytest.raises(RuntimeError, match="unvollständig"):
        compute.save(run)


def test_period_outside_the_term_is_a_parameter_error(demo_database):
    with pytest.raises(InputError, match="außerhalb der Laufzeit"):
        compute.start("2022-H1", "2022-08-01", str(demo_database),
                      "lib/integrationsmonitor/concepts/kaiserslautern-2018-2021", "BK")


def test_the_output_folder_is_not_part_of_the_parameters_hash():
    base = {"period": "2019-H1", "report_date": "2019-08-21", "database": "x.duckdb",
            "concept": "k.yaml", "author": "BK"}
    assert parse_parameters(base).sha256 == \
        parse_parameters(base | {"output_dir": "/tmp/x"}).sha256


def test_own_texts_are_read_by_named_section(tmp_path):
    path = tmp_path / "2019-H2.md"
    path.write_text("# Kommentar\n\n## Vorwort\nErster *Satz*.\n\n## Fazit\n<b>roh</b>\n",
                    encoding="utf-8")
    texts = compute.read_texts(path)
    assert set(texts) == {"vorwort", "fazit"}
    assert "<em>Satz</em>" in texts["vorwort"]
    assert "&lt;b&gt;" in texts["fazit"]  # raw HTML is text, never markup


def test_unknown_section_and_stray_text_are_located_german_errors(tmp_path):
    path = tmp_path / "2019-H2.md"
    path.write_text("Vorab\n## Vorwort\nText\n## Nachwort\nText\n## Vorwort\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as err:
        compute.read_texts(path)
    msg = str(err.value)
    assert "Datei 2019-H2.md, Zeile 1: Text vor dem ersten Abschnitt" in msg
    assert "Zeile 4: unbekannter Abschnitt „Nachwort“ (erlaubt: Vorwort" in msg
    assert "Zeile 6: Abschnitt „Vorwort“ kommt doppelt vor" in msg


def test_a_report_without_own_texts_is_complete(results):
    assert results.texts == {}
    assert str(report.preface(results)) == "" and str(report.conclusion(results)) == ""
