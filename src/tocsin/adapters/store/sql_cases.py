"""SQL for reports and review cases, mixed into the shared SQL unit of work."""
from __future__ import annotations

import json
from typing import Any

from ...domain.cases import Case
from ...ports import ReportRow, ReportStats

_CASE_COLS = ("id, subject_id, status, queue, priority, risk, parts, reasons, category, lang, opened_at, updated_at, "
              "sla_due, claimed_by, claim_until, dismissed_by, closed_at, outcome, interim")


def _case(r: tuple) -> Case:
    return Case(r[0], r[1], r[2], r[3], r[4], float(r[5]), json.loads(r[6]), json.loads(r[7]), r[8], r[9], r[10],
                r[11], r[12], r[13], r[14], json.loads(r[15]), r[16], r[17], json.loads(r[18]))


class CaseSqlMixin:
    _x: Any

    def add_report(self, row: ReportRow) -> bool:
        cur = self._x("INSERT INTO reports (id, target_id, subject_id, reporter_id, reason, text, trusted_flagger, "
                      "created_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                      "ON CONFLICT (target_id, reporter_id) DO NOTHING",
                      (row.id, row.target_id, row.subject_id, row.reporter_id, row.reason, row.text,
                       int(row.trusted_flagger), row.created_at, row.received_at))
        return cur.rowcount == 1

    def report_stats(self, target_id: str, hour_ago: str) -> ReportStats:
        total, last, first, trusted = self._x(
            "SELECT COUNT(*), SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END), MIN(created_at), "
            "SUM(trusted_flagger) FROM reports WHERE target_id = ?", (hour_ago, target_id)).fetchone()
        reasons = self._x("SELECT reason, COUNT(*) FROM reports WHERE target_id = ? GROUP BY reason",
                          (target_id,)).fetchall()
        total, last = int(total or 0), int(last or 0)
        return ReportStats(total, last, total - last, first, int(trusted or 0), {r: int(n) for r, n in reasons})

    def open_case(self, subject_id: str) -> Case | None:
        row = self._x(f"SELECT {_CASE_COLS} FROM cases WHERE subject_id = ? AND status <> 'closed'",
                      (subject_id,)).fetchone()
        return _case(row) if row else None

    def get_case(self, case_id: str) -> Case | None:
        row = self._x(f"SELECT {_CASE_COLS} FROM cases WHERE id = ?", (case_id,)).fetchone()
        return _case(row) if row else None

    def save_case(self, c: Case) -> None:
        values = (c.subject_id, c.status, c.queue, c.priority, c.risk, json.dumps(c.parts, sort_keys=True),
                  json.dumps(c.reasons), c.category, c.lang, c.opened_at, c.updated_at, c.sla_due, c.claimed_by,
                  c.claim_until, json.dumps(c.dismissed_by), c.closed_at, c.outcome, json.dumps(c.interim))
        cur = self._x("UPDATE cases SET subject_id = ?, status = ?, queue = ?, priority = ?, risk = ?, parts = ?, "
                      "reasons = ?, category = ?, lang = ?, opened_at = ?, updated_at = ?, sla_due = ?, claimed_by = ?, "
                      "claim_until = ?, dismissed_by = ?, closed_at = ?, outcome = ?, interim = ? WHERE id = ?", values + (c.id,))
        if cur.rowcount == 0:
            self._x(f"INSERT INTO cases ({_CASE_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (c.id,) + values)

    def queue(self, name: str | None, limit: int = 100) -> list[Case]:
        where, params = ("status <> 'closed'", ()) if name is None else ("status <> 'closed' AND queue = ?", (name,))
        rows = self._x(f"SELECT {_CASE_COLS} FROM cases WHERE {where} ORDER BY priority, sla_due, risk DESC, id "
                       "LIMIT ?", params + (limit,)).fetchall()
        return [_case(r) for r in rows]

    def overdue_cases(self, now: str, limit: int = 500) -> list[Case]:
        rows = self._x(f"SELECT {_CASE_COLS} FROM cases WHERE status <> 'closed' AND sla_due <= ? "
                       "ORDER BY sla_due, id LIMIT ?", (now, limit)).fetchall()
        return [_case(r) for r in rows]
