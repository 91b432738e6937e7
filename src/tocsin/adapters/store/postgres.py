"""PostgreSQL adapter (psycopg 3). Write units of work lock the chain head row first (SELECT ... FOR
UPDATE), which serialises writers exactly as SQLite's BEGIN IMMEDIATE does."""
from __future__ import annotations

from typing import Any

from ...domain.clock import SystemClock
from ...ports import Store
from .migrations import migration_files, statements
from .pool import Pool
from .sql import SqlUnitOfWork

_MIGRATION_LOCK = 0x70C5117


class PostgresUnitOfWork(SqlUnitOfWork):
    placeholder = "%s"

    def _begin(self) -> None:
        if self.write:
            self._head = self._lock_head()

    def _lock_head(self) -> tuple[int, str]:
        row = self._x("SELECT seq, hash FROM chain_head WHERE id = 1 FOR UPDATE").fetchone()
        return int(row[0]), str(row[1])


class PostgresStore(Store):
    def __init__(self, url: str):
        import psycopg  # imported here so SQLite users never load it

        self._psycopg = psycopg
        self.url = url
        self._pool = Pool(self._connect)

    def _connect(self) -> Any:
        return self._psycopg.connect(self.url, autocommit=False)

    def _release(self, conn: Any) -> None:
        if conn.closed or conn.info.transaction_status != self._psycopg.pq.TransactionStatus.IDLE:
            conn.close()
        else:
            self._pool.put(conn)

    def uow(self, write: bool = False) -> PostgresUnitOfWork:
        conn = self._pool.get()
        if conn.closed:
            conn = self._connect()
        try:
            return PostgresUnitOfWork(conn, write, self._release)
        except BaseException:
            conn.close()
            raise

    def migrate(self) -> list[str]:
        applied: list[str] = []
        with self._connect() as conn:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                             "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
                done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations").fetchall()}
                for version, name, sql in migration_files():
                    if version in done:
                        continue
                    for stmt in statements(sql):
                        conn.execute(stmt)
                    conn.execute("INSERT INTO schema_migrations VALUES (%s, %s, %s)",
                                 (version, name, SystemClock().now()))
                    applied.append(name)
        return applied

    def close(self) -> None:
        self._pool.close()
