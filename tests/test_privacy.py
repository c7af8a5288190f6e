"""The privacy gate: planted pseudonyms, source keys and unprotected counts stop the render."""

import shutil
from pathlib import Path

import duckdb
import nbformat
import pytest

from integrationsmonitor.cli import main
from integrationsmonitor.privacy import PrivacyError, check
from integrationsmonitor.render import REPORT_NOTEBOOK

ROOT = Path(__file__).resolve().parent.parent


def _a_pseudonym(database: Path) -> str:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute("SELECT pseudonym FROM person_stichtag LIMIT 1").fetchone()[0]
    finally:
        con.close()


def test_gate_passes_aggregates_and_file_hashes(demo_database):
    sha = "a" * 64  # a file hash in the provenance is not a pseudonym
    check({"report.html": [f'<td class="num count">3</td><td class="num count">*</td>'
                           f'<td class="num count">–</td><code>{sha}</code>']}, demo_database)


@pytest.mark.parametrize("planted, finding", [
    ('<td class="num count">2</td>', "veröffentlichte Fallzahl 2"),
    ("Person DEMO-0000042 in Zeile 3", "Personenkennung"),
    ("AZR 123456789012", "Personenkennung"),
])
def test_gate_finds_planted_leaks(demo_database, planted, finding):
    with pytest.raises(PrivacyError, match=finding):
        check({"report.html": [planted]}, demo_database)


def test_gate_finds_a_pseudonym(demo_database):
    with pytest.raises(PrivacyError, match="enthält ein Pseudonym"):
        check({"x.ipynb": [f"value: {_a_pseudonym(demo_database)}"]}, demo_database)


def test_render_refuses_a_report_with_a_planted_pseudonym(tmp_path, demo_database, capsys):
    broken = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", broken)
    nb = nbformat.read(broken / REPORT_NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import duckdb\n"
        "duckdb.connect(database, read_only=True).execute("
        "'SELECT pseudonym FROM person_stichtag LIMIT 1').fetchone()[0]"))
    nbformat.write(nb, broken / REPORT_NOTEBOOK)
    out = tmp_path / "outputs"
    assert main(["report", "2019-H1", "--out", str(out), "--notebooks", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "Datenschutzprüfung nicht bestanden" in err and "Pseudonym" in err
    assert list(out.iterdir()) == []  # nothing published, no temp folder left
