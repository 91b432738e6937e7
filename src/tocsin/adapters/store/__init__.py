"""Storage adapters: SQLite (embedded default) and PostgreSQL (production), one interface."""
from __future__ import annotations

from pathlib import Path

from ...ports import Store


class StoreURLError(ValueError):
    pass


def open_store(url: str, migrate: bool = True) -> Store:
    """`postgresql://...` opens PostgreSQL; `sqlite:///PATH` or a bare path opens SQLite (WAL)."""
    if url.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore

        store: Store = PostgresStore(url)
    elif url.startswith("sqlite:///") or "://" not in url:
        from .sqlite import SqliteStore

        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else url
        if not path or path == ":memory:":
            raise StoreURLError("an in-memory SQLite database cannot be shared between connections; give a file path")
        store = SqliteStore(Path(path))
    else:
        raise StoreURLError(f"unsupported database URL {url!r}: use a SQLite path, sqlite:///PATH or postgresql://...")
    if migrate:
        store.migrate()
    return store
