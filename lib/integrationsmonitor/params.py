"""Report parameters: one commented YAML file per report in ``params/``, parsed into a typed object.

papermill only warns on an unknown parameter and keeps YAML dates as strings, so the package
parses the parameters itself and rejects unknown or missing keys and wrong types.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from integrationsmonitor import formatting as fmt
from integrationsmonitor.errors import InputError, Problem, ProblemCollector, file_label
from integrationsmonitor.paths import params_dir, resolve, shown
from integrationsmonitor.periods import Period, ReportId


@dataclass(frozen=True)
class ReportParameters:
    """The literals a report is made from.

    Attributes:
        period: the report: a half-year ("2019-H1"), a year ("2019", annual report to the
            Kreistag) or the term ("2018-2021", final report).
        report_date: date of the report (as printed on the title page), "TT.MM.JJJJ" or ISO.
        database: DuckDB data basis, relative to the project root or absolute.
        concept: the concept folder (``konzept.yaml``, ``indikatoren.yaml``, ``gebiet.yaml``,
            ``referenzwerte/``), relative to the project root or absolute.
        author: who reports (shown on the title page).
        output_dir: the period's output folder, relative to the project root or absolute;
            empty (the default) means ``outputs/<period>``. ``integrationsmonitor report``
            sets it to its temporary folder, so that a failed run leaves ``outputs/`` as it was.
    """

    period: str
    report_date: str
    database: str
    concept: str
    author: str
    output_dir: str = ""

    @property
    def period_obj(self) -> Period:
        return Period.parse(self.period)

    @property
    def report_day(self) -> dt.date:
        return fmt.parse_date(self.report_date)

    @property
    def database_path(self) -> Path:
        return resolve(self.database)

    @property
    def concept_path(self) -> Path:
        return resolve(self.concept)

    def as_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)

    @property
    def sha256(self) -> str:
        """Hash of the canonical parameter values (for provenance). The output folder says
        where a report goes, not what it shows, and is left out."""
        values = {k: v for k, v in self.as_dict().items() if k != "output_dir"}
        canonical = json.dumps(values, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


PARAMETER_NAMES = tuple(f.name for f in dataclasses.fields(ReportParameters))
OPTIONAL_PARAMETERS = {"output_dir": ""}
# Parameters a notebook may leave empty (""): then they come from the period's params file, so
# that the notebooks name no concept and no data basis of their own.
FROM_PARAMS_FILE = ("report_date", "database", "concept", "author")


def parse_parameters(values: dict[str, Any], source: str = "Parameter",
                     from_file: bool = False) -> ReportParameters:
    """Check a mapping of parameters and return the typed object.

    Args:
        values: the parameters (from a notebook's parameters cell or a params file).
        source: what to name in messages.
        from_file: the values are a params file's; an empty value is then an error. Otherwise
            an empty ``report_date``, ``database``, ``concept`` or ``author`` is taken from
            the period's params file (:func:`params_file`).

    Raises:
        InputError: for unknown or missing keys, wrong types, an invalid period or date.
    """
    problems = ProblemCollector(source)
    if not isinstance(values, dict):
        raise InputError(Problem(source, "erwartet Schlüssel: Wert-Paare"))
    for key in sorted(set(values) - set(PARAMETER_NAMES)):
        problems.add(f"unbekannter Parameter (erlaubt: "
                                f"{', '.join(PARAMETER_NAMES)})", key=key)
    values = OPTIONAL_PARAMETERS | values
    empty = [k for k in FROM_PARAMS_FILE if values.get(k) == ""]
    if empty and not from_file:
        values = values | _from_params_file(values.get("period"), empty, source, problems)
    for key in PARAMETER_NAMES:
        if key not in values or values[key] is None:
            problems.add("Pflichtparameter fehlt", key=key)
        elif from_file and key in FROM_PARAMS_FILE and values[key] == "":
            problems.add("Pflichtparameter ist leer", key=key)
        elif not isinstance(values[key], str):
            problems.add(f"erwartet Text in Anführungszeichen, gefunden "
                                    f"{values[key]!r} ({type(values[key]).__name__})", key=key)
    if not problems:
        try:
            ReportId.parse(values["period"])
        except ValueError as exc:
            problems.add(str(exc), key="period")
        try:
            day = fmt.parse_date(values["report_date"])
        except ValueError as exc:
            problems.add(str(exc), key="report_date")
        else:
            end = ReportId.parse(values["period"]).earliest_end if not problems else None
            if end is not None and day < end:
                problems.add(f"Berichtsdatum {fmt.date(day)} liegt vor dem Ende des "
                    f"Berichtszeitraums ({fmt.date(end)}); ein Bericht kann erst danach "
                    "erstellt werden", key="report_date")
    if problems:
        raise InputError(problems.items, "Die Berichtsparameter sind fehlerhaft.")
    return ReportParameters(**{k: values[k] for k in PARAMETER_NAMES})


def read_params_file(path: str | Path) -> ReportParameters:
    """Read and check one ``params/<period>.yaml``."""
    path = resolve(path)
    if not path.exists():
        raise InputError(Problem(file_label(path), "Parameterdatei nicht gefunden"))
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(Problem(file_label(path), f"kein gültiges YAML ({exc})")) from exc
    params = parse_parameters(values, file_label(path), from_file=True)
    if path.stem != params.period:
        raise InputError(Problem(file_label(path), f"der Dateiname muss dem Berichtszeitraum "
                                 f"entsprechen ({params.period}.yaml)", key="period"))
    return params


def _from_params_file(period: Any, keys: list[str], source: str,
                      problems: ProblemCollector) -> dict[str, Any]:
    """The values of ``keys`` from the params file of ``period`` (for empty parameters)."""
    path = params_file(period) if isinstance(period, str) and period else None
    if path is None or not path.exists():
        where = f"{period}.yaml" if path is not None else "<Zeitraum>.yaml"
        for key in keys:
            problems.add(f"ist leer, und im Ordner {shown(params_dir())} "
                                    f"gibt es keine Parameterdatei {where}, aus der er "
                                    "käme", key=key)
        return {}
    own = read_params_file(path)
    return {k: getattr(own, k) for k in keys}


def params_file(period: str) -> Path:
    return params_dir() / f"{period}.yaml"


def all_params_files() -> list[Path]:
    return sorted(params_dir().glob("*.yaml"))


@dataclass(frozen=True)
class DataBasis:
    """The data basis and concept a command works on, and where that was said.

    Attributes:
        database: the DuckDB data basis (absolute).
        concept: the concept folder (absolute).
        source: what named them, for messages: a params file or an option.
    """

    database: Path
    concept: Path
    source: str

    def describe(self) -> str:
        """German line naming the data basis, e.g. for every command's output."""
        return f"Datenbasis: {shown(self.database)} ({self.source})"


def data_basis(period: str | None = None, database: str | Path | None = None,
               concept: str | Path | None = None) -> DataBasis:
    """The one answer to "which data basis?": the params file of ``period`` in
    :func:`params_dir` (else the latest params file there); ``database`` and ``concept`` given
    explicitly (command-line options) take precedence.

    Raises:
        ValueError: no params file and no explicit data basis (German message).
        InputError: the params file is not valid.
    """
    params = chosen = None
    if database is None or concept is None:
        files = all_params_files()
        chosen = params_file(period) if period and params_file(period).exists() else \
            (files[-1] if files else None)
        params = read_params_file(chosen) if chosen is not None else None
    if database is None and params is None:
        raise ValueError(f"Im Ordner {shown(params_dir())} wurde keine Parameterdatei (*.yaml) "
                         "gefunden; die Datenbasis mit --database angeben oder mit --params den "
                         "Ordner der Parameterdateien")
    if database is None:
        source = f"aus {shown(chosen)}"
    elif concept is None and params is not None:
        source = f"--database; Konzept aus {shown(chosen)}"
    else:
        source = "--database"
    if concept is None and params is None:
        from integrationsmonitor.paths import DEFAULT_CONCEPT
        concept = DEFAULT_CONCEPT
    return DataBasis(resolve(database) if database is not None else params.database_path,
                     resolve(concept) if concept is not None else params.concept_path, source)


def unknown_injected_parameters() -> list[str]:
    """Names papermill injected into the running notebook that are no report parameter.

    papermill only warns about an unknown ``-p name value`` and injects it anyway; a notebook's
    first library call asks here and stops with a German error instead. The injected cell is
    the one papermill starts with "# Parameters"; outside a kernel (or without such a cell,
    e.g. in JupyterLab) there is nothing to check.
    """
    import ast

    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return []
    shell = get_ipython()
    if shell is None:
        return []
    for source in reversed(shell.user_ns.get("In", [])):
        if source.lstrip().startswith("# Parameters"):
            try:
                tree = ast.parse(source)
            except SyntaxError:
                return []
            names = {t.id for node in tree.body if isinstance(node, ast.Assign)
                     for t in node.targets if isinstance(t, ast.Name)}
            return sorted(names - set(PARAMETER_NAMES))
    return []


def check_injected_parameters() -> None:
    """Raise InputError (German) for parameters papermill injected under an unknown name."""
    unknown = unknown_injected_parameters()
    if unknown:
        problems = ProblemCollector("Parameter")
        for name in unknown:
            problems.add(f"unbekannter Parameter (erlaubt: {', '.join(PARAMETER_NAMES)})",
                         key=name)
        problems.raise_if_any("Die Berichtsparameter sind fehlerhaft.")
