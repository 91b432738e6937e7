"""SQL for the outbox (notices and webhooks) and appeals, mixed into the shared SQL unit of work."""
from __future__ import annotations

import json
from typing import Any

from ...domain.model import Action, Decision
from ...ports import AppealRow, OutboxMessage

_OUT_COLS = "id, kind, subject_id, recipient_id, payload, created_at, attempts, next_attempt_at, delivered_at, last_error"
_APPEAL_COLS = "id, decision_id, subject_id, appellant_id, text, status, created_at, decided_at, decided_by, outcome, reason"


def _msg(r: tuple) -> OutboxMessage:
    return OutboxMessage(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], int(r[6]), r[7], r[8], r[9])


class OutboxSqlMixin:
    _x: Any
    _DEC_COLS: str
    _ACT_COLS: str

    def strikes(self, author_id: str, since: str = "") -> int:
        row = self._x("SELECT COUNT(*) FROM actions a JOIN items i ON i.id = a.subject_id AND i.version = 1 "
                      "WHERE i.author_id = ? AND a.type = 'remove' AND a.created_at >= ? "
                      "AND (a.end_reason IS NULL OR a.end_reason <> 'reversed')", (author_id, since)).fetchone()
        return int(row[0])

    def reporters(self, target_id: str) -> list[str]:
        rows = self._x("SELECT reporter_id FROM reports WHERE target_id = ? ORDER BY created_at, reporter_id",
                       (target_id,)).fetchall()
        return [r[0] for r in rows]

    def get_decision(self, decision_id: str) -> Decision | None:
        row = self._x(f"SELECT {self._DEC_COLS} FROM decisions WHERE id = ?", (decision_id,)).fetchone()
        return self._decision(row).decision if row else None  # type: ignore[attr-defined]

    def actions_of_decision(self, decision_id: str) -> list[tuple[Action, str | None]]:
        rows = self._x(f"SELECT {self._ACT_COLS}, ended_at FROM actions WHERE decision_id = ? ORDER BY id",
                       (decision_id,)).fetchall()
        return [(Action(*r[:7]), r[7]) for r in rows]

    def add_outbox(self, m: OutboxMessage) -> None:
        self._x(f"INSERT INTO outbox ({_OUT_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (m.id, m.kind, m.subject_id, m.recipient_id, json.dumps(m.payload, sort_keys=True), m.created_at,
                 m.attempts, m.next_attempt_at or m.created_at, m.delivered_at, m.last_error))

    def pending_outbox(self, now: str, limit: int = 100) -> list[OutboxMessage]:
        rows = self._x(f"SELECT {_OUT_COLS} FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= ? "
                       "ORDER BY next_attempt_at, id LIMIT ?", (now, limit)).fetchall()
        return [_msg(r) for r in rows]

    def outbox_for(self, subject_id: str) -> list[OutboxMessage]:
        rows = self._x(f"SELECT {_OUT_COLS} FROM outbox WHERE subject_id = ? ORDER BY created_at, id",
                       (subject_id,)).fetchall()
        return [_msg(r) for r in rows]

    def mark_outbox(self, msg_id: str, delivered_at: str | None, next_attempt_at: str, error: str | None) -> None:
        self._x("UPDATE outbox SET attempts = attempts + 1, delivered_at = ?, next_attempt_at = ?, last_error = ? "
                "WHERE id = ?", (delivered_at, next_attempt_at, error, msg_id))

    def add_appeal(self, a: AppealRow) -> bool:
        cur = self._x(f"INSERT INTO appeals ({_APPEAL_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                      "ON CONFLICT (decision_id) DO NOTHING",
                      (a.id, a.decision_id, a.subject_id, a.appellant_id, a.text, a.status, a.created_at, a.decided_at,
                       a.decided_by, a.outcome, a.reason))
        return cur.rowcount == 1

    def get_appeal(self, appeal_id: str) -> AppealRow | None:
        row = self._x(f"SELECT {_APPEAL_COLS} FROM appeals WHERE id = ?", (appeal_id,)).fetchone()
        return AppealRow(*row) if row else None

    def save_appeal(self, a: AppealRow) -> None:
        self._x("UPDATE appeals SET status = ?, decided_at = ?, decided_by = ?, outcome = ?, reason = ? WHERE id = ?",
                (a.status, a.decided_at, a.decided_by, a.outcome, a.reason, a.id))

    def open_appeals(self, limit: int = 100) -> list[AppealRow]:
        rows = self._x(f"SELECT {_APPEAL_COLS} FROM appeals WHERE status = 'open' ORDER BY created_at, id LIMIT ?",
                       (limit,)).fetchall()
        return [AppealRow(*r) for r in rows]
