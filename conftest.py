"""Root conftest: the notebooks (nbval) and the end-to-end tests read the demo data basis in
data/demo; make sure it exists and matches the current code before any test runs. Everything
a test renders goes to a temporary outputs folder, never to the project's outputs/."""

import os
import tempfile

import pytest

DEMO_HASH = pytest.StashKey[tuple]()


def pytest_sessionstart(session):
    from integrationsmonitor.demo import ensure_demo

    # Set before any kernel starts: nbval's kernels inherit it (the computation notebook
    # saves its results to outputs/<period> by default). One folder per test process.
    os.environ["INTEGRATIONSMONITOR_OUTPUTS"] = tempfile.mkdtemp(prefix="im-test-outputs-")
    if "PYTEST_XDIST_WORKER" not in os.environ:
        database = ensure_demo()  # in the main process, before pytest-xdist starts workers
        session.config.stash[DEMO_HASH] = (database, _sha256(database))


def pytest_sessionfinish(session, exitstatus):
    """Tests read the demo data basis but never write into it (a test that needs to write
    works on a copy): otherwise tests running side by side would see each other's changes."""
    if DEMO_HASH not in session.config.stash:
        return
    database, before = session.config.stash[DEMO_HASH]
    if _sha256(database) != before:
        session.config.get_terminal_writer().line(
            f"FEHLER: Ein Test hat in die Demo-Datenbasis {database} geschrieben.", red=True)
        session.exitstatus = 1


def _sha256(path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


# Test files that use the rendered reports, and the notebooks; see pytest_xdist_make_scheduler.
RENDERED = ("tests/test_render.py", "tests/test_annex_tables.py", "tests/test_hyphenation.py",
            "tests/test_pdf_form.py")


def pytest_xdist_make_scheduler(config, log):
    """``make test`` runs with pytest-xdist (``-n auto``). Tests that share state go to the same
    worker: the notebooks (20_bericht reads what 10_berechnung saved in that worker's outputs
    folder), and the files that read the rendered reports (rendered once per run; a test
    elsewhere that needs them waits for that render, see tests/conftest.py). Every other test
    is scheduled on its own, as with ``--dist load``."""
    from xdist.scheduler import LoadScopeScheduling

    class SharedStateScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith("notebooks/"):
                return "notebooks"
            if nodeid.startswith(RENDERED):
                return "rendered"
            return nodeid

    return SharedStateScheduling(config, log)
