"""Enforcement over time: timed actions end by themselves, any action can be reversed, and moderators can act
directly on an item or an account. Every step is a decision or an event in the audit chain."""
from __future__ import annotations

from typing import Callable

from ..domain import status as ev
from ..domain.cases import Conflict, NotAllowed, Reviewer
from ..domain.clock import plus
from ..domain.model import ACCOUNT_ACTIONS, ACTION_TYPES, Action, Author, ContentItem, Decision, Effect
from ..domain.policy import Policy
from ..ports import UnitOfWork
from .apply import apply_decision
from .notices import announce
from .review import Invalid, NotFound, escalate_overdue

ADMIN_ONLY = frozenset({"ban", "suspend"})


def tick(uow: UnitOfWork, policy: Policy, now: str, limit: int = 500) -> tuple[list[Action], list]:
    """What the scheduler (and `tocsin tick`) does: end due timed actions and escalate cases past their SLA (and
    forget console sessions that have expired)."""
    uow.delete_expired_sessions(now)
    return expire_due(uow, now, limit), escalate_overdue(uow, policy, now, limit)


def expire_due(uow: UnitOfWork, now: str, limit: int = 500) -> list[Action]:
    """End every timed action whose expiry has come."""
    ended = []
    for a in uow.due_actions(now, limit):
        if uow.end_action(a.id, now, "expired"):
            uow.append_event(a.subject_id, ev.ACTION_EXPIRED,
                             {"action_id": a.id, "type": a.type, "expires_at": a.expires_at}, now)
            announce(uow, "action.expired", a.subject_id, {"action_id": a.id, "type": a.type}, now)
            ended.append(a)
    return ended


def reverse(uow: UnitOfWork, action_id: str, reviewer: Reviewer, reason: str, now: str) -> Action:
    found = uow.get_action(action_id)
    if found is None:
        raise NotFound(f"no action {action_id!r}")
    action, ended_at = found
    if ended_at is not None:
        raise Conflict(f"action {action_id} already ended at {ended_at}")
    if not reason.strip():
        raise Invalid("reason: a reversal needs a reason")
    if action.type in ADMIN_ONLY and reviewer.role != "admin":
        raise NotAllowed(f"only an admin may reverse a {action.type}")
    uow.end_action(action.id, now, "reversed")
    uow.append_event(action.subject_id, ev.ACTION_REVERSED,
                     {"action_id": action.id, "type": action.type, "by": reviewer.id, "reason": reason}, now)
    announce(uow, "action.reversed", action.subject_id, {"action_id": action.id, "type": action.type,
                                                         "reason": reason}, now)
    return action


def act_directly(uow: UnitOfWork, subject_id: str, action_type: str, duration_s: int | None, label: str | None,
                 reason: str, rule: str | None, reviewer: Reviewer, policy: Policy, now: str,
                 new_id: Callable[[], str]) -> list[Action]:
    """A moderator's own action on an item, or (freeze, suspend) on an account."""
    if action_type not in ACTION_TYPES or action_type == "review":
        raise Invalid(f"type: {action_type!r} is not an action ({', '.join(t for t in ACTION_TYPES if t != 'review')})")
    if not reason.strip():
        raise Invalid("reason: an action needs a reason")
    if action_type in ADMIN_ONLY and reviewer.role != "admin":
        raise NotAllowed(f"only an admin may {action_type}")
    if action_type == "label" and not label:
        raise Invalid("label: a label action needs a label")
    if action_type in ACCOUNT_ACTIONS:
        item = ContentItem(subject_id, "profile", "", author=Author(subject_id))  # the account is the subject
        effect = Effect(action_type, "content", duration_s, label)
    else:
        found = uow.get_item(subject_id)
        if found is None:
            raise NotFound(f"no item {subject_id!r}")
        item, effect = found, Effect(action_type, "content", duration_s, label)
    decision = Decision(new_id(), subject_id, item.version, action_type, None, rule, policy.name, policy.version,
                        False, (reason,), (effect,), reviewer.id, now)
    recorded = uow.append_event(subject_id, ev.DECISION_MADE, {
        "decision_id": decision.id, "version": item.version, "verdict": action_type, "category": None, "rule": rule,
        "policy": policy.name, "policy_version": policy.version, "automated": False, "reviewer": reviewer.id,
        "reasons": [reason], "expires_at": plus(now, duration_s) if duration_s else None}, now)
    uow.add_decision(decision, recorded.seq)
    return apply_decision(uow, decision, item, now, new_id, policy)
