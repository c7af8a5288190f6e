"""Committed notebooks carry no outputs, and the repository strips them on commit."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_has_no_outputs_or_execution_counts(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: Ausgaben im Notebook"
            assert cell.execution_count is None, f"{path.name}: Ausführungszähler"


def test_git_attributes_send_notebooks_through_nbstripout():
    lines = (ROOT / ".gitattributes").read_text(encoding="utf-8").splitlines()
    assert "*.ipynb filter=nbstripout" in lines


def test_make_sets_up_nbstripout_before_test_and_report():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "git config filter.nbstripout.clean '$(NBSTRIPOUT)'" in makefile
    assert "-m nbstripout --keep-id" in makefile
    assert "test: $(STAMP) hooks" in makefile and "demo: $(STAMP) hooks" in makefile


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_is_unchanged_by_the_git_filter(path):
    # What the clean filter makes of a committed notebook is the notebook itself, so git
    # never shows a notebook as changed just because the filter is set up.
    stripped = subprocess.run([sys.executable, "-m", "nbstripout", "--keep-id", "-t"],
                              input=path.read_bytes(), capture_output=True, check=True).stdout
    assert stripped.decode("utf-8") == path.read_text(encoding="utf-8")


def test_nbstripout_strips_an_executed_notebook(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1", execution_count=3,
                                         outputs=[nbformat.v4.new_output(
                                             "execute_result", {"text/plain": "2"},
                                             execution_count=3)])])
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    subprocess.run([sys.executable, "-m", "nbstripout", str(path)], check=True)
    cell = nbformat.read(path, as_version=4).cells[0]
    assert cell.outputs == [] and cell.execution_count is None
