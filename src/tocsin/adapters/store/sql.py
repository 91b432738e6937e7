"""One SQL implementation of the unit of work, shared by SQLite and PostgreSQL.

Queries are written with `?` placeholders and always parameterised; the PostgreSQL adapter rewrites the
placeholder. Write units of work take the chain-head lock first, so writers are serialised on both
backends and the hash chain can never fork.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import asdict
from typing import Any, Iterator

from ...domain import chain
from ...domain.model import Action, Author, ContentItem, Decision, Effect, EventDetails, LogEvent, Signal
from ...ports import KeyRecord, StoredDecision, UnitOfWork
from .sql_banks import BankSqlMixin
from .sql_cases import CaseSqlMixin
from .sql_outbox import OutboxSqlMixin

_ITEM_COLS = ("id, version, type, lang, title, text, author_id, parent_id, created_at, event_starts_at, "
              "event_place, metrics")


def _dumps(obj: Any) -> str:
    return chain.canonical(obj)


class SqlUnitOfWork(CaseSqlMixin, OutboxSqlMixin, BankSqlMixin, UnitOfWork):
    placeholder = "?"

    def __init__(self, conn: Any, write: bool, release: Any = None):
        self.conn, self.write, self._release = conn, write, release
        self._head: tuple[int, str] | None = None
        self._head_dirty = False
        self._done = False
        self._begin()

    # transaction control (dialects override _begin) -----------------------------------------------
    def _begin(self) -> None:
        raise NotImplementedError

    def _x(self, sql: str, params: tuple = ()) -> Any:
        if self.placeholder != "?":
            sql = sql.replace("?", self.placeholder)
        cur = self.conn.cursor()
        cur.execute(sql, params)
        return cur

    def _many(self, sql: str, rows: list[tuple]) -> None:
        if rows:
            if self.placeholder != "?":
                sql = sql.replace("?", self.placeholder)
            self.conn.cursor().executemany(sql, rows)

    def commit(self) -> None:
        if self._head_dirty and self._head is not None:
            self._x("UPDATE chain_head SET seq = ?, hash = ? WHERE id = 1", self._head)
            self._head_dirty = False
        self.conn.commit()
        self._done = True

    def rollback(self) -> None:
        if not self._done:
            self.conn.rollback()
            self._done = True

    def close(self) -> None:
        if self._release is not None:
            self._release(self.conn)
            self._release = None

    # items ------------------------------------------------------------------------------------------
    def item_head(self, item_id: str) -> tuple[int, str] | None:
        row = self._x("SELECT version, content_hash FROM item_heads WHERE id = ?", (item_id,)).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def add_item(self, item: ContentItem, content_hash: str, ingested_at: str) -> None:
        ev = item.event or EventDetails()
        self._x(f"INSERT INTO items ({_ITEM_COLS}, content_hash, ingested_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (item.id, item.version, item.type, item.lang, item.title, item.text,
                 item.author.id if item.author else None, item.parent_id, item.created_at, ev.starts_at, ev.place,
                 _dumps(item.metrics), content_hash, ingested_at))
        if item.version == 1:
            self._x("INSERT INTO item_heads (id, version, content_hash) VALUES (?, ?, ?)",
                    (item.id, item.version, content_hash))
        else:
            self._x("UPDATE item_heads SET version = ?, content_hash = ? WHERE id = ?",
                    (item.version, content_hash, item.id))
        if item.author:
            a = item.author
            self._x("INSERT INTO accounts (id, followers, created_at, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET followers = excluded.followers, updated_at = excluded.updated_at",
                    (a.id, a.followers, a.created_at, ingested_at))

    def _item(self, row: tuple, followers: int | None) -> ContentItem:
        (iid, ver, typ, lang, title, text, author_id, parent, created, starts, place, metrics) = row
        author = Author(author_id, followers or 0) if author_id else None
        event = EventDetails(starts, place) if (starts or place) else None
        return ContentItem(iid, typ, text, title, lang, author, parent, created, event, json.loads(metrics), int(ver))

    def get_item(self, item_id: str, version: int | None = None) -> ContentItem | None:
        cols = ", ".join(f"i.{c.strip()}" for c in _ITEM_COLS.split(","))
        base = f"SELECT {cols}, a.followers FROM items i LEFT JOIN accounts a ON a.id = i.author_id WHERE i.id = ?"
        if version is None:
            row = self._x(base + " ORDER BY i.version DESC LIMIT 1", (item_id,)).fetchone()
        else:
            row = self._x(base + " AND i.version = ?", (item_id, version)).fetchone()
        return self._item(row[:-1], row[-1]) if row else None

    def latest_items(self, after_id: str = "", limit: int = 500) -> list[ContentItem]:
        cols = ", ".join(f"i.{c.strip()}" for c in _ITEM_COLS.split(","))
        rows = self._x(f"SELECT {cols}, a.followers FROM item_heads h JOIN items i ON i.id = h.id AND "
                       "i.version = h.version LEFT JOIN accounts a ON a.id = i.author_id WHERE h.id > ? "
                       "ORDER BY h.id LIMIT ?", (after_id, limit)).fetchall()
        return [self._item(r[:-1], r[-1]) for r in rows]

    def count_items(self) -> tuple[int, int]:
        heads = self._x("SELECT COUNT(*) FROM item_heads").fetchone()[0]
        versions = self._x("SELECT COUNT(*) FROM items").fetchone()[0]
        return int(heads), int(versions)

    # signals and decisions -------------------------------------------------------------------------
    def add_signals(self, item_id: str, version: int, signals: list[Signal], at: str) -> None:
        self._many("INSERT INTO signals (id, item_id, item_version, source, category, score, model, model_version, "
                   "evidence, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [(uuid.uuid4().hex, item_id, version, s.source, s.category, s.score, s.model, s.model_version,
                     _dumps(s.evidence), at) for s in signals])

    def signals_for(self, item_id: str, version: int) -> list[Signal]:
        rows = self._x("SELECT source, category, score, model, model_version, evidence FROM signals "
                       "WHERE item_id = ? AND item_version = ? ORDER BY created_at, id", (item_id, version)).fetchall()
        return [Signal(r[0], r[1], float(r[2]), r[3], r[4], json.loads(r[5])) for r in rows]

    def add_decision(self, d: Decision, seq: int) -> None:
        self._x("INSERT INTO decisions (id, seq, subject_id, subject_version, verdict, category, rule, policy_name, "
                "policy_version, automated, reviewer, reasons, effects, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (d.id, seq, d.subject_id, d.subject_version, d.verdict, d.category, d.rule, d.policy_name,
                 d.policy_version, int(d.automated), d.reviewer, _dumps(list(d.reasons)),
                 _dumps([asdict(e) for e in d.effects]), d.created_at))

    _DEC_COLS = ("id, subject_id, subject_version, verdict, category, rule, policy_name, policy_version, automated, "
                 "reviewer, reasons, effects, created_at, seq")

    @staticmethod
    def _decision(r: tuple) -> StoredDecision:
        d = Decision(r[0], r[1], int(r[2]), r[3], r[4], r[5], r[6], r[7], bool(r[8]), tuple(json.loads(r[10])),
                     tuple(Effect(**e) for e in json.loads(r[11])), r[9], r[12])
        return StoredDecision(d, int(r[13]))

    def decision_for(self, item_id: str, version: int) -> Decision | None:
        row = self._x(f"SELECT {self._DEC_COLS} FROM decisions WHERE subject_id = ? AND subject_version = ? "
                      "ORDER BY seq DESC LIMIT 1", (item_id, version)).fetchone()
        return self._decision(row).decision if row else None

    def list_decisions(self, subject_id: str | None = None, after_seq: int = 0, limit: int = 100) -> list[StoredDecision]:
        if subject_id is None:
            rows = self._x(f"SELECT {self._DEC_COLS} FROM decisions WHERE seq > ? ORDER BY seq LIMIT ?",
                           (after_seq, limit)).fetchall()
        else:
            rows = self._x(f"SELECT {self._DEC_COLS} FROM decisions WHERE subject_id = ? AND seq > ? "
                           "ORDER BY seq LIMIT ?", (subject_id, after_seq, limit)).fetchall()
        return [self._decision(r) for r in rows]

    # actions ---------------------------------------------------------------------------------------
    def add_action(self, a: Action) -> None:
        self._x("INSERT INTO actions (id, decision_id, subject_id, type, label, created_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (a.id, a.decision_id, a.subject_id, a.type, a.label, a.created_at, a.expires_at))

    _ACT_COLS = "id, decision_id, subject_id, type, created_at, expires_at, label"

    def actions_for(self, subject_id: str) -> list[Action]:
        rows = self._x(f"SELECT {self._ACT_COLS} FROM actions WHERE subject_id = ? ORDER BY created_at, id",
                       (subject_id,)).fetchall()
        return [Action(*r) for r in rows]

    def get_action(self, action_id: str) -> tuple[Action, str | None] | None:
        row = self._x(f"SELECT {self._ACT_COLS}, ended_at FROM actions WHERE id = ?", (action_id,)).fetchone()
        return (Action(*row[:7]), row[7]) if row else None

    def due_actions(self, now: str, limit: int = 500) -> list[Action]:
        rows = self._x(f"SELECT {self._ACT_COLS} FROM actions WHERE ended_at IS NULL AND expires_at IS NOT NULL "
                       "AND expires_at <= ? ORDER BY expires_at, id LIMIT ?", (now, limit)).fetchall()
        return [Action(*r) for r in rows]

    def end_action(self, action_id: str, at: str, reason: str) -> bool:
        cur = self._x("UPDATE actions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL",
                      (at, reason, action_id))
        return cur.rowcount == 1

    def account_restriction(self, account_id: str, now: str) -> Action | None:
        row = self._x(f"SELECT {self._ACT_COLS} FROM actions WHERE subject_id = ? AND type IN ('freeze', 'suspend') "
                      "AND ended_at IS NULL AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at DESC "
                      "LIMIT 1", (account_id, now)).fetchone()
        return Action(*row) if row else None

    # the audit log ---------------------------------------------------------------------------------
    def _lock_head(self) -> tuple[int, str]:
        raise NotImplementedError

    def append_event(self, subject_id: str, kind: str, payload: dict[str, Any], at: str) -> LogEvent:
        if not self.write:
            raise RuntimeError("append_event needs a write unit of work")
        if self._head is None:
            self._head = self._lock_head()
        ev = chain.link(self._head, subject_id, kind, payload, at)
        self._x("INSERT INTO events (seq, subject_id, kind, payload, created_at, prev_hash, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (ev.seq, ev.subject_id, ev.kind, _dumps(ev.payload), ev.created_at, ev.prev_hash, ev.hash))
        self._head, self._head_dirty = (ev.seq, ev.hash), True
        return ev

    @staticmethod
    def _event(r: tuple) -> LogEvent:
        return LogEvent(int(r[0]), r[1], r[2], json.loads(r[3]), r[4], r[5], r[6])

    def events_for(self, subject_id: str, limit: int = 1000) -> list[LogEvent]:
        rows = self._x("SELECT seq, subject_id, kind, payload, created_at, prev_hash, hash FROM events "
                       "WHERE subject_id = ? ORDER BY seq LIMIT ?", (subject_id, limit)).fetchall()
        return [self._event(r) for r in rows]

    def iter_events(self, after_seq: int = 0, limit: int | None = None) -> Iterator[LogEvent]:
        page, remaining = 5000, limit
        while remaining is None or remaining > 0:
            n = page if remaining is None else min(page, remaining)
            rows = self._x("SELECT seq, subject_id, kind, payload, created_at, prev_hash, hash FROM events "
                           "WHERE seq > ? ORDER BY seq LIMIT ?", (after_seq, n)).fetchall()
            for r in rows:
                yield self._event(r)
            if len(rows) < n:
                return
            after_seq = int(rows[-1][0])
            if remaining is not None:
                remaining -= len(rows)

    def chain_head(self) -> tuple[int, str]:
        if self._head is not None:
            return self._head
        row = self._x("SELECT seq, hash FROM chain_head WHERE id = 1").fetchone()
        return int(row[0]), str(row[1])

    # API keys --------------------------------------------------------------------------------------
    def add_key(self, key_id: str, key_hash: str, role: str, label: str | None, at: str,
                team: str | None = None) -> None:
        self._x("INSERT INTO api_keys (id, key_hash, role, label, created_at, team) VALUES (?, ?, ?, ?, ?, ?)",
                (key_id, key_hash, role, label, at, team))

    def find_key(self, key_hash: str) -> KeyRecord | None:
        row = self._x("SELECT id, role, label, created_at, revoked_at, team FROM api_keys WHERE key_hash = ?",
                      (key_hash,)).fetchone()
        return KeyRecord(*row) if row else None

    def list_keys(self) -> list[KeyRecord]:
        rows = self._x("SELECT id, role, label, created_at, revoked_at, team FROM api_keys "
                       "ORDER BY created_at, id").fetchall()
        return [KeyRecord(*r) for r in rows]

    def revoke_key(self, key_id: str, at: str) -> bool:
        cur = self._x("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (at, key_id))
        return cur.rowcount == 1
