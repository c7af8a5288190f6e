"""End to end: every report of every period rendered once per test run through the command line
into a temp folder (shared by the tests below), the HTML in headless Chromium, the PDF with
poppler; a byte-identical re-run under another time zone, locale and clock; the data basis
untouched. The failure path and the privacy gate run with one-cell fixture notebooks."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from integrationsmonitor.catalogue import load_catalogue
from integrationsmonitor.cli import main
from integrationsmonitor.params import all_params_files
from integrationsmonitor.periods import ReportingCalendar, report_in
from integrationsmonitor.render import (
    CHAIN,
    COMPUTE_NOTEBOOK,
    INJECTED_CELL_ID,
    PUBLISHED,
    chain_notebooks,
    chain_of,
)

ROOT = Path(__file__).resolve().parent.parent
PERIODS = sorted(p.stem for p in all_params_files())
HALF_YEARS = [p for p in PERIODS if "-H" in p]
CALENDAR = ReportingCalendar.of(load_catalogue())
PAGE_LIMITS = {"halbjahr": 12, "jahr": 8, "abschluss": 20}  # issue 9: pages of report.pdf
AK_TITLES = ["Sprachförderung und Spracherwerb",
             "Bildung von Anfang an – Kita-Grundschule-weiterführende Schule",
             "Ausbildung – Arbeit und Beschäftigung", "Wohn- und Lebensumfeld",
             "Teilhabe am gesellschaftlichen Leben – Unterstützung des ehrenamtlichen "
             "Engagements"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PUBLISHED_FILES = {f"{name}.{ext}" for name in set(PUBLISHED.values())
                   for ext in ("html", "pdf")}
DATA_FILES = {"tabellen.xlsx", "daten"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def rendered(rendered_outputs) -> Path:
    return rendered_outputs


def test_report_never_writes_into_the_data_basis(rendered):
    before, after = (rendered.parent / f"{rendered.name}.db-hashes").read_text().split()
    assert before == after


def test_every_period_has_its_notebooks_results_and_published_files(rendered):
    assert sorted(p.name for p in rendered.iterdir()) == PERIODS  # no temp folders left
    for period in PERIODS:
        names = {p.name for p in (rendered / period).iterdir()}
        kind = report_in(CALENDAR, period).kind
        assert names == set(chain_of(kind)) | {"ergebnis.pkl"} | PUBLISHED_FILES | DATA_FILES


def test_output_folders_are_readable_by_others(rendered):
    mode = (rendered / PERIODS[0]).stat().st_mode
    assert mode & 0o055 == 0o055 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("period", PERIODS)
def test_executed_notebooks_carry_the_period_and_no_errors(rendered, period):
    for nb_path in (rendered / period).glob("*.ipynb"):
        nb = nbformat.read(nb_path, as_version=4)
        assert nb.metadata["papermill"]["parameters"]["period"] == period
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert f'period = "{period}"' in injected[0].source
        assert injected[0].id == INJECTED_CELL_ID
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                assert out["output_type"] != "error", (nb_path.name, out.get("evalue"))


@pytest.mark.parametrize("period", PERIODS)
def test_html_is_self_contained_german_and_complete(rendered, period):
    html = {n: (rendered / period / f"{n}.html").read_text(encoding="utf-8")
            for n in ("report", "anhang")}
    for page in html.values():
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
        assert "<script" not in page and "@import" not in page
        assert '<html lang="de">' in page
    r = report_in(CALENDAR, period)
    assert f"{r.title}</h1>" in html["report"]
    assert f"Anhang zum {r.title}</h1>" in html["anhang"]
    assert f"Stichtag</dt><dd>{r.anchor.stichtag:%d.%m.%Y}" in html["report"]
    if r.kind == "halbjahr":
        assert "Daten, Zahlen, Fakten" in html["report"] and "Steuerungsbedarf" in html["report"]
    assert 'class="report-table sdc' in html["anhang"]
    for title in AK_TITLES:
        assert f"AK {title}" in html["anhang"]


def _pdf_text(pdf: Path) -> tuple[int, str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return pages, " ".join(text.split())


@pytest.mark.parametrize("period", PERIODS)
def test_pdfs_are_a4_with_page_numbers_and_pinned_fonts(rendered, period):
    r = report_in(CALENDAR, period)
    for name, heading in [("report", r.title), ("anhang", f"Anhang zum {r.title}")]:
        pdf = rendered / period / f"{name}.pdf"
        pages, flat = _pdf_text(pdf)
        if name == "report":
            assert pages <= PAGE_LIMITS[r.kind], f"{period}: {pages} Seiten"
        assert f"Seite 1 von {pages}" in flat and f"Seite {pages} von {pages}" in flat
        assert heading in flat
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                               check=True).stdout.splitlines()[2:]
        names = {ln.split()[0].split("+")[-1] for ln in fonts}
        # The pinned DejaVu files, nothing else: a font of the system would carry its own name,
        # only the print style's @font-face families are called "Report …".
        assert {"Report-Sans", "Report-Sans-Bold"} <= names
        assert all(n.startswith(("Report-Sans", "Report-Mono")) for n in names), names
        assert all(" yes yes " in ln for ln in fonts)  # embedded and subset
    _, annex = _pdf_text(rendered / period / "anhang.pdf")
    assert "Personen nach Verbandsgemeinde" in annex
    for title in AK_TITLES:
        assert f"AK {title}" in annex, title


def test_rerun_elsewhere_gives_byte_identical_published_files(rendered, tmp_path,
                                                             demo_database):
    """Another time zone, another locale and a clock three days ahead: the same bytes."""
    period = "2019"  # an annual report: short, and it compares two half-years
    env = dict(os.environ, TZ="America/Los_Angeles", LC_ALL="C.UTF-8", LANG="C.UTF-8")
    cmd = [str(Path(sys.executable).with_name("integrationsmonitor")), "report", period,
           "--out", str(tmp_path)]
    if shutil.which("faketime"):
        cmd = ["faketime", "-f", "+3d", *cmd]
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    published = sorted(PUBLISHED_FILES | {"tabellen.xlsx"}) + sorted(
        f"daten/{p.name}" for p in (rendered / period / "daten").iterdir())
    for name in published:
        assert sha256(tmp_path / period / name) == sha256(rendered / period / name), name


# Every word of a header cell that the browser split over two lines (one client rectangle per
# line it occupies). A break after the hyphen of a compound ("Enkenbach-|Alsenborn") is a
# break between words.
SPLIT_HEADER_WORDS = """() => {
  const out = [];
  for (const th of document.querySelectorAll('th')) {
    const walk = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
      for (const m of node.data.matchAll(/[^\\s\\-]+/g)) {
        const r = document.createRange();
        r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
        const lines = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
        if (lines.size > 1) out.push(m[0]);
      }
    }
  }
  return out;
}"""


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
@pytest.mark.parametrize("width", [1366, 600])
def test_table_headers_never_break_inside_a_word_on_screen(rendered, width):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        split = {}
        for period in ("2021-H1", "2019"):
            for name in ("report", "anhang"):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto((rendered / period / f"{name}.html").resolve().as_uri(),
                          wait_until="load")
                words = page.evaluate(SPLIT_HEADER_WORDS)
                if words:
                    split[f"{period}/{name}"] = sorted(set(words))
                page.close()
        browser.close()
    assert split == {}


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
@pytest.mark.parametrize("period", ["2018-H2", "2018-2021"])
def test_html_opens_in_headless_chromium_offline(rendered, period, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        for name in ("report", "anhang"):
            page_file = (rendered / period / f"{name}.html").resolve()
            console, requests, failed = [], [], []
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m, c=console: c.append((m.type, m.text)))
            page.on("pageerror", lambda e, c=console: c.append(("pageerror", str(e))))
            page.on("request", lambda r, q=requests: q.append(r.url))
            page.on("requestfailed", lambda r, f=failed: f.append(r.url))
            page.goto(page_file.as_uri(), wait_until="load")
            headings = page.locator("h2, h3").all_inner_texts()
            images = page.evaluate("[...document.images].map(i => [i.complete, i.naturalWidth])")
            page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=False)
            page.close()
            assert [c for c in console if c[0] in ("error", "pageerror")] == []
            network = [u for u in requests if not u.startswith(("data:", page_file.as_uri()))]
            assert network == [] and failed == []
            assert images and all(ok and width > 0 for ok, width in images)
            if name == "anhang":
                for title in AK_TITLES:
                    assert f"AK {title}" in headings
            else:
                assert "Auf einen Blick" in headings
        browser.close()


def test_kreistag_report_2019_covers_both_half_years_and_the_years_decisions(rendered):
    html = (rendered / "2019" / "report.html").read_text(encoding="utf-8")
    assert "1. Halbjahr 2019" in html and "2. Halbjahr 2019" in html
    for decision in ("2019-01", "2019-02", "2019-03"):  # the demo register's 2019 decisions
        assert f">{decision}<" in html
    assert ">2018-01<" not in html and ">2020-01<" not in html
    assert "Der Kreistag wird gebeten" in html


def test_kreistag_report_2019_shows_case_figures_and_indicators_of_both_half_years(
        rendered, demo_database):
    """Expected values by plain SQL over the demo data basis, not through the package."""
    import duckdb

    from tests.html_tables import tables_of

    con = duckdb.connect(str(demo_database), read_only=True)

    def persons(day: str, code: str) -> int:
        return con.execute("SELECT count(*) FROM person_stichtag WHERE stichtag = ? "
                           "AND rechtskreis = ?", [day, code]).fetchone()[0]

    def german(n: int, signed: bool = False) -> str:
        text = f"{abs(n):,}".replace(",", ".")
        return (("+" if n > 0 else "−" if n < 0 else "±") + text) if signed else text

    done, base = con.execute(
        "SELECT count(*) FILTER (WHERE status IN ('umgesetzt', 'daueraufgabe')), "
        "count(*) FILTER (WHERE status NOT IN ('entfallen', 'keine_loesung')) "
        "FROM measure_status WHERE period = '2019-H1'").fetchone()
    html = (rendered / "2019" / "report.html").read_text(encoding="utf-8")
    tables = {t.sheet: t for t in tables_of(html)}
    year = tables["fallzahlen_jahr"]
    assert [h for h, _ in year.header] == [
        "Merkmal", "31.12.2018 (Vorjahresende)", "30.06.2019 (Jahresmitte)",
        "31.12.2019 (Jahresende)", "Veränderung im Jahr"]
    rows = {r[0].text: [c.text for c in r[1:]] for r in year.rows}
    for label, code in [("AsylbLG", "asylblg"), ("SGB II", "sgb2")]:
        counts = [persons(d, code) for d in ("2018-12-31", "2019-06-30", "2019-12-31")]
        assert rows[label] == [*map(german, counts), german(counts[2] - counts[0], True)]
    indicators = {r[0].text: r for r in tables["indikatoren"].rows}
    header = [h for h, _ in tables["indikatoren"].header]
    mid = header.index("Wert 30.06.2019")
    share = f"{100 * done / base:.1f}".replace(".", ",")
    assert indicators["UMS-I0"][mid].text == f"{share} %"
    con.close()


@pytest.mark.parametrize("period", ["2018", "2019", "2020", "2018-2021"])
def test_reports_to_the_kreistag_carry_no_internal_terms(rendered, period):
    _, flat = _pdf_text(rendered / period / "report.pdf")
    for term in ("Commit", ".duckdb", "SHA-256", "Pseudonym", "ergebnis.pkl", "Pp."):
        assert term not in flat, term
    # the laws behind the case figures are named in full on the first page
    first = flat[:flat.find("Seite 1 von")]
    assert "Asylbewerberleistungsgesetz (AsylbLG)" in first, period
    assert "Grundsicherung für Arbeitsuchende (SGB II)" in first, period


ID = r"\b[A-Z]{3}-[IMZ]\d+\b"


def bare_ids(html: str) -> list[str]:
    """IDs of indicators, measures or goals that stand without words in running text: not in
    an ID column of a table (its neighbour cell has the words), not followed by "(" with the
    name or by ":", not in parentheses after the words ("Schulbesuch (BIL-I3)") and not
    followed by the title."""
    html = re.sub(r'<td class="col-(?:id|measure_id|goal|decision_id)[^"]*">[^<]*</td>', "",
                  html)
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    out = []
    for m in re.finditer(ID, plain):
        after, before = plain[m.end():m.end() + 2], plain[:m.start()]
        named = after.startswith((" (", ":")) or re.match(r" [A-ZÄÖÜ]", after)
        in_parens = before.count("(") > before.count(")")
        if not (named or in_parens):
            out.append(plain[max(0, m.start() - 30):m.end() + 30])
    return out


def test_bare_id_finder_finds_ids_without_words():
    assert bare_ids("<p>besser bewertet: BIL-I1, BIL-I4; schlechter: BIL-I5.</p>") != []
    assert len(bare_ids("<p>besser: BIL-I1, BIL-I4.</p>")) == 2
    assert bare_ids("<p>besser: BIL-I1 (Abstand beim Kitabesuch); Schulbesuch (BIL-I3)</p>"
                    '<table><tr><td class="col-id">SPR-M03</td><td>Transparenz</td></tr>'
                    "</table><h4>SPR-I1: Erwachsene</h4>") == []


@pytest.mark.parametrize("period", ["2018", "2019", "2020", "2018-2021"])
def test_reports_to_the_kreistag_name_every_indicator_and_measure_in_words(rendered, period):
    html = (rendered / period / "report.html").read_text(encoding="utf-8")
    assert bare_ids(html) == []


def test_final_report_names_every_indicator_with_its_achievement(rendered):
    import yaml

    spec = yaml.safe_load((ROOT / "lib/integrationsmonitor/concepts/kaiserslautern-2018-2021"
                           / "indikatoren.yaml")
                          .read_text(encoding="utf-8"))
    html = (rendered / "2018-2021" / "report.html").read_text(encoding="utf-8")
    rows = dict(re.findall(r'<td class="col-id">([^<]+)</td>.*?data-verdict="([^"]+)"', html))
    assert set(rows) == {i["id"] for i in spec["indicators"]}
    assert set(rows.values()) <= {"erreicht", "nicht_erreicht", "gehalten", "nicht_gehalten",
                                  "nicht_bewertbar"}
    assert "Empfehlungen für ein Folgekonzept" in html and "Daueraufgaben" in html


def test_coordinators_own_texts_appear_where_named(rendered):
    html = (rendered / "2021-H1" / "report.html").read_text(encoding="utf-8")
    assert "Vorwort</h2>" in html and "dies ist der letzte" in html
    assert "lange Wartezeiten auf Kursplätze" in html and "Fazit</h2>" in html
    other = (rendered / "2020-H2" / "report.html").read_text(encoding="utf-8")
    assert "Vorwort</h2>" not in other and "own-text" not in other


def test_plain_papermill_lines_from_the_readme_work(tmp_path, demo_database):
    """The README's papermill commands, run as written (period and outputs folder swapped):
    the computation notebook saves its results, the published ones read them."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [ln.strip() for ln in readme.splitlines() if ln.strip().startswith("papermill ")]
    assert [shlex.split(ln)[1] for ln in lines] == [f"notebooks/{nb}" for nb in CHAIN]
    papermill = Path(sys.executable).with_name("papermill")
    outputs = tmp_path / "outputs"
    env = dict(os.environ, INTEGRATIONSMONITOR_OUTPUTS=str(outputs))
    (outputs / "2020-H2").mkdir(parents=True)
    for line in lines:
        args = shlex.split(line.replace("2019-H2", "2020-H2"))
        args = [str(tmp_path / a) if a.startswith("outputs/") else a for a in args]
        run = subprocess.run([str(papermill), *args[1:], "--no-progress-bar"], cwd=ROOT,
                             capture_output=True, text=True, env=env)
        assert run.returncode == 0, run.stderr[-2000:]
        assert "Passed unknown parameter" not in run.stderr
        assert "running over TCP" not in run.stderr  # no English kernel warning (Makefile)
    assert (outputs / "2020-H2" / "ergebnis.pkl").exists()
    nb = json.loads((outputs / "2020-H2" / "20_bericht.ipynb").read_text(encoding="utf-8"))
    assert nb["metadata"]["papermill"]["parameters"]["period"] == "2020-H2"
    html = "".join("".join(o.get("data", {}).get("text/html", ""))
                   for c in nb["cells"] for o in c.get("outputs", []))
    assert "Sachstandsbericht 2. Halbjahr 2020" in html


# --- wiring, with one-cell fixture notebooks ----------------------------------------------------

def fixture_notebooks(folder: Path, extra: dict[str, str] | None = None) -> Path:
    """A chain of tiny notebooks with the real parameters cell; ``extra`` adds a code cell to
    the named notebook."""
    folder.mkdir(parents=True, exist_ok=True)
    params = nbformat.read(chain_notebooks()[0], as_version=4).cells[2]
    assert "parameters" in params.metadata["tags"]
    for name in CHAIN:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        head = nbformat.v4.new_markdown_cell(f"# {name}")
        nb.cells = [head, params]
        if name in (extra or {}):
            nb.cells.append(nbformat.v4.new_code_cell(extra[name]))
        nbformat.write(nb, folder / name)
    return folder


def test_failed_render_keeps_previous_outputs_and_exits_non_zero(tmp_path, demo_database,
                                                                 capsys):
    out = tmp_path / "outputs"
    good = fixture_notebooks(tmp_path / "good")
    assert main(["report", "2019-H1", "--out", str(out), "--notebooks", str(good)]) == 0
    before = {p.name: p.read_bytes() for p in (out / "2019-H1").iterdir()}
    assert set(before) == set(CHAIN) | PUBLISHED_FILES
    broken = fixture_notebooks(tmp_path / "broken",
                               {"30_anhang.ipynb": "raise RuntimeError('Abschnitt kaputt')"})
    capsys.readouterr()
    assert main(["report", "2019-H1", "--out", str(out), "--notebooks", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "Fehler im Notebook 30_anhang.ipynb" in err
    assert "RuntimeError" in err and "Abschnitt kaputt" in err
    assert "bisherige Ausgabe bleibt erhalten" in err
    assert {p.name: p.read_bytes() for p in (out / "2019-H1").iterdir()} == before
    assert sorted(p.name for p in out.iterdir()) == ["2019-H1"]  # no temp folder left


def test_privacy_gate_stops_a_published_small_count(tmp_path, demo_database, capsys):
    leaky = fixture_notebooks(tmp_path / "nb", {"20_bericht.ipynb": (
        "from IPython.display import HTML\n"
        "HTML('<table><tr><td class=\"num count\">2</td></tr></table>')")})
    out = tmp_path / "outputs"
    assert main(["report", "2019-H1", "--out", str(out), "--notebooks", str(leaky)]) == 1
    err = capsys.readouterr().err
    assert "Datenschutzprüfung nicht bestanden" in err and "Fallzahl 2" in err
    assert list(out.iterdir()) == []  # nothing published, no temp folder left


def test_notebooks_sharing_a_kernel_start_from_a_clean_namespace(tmp_path, demo_database,
                                                                 monkeypatch):
    """A render session reuses its kernels across notebooks and reports; each notebook still
    sees nothing of the one before it, counts its cells from 1, and a kernel that died is
    replaced."""
    from integrationsmonitor.paths import project_root
    from integrationsmonitor.render import RenderSession, render_period

    # Both kernels (the annex's is started ahead by the session) run in the project folder,
    # wherever the render was started.
    monkeypatch.chdir(tmp_path)
    in_project = f"import os\nassert os.getcwd() == {str(project_root())!r}, os.getcwd()\n"
    notebooks = fixture_notebooks(tmp_path / "nb", {
        "10_berechnung.ipynb": in_project + "leftover = 'aus der Berechnung'\npid = os.getpid()",
        "20_bericht.ipynb": "assert 'leftover' not in dir(), 'Namensraum nicht leer'\n"
                            "import os\nprint(os.getpid())",
        "30_anhang.ipynb": in_project})
    out = tmp_path / "outputs"
    with RenderSession() as session:
        first = render_period("2019-H1", out, notebooks, session=session)
        lane = session.lanes["report"]
        kernel = lane.km.provisioner.process.pid
        second = render_period("2019-H2", out, notebooks, session=session)
        assert lane.km.provisioner.process.pid == kernel  # the same kernel served both
        lane.km.provisioner.process.kill()
        lane.km.provisioner.process.wait()
        third = render_period("2020-H1", out, notebooks, session=session)
        assert lane.km.provisioner.process.pid != kernel
    for result in (first, second, third):
        for executed in result.notebooks:
            counts = [c.execution_count for c in nbformat.read(executed, as_version=4).cells
                      if c.cell_type == "code"]
            assert counts == list(range(1, len(counts) + 1)), (executed, counts)
    printed = nbformat.read(second.folder / "20_bericht.ipynb", as_version=4).cells[-1]
    assert printed.outputs[0]["text"].strip() == str(kernel)


def test_missing_database_is_a_clear_error_before_any_notebook_runs(tmp_path, capsys):
    out = tmp_path / "outputs"
    code = main(["report", "2019-H1", "--out", str(out), "--database",
                 str(tmp_path / "fehlt.duckdb")])
    assert code == 1
    assert "Datenbasis nicht gefunden" in capsys.readouterr().err
    assert not (out / "2019-H1").exists()


def test_published_notebooks_need_the_computation_first(tmp_path, capsys):
    """Without 10_berechnung's results, the report says what to do (German, no recompute)."""
    from integrationsmonitor import report
    from integrationsmonitor.errors import InputError

    with pytest.raises(InputError, match="zuerst das Notebook 10_berechnung ausführen"):
        report.results("2019-H1", str(tmp_path))
    assert COMPUTE_NOTEBOOK == CHAIN[0]


@pytest.mark.parametrize("period", PERIODS)
def test_one_verdict_per_indicator_alike_in_overview_data_annex_and_steuerungsbedarf(
        rendered, period):
    import openpyxl

    wb = openpyxl.load_workbook(rendered / period / "tabellen.xlsx", read_only=True)
    rows = list(wb["indikatoren"].iter_rows(values_only=True))
    header = rows[0]
    sheet = {r[0]: r[header.index("Bewertung")] for r in rows[1:]}
    html = (rendered / period / "report.html").read_text(encoding="utf-8")
    overview = html[re.search(r'class="report-table indicators[ "]', html).start():]
    overview = overview[:overview.index("</table>")]
    shown = {}
    for row in re.findall(r"<tr>(.*?)</tr>", overview, re.S)[1:]:
        assert row.count("data-verdict=") == 1  # never a second verdict beside it
        ident = re.search(r'<td class="col-id">([^<]+)</td>', row).group(1)
        shown[ident] = re.search(r'data-verdict="[^"]+"><span aria-hidden="true">[^<]*</span> '
                                 r'([^<]+)</span>', row).group(1)
    assert shown == sheet
    steering = list(wb["steuerungsbedarf"].iter_rows(values_only=True))
    head = steering[0]
    for r in steering[1:]:
        if r[head.index("Art")] == "Indikator":
            ident = r[head.index("Gegenstand")].split(":")[0]
            assert r[head.index("Grund")].startswith(sheet[ident]), (period, ident)


# --- content of the review (reader findings), one test per finding --------------------------

def _sheet_rows(folder: Path, sheet: str) -> list[tuple]:
    import openpyxl

    wb = openpyxl.load_workbook(folder / "tabellen.xlsx", read_only=True)
    return list(wb[sheet].iter_rows(values_only=True))


def test_final_report_names_the_first_stichtag_it_compares_with(rendered):
    # The term starts with 2018-H2: its Stichtag 31.12.2018 is the final report's comparison,
    # not the previous Stichtag (30.06.2021 follows 31.12.2020).
    header = "Veränderung seit 31.12.2018 (erster Stichtag der Laufzeit)"
    html = (rendered / "2018-2021" / "report.html").read_text(encoding="utf-8")
    assert "seit dem 31.12.2018, dem ersten Stichtag der Laufzeit" in html
    assert header in html and "Vorstichtag" not in html
    assert "Vorstichtag" not in (rendered / "2018-2021" / "anhang.html").read_text(
        encoding="utf-8")
    assert header in _sheet_rows(rendered / "2018-2021", "fallzahlen_rechtskreis")[0]


def test_final_report_asks_about_funding_only_where_outside_money_is_missing(
        rendered, demo_database):
    import duckdb

    con = duckdb.connect(str(demo_database), read_only=True)
    unknown = con.execute("SELECT count(*) FROM measure_status WHERE period = '2021-H1' AND "
                          "status = 'daueraufgabe' AND financing IS NULL").fetchone()[0]
    con.close()
    html = (rendered / "2018-2021" / "report.html").read_text(encoding="utf-8")
    assert "ohne gesicherte Finanzierung" not in html
    assert f"keine Angabe bei {unknown}" in html
    assert f"Keine der {unknown} ohne Angabe braucht Landes-/Bundesmittel." in html
    assert "Offen bleibt vor allem, was ohne Landes- und Bundesmittel" not in html
    # and the recommendation does not ask to secure money that is secured or not needed
    assert "Daueraufgaben verstetigen und ihre Finanzierung" not in html


def test_final_report_says_plainly_what_was_not_finished_by_the_end_of_the_term(rendered):
    html = (rendered / "2018-2021" / "report.html").read_text(encoding="utf-8")
    assert "noch in Umsetzung" not in html and "in Planung geblieben" not in html
    assert "bis 30.06.2021 nicht abgeschlossen" in html
    # BIL-M11: "nicht begonnen" in the five half-years before, "in Planung" only in 2021-H1
    assert "erst im letzten Halbjahr in Planung (vorher 5 Halbjahre „nicht begonnen“)" in html


def test_ak_summary_counts_agree_with_the_rate_table_or_say_the_difference(
        rendered, demo_database):
    import duckdb

    con = duckdb.connect(str(demo_database), read_only=True)
    total, base = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE status NOT IN ('entfallen', 'keine_loesung')) "
        "FROM measure_status WHERE period = '2020-H1' AND ak_id = 'WOH'").fetchone()
    con.close()
    assert total != base  # the demo's WOH has measures with "zur Zeit keine Lösung möglich"
    html = (rendered / "2020-H1" / "report.html").read_text(encoding="utf-8")
    assert (f"Wohn- und Lebensumfeld:</strong> {total} Maßnahmen, davon {base} in der "
            "Umsetzungsquote") in html


@pytest.mark.parametrize("period, title, span, stichtag", [
    ("2020", "Jahresbericht 2020", "01.01.2020–31.12.2020", "31.12.2020"),
    ("2018-2021", "Abschlussbericht 2018–2021", "01.07.2018–30.06.2021", "30.06.2021"),
    ("2020-H1", "Sachstandsbericht 1. Halbjahr 2020", "01.01.2020–30.06.2020", "30.06.2020")])
def test_data_annex_notes_name_the_report_and_its_stichtag(rendered, period, title, span,
                                                           stichtag):
    notes = dict(_sheet_rows(rendered / period, "Hinweise")[1:])
    assert notes["Bericht"].endswith(f": {title}")
    assert (notes["Berichtszeitraum"], notes["Stichtag"]) == (span, stichtag)


@pytest.mark.parametrize("period", ["2020-H1", "2020"])
def test_markers_stand_on_their_own_line_never_running_into_the_text(rendered, period):
    html = (rendered / period / "anhang.html").read_text(encoding="utf-8")
    tags = [m.start() for m in re.finditer(r'<span[^>]*><span class="tag">', html)]
    assert any("neu in diesem Halbjahr" in html[t:t + 200] for t in tags)
    assert all(re.search(r"<br\s*/?>$", html[t - 6:t]) for t in tags)


def test_annual_report_names_the_measures_that_fell_back_in_the_year(rendered, demo_database):
    import duckdb
    import yaml

    vocab = yaml.safe_load((ROOT / "lib/integrationsmonitor/concepts/vocabularies.yaml")
                           .read_text(encoding="utf-8"))
    rank = {s["code"]: s.get("rank") for s in vocab["status"]}
    con = duckdb.connect(str(demo_database), read_only=True)
    rows = con.execute("SELECT a.measure_id, a.status, b.status FROM measure_status a JOIN "
                       "measure_status b USING (measure_id) WHERE a.period = '2019-H2' AND "
                       "b.period = '2020-H2'").fetchall()
    con.close()
    back = sorted(m for m, before, now in rows if rank[before] is not None
                  and rank[now] is not None and rank[now] < rank[before])
    assert {"BIL-M04", "TEI-M03", "TEI-M10"} <= set(back)  # the review's examples
    html = (rendered / "2020" / "report.html").read_text(encoding="utf-8")
    section = html[html.index("Rückschritte seit dem"):]
    section = section[:section.index("</table>")]
    assert sorted(re.findall(r'<td class="col-measure_id[^"]*">([^<]+)</td>', section)) == back
    assert "dagegen zurückgefallen" in html
