"""Rendering: run the period's notebooks with papermill, export the published ones to
self-contained HTML and to PDF (WeasyPrint), and move the result into ``outputs/<period>/`` only
on success.

The chain is fixed and every notebook in it earns its place: ``10_berechnung`` computes the
report once and saves the results with the period's outputs; ``20_bericht`` (the report) and
``30_anhang`` (its annex) read them and are published as HTML and PDF. The two published
notebooks run side by side, and the two PDFs are laid out in two processes.

Renders run in a :class:`RenderSession`: two kernels (one per document pipeline) and one PDF
process that serve every notebook and report of the session, so that a render of all reports
starts and imports them once per worker instead of three kernels and a PDF process per report.
Each notebook still starts from a clean namespace (see :class:`_FreshNamespaceClient`).

A failed run leaves the previous outputs untouched and raises :class:`RenderError` naming the
notebook and the failing cell. Rendering never writes into the data basis.
"""

from __future__ import annotations

import contextlib
import html as html_lib
import os
import re
import shutil
import tempfile
import time
import unicodedata
import weakref
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import unquote

import matplotlib
import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient.util import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger as papermill_logger
from traitlets import default

from integrationsmonitor import hyphenation, privacy
from integrationsmonitor.errors import InputError, Problem, file_label
from integrationsmonitor.params import ReportParameters, params_file, read_params_file
from integrationsmonitor.paths import PACKAGE_DIR, notebooks_dir, outputs_dir, project_root
from integrationsmonitor.periods import ANNUAL, FINAL, HALF_YEAR, ReportId

TEMPLATES = PACKAGE_DIR / "templates"
COMPUTE_NOTEBOOK = "10_berechnung.ipynb"
ANNEX_NOTEBOOK = "30_anhang.ipynb"
# The notebook of each kind of report (published as report.html/.pdf); the annex is the same.
REPORT_NOTEBOOKS = {HALF_YEAR: "20_bericht.ipynb", ANNUAL: "40_jahresbericht.ipynb",
                    FINAL: "50_abschlussbericht.ipynb"}
REPORT_NOTEBOOK = REPORT_NOTEBOOKS[HALF_YEAR]
# Published notebooks and the name of their HTML/PDF files.
PUBLISHED = {**dict.fromkeys(REPORT_NOTEBOOKS.values(), "report"), ANNEX_NOTEBOOK: "anhang"}
CHAIN = [COMPUTE_NOTEBOOK, REPORT_NOTEBOOK, ANNEX_NOTEBOOK]  # of a half-year report
INJECTED_CELL_ID = "injected-parameters"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
FILE_LINK = re.compile(r'<a href="(?!#)[^"]*">')
# Tagged PDF (PDF/UA-1): structure tags, document language, title shown by viewers; WeasyPrint
# writes no creation or modification date for it, so the bytes stay reproducible.
PDF_VARIANT = "pdf/ua-1"
DOCUMENT_LABELS = {"report": "Bericht", "anhang": "Anhang"}
DOCUMENT_LANGUAGE = "de"  # <html lang>: WeasyPrint hyphenates by it
# The steps of a render, in the order they start (the two documents run side by side).
STEPS = ["Berechnung", *[f"{label}: {part}" for label in DOCUMENT_LABELS.values()
                         for part in ("Notebook", "HTML", "PDF")]]


class IpcKernelManager(AsyncKernelManager):
    """Kernels talk to the renderer over local IPC sockets in a private folder of their own,
    instead of unencrypted TCP ports (ipykernel warns about plain TCP on every start). The
    folder is per kernel so that parallel renders never share a socket path."""

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    @default("ip")
    def _default_ip(self) -> str:
        folder = tempfile.mkdtemp(prefix="integrationsmonitor-kernel-")
        weakref.finalize(self, shutil.rmtree, folder, True)
        return str(Path(folder) / "kernel")

    async def _async_pre_start_kernel(self, **kw):
        # Every kernel of a render starts in the project folder (relative paths of the
        # parameters), also when no caller says so: without papermill's process-wide chdir,
        # which is not safe in the render's threads.
        kw.setdefault("cwd", str(project_root()))
        return await super()._async_pre_start_kernel(**kw)

    async def _async_interrupt_kernel(self) -> None:
        # jupyter_client interrupts (SIGINT) every kernel before shutting it down; a kernel
        # that papermill has finished with is idle, and the interrupt only makes it print
        # "KeyboardInterrupt caught in kernel" on the coordinator's screen when it races with
        # the last reply. Interrupts outside a shutdown (a cell time-out) still go through.
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()


# Run in a reused kernel before each notebook: a clean namespace, the execution counter back at
# 1 (as in a new kernel), no figure left open. Imported modules stay: that is the saving.
RESET_KERNEL = ("get_ipython().reset(new_session=True)\n"
                "import sys as _sys\n"
                "if 'matplotlib.pyplot' in _sys.modules:\n"
                "    _sys.modules['matplotlib.pyplot'].close('all')\n"
                "del _sys\n")


class _FreshNamespaceClient(PapermillNotebookClient):
    """papermill's notebook client for a kernel that outlives the notebook: every notebook
    begins with :data:`RESET_KERNEL`."""

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        reply = await self.async_wait_for_reply(
            kc.execute(RESET_KERNEL, silent=True, store_history=False))
        if reply is None or reply["content"].get("status") != "ok":
            raise RenderError("Der Kernel konnte nicht zurückgesetzt werden.")
        return kc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)


class SharedKernelEngine(NBClientEngine):
    """A papermill engine that runs the notebook in the kernel of ``km`` (started on first
    use, left running afterwards) and closes its own connection to it."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None,
                                 km=None, **kwargs):
        for unused in ("input_path", "timeout", "startup_timeout"):
            kwargs.pop(unused, None)
        client = _FreshNamespaceClient(
            nb_man, km=km, timeout=execution_timeout, startup_timeout=start_timeout,
            kernel_name=kernel_name, log=papermill_logger, log_output=log_output,
            stdout_file=stdout_file, stderr_file=stderr_file, **kwargs)
        try:
            return client.execute()
        finally:
            if client.kc is not None:
                client.kc.stop_channels()


SHARED_KERNEL_ENGINE = "integrationsmonitor-shared-kernel"
papermill_engines.register(SHARED_KERNEL_ENGINE, SharedKernelEngine)


class _Lane:
    """One thread with one kernel: the notebooks of a document pipeline run here one after
    the other (a kernel manager stays with the thread and event loop that started it)."""

    def __init__(self, name: str):
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self.km: IpcKernelManager | None = None

    def execute(self, notebook: Path, folder: Path, values: dict[str, str]) -> Path:
        """Run ``notebook`` in this lane's kernel (call from the lane's thread)."""
        return _execute(notebook, folder, values, km=self._kernel())

    def warm(self, code: str) -> None:
        """Start the kernel now and run ``code`` in it (imports), so that the lane's first
        notebook does not wait for them (call from the lane's thread)."""
        km = self._kernel()
        if not km.has_kernel:
            run_sync(km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"])
        kc = km.blocking_client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            kc.execute_interactive(code, silent=True, store_history=False, timeout=60)
        finally:
            kc.stop_channels()

    def _kernel(self) -> IpcKernelManager:
        if self.km is not None and self.km.has_kernel and not run_sync(self.km.is_alive)():
            run_sync(self.km.cleanup_resources)()  # the kernel died: start a new one
            self.km = None
        if self.km is None:
            self.km = IpcKernelManager(kernel_name="python3")
        return self.km

    def close(self) -> None:
        def stop() -> None:
            if self.km is not None and self.km.has_kernel:
                run_sync(self.km.shutdown_kernel)(now=True)
        try:
            self.thread.submit(stop).result(timeout=30)
        finally:
            self.thread.shutdown(wait=True)


class RenderSession:
    """Kernels and a PDF process for any number of renders, closed together at the end.

    Use as a context manager; :func:`render_period` makes a session of its own when it is
    not given one. The session is for one process and one environment: a kernel keeps the
    environment variables it was started with."""

    def __init__(self):
        self.lanes = {"report": _Lane("bericht"), "anhang": _Lane("anhang")}
        # The annex PDF is laid out in a second process while this one lays out the report's.
        # The pool starts its process only on the first task: see warm_pdf_process.
        self.pdf_pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
        self._pdf_warm = None

    def __enter__(self) -> RenderSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            for lane in self.lanes.values():
                lane.close()
        finally:
            self.pdf_pool.shutdown(wait=True, cancel_futures=True)

    def warm_pdf_process(self) -> None:
        """Start the PDF process and its imports now (once per session), so that they run
        beside the notebooks instead of right before the annex's PDF (measured: about 0,5 s
        less for one report)."""
        if self._pdf_warm is None:
            self._pdf_warm = self.pdf_pool.submit(_warm_pdf)

    def write_pdf_elsewhere(self, html: str, target: Path) -> None:
        self.pdf_pool.submit(write_pdf, html, target).result()


class RenderError(Exception):
    """A report could not be made; the message (German) names the notebook and cell."""


@dataclass(frozen=True)
class RenderResult:
    period: str
    folder: Path
    html: Path
    pdf: Path
    notebooks: list[Path]
    seconds: dict[str, float]  # wall time per step (see STEPS)

    @property
    def documents(self) -> list[Path]:
        """Every published file: HTML and PDF of the report and of the annex."""
        return [self.folder / f"{name}.{ext}" for name in PUBLISHED.values()
                for ext in ("html", "pdf")]


def chain_of(kind: str) -> list[str]:
    """The notebooks of a kind of report, in order: computation, report, annex."""
    return [COMPUTE_NOTEBOOK, REPORT_NOTEBOOKS[kind], ANNEX_NOTEBOOK]


def chain_notebooks(folder: Path | None = None, kind: str = HALF_YEAR) -> list[Path]:
    """The notebooks run for a report of ``kind``, in order."""
    folder = folder or notebooks_dir()
    return [folder / name for name in chain_of(kind)]


def render_period(period: str, out_root: Path | None = None, notebooks: Path | None = None,
                  overrides: dict[str, str] | None = None,
                  on_step: Callable[[str], None] | None = None,
                  session: RenderSession | None = None) -> RenderResult:
    """Render the report and annex of one report into ``out_root/<period>/``.

    Args:
        period: the report, e.g. "2019-H2", "2019" (annual) or "2018-2021" (final); its
            parameters come from ``params/<period>.yaml``.
        out_root: the outputs folder (default ``outputs/``).
        notebooks: the notebook folder (default ``notebooks/``).
        overrides: parameter values that replace the file's (e.g. another database).
        on_step: called with each step's German name (see STEPS) when it starts.
        session: kernels and PDF process to use (several renders in a row); by default the
            render opens and closes a session of its own.

    Raises:
        RenderError: any failure; ``out_root/<period>/`` is then as it was before.
    """
    out_root = Path(out_root or outputs_dir())
    try:
        params = _checked_params(period, overrides or {})
    except InputError as exc:
        raise RenderError(str(exc)) from exc
    nbs = chain_notebooks(notebooks, ReportId.parse(params.period).kind)
    missing = [nb.name for nb in nbs if not nb.exists()]
    if missing:
        raise RenderError(f"Notebook {', '.join(missing)} fehlt im Ordner "
                          f"{notebooks or notebooks_dir()}")
    if session is None:
        with RenderSession() as own:
            return render_period(period, out_root, notebooks, overrides, on_step, own)
    out_root.mkdir(parents=True, exist_ok=True)
    # Render beside the target so that the final move is a rename on the same file system.
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{period}-", dir=out_root))
    tmp.chmod(0o777 & ~_umask())  # mkdtemp makes 0700; outputs are for the group to read
    values = params.as_dict() | {"output_dir": str(tmp)}
    seconds: dict[str, float] = {}
    clock = _Clock(seconds, on_step)
    report_lane, annex_lane = session.lanes["report"], session.lanes["anhang"]
    try:
        with clock.timed(STEPS[0]):
            session.warm_pdf_process()  # its imports run beside the computation
            # The annex kernel starts and imports while the computation runs.
            annex_lane.thread.submit(annex_lane.warm, "import integrationsmonitor.report")
            known = privacy.pseudonyms(params.database_path)
            computed = report_lane.thread.submit(report_lane.execute, nbs[0], tmp,
                                                 values).result()
            _check(known, {computed.name: privacy.notebook_texts(computed)})
        # Each published document runs its own pipeline (notebook → HTML → privacy gate → PDF)
        # in its lane: the report's PDF is laid out in this process while the annex notebook
        # still runs; the annex PDF goes to the session's PDF process.
        runs = [lane.thread.submit(_publish, lane, nb, tmp, values, known, writer, clock)
                for lane, nb, writer in [(report_lane, nbs[1], write_pdf),
                                         (annex_lane, nbs[2], session.write_pdf_elsewhere)]]
        executed = [computed, *[r.result() for r in runs]]
        final = out_root / period
        _replace_folder(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return RenderResult(period, final, final / "report.html", final / "report.pdf",
                        [final / p.name for p in executed], seconds)


def _publish(lane: _Lane, notebook: Path, folder: Path, values: dict[str, str],
             known: set[str], pdf_writer: Callable[[str, Path], None], clock: _Clock) -> Path:
    """One published document: run its notebook, export the HTML, pass the privacy gate,
    write HTML and PDF into ``folder``."""
    name = PUBLISHED[notebook.name]
    label = DOCUMENT_LABELS[name]
    with clock.timed(f"{label}: Notebook"):
        executed = lane.execute(notebook, folder, values)
    with clock.timed(f"{label}: HTML"):
        html = export_html(executed)
        _check(known, {executed.name: privacy.notebook_texts(executed), f"{name}.html": [html]})
        (folder / f"{name}.html").write_text(html, encoding="utf-8")
    with clock.timed(f"{label}: PDF"):
        pdf_writer(html, folder / f"{name}.pdf")
    return executed


def _check(known: set[str], documents: dict[str, list[str]]) -> None:
    try:
        privacy.check(documents, known=known)
    except privacy.PrivacyError as exc:
        raise RenderError(str(exc)) from exc


class _Clock:
    """Wall time per step, and the progress callback (called when a step starts)."""

    def __init__(self, seconds: dict[str, float], on_step: Callable[[str], None] | None):
        self.seconds, self.on_step = seconds, on_step

    @contextlib.contextmanager
    def timed(self, name: str):
        """One step; steps of the two pipelines run side by side (thread-safe)."""
        if self.on_step:
            self.on_step(name)
        start = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - start


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _execute(notebook: Path, folder: Path, values: dict[str, str],
             km: AsyncKernelManager | None = None) -> Path:
    """Run one notebook with papermill into ``folder``; RenderError names the failing cell.
    With ``km``, the notebook runs in that (reused) kernel, else in a new one."""
    import papermill

    target = folder / notebook.name
    if km is None:
        engine = {"cwd": str(project_root()), "kernel_manager_class": IpcKernelManager}
    else:
        engine = {"engine_name": SHARED_KERNEL_ENGINE, "km": km}
    try:
        papermill.execute_notebook(
            str(notebook), str(target), parameters=values, kernel_name="python3",
            progress_bar=False, log_output=False, **engine)
    except papermill.PapermillExecutionError as exc:
        raise RenderError(
            f"Fehler im Notebook {notebook.name}, Zelle {exc.exec_count} "
            f"({exc.ename}): {ANSI.sub('', str(exc.evalue))}") from exc
    # papermill gives the injected cell a random ID; a fixed one keeps the HTML reproducible.
    nb = nbformat.read(target, as_version=4)
    for cell in nb.cells:
        if INJECTED_CELL_ID in cell.metadata.get("tags", []):
            cell.id = INJECTED_CELL_ID
    nbformat.write(nb, target)
    return target


def _warm_pdf() -> None:
    """The PDF process's imports and its German hyphenation dictionary, read ahead of the
    first PDF."""
    import weasyprint  # noqa: F401

    hyphenation.breaks("Fortschritt", DOCUMENT_LANGUAGE)


def _checked_params(period: str, overrides: dict[str, str]) -> ReportParameters:
    """Read the period's params file (the computation notebook checks the rest)."""
    from integrationsmonitor.params import parse_parameters

    params = read_params_file(params_file(period))
    if overrides:
        params = parse_parameters(params.as_dict() | overrides, f"{period}.yaml")
    if not params.database_path.exists():
        raise InputError(Problem(file_label(params.database_path),
                                 f"Datenbasis nicht gefunden ({params.database_path})."))
    return params


def _replace_folder(new: Path, final: Path) -> None:
    """Put ``new`` in the place of ``final``; the old folder goes only after the rename."""
    old = None
    if final.exists():
        old = final.with_name(f".old-{final.name}-{new.name}")
        final.rename(old)
    try:
        new.rename(final)
    except BaseException:
        if old is not None:
            old.rename(final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def export_html(notebook: Path) -> str:
    """The executed notebook as one self-contained HTML page (no code, no scripts), with a stable
    id on every heading and a table of contents of its h2 sections (see :func:`with_toc`)."""
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook, as_version=4)
    exporter = HTMLExporter(template_name="basic", exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    body = with_toc(body)
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    title = _first_heading(body) or "Bericht"
    return ("<!DOCTYPE html>\n"
            f"<html lang=\"{DOCUMENT_LANGUAGE}\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{title}</title>\n<style>\n{css}\n</style>\n</head>\n<body>\n{body}\n"
            "</body>\n</html>\n")


def _first_heading(html: str) -> str | None:
    m = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    return _plain(m.group(1)) if m else None


# --- table of contents --------------------------------------------------------------------------
# Markers a notebook may output (raw HTML in a markdown cell, or from the library):
#   <div class="no-toc"></div>    this document gets no table of contents (very short documents);
#   <div class="toc-here"></div>  the table of contents goes here instead of after the title block.
TOC_TITLE = "Inhalt"
TOC_ID = "inhaltsverzeichnis"
NO_TOC = re.compile(r'<[a-z]+ class="(?:[^"]* )?no-toc(?: [^"]*)?"')
TOC_HERE = re.compile(r'<div class="toc-here">\s*</div>')
TITLE_BLOCK = re.compile(r'<header class="title-block".*?</header>', re.S)
HEADING = re.compile(r"<(h[1-6])(\s[^>]*)?>(.*?)</\1>", re.S)
ID_ATTR = re.compile(r'\sid="([^"]*)"')
ANCHOR_LINK = re.compile(r'<a class="anchor-link"[^>]*>.*?</a>', re.S)
SECTION_LINK = re.compile(r'href="([\w.-]+\.html)?#([^"]*)"')
_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe",
                                  "Ü": "Ue", "ß": "ss"})


def heading_id(text: str) -> str:
    """The stable id of a section heading: ASCII letters, digits, ``-`` and ``_`` (umlauts
    transliterated, everything else a hyphen), case kept. Idempotent, and the same for a
    heading's text and for the id nbconvert gives it, so that links written either way work.

    >>> heading_id("Indikatoren im Überblick")
    'Indikatoren-im-Ueberblick'
    >>> heading_id("Daten,-Zahlen,-Fakten")
    'Daten-Zahlen-Fakten'
    >>> heading_id("ind-SPR")
    'ind-SPR'
    >>> heading_id("…")
    'abschnitt'
    """
    text = unicodedata.normalize("NFKD", html_lib.unescape(unquote(text)).translate(
        _TRANSLITERATION)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9_]+", "-", text).strip("-") or "abschnitt"


def with_toc(body: str) -> str:
    """Give every heading with an id (and every h2) a stable id (:func:`heading_id`, made
    unique with -2, -3 …), point the page's section links at them, and insert a
    ``<nav class="toc">`` headed "Inhalt" that links every h2: at a ``<div class="toc-here">``
    marker, else right after the title block (``<header class="title-block">``), else at the
    top. A document that outputs a ``no-toc`` marker gets the ids but no table of contents.
    The print stylesheet adds each entry's page number."""
    taken: set[str] = {TOC_ID}
    renamed: dict[str, str] = {}
    sections: list[tuple[str, str]] = []

    def stable_id(m: re.Match) -> str:
        tag, attrs, inner = m.group(1), m.group(2) or "", m.group(3)
        old = ID_ATTR.search(attrs)
        if old is None and tag != "h2":
            return m.group(0)
        text = _plain(ANCHOR_LINK.sub("", inner))
        new = base = heading_id(old.group(1) if old else text)
        n = 1
        while new in taken:
            n += 1
            new = f"{base}-{n}"
        taken.add(new)
        if old is None:
            attrs = f'{attrs} id="{new}"'
        else:
            renamed.setdefault(old.group(1), new)
            attrs = ID_ATTR.sub(f' id="{new}"', attrs, count=1)
        if tag == "h2":
            sections.append((new, text))
        return f"<{tag}{attrs}>{inner}</{tag}>"

    def section_link(m: re.Match) -> str:
        document, fragment = m.group(1), m.group(2)
        if document:  # another published document: its headings went through heading_id
            return f'href="{document}#{heading_id(fragment)}"'
        if fragment in renamed:
            return f'href="#{renamed[fragment]}"'
        return f'href="#{heading_id(fragment) if heading_id(fragment) in taken else fragment}"'

    body = SECTION_LINK.sub(section_link, HEADING.sub(stable_id, body))
    if not sections or NO_TOC.search(body):
        return body
    entries = "".join(f'<li><a href="#{id_}">{text}</a></li>' for id_, text in sections)
    nav = (f'<nav class="toc" aria-labelledby="{TOC_ID}"><h2 class="toc-title" id="{TOC_ID}">'
           f"{TOC_TITLE}</h2><ol>{entries}</ol></nav>")
    if m := TOC_HERE.search(body):
        return body[:m.start()] + nav + body[m.end():]
    if m := TITLE_BLOCK.search(body):
        return body[:m.end()] + nav + body[m.end():]
    return nav + body


def _plain(html: str) -> str:
    """The text of an HTML fragment (tags removed, white space collapsed, entities kept)."""
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def write_pdf(html: str, target: Path) -> None:
    """Print the HTML to a tagged A4 PDF (PDF/UA-1, document language from ``<html lang>``)
    with WeasyPrint. No date goes into the file: the same HTML gives the same bytes."""
    from weasyprint import HTML

    hyphenation.install()  # German words break correctly or not at all ("Forts-chritt")
    HTML(string=print_html(html), base_url=str(target.parent)).write_pdf(
        target, pdf_variant=PDF_VARIANT)


def print_html(html: str) -> str:
    """The HTML as it goes to the printer: the print style sheet, with the pinned font files,
    added after the screen style (as the page's own style, so that it wins over the screen
    style; WeasyPrint's ``stylesheets`` argument would rank below it); links to files beside
    the report dropped."""
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    faces = "".join(
        f'@font-face {{ font-family: "{family}"; src: url("{(fonts / f).as_uri()}"); '
        f"font-weight: {w}; font-style: {s}; }}\n"
        for family, f, w, s in [("Report Sans", "DejaVuSans.ttf", "normal", "normal"),
                                ("Report Sans", "DejaVuSans-Bold.ttf", "bold", "normal"),
                                ("Report Sans", "DejaVuSans-Oblique.ttf", "normal", "italic"),
                                ("Report Sans", "DejaVuSans-BoldOblique.ttf", "bold", "italic"),
                                ("Report Mono", "DejaVuSansMono.ttf", "normal", "normal")])
    print_css = faces + (TEMPLATES / "print.css").read_text(encoding="utf-8")
    # Links to files beside the report (the data annex) stay in the HTML only: WeasyPrint would
    # write them as absolute file URLs of the temporary folder into the PDF.
    html = _unbreakable_ids(FILE_LINK.sub("<a>", html))
    return html.replace("</head>", f"<style>\n{print_css}</style>\n</head>", 1)


# IDs that must not break at their hyphen: measures, indicators and goals (BIL-M08, SPR-I1,
# SPR-Z1), half-years (2021-H1) and decisions (2019-03).
ID_PATTERN = re.compile(r"\b(?:[A-Z]{2,5}-[A-Z]{0,2}\d{1,3}|\d{4}-H[12]|\d{4}-\d{2})\b(?!-)")
_TAG_OR_TEXT = re.compile(r"""(<(?:[^>"']|"[^"]*"|'[^']*')*>)""")
_RAW_TEXT = {"style", "script", "title"}


def _unbreakable_ids(html: str) -> str:
    """Wrap every ID in the page's text (not in tags, styles or the title) in
    ``<span class="nobr">``; the print style keeps it on one line."""
    parts = _TAG_OR_TEXT.split(html)
    raw = None
    for i, part in enumerate(parts):
        if i % 2:  # a tag
            m = re.match(r"<(/?)([a-zA-Z]+)", part)
            if m and m.group(2).lower() in _RAW_TEXT:
                raw = None if m.group(1) else m.group(2).lower()
        elif raw is None and part:
            parts[i] = ID_PATTERN.sub(r'<span class="nobr">\g<0></span>', part)
    return "".join(parts)
