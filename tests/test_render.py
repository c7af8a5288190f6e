"""End to end: every notebook for every period through papermill into a temp folder, the HTML
report in headless Chromium, the PDF with poppler; and the failure path that keeps old outputs."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from integrationsmonitor.cli import main
from integrationsmonitor.params import all_params_files
from integrationsmonitor.periods import Period
from integrationsmonitor.render import REPORT_NOTEBOOK, chain_notebooks

ROOT = Path(__file__).resolve().parent.parent
PERIODS = [p.stem for p in all_params_files()]
AK_TITLES = ["Sprachförderung und Spracherwerb",
             "Bildung von Anfang an – Kita-Grundschule-weiterführende Schule",
             "Ausbildung – Arbeit und Beschäftigung", "Wohn- und Lebensumfeld",
             "Teilhabe am gesellschaftlichen Leben – Unterstützung des ehrenamtlichen "
             "Engagements"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def rendered(tmp_path_factory, demo_database) -> Path:
    """All periods rendered once through the command line into a temp outputs folder."""
    out = tmp_path_factory.mktemp("outputs")
    assert main(["report", "--all", "--out", str(out)]) == 0
    return out


def test_every_period_has_executed_notebooks_html_and_pdf(rendered):
    assert sorted(p.name for p in rendered.iterdir()) == PERIODS  # no temp folders left
    for period in PERIODS:
        names = {p.name for p in (rendered / period).iterdir()}
        assert names == {nb.name for nb in chain_notebooks()} | {"report.html", "report.pdf"}


@pytest.mark.parametrize("period", PERIODS)
def test_executed_notebooks_carry_the_period_and_no_errors(rendered, period):
    for nb_path in (rendered / period).glob("*.ipynb"):
        nb = nbformat.read(nb_path, as_version=4)
        assert nb.metadata["papermill"]["parameters"]["period"] == period
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert f'period = "{period}"' in injected[0].source
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                assert out["output_type"] != "error", (nb_path.name, out.get("evalue"))


@pytest.mark.parametrize("period", PERIODS)
def test_html_is_self_contained_german_and_complete(rendered, period):
    html = (rendered / period / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<script" not in html
    assert "@import" not in html
    p = Period.parse(period)
    assert f"Sachstandsbericht {p.label}" in html
    assert f"Stichtag</dt><dd>{p.stichtag:%d.%m.%Y}" in html
    assert "Daten, Zahlen, Fakten" in html and 'class="report-table sdc' in html
    for title in AK_TITLES:
        assert f"AK {title}" in html


@pytest.mark.parametrize("period", PERIODS)
def test_pdf_is_a4_with_page_numbers_period_and_every_ak(rendered, period):
    pdf = rendered / period / "report.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = " ".join(text.split())
    assert f"Seite 1 von {pages}" in flat and f"Seite {pages} von {pages}" in flat
    assert f"Sachstandsbericht {Period.parse(period).label}" in flat
    assert "Daten, Zahlen, Fakten" in flat and "Personen nach Verbandsgemeinde" in flat
    for title in AK_TITLES:
        assert f"AK {title}" in flat, title
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    names = {line.split()[0].split("+")[-1] for line in fonts}
    assert {"DejaVu-Sans", "DejaVu-Sans-Bold"} <= names  # the pinned files, nothing else
    assert all(n.startswith("DejaVu-Sans") for n in names), names
    assert all(" yes yes " in line for line in fonts)  # embedded and subset


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
@pytest.mark.parametrize("period", [PERIODS[0], PERIODS[-1]])
def test_html_opens_in_headless_chromium_offline(rendered, period, tmp_path):
    from playwright.sync_api import sync_playwright

    page_file = (rendered / period / "report.html").resolve()
    console, requests, failed = [], [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: console.append((m.type, m.text)))
        page.on("pageerror", lambda e: console.append(("pageerror", str(e))))
        page.on("request", lambda r: requests.append(r.url))
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.goto(page_file.as_uri(), wait_until="load")
        headings = page.locator("h3").all_inner_texts()
        images = page.evaluate("[...document.images].map(i => [i.complete, i.naturalWidth])")
        page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
        browser.close()
    assert [c for c in console if c[0] in ("error", "pageerror")] == []
    network = [u for u in requests if not u.startswith(("data:", page_file.as_uri()))]
    assert network == [] and failed == []
    for title in AK_TITLES:
        assert f"AK {title}" in headings
    assert images and all(ok and width > 0 for ok, width in images)


def test_plain_papermill_lines_from_the_readme_work(tmp_path, demo_database):
    """The README's papermill commands, run as written (period and output folder swapped)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [ln.strip() for ln in readme.splitlines() if ln.strip().startswith("papermill ")]
    assert len(lines) == len(chain_notebooks())
    papermill = Path(sys.executable).with_name("papermill")
    for line in lines:
        args = shlex.split(line.replace("2019-H2", "2020-H2"))
        args = [str(tmp_path / Path(a).name) if a.startswith("outputs/") else a for a in args]
        run = subprocess.run([str(papermill), *args[1:], "--no-progress-bar"], cwd=ROOT,
                             capture_output=True, text=True)
        assert run.returncode == 0, run.stderr[-2000:]
    nb = json.loads((tmp_path / REPORT_NOTEBOOK).read_text(encoding="utf-8"))
    assert nb["metadata"]["papermill"]["parameters"]["period"] == "2020-H2"


def test_failed_render_keeps_previous_outputs_and_exits_non_zero(tmp_path, demo_database,
                                                                 capsys):
    out = tmp_path / "outputs"
    assert main(["report", "2019-H1", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in (out / "2019-H1").iterdir()}
    broken = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", broken)
    nb = nbformat.read(broken / REPORT_NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('Abschnitt kaputt')"))
    nbformat.write(nb, broken / REPORT_NOTEBOOK)
    assert main(["report", "2019-H1", "--out", str(out), "--notebooks", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "Fehler im Notebook 90_sachstandsbericht.ipynb" in err
    assert "RuntimeError" in err and "Abschnitt kaputt" in err
    assert "bisherige Ausgabe bleibt erhalten" in err
    assert {p.name: p.read_bytes() for p in (out / "2019-H1").iterdir()} == before
    assert sorted(p.name for p in out.iterdir()) == ["2019-H1"]  # no temp folder left


def test_missing_database_is_a_clear_error_before_any_notebook_runs(tmp_path, capsys):
    out = tmp_path / "outputs"
    code = main(["report", "2019-H1", "--out", str(out), "--database",
                 str(tmp_path / "fehlt.duckdb")])
    assert code == 1
    assert "Datenbasis nicht gefunden" in capsys.readouterr().err
    assert not (out / "2019-H1").exists()
