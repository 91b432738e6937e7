"""Every integration test runs twice: once on SQLite, once on PostgreSQL (the same assertions)."""
from tests.conftest import BACKENDS


def pytest_generate_tests(metafunc):
    if "store_url" in metafunc.fixturenames:
        metafunc.parametrize("store_url", BACKENDS, indirect=True)
