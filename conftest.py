"""Root conftest: the notebooks (nbval) and the end-to-end tests read the demo data basis in
data/demo; make sure it exists and matches the current code before any test runs. Everything
a test renders goes to a temporary outputs folder, never to the project's outputs/."""

import os
import tempfile


def pytest_sessionstart(session):
    from integrationsmonitor.demo import ensure_demo

    # Set before any kernel starts: nbval's kernels inherit it (the computation notebook
    # saves its results to outputs/<period> by default).
    os.environ["INTEGRATIONSMONITOR_OUTPUTS"] = tempfile.mkdtemp(prefix="im-test-outputs-")
    ensure_demo()
