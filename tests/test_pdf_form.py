"""Form of every published PDF (issue 9): table of contents with the right pages, bookmarks,
tagged PDF with the document language, no heading, caption or table header alone at the foot
of a page, no word broken inside an ID or a table header, nothing wider than the text area, no
text below 7 pt, and the text spelled right (hunspell, de_DE, with the project's word list).

One half-year of the test run's one render of every report is checked; a stress page (many
sections of growing length, so that headings, captions and table headers meet the foot of a
page in many positions) is printed from a notebook with a single output cell. The checks read
the PDFs with poppler (``pdftotext``, ``pdfinfo``, ``pdftohtml``, ``pdfimages``)."""

from __future__ import annotations

import html as html_lib
import re
import shutil
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from integrationsmonitor import charts
from integrationsmonitor.render import (
    PUBLISHED,
    TOC_TITLE,
    export_html,
    heading_id,
    print_html,
    with_toc,
    write_pdf,
)

# Misspelt words in generated text, found by the spelling test, in files of the lead's:
# to be fixed there (then removed here).
FOR_THE_LEAD = {
}
PERIOD = "2021-H1"  # the longest half-year: every section, the full provenance
WORD_LIST = Path(__file__).parent / "fixtures" / "wortliste.txt"
PT_PER_MM = 72 / 25.4
PAGE_WIDTH = 595.28
TEXT_LEFT, TEXT_RIGHT = 20 * PT_PER_MM, PAGE_WIDTH - 18 * PT_PER_MM  # print.css @page margins
DEJAVU_HEIGHT = 0.928 + 0.236  # ascent + descent per point of size: poppler's word box height
HYPHEN = "\u2010"  # WeasyPrint's hyphenate-character; a typed hyphen is U+002D
ID = re.compile(r"\b[A-Z]{2,5}-[A-Z]{0,2}\d{1,3}\b")


@dataclass(frozen=True)
class Document:
    name: str
    html: str
    pdf: Path


@pytest.fixture(scope="module")
def rendered(rendered_outputs) -> dict[str, Document]:
    """The documents of one half-year from the test run's one render of every report."""
    folder = rendered_outputs / PERIOD
    return {name: Document(name, (folder / f"{name}.html").read_text(encoding="utf-8"),
                           folder / f"{name}.pdf") for name in set(PUBLISHED.values())}


@pytest.fixture(scope="module")
def stress(tmp_path_factory) -> Document:
    """30 sections of growing length, each: h2, lead sentence, a captioned table with IDs,
    long free text and a header word that must not break; h3 subsections in between."""
    folder = tmp_path_factory.mktemp("stress")
    sections = []
    for i in range(1, 31):
        filler = "".join(f"<p>Absatz {j} im Abschnitt {i}: Die Arbeitskreise berichten über "
                         "den Sachstand ihrer Maßnahmen.</p>" for j in range(i % 9))
        rows = "".join(
            f'<tr><td class="col-measure_id">BIL-M{j:02d}</td><td class="col-text">Sprach- '
            "und Kulturmittlerinnen begleiten Familien zu Elternabenden und "
            "Beratungsgesprächen</td><td>SPR-M01, BIL-M05, BIL-M08, TEI-M10, WOH-M12</td>"
            '<td class="num">+1</td></tr>' for j in range(1, 2 + i % 4))
        sub = f"<h3>Unterabschnitt {i}</h3><p>Ein Satz.</p>" if i % 3 == 0 else ""
        sections.append(
            f"<h2>Abschnitt {i}</h2><p class=\"lead\">Einleitung zum Abschnitt {i}.</p>{filler}"
            f'{sub}<table class="report-table measures"><caption>Tabelle {i}</caption><thead>'
            '<tr><th class="col-measure_id">ID</th><th class="col-text">Maßnahme</th>'
            '<th class="col-text">Betroffene Maßnahmen</th><th class="col-change num">'
            f"Veränderung</th></tr></thead><tbody>{rows}</tbody></table>")
    provenance = (
        '<table class="report-table compact provenance-inputs"><caption>Eingangsdateien'
        '</caption><thead><tr><th class="col-file_name">Datei</th><th class="col-sha256">'
        "SHA-256</th></tr></thead><tbody><tr><td class=\"col-file_name\">"
        "Steuerungsentscheidungen_Lenkungsgruppe_2018-2021_endgueltig.xlsx</td>"
        f'<td class="col-sha256"><code>{"0d0fb43eb1c1aea4" * 4}</code></td></tr></tbody>'
        "</table>")
    narrow = ('<p style="width: 22mm">Betroffen: ' + ", ".join(
        f"{ak}-M{n:02d}" for ak in ("BIL", "SPR", "WOH") for n in range(1, 13)) + ".</p>")
    page = ('<header class="title-block"><h1>Belastungsprobe</h1></header>'
            + "".join(sections) + narrow + provenance)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": page})])]
    nbformat.write(nb, folder / "stress.ipynb")
    html = export_html(folder / "stress.ipynb")
    write_pdf(html, folder / "stress.pdf")
    return Document("stress", html, folder / "stress.pdf")


@pytest.fixture(scope="module", params=["report", "anhang", "stress"])
def document(request) -> Document:
    if request.param == "stress":
        return request.getfixturevalue("stress")
    return request.getfixturevalue("rendered")[request.param]


# --- reading HTML and PDF ------------------------------------------------------------------------

def plain(fragment: str) -> str:
    fragment = re.sub(r'<a class="anchor-link".*?</a>', "", fragment, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def headings(html: str, tags: str = "h2") -> list[str]:
    """The text of every heading of the given levels, outside the table of contents."""
    body = re.sub(r'<nav class="toc".*?</nav>', "", html, flags=re.S)
    return [plain(m.group(2)) for m in re.finditer(rf"<({tags})\b[^>]*>(.*?)</\1>", body, re.S)]


def captions(html: str) -> list[str]:
    return [plain(c) for c in re.findall(r"<caption>(.*?)</caption>", html, re.S)]


def table_headers(html: str) -> list[list[str]]:
    return [[plain(th) for th in re.findall(r"<th\b[^>]*>(.*?)</th>", thead, re.S)]
            for thead in re.findall(r"<thead>(.*?)</thead>", html, re.S)]


def run(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def page_texts(pdf: Path) -> list[str]:
    """The text of each page, laid out as printed (pdftotext -layout)."""
    return run("pdftotext", "-layout", str(pdf), "-").split("\f")[:-1]


def content_lines(page: str) -> list[str]:
    """A page's non-empty lines without the footer (title and "Seite X von Y")."""
    lines = [" ".join(ln.split()) for ln in page.splitlines() if ln.strip()]
    return lines[:-1] if lines and re.search(r"Seite \d+ von \d+$", lines[-1]) else lines


def has_line(page: str, text: str) -> bool:
    """``text`` stands on lines of its own on the page (wrapped onto up to three lines)."""
    lines = content_lines(page)
    return any(" ".join(lines[i:i + k]) == text for k in (1, 2, 3) for i in range(len(lines)))


@dataclass(frozen=True)
class Word:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


def pdf_words(pdf: Path) -> list[Word]:
    out = run("pdftotext", "-bbox", str(pdf), "-")
    words, page = [], 0
    for m in re.finditer(r'<page |<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                         r'yMax="([\d.]+)">(.*?)</word>', out):
        if m.group(0) == "<page ":
            page += 1
            continue
        words.append(Word(page, *map(float, m.groups()[:4]), html_lib.unescape(m.group(5))))
    return words


def joined_words(words: list[Word], source: str = "") -> list[str]:
    """The words of the PDF with line breaks inside words undone: a word that ends in
    WeasyPrint's hyphen continues with the word that starts the next line of the same cell (the
    next line's word at the left edge of the hyphenated word's line); so does a compound broken
    at its own hyphen ("Kita-" + "Grundschule", or as written in ``source``), but not a word
    cut short ("Sprach- und")."""
    lines: dict[tuple[int, float], list[Word]] = {}
    for w in words:
        lines.setdefault((w.page, round(w.y0, 1)), []).append(w)
    used, out = set(), []
    for w in words:
        if id(w) in used:
            continue
        text = w.text
        while text.endswith((HYPHEN, "-")) and len(text) > 1:
            start = _line_start(lines[(w.page, round(w.y0, 1))], w)
            below = [c for c in words if c.page == w.page and w.y1 - 1 < c.y0 < w.y1 + 0.8 *
                     (w.y1 - w.y0) and abs(c.x0 - start) < 1.0 and id(c) not in used]
            if not below or not _ends_line(lines[(w.page, round(w.y0, 1))], w):
                break
            following = min(below, key=lambda c: c.y0)
            if text.endswith("-") and not (following.text[:1].isupper()
                                           or f"{text}{following.text}" in source):
                break
            w = following
            used.add(id(w))
            text = (text[:-1] if text.endswith(HYPHEN) else text) + w.text
        out.append(text)
    return out


def _ends_line(line: list[Word], word: Word) -> bool:
    """No word follows ``word`` in its cell on the same line."""
    gap = 0.5 * (word.y1 - word.y0)
    return not any(0 <= w.x0 - word.x1 < gap for w in line if w is not word)


def _line_start(line: list[Word], word: Word) -> float:
    """Left edge of the run of words (one cell) that ends with ``word`` on its line."""
    line = sorted(line, key=lambda w: w.x0)
    i = line.index(word)
    while i > 0 and word.y1 - word.y0 and line[i].x0 - line[i - 1].x1 < 0.5 * (word.y1 - word.y0):
        i -= 1
    return line[i].x0


def pdf_objects(pdf: Path) -> bytes:
    """The PDF's bytes with every compressed stream inflated (catalog, outline, metadata)."""
    raw = pdf.read_bytes()
    parts = [raw]
    for m in re.finditer(rb"stream\r?\n", raw):
        try:
            parts.append(zlib.decompressobj().decompress(raw[m.end():]))
        except zlib.error:
            pass
    return b"\n".join(parts)


# --- the table of contents and the ids (unit) ---------------------------------------------------

def test_heading_id_is_ascii_and_the_same_for_a_text_and_its_nbconvert_id():
    assert heading_id("Indikatoren im Überblick") == "Indikatoren-im-Ueberblick"
    assert heading_id("Indikatoren-im-%C3%9Cberblick") == "Indikatoren-im-Ueberblick"
    assert heading_id("Daten, Zahlen, Fakten") == heading_id("Daten,-Zahlen,-Fakten")
    assert heading_id("Maßnahmen &amp; Ziele") == "Massnahmen-Ziele"
    assert heading_id("ak-SPR") == "ak-SPR"  # ids the library sets stay as they are
    assert heading_id("–") == "abschnitt"


def test_toc_follows_the_title_block_and_links_every_h2_once():
    body = ('<header class="title-block"><h1>Bericht</h1></header>'
            '<h2 id="Steuerungsbedarf">Steuerungsbedarf<a class="anchor-link" '
            'href="#Steuerungsbedarf">¶</a></h2><p>Text</p><h3 id="ak-SPR">AK</h3>'
            "<h2>Daten &amp; Fakten</h2><h2>Daten &amp; Fakten</h2>")
    out = with_toc(body)
    assert out.index("</header>") < out.index('<nav class="toc"') < out.index("<p>Text")
    nav = re.search(r'<nav class="toc".*?</nav>', out, re.S).group(0)
    assert f">{TOC_TITLE}</h2>" in nav
    assert re.findall(r'<a href="#([^"]+)">([^<]+)</a>', nav) == [
        ("Steuerungsbedarf", "Steuerungsbedarf"), ("Daten-Fakten", "Daten &amp; Fakten"),
        ("Daten-Fakten-2", "Daten &amp; Fakten")]
    assert '<h2 id="Daten-Fakten-2">' in out and '<h3 id="ak-SPR">AK</h3>' in out
    assert 'class="anchor-link" href="#Steuerungsbedarf"' in out


def test_section_links_follow_the_new_ids_also_into_the_other_document():
    body = ('<h2 id="Indikatoren-im-%C3%9Cberblick">Indikatoren im Überblick</h2>'
            '<a href="#Indikatoren-im-%C3%9Cberblick">oben</a>'
            '<a href="anhang.html#A-4-Fallzahlen">Anhang A 4</a><a href="#cell-x">Zelle</a>')
    out = with_toc(body)
    assert '<h2 id="Indikatoren-im-Ueberblick">' in out
    assert out.count('href="#Indikatoren-im-Ueberblick"') == 2  # link and table of contents
    assert 'href="anhang.html#A-4-Fallzahlen"' in out and 'href="#cell-x"' in out


def test_toc_goes_to_the_marker_and_a_no_toc_marker_leaves_it_out():
    marked = with_toc('<header class="title-block"><h1>T</h1></header><h2>Auf einen Blick</h2>'
                      '<p>Kernaussagen</p><div class="toc-here"></div><h2>Steuerungsbedarf</h2>')
    assert marked.index("Kernaussagen") < marked.index('<nav class="toc"')
    assert 'class="toc-here"' not in marked
    short = with_toc('<div class="no-toc"></div><h2>Kurz</h2>')
    assert "<nav" not in short and '<h2 id="Kurz">' in short
    assert "<nav" not in with_toc("<h1>Nur ein Titel</h1><p>Text</p>")
    assert with_toc("<h2>Ohne Titelblock</h2>").startswith('<nav class="toc"')


def test_print_keeps_ids_on_one_line_without_touching_tags_styles_or_the_title():
    page = ('<html><head><title>SPR-M01</title><style>.x-BIL-M08 {}</style></head><body>'
            '<td class="col-measure_id" data-id="BIL-M08">BIL-M08, 2021-H1, Nr. 2019-03, '
            "Kita-Grundschule und 2018-03-31</td></body></html>")
    out = print_html(page)
    assert "<title>SPR-M01</title>" in out and ".x-BIL-M08 {}" in out
    assert 'data-id="BIL-M08"' in out
    for kept in ("BIL-M08", "2021-H1", "2019-03"):
        assert f'<span class="nobr">{kept}</span>' in out
    assert " Kita-Grundschule " in out  # a compound may still break at its hyphen
    assert "2018-03-31" in out  # an ISO date is not a decision number
    assert out.index("@font-face") < out.index("</head>")  # print style is part of the page


# --- the PDFs -------------------------------------------------------------------------------------

def test_pdfs_are_tagged_german_and_carry_no_date(rendered):
    for doc in rendered.values():
        info = run("pdfinfo", str(doc.pdf))
        assert re.search(r"^Tagged:\s+yes$", info, re.M), info
        assert "CreationDate" not in info and "ModDate" not in info
        objects = pdf_objects(doc.pdf)
        assert b"/Lang (de)" in objects and b"/MarkInfo <</Marked true>>" in objects
        assert b"pdfuaid:part=\"1\"" in objects  # PDF/UA-1 identification in the metadata


def test_bookmarks_are_the_title_and_the_h2_and_h3_headings(document):
    xml = run("pdftohtml", "-xml", "-i", "-stdout", str(document.pdf))
    outline = [html_lib.unescape(t) for t in re.findall(r'<item page="\d+">(.*?)</item>', xml)]
    expected = headings(document.html, "h1|h2|h3")
    if '<nav class="toc"' in document.html:  # the contents sit where the document put them
        before = headings(document.html[:document.html.index('<nav class="toc"')], "h1|h2|h3")
        expected.insert(len(before), TOC_TITLE)
    assert outline == expected


def test_toc_gives_every_section_the_page_it_starts_on(document):
    sections = headings(document.html)
    if '<nav class="toc"' not in document.html:  # only a document that opted out has none
        assert 'class="no-toc"' in document.html or not sections
        return
    pages = page_texts(document.pdf)
    toc_text = " ".join(" ".join(p.split()) for p in pages[:3])
    toc_start = toc_text.index(f"{TOC_TITLE} ")
    position = toc_start
    for title in sections:
        m = re.compile(re.escape(title) + r"(?: ?\.)* ?(\d+)").search(toc_text, position)
        assert m, f"{title!r} fehlt im Inhaltsverzeichnis"
        position = m.end()
        page = int(m.group(1))
        assert has_line(pages[page - 1], title), (title, page)
        earlier = [n + 1 for n in range(page - 1) if has_line(pages[n], title)]
        assert earlier == [], (title, page, earlier)


def test_no_page_ends_with_a_heading_a_caption_or_a_table_header(document):
    alone = set(headings(document.html, "h1|h2|h3|h4")) | set(captions(document.html))
    header_words = [{w for cell in row for w in cell.split()} for row in
                    table_headers(document.html)]
    problems = []
    for n, page in enumerate(page_texts(document.pdf)[:-1], start=1):
        lines = content_lines(page)
        for k in (1, 2, 3):  # a heading may wrap onto up to three lines
            if " ".join(lines[-k:]) in alone:
                problems.append((n, " / ".join(lines[-k:])))
        tail = []
        for line in reversed(lines):
            if not any(set(line.split()) <= words for words in header_words):
                break
            tail.extend(line.split())
        if tail and any(words <= set(tail) for words in header_words):
            problems.append((n, "Tabellenkopf ohne Zeile: " + " ".join(reversed(tail))))
    assert problems == []


def test_ids_and_table_headers_never_break_inside_a_word(document):
    text = run("pdftotext", "-layout", str(document.pdf), "-")
    assert re.findall(r"\b[A-Z]{2,5}-\s*$", text, re.M) == []  # "BIL-" at a line's end
    printed = {w.text.strip(",;:()") for w in pdf_words(document.pdf)}
    html_words = set(re.findall(r"\w+", plain(document.html)))
    # A word broken without a hyphen (overflow-wrap) leaves a piece that is no word of the page.
    broken = {(word, part) for row in table_headers(document.html) for cell in row
              for word in re.findall(r"\w{5,}", cell) for part in printed
              if len(part) >= 3 and word.startswith(part) and part not in html_words}
    assert broken == set()
    for found in ID.findall(plain(document.html)):
        assert found in text, found


def test_nothing_is_wider_than_the_text_area(document):
    outside = [(w.page, w.text, round(w.x0), round(w.x1)) for w in pdf_words(document.pdf)
               if w.x0 < TEXT_LEFT - 0.5 or w.x1 > TEXT_RIGHT + 0.5]
    assert outside == []


def test_no_text_is_smaller_than_7_pt(document):
    small = sorted({(round((w.y1 - w.y0) / DEJAVU_HEIGHT, 1), w.text)
                    for w in pdf_words(document.pdf) if w.y1 - w.y0 < 7 * DEJAVU_HEIGHT - 0.05})
    assert small == []


def test_chart_labels_print_at_7_pt_or_more(rendered):
    smallest_label = 7.5  # pt at the chart's own size (charts.py: bar labels; legends are 8)
    for doc in rendered.values():
        listing = run("pdfimages", "-list", str(doc.pdf)).splitlines()[2:]
        for row in listing:
            x_ppi = float(row.split()[12])
            assert smallest_label * charts.DPI / x_ppi >= 7, (doc.name, row)


@pytest.mark.skipif(shutil.which("hunspell") is None, reason="hunspell is not installed")
def test_published_text_is_spelled_right(rendered, tmp_path):
    """Every word of the report and annex PDFs is German (hunspell de_DE) or in the project's
    word list (tests/fixtures/wortliste.txt: domain terms, names, abbreviations)."""
    tokens = set()
    for doc in rendered.values():
        technical = technical_text(doc.html)
        for word in joined_words(pdf_words(doc.pdf), plain(doc.html)):
            for token in re.split(r"/", word):
                token = token.strip(".,;:!?()[]„“”\"'‚‘’«»–—*%+=<>|·●▲■▼○¶")
                if spellable(token) and token not in technical:
                    tokens.add(token)
    assert len(tokens) > 500
    unknown = hunspell_unknown(tokens | {f"{t}." for t in tokens}, tmp_path)
    # "Nr." and "bzw." are words with their dot; a sentence's last word is one without it.
    wrong = sorted(t for t in tokens if t in unknown and f"{t}." in unknown
                   and t not in FOR_THE_LEAD)
    assert wrong == [], "Unbekannte Wörter (Tippfehler? sonst in die Wortliste): " + \
        ", ".join(wrong)


def technical_text(html: str) -> str:
    """File names, paths and code of the page (hashes, file names: they may break anywhere)."""
    names = re.findall(r"[\w./-]+\.(?:csv|xlsx|yaml|duckdb|html|pdf|pkl)\b|\b\w+/(?!\w)",
                       plain(html))
    code = [plain(c) for c in re.findall(r"<code>(.*?)</code>", html, re.S)]
    return " ".join(names + code)


def spellable(token: str) -> bool:
    """Words, not numbers, IDs, file names, hashes or cut-off words ("Migratio…")."""
    return (len(token) > 1 and not re.search(r"\d|_|@|…", token)
            and not re.fullmatch(r"[0-9a-f]{3,}", token)
            and not re.search(r"\.(csv|xlsx|yaml|duckdb|pkl)$", token))


def hunspell_unknown(words: set[str], folder: Path) -> set[str]:
    """The words hunspell (de_DE plus the word list) does not know, each checked whole."""
    entries = [ln.split("#")[0].strip() for ln in
               WORD_LIST.read_text(encoding="utf-8").splitlines()]
    personal = folder / "wortliste.dic"
    personal.write_text("\n".join(e for e in entries if e) + "\n", encoding="utf-8")
    ordered = sorted(words)
    # Pipe mode: one answer block per input line ("^" = check this line), ended by a blank line.
    out = subprocess.run(["hunspell", "-a", "-d", "de_DE", "-p", str(personal), "-i", "utf-8"],
                         input="".join(f"^{w}\n" for w in ordered), capture_output=True,
                         text=True, check=True).stdout
    blocks = out.split("\n", 1)[1].split("\n\n")
    assert len(blocks) >= len(ordered)
    return {w for w, block in zip(ordered, blocks)
            if any(ln[:1] in "&#" for ln in block.splitlines())}
