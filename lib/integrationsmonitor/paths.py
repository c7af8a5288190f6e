"""The one project-root resolver: no path in the package depends on the working directory."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CONCEPTS_DIR = PACKAGE_DIR / "concepts"
VOCABULARIES_FILE = CONCEPTS_DIR / "vocabularies.yaml"
# A concept is one folder with these fixed names (README, "Anderer Kreis, anderes Konzept").
CONCEPT_FILE = "konzept.yaml"  # facts, bodies, quotations, Arbeitskreise, goals, measures
INDICATORS_FILE = "indikatoren.yaml"  # indicators with targets
TERRITORY_FILE = "gebiet.yaml"  # Kreisschlüssel, Verbandsgemeinden, mergers
FIGURES_DIR = "referenzwerte"  # reference figures per year (JJJJ.yaml), optional
# The concept shipped with the package: the default only where a caller names no concept.
DEFAULT_CONCEPT = CONCEPTS_DIR / "kaiserslautern-2018-2021"
PARAMS_ENV = "INTEGRATIONSMONITOR_PARAMS"  # folder of the params files (default: <root>/params)


def project_root() -> Path:
    """The project root: ``$INTEGRATIONSMONITOR_ROOT`` if set, else the folder holding ``params/``.

    The package lives in ``<root>/lib/integrationsmonitor`` and is installed editable, so the
    root is found from the package location, never from the current directory (papermill starts
    kernels in the caller's directory, JupyterLab in the notebook's).
    """
    env = os.environ.get("INTEGRATIONSMONITOR_ROOT")
    if env:
        return Path(env).resolve()
    return PACKAGE_DIR.parent.parent


def resolve(path: str | Path) -> Path:
    """An absolute path; relative paths are taken relative to the project root."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else project_root() / p


def params_dir() -> Path:
    """The folder of the params files: ``$INTEGRATIONSMONITOR_PARAMS`` if set (absolute or
    relative to the project root; the CLI's ``--params`` sets it), else ``<root>/params``."""
    env = os.environ.get(PARAMS_ENV)
    return resolve(env) if env else project_root() / "params"


def shown(path: str | Path) -> str:
    """A path as shown to people: relative to the project root where it lies inside it."""
    p = resolve(path)
    try:
        return str(p.relative_to(project_root()))
    except ValueError:
        return str(p)


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def outputs_dir() -> Path:
    """The outputs folder: ``$INTEGRATIONSMONITOR_OUTPUTS`` if set (the tests point it to a
    temporary folder), else ``<root>/outputs``."""
    env = os.environ.get("INTEGRATIONSMONITOR_OUTPUTS")
    return Path(env).resolve() if env else project_root() / "outputs"


def demo_dir() -> Path:
    return project_root() / "data" / "demo"
