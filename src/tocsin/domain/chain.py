"""The hash chain behind the audit log.

Every event carries the hash of the one before it, so changing, removing or reordering any stored event
breaks every hash after it. These functions are pure: the store calls `link` when it appends and
`verify` walks whatever the store hands it.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterable

from .model import LogEvent

GENESIS = "0" * 64


def canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(seq: int, subject_id: str, kind: str, payload: dict[str, Any], created_at: str, prev_hash: str) -> str:
    body = canonical(
        {"seq": seq, "subject_id": subject_id, "kind": kind, "payload": payload,
         "created_at": created_at, "prev_hash": prev_hash}
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def link(prev: tuple[int, str] | None, subject_id: str, kind: str, payload: dict[str, Any], created_at: str) -> LogEvent:
    """Make the next event after `prev` (its seq and hash; None for the first event)."""
    seq, prev_hash = (prev[0] + 1, prev[1]) if prev else (1, GENESIS)
    h = event_hash(seq, subject_id, kind, payload, created_at, prev_hash)
    return LogEvent(seq, subject_id, kind, payload, created_at, prev_hash, h)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_seq: int | None = None
    broken_subject: str | None = None
    problem: str | None = None

    def describe(self) -> str:
        if self.ok:
            return f"audit chain ok: {self.checked} events verified"
        return (f"audit chain BROKEN at event seq={self.broken_seq} subject={self.broken_subject}: "
                f"{self.problem} ({self.checked} events before it verified)")


def verify(events: Iterable[LogEvent]) -> ChainReport:
    """Recompute the chain in order and name the first broken link."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    for ev in events:
        if ev.seq != expected_seq:
            return ChainReport(False, checked, ev.seq, ev.subject_id,
                               f"sequence gap: expected seq {expected_seq}, found {ev.seq}")
        if ev.prev_hash != expected_prev:
            return ChainReport(False, checked, ev.seq, ev.subject_id,
                               "prev_hash does not match the hash of the event before it")
        recomputed = event_hash(ev.seq, ev.subject_id, ev.kind, ev.payload, ev.created_at, ev.prev_hash)
        if recomputed != ev.hash:
            return ChainReport(False, checked, ev.seq, ev.subject_id,
                               "content does not match its stored hash (event was altered)")
        expected_prev, expected_seq, checked = ev.hash, ev.seq + 1, checked + 1
    return ChainReport(True, checked)
