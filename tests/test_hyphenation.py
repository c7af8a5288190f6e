"""German words in the printed tables break correctly or not at all: never inside "sch", "ch"
or "ck" ("Forts-chritt", which pyphen's German patterns alone would print)."""

from __future__ import annotations

import re
import subprocess

import pytest

from integrationsmonitor.hyphenation import breaks

REPORTS = ["2018-H2", "2019-H1", "2019-H2", "2020-H1", "2020-H2", "2021-H1", "2018", "2019",
           "2020", "2018-2021"]


@pytest.mark.parametrize(("word", "hyphenated"), [  # by hand, after the Duden
    ("Fortschritt", "Fort-schritt"),            # pyphen alone: Fort-s-chritt
    ("Fortschrittsmaß", "Fort-schritts-maß"),
    ("Rechtskreis", "Rechts-kreis"),
    ("Schulbesuch", "Schul-be-such"),
    ("Umsetzungsquote", "Umset-zungs-quote"),
    ("Berufssprachkurs", "Berufs-sprach-kurs"),   # pyphen alone: Berufss-prachkurs
])
def test_words_break_where_german_allows(word, hyphenated):
    cuts = breaks(word)
    assert "".join("-" + c if i in cuts else c for i, c in enumerate(word)) == hyphenated


@pytest.mark.parametrize("word", ["Zusammenschluss", "Feriensprachkurse", "Ehrenamtlichen",
                                  "Sprachförderangebote", "Kooperationspartnern",
                                  "Rückblick", "Sprachenlernen", "Gemeinschaftsunterkünfte"])
def test_no_break_inside_sch_ch_or_ck(word):
    lower = word.lower()
    for i in breaks(word):
        assert not (lower[i - 1:i + 2] == "sch" or lower[i - 2:i + 1] == "sch"
                    or lower[i - 1:i + 1] in ("ch", "ck")), (word, i)


@pytest.mark.parametrize("report", REPORTS)
def test_printed_tables_never_break_a_word_inside_sch_ch_or_ck(rendered_outputs, report):
    for name in ("report.pdf", "anhang.pdf"):
        text = subprocess.run(["pdftotext", str(rendered_outputs / report / name), "-"],
                              capture_output=True, text=True, check=True).stdout
        # a hyphen (U+2010, as WeasyPrint prints a soft hyphen) at the end of a line
        assert WRONG_BREAK.findall(text) == [], name


NARROW = ('<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><style>{css}</style>'
          '</head><body><table class="report-table agenda"><tbody><tr><td class="col-reason">'
          "ohne Fortschritt, Fortschrittsmaß, Feriensprachkurse</td></tr></tbody></table>"
          "</body></html>")
WRONG_BREAK = re.compile(r"\w*(?:s‐\n(?:ch)|sc‐\nh|c‐\n[hk]|s‐\np[rf]|s‐\ntr)\w*")


def _pdf_text(pdf) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_pyphen_alone_breaks_fortschritt_wrongly_the_report_printer_does_not(tmp_path):
    import subprocess
    import sys

    # The cause, in a fresh process (this one may have the corrected dictionary installed):
    # pyphen's own German dictionary allows "Forts-chritt".
    plain = subprocess.run(
        [sys.executable, "-c", "import pyphen; print(pyphen.Pyphen(lang='de').inserted("
                               "'Fortschritt'))"], capture_output=True, text=True, check=True)
    assert plain.stdout.strip() == "Fort-s-chritt"

    from integrationsmonitor.render import write_pdf

    write_pdf(NARROW.format(css="td { width: 18mm; hyphens: auto; }"), tmp_path / "report.pdf")
    text = _pdf_text(tmp_path / "report.pdf")
    assert WRONG_BREAK.findall(text) == [] and "Fort‐\nschritt" in text


def test_install_reads_a_dictionary_only_when_one_is_asked_for():
    import subprocess
    import sys

    # Fresh process: pyphen's own German dictionary is already cached when install() runs.
    code = ("import pyphen\n"
            "from integrationsmonitor import hyphenation\n"
            "print(pyphen.Pyphen(lang='de').inserted('Fortschritt'))\n"
            "hyphenation.install(); hyphenation.install()\n"
            "print(len(pyphen.hdcache))\n"  # the uncorrected one is gone, nothing read yet
            "print(pyphen.Pyphen(lang='de').inserted('Fortschritt'), len(pyphen.hdcache))\n"
            "print(pyphen.Pyphen(lang='de_CH').inserted('Fortschritt'), len(pyphen.hdcache))\n"
            "en = pyphen.Pyphen(lang='en')\n"  # another language: pyphen's own dictionary
            "print(type(en.hd).__name__, len(pyphen.hdcache))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[:5] == ["Fort-s-chritt", "0", "Fort-schritt 1", "Fort-schritt 2", "HyphDict 3"]
