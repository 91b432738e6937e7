"""Apply a decision's effects: write the actions and their events. Nothing else in tocsin enforces."""
from __future__ import annotations

from typing import Callable

from ..domain import status as ev
from ..domain.clock import plus
from ..domain.model import Action, ContentItem, Decision
from ..domain.policy import Policy
from ..ports import Bank, BankEntry, UnitOfWork
from .notices import announce, notify_author


def apply_decision(uow: UnitOfWork, decision: Decision, item: ContentItem, now: str,
                   new_id: Callable[[], str], policy: Policy) -> list[Action]:
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
    notify_author(uow, decision, applied, item.author.id if item.author else None, now,
                  policy.review.appeal_window_s)
    bank_if_actioned(uow, decision, item, policy, now)
    return applied


def bank_if_actioned(uow: UnitOfWork, decision: Decision, item: ContentItem, policy: Policy, now: str) -> bool:
    """Under the policy's `banks.auto_bank`, content removed under one of its verdicts goes into that bank (with
    the decision's category and verdict), so that its reposts and translations match on ingest."""
    bp = policy.banks
    if not bp.auto_bank or decision.verdict not in bp.auto_bank_verdicts or not item.full_text().strip() \
            or item.type == "profile" or (decision.rule or "").startswith("bank:"):
        return False  # a repost caught by a bank is already banked
    if uow.get_bank(bp.auto_bank) is None:
        uow.save_bank(Bank(bp.auto_bank, description="content removed under the policy, banked automatically"), now)
    entry = BankEntry(bp.auto_bank, f"{item.id}@{item.version}", item.full_text(), decision.category,
                      decision.verdict, f"decision:{decision.id}", item.lang, {"rule": decision.rule})
    if not uow.upsert_bank_entry(entry, now):
        return False
    uow.bump_bank(bp.auto_bank, now)
    uow.append_event(f"bank:{bp.auto_bank}", "bank.entry_added", {"bank": bp.auto_bank, "entry_id": entry.id,
                                                                 "decision_id": decision.id, "automatic": True}, now)
    return True
