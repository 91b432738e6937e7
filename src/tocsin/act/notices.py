"""What tocsin tells the platform, its users and reporters: a statement of reasons for every enforcement (what,
why, which rule, automated or not, how to appeal), the outcome to reporters, and a webhook for every action. Each
message is written to the outbox in the same transaction as what it announces, and logged in the audit chain."""
from __future__ import annotations

import uuid
from typing import Any

from ..domain.clock import plus
from ..domain.model import Action, Decision
from ..ports import OutboxMessage, UnitOfWork

APPEAL_PATH = "POST /v1/appeals"


def announce(uow: UnitOfWork, kind: str, subject_id: str, payload: dict[str, Any], now: str,
             recipient: str | None = None) -> OutboxMessage:
    msg = OutboxMessage(uuid.uuid4().hex, kind, subject_id, recipient, payload, now, 0, now)
    uow.add_outbox(msg)
    if kind.startswith("notice."):
        uow.append_event(subject_id, "notice.queued", {"message_id": msg.id, "kind": kind, "recipient": recipient}, now)
    return msg


def statement_of_reasons(decision: Decision, actions: list[Action], appeal_window_s: int) -> dict[str, Any]:
    return {
        "decision_id": decision.id, "subject_id": decision.subject_id, "version": decision.subject_version,
        "what": [{"action_id": a.id, "type": a.type, "target": a.subject_id, "label": a.label,
                  "expires_at": a.expires_at} for a in actions],
        "why": list(decision.reasons), "category": decision.category, "rule": decision.rule,
        "policy": f"{decision.policy_name}@{decision.policy_version}",
        "automated_detection": True if decision.automated else None, "automated_decision": decision.automated,
        "decided_at": decision.created_at,
        "how_to_appeal": {"until": plus(decision.created_at or "", appeal_window_s) if decision.created_at else None,
                          "request": APPEAL_PATH, "decision_id": decision.id},
    }


def notify_author(uow: UnitOfWork, decision: Decision, actions: list[Action], author_id: str | None, now: str,
                  appeal_window_s: int) -> None:
    if not actions or author_id is None:
        return
    announce(uow, "notice.statement_of_reasons", decision.subject_id,
             statement_of_reasons(decision, actions, appeal_window_s), now, recipient=author_id)


def notify_reporters(uow: UnitOfWork, subject_id: str, outcome: str, decision_id: str, now: str) -> None:
    for reporter in uow.reporters(subject_id):
        announce(uow, "notice.report_outcome", subject_id,
                 {"subject_id": subject_id, "outcome": outcome, "decision_id": decision_id}, now, recipient=reporter)
