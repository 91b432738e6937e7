"""Shared fixtures: stores on both real backends, a manual clock, an engine, an in-process HTTP client,
and one API key per role."""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from tocsin.adapters.store import open_store
from tocsin.bootstrap import Runtime, build_engine
from tocsin.domain.clock import ManualClock
from tocsin.engine import Engine
from tocsin.ports import Store
from tocsin.settings import Settings

PG_URL = os.environ.get("TOCSIN_TEST_PG_URL")
BACKENDS = ["sqlite", "postgres"]


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("TOCSIN_REQUIRE_PG") == "1" and not PG_URL:
        raise pytest.UsageError("TOCSIN_REQUIRE_PG=1 but TOCSIN_TEST_PG_URL is not set")


def pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"  # type: ignore[operator]
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        yield str(tmp_path / "tocsin.db")
        return
    if not PG_URL:
        pytest.skip("PostgreSQL not available: run through `make test` or set TOCSIN_TEST_PG_URL")
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield pg_schema_url(schema)
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock("2026-11-20T12:00:00.000Z")


@pytest.fixture
def settings(store_url: str) -> Settings:
    return Settings(env={}, db=store_url, tick_seconds=0)  # tests tick explicitly, with the manual clock


@pytest.fixture
def engine(settings: Settings, clock: ManualClock) -> Engine:
    return build_engine(settings, clock)


@pytest.fixture
def runtime(settings: Settings, store: Store, engine: Engine) -> Runtime:
    return Runtime(settings, store, engine)


@pytest.fixture
def client(runtime: Runtime):
    from fastapi.testclient import TestClient

    from tocsin.adapters.api.app import create_app

    with TestClient(create_app(runtime)) as c:
        yield c


@pytest.fixture
def keys(store: Store, clock: ManualClock) -> dict[str, str]:
    from tocsin.domain.model import ROLES
    from tocsin.record.keys import create_key

    return {role: create_key(store, role, f"test-{role}", clock.now()).key for role in ROLES}

