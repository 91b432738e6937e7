"""SQLite adapter: WAL journal, full sync on commit (an accepted write survives a crash), writers
serialised by BEGIN IMMEDIATE."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from ...domain.clock import SystemClock
from ...ports import Store
from .migrations import migration_files, statements
from .pool import Pool
from .sql import SqlUnitOfWork


class SqliteUnitOfWork(SqlUnitOfWork):
    def _begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE" if self.write else "BEGIN")
        if self.write:
            self._head = self.chain_head()

    def _lock_head(self) -> tuple[int, str]:
        return self.chain_head()


class SqliteStore(Store):
    def __init__(self, path: Path):
        self.path = path
        self.url = f"sqlite:///{path}"
        path.parent.mkdir(parents=True, exist_ok=True)
        self._pool = Pool(self._connect)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=60)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=60000")
        return conn

    def uow(self, write: bool = False) -> SqliteUnitOfWork:
        conn = self._pool.get()
        try:
            return SqliteUnitOfWork(conn, write, self._pool.put)
        except BaseException:
            conn.close()
            raise

    def migrate(self) -> list[str]:
        conn = self._connect()
        applied: list[str] = []
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                         "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
            for version, name, sql in migration_files():
                conn.execute("BEGIN IMMEDIATE")
                try:
                    if conn.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)).fetchone():
                        conn.execute("ROLLBACK")
                        continue
                    for stmt in statements(sql):
                        conn.execute(stmt)
                    conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (version, name, SystemClock().now()))
                    conn.execute("COMMIT")
                    applied.append(name)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
        finally:
            conn.close()
        return applied

    def close(self) -> None:
        self._pool.close()
