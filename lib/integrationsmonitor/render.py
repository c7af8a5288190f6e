"""Rendering: run the period's notebooks with papermill, export the report to self-contained
HTML and to PDF (WeasyPrint), and move the result into ``outputs/<period>/`` only on success.

A failed run leaves the previous outputs untouched and raises :class:`RenderError` naming the
notebook and the failing cell.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import nbformat
from jupyter_client.manager import AsyncKernelManager
from traitlets import default

from integrationsmonitor import privacy
from integrationsmonitor.catalogue import load_catalogue
from integrationsmonitor.database import connect
from integrationsmonitor.errors import InputError
from integrationsmonitor.params import ReportParameters, params_file, read_params_file
from integrationsmonitor.paths import PACKAGE_DIR, notebooks_dir, outputs_dir, project_root
from integrationsmonitor.periods import ReportingCalendar

TEMPLATES = PACKAGE_DIR / "templates"
REPORT_NOTEBOOK = "90_sachstandsbericht.ipynb"
NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


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


class RenderError(Exception):
    """A report could not be made; the message (German) names the notebook and cell."""


@dataclass(frozen=True)
class RenderResult:
    period: str
    folder: Path
    html: Path
    pdf: Path
    notebooks: list[Path]
    seconds: dict[str, float]  # wall time per step: each notebook, "html", "pdf"


def chain_notebooks(folder: Path | None = None) -> list[Path]:
    """The notebooks run for every period, in prefix order (10_…, 20_…, …, 90_…)."""
    return sorted((folder or notebooks_dir()).glob(NOTEBOOK_PATTERN))


def render_period(period: str, out_root: Path | None = None, notebooks: Path | None = None,
                  overrides: dict[str, str] | None = None,
                  on_notebook: Callable[[str], None] | None = None) -> RenderResult:
    """Render every notebook and the report of one period into ``out_root/<period>/``.

    Args:
        period: e.g. "2019-H2"; its parameters come from ``params/<period>.yaml``.
        out_root: the outputs folder (default ``outputs/``).
        notebooks: the notebook folder (default ``notebooks/``).
        overrides: parameter values that replace the file's (e.g. another database).
        on_notebook: called with each notebook's name when it starts (progress display).

    Raises:
        RenderError: any failure; ``out_root/<period>/`` is then as it was before.
    """
    import papermill

    out_root = Path(out_root or outputs_dir())
    try:
        params = _checked_params(period, overrides or {})
    except InputError as exc:
        raise RenderError(str(exc)) from exc
    nbs = chain_notebooks(notebooks)
    if not any(nb.name == REPORT_NOTEBOOK for nb in nbs):
        raise RenderError(f"Berichtsnotebook {REPORT_NOTEBOOK} fehlt im Ordner "
                          f"{notebooks or notebooks_dir()}")
    out_root.mkdir(parents=True, exist_ok=True)
    # Render beside the target so that the final move is a rename on the same file system.
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{period}-", dir=out_root))
    seconds: dict[str, float] = {}
    try:
        executed = []
        for nb in nbs:
            start = time.perf_counter()
            if on_notebook:
                on_notebook(nb.name)
            target = tmp / nb.name
            try:
                papermill.execute_notebook(
                    str(nb), str(target), parameters=params.as_dict(), kernel_name="python3",
                    cwd=str(project_root()), progress_bar=False, log_output=False,
                    kernel_manager_class=IpcKernelManager)
            except papermill.PapermillExecutionError as exc:
                raise RenderError(
                    f"Fehler im Notebook {nb.name}, Zelle {exc.exec_count} "
                    f"({exc.ename}): {ANSI.sub('', str(exc.evalue))}") from exc
            executed.append(target)
            seconds[nb.name] = time.perf_counter() - start
        start = time.perf_counter()
        html = export_html(tmp / REPORT_NOTEBOOK)
        try:
            privacy.check({**{p.name: privacy.notebook_texts(p) for p in executed},
                           "report.html": [html]}, params.database_path)
        except privacy.PrivacyError as exc:
            raise RenderError(str(exc)) from exc
        (tmp / "report.html").write_text(html, encoding="utf-8")
        seconds["html"] = time.perf_counter() - start
        start = time.perf_counter()
        write_pdf(html, tmp / "report.pdf")
        seconds["pdf"] = time.perf_counter() - start
        final = out_root / period
        _replace_folder(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return RenderResult(period, final, final / "report.html", final / "report.pdf",
                        [final / p.name for p in executed], seconds)


def _checked_params(period: str, overrides: dict[str, str]) -> ReportParameters:
    """Read the period's params file and check that concept and data basis can be opened."""
    from integrationsmonitor.params import parse_parameters

    params = read_params_file(params_file(period))
    if overrides:
        params = parse_parameters(params.as_dict() | overrides, f"{period}.yaml")
    catalogue = load_catalogue(params.concept_path)
    try:
        ReportingCalendar.of(catalogue).check(params.period_obj)
    except ValueError as exc:
        raise RenderError(str(exc)) from exc
    connect(params.database_path, read_only=True).close()
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
    """The executed report notebook as one self-contained HTML page (no code, no scripts)."""
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook, as_version=4)
    exporter = HTMLExporter(template_name="basic", exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    title = _first_heading(body) or "Sachstandsbericht"
    return ("<!DOCTYPE html>\n<html lang=\"de\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{title}</title>\n<style>\n{css}\n</style>\n</head>\n<body>\n{body}\n"
            "</body>\n</html>\n")


def _first_heading(html: str) -> str | None:
    m = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    return re.sub(r"<[^>]+>", "", m.group(1)).strip() if m else None


def write_pdf(html: str, target: Path) -> None:
    """Print the HTML to an A4 PDF with WeasyPrint, with pinned font files."""
    from weasyprint import CSS, HTML

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
    HTML(string=html, base_url=str(target.parent)).write_pdf(
        target, stylesheets=[CSS(string=print_css)])
