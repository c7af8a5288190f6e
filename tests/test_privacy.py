"""The privacy gate: planted pseudonyms, source keys and unprotected counts stop the render."""

from pathlib import Path

import duckdb
import pytest

from integrationsmonitor.cli import main
from integrationsmonitor.privacy import PrivacyError, check


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
    from tests.test_render import fixture_notebooks

    leaky = fixture_notebooks(tmp_path / "notebooks", {"30_anhang.ipynb": (
        "import duckdb\n"
        "duckdb.connect(database, read_only=True).execute("
        "'SELECT pseudonym FROM person_stichtag LIMIT 1').fetchone()[0]")})
    out = tmp_path / "outputs"
    assert main(["report", "2019-H1", "--out", str(out), "--notebooks", str(leaky)]) == 1
    err = capsys.readouterr().err
    assert "Datenschutzprüfung nicht bestanden" in err and "Pseudonym" in err
    assert list(out.iterdir()) == []  # nothing published, no temp folder left
