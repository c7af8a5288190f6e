"""Root conftest: the notebooks (nbval) and the end-to-end tests read the demo data basis in
data/demo; make sure it exists and matches the current code before any test runs."""


def pytest_sessionstart(session):
    from integrationsmonitor.demo import ensure_demo

    ensure_demo()
