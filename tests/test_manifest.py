"""House rules that keep the repository honest: manifests in step, thin notebooks, git hygiene."""

import ast
import re
import subprocess
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
# PyPI name → conda-forge name where they differ.
CONDA_NAMES = {"duckdb": "python-duckdb", "matplotlib": "matplotlib-base"}
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _requirement(spec: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", spec)
    return m.group(1).lower(), m.group(2).replace(" ", "")


def test_environment_yml_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pypi = [*project["dependencies"], *sum(project["optional-dependencies"].values(), [])]
    expected = {CONDA_NAMES.get(n, n): v for n, v in map(_requirement, pypi)}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = dict(_requirement(d) for d in env["dependencies"] if isinstance(d, str))
    conda.pop("pip", None)
    # Packages without a conda-forge build come from PyPI through the pip: section.
    for d in env["dependencies"]:
        if isinstance(d, dict):
            conda.update(_requirement(r) for r in d["pip"])
    assert conda.pop("python") == ">=" + project["requires-python"].lstrip(">=")
    assert conda == expected


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1, "exactly one parameters cell"
    for node in ast.parse(params[0].source).body:
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant), \
            "the parameters cell holds literals only"
    for cell in nb.cells:
        if cell.cell_type != "code" or cell is params[0]:
            continue
        assert not cell.get("outputs"), "notebooks are committed without outputs"
        tree = ast.parse(cell.source)
        assert not [n for n in ast.walk(tree) if isinstance(
            n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.For,
                ast.While, ast.If))], "no definitions or control flow in notebooks"
        assert len(tree.body) <= 1, "one call per section"


def test_gitignore_keeps_lib_and_ignores_data_and_outputs():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")

    def ignored(path: str) -> bool:
        return subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0

    assert not ignored("lib/integrationsmonitor/report.py")
    assert not ignored("data/demo/README.md")
    assert ignored("data/asylblg_2019.csv")
    assert ignored("data/demo/integrationsmonitor.duckdb")
    assert ignored("outputs/2019-H1/report.html")
    tracked = subprocess.run(["git", "ls-files", "lib", "notebooks"], cwd=ROOT,
                             capture_output=True, text=True).stdout.split()
    assert tracked, "lib/ and notebooks/ must be tracked"


def test_docs_list_every_extract_field():
    from integrationsmonitor.reference import extract_fields

    doc = (ROOT / "docs" / "datenbasis.md").read_text(encoding="utf-8")
    fields, _ = extract_fields()
    for f in fields.itertuples():
        assert f"| `{f.field}` | {f.column} |" in doc, f.field
