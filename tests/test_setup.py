"""Set-up that guides: the README gets the commands on the PATH, the install is quiet."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_says_how_to_get_the_commands_on_the_path():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "source .venv/bin/activate" in readme
    assert "command not found" in readme
    assert ".venv/bin/integrationsmonitor" in readme


def test_license_is_an_spdx_string_so_setuptools_does_not_warn():
    # setuptools ≥ 77 warns about a license table ("project.license as a TOML table is
    # deprecated") on every install; an SPDX expression is the documented form.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["license"] == "EUPL-1.2"
    assert "setuptools>=77" in pyproject["build-system"]["requires"]


def test_readme_documents_the_one_data_basis_and_the_params_folder():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "INTEGRATIONSMONITOR_PARAMS" in readme and "--params ORDNER" in readme
    assert "--ersetzen" in readme
