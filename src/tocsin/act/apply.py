"""Apply a decision's effects: write the actions and their events. Nothing else in tocsin enforces."""
from __future__ import annotations

from typing import Callable

from ..domain import status as ev
from ..domain.clock import plus
from ..domain.model import Action, ContentItem, Decision
from ..ports import UnitOfWork
from .notices import announce, notify_author


def apply_decision(uow: UnitOfWork, decision: Decision, item: ContentItem, now: str,
                   new_id: Callable[[], str], appeal_window_s: int = 14 * 86400) -> list[Action]:
    applied: list[Action] = []
    for effect in decision.effects:
        if effect.type == "review":
            uow.append_event(item.id, ev.REVIEW_REQUESTED,
                             {"decision_id": decision.id, "version": item.version, "category": decision.category,
                              "rule": decision.rule}, now)
            continue
        if effect.target == "account":
            if item.author is None:
                uow.append_event(item.id, "action.skipped",
                                 {"decision_id": decision.id, "type": effect.type,
                                  "why": "the item has no author account to act on"}, now)
                continue
            subject = item.author.id
        else:
            subject = item.id
        expires = plus(now, effect.duration_s) if effect.duration_s else None
        action = Action(new_id(), decision.id, subject, effect.type, now, expires, effect.label)
        uow.add_action(action)
        uow.append_event(subject, ev.ACTION_APPLIED,
                         {"action_id": action.id, "decision_id": decision.id, "type": action.type,
                          "label": action.label, "expires_at": expires, "item_id": item.id,
                          "automated": decision.automated}, now)
        announce(uow, "action.applied", subject, {"action_id": action.id, "decision_id": decision.id,
                                                  "type": action.type, "item_id": item.id, "label": action.label,
                                                  "expires_at": expires}, now)
        applied.append(action)
    notify_author(uow, decision, applied, item.author.id if item.author else None, now, appeal_window_s)
    return applied
