"""Schema migrations: numbered SQL files applied in order, each in its own transaction, recorded in
schema_migrations. The same files serve SQLite and PostgreSQL."""
from __future__ import annotations

from importlib import resources


def migration_files() -> list[tuple[int, str, str]]:
    out = []
    for f in resources.files("tocsin.adapters.store").joinpath("migrations").iterdir():
        if f.name.endswith(".sql"):
            out.append((int(f.name.split("_", 1)[0]), f.name, f.read_text("utf-8")))
    return sorted(out)


def statements(sql: str) -> list[str]:
    lines = [ln for ln in sql.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
