"""Appeals: the author of an enforced item (or the account holder) appeals within the window; a reviewer other
than the one who decided hears it; an overturn reverses the decision's actions, and with them its strike."""
from __future__ import annotations

from typing import Callable

from ..domain import status as ev
from ..domain.cases import Conflict, NotAllowed, Reviewer
from ..domain.clock import plus
from ..domain.model import Decision
from ..domain.policy import Policy
from ..ports import AppealRow, UnitOfWork
from .notices import announce, notify_reporters
from .review import Invalid, NotFound

OUTCOMES = {"uphold": "upheld", "overturn": "overturned"}


def file_appeal(uow: UnitOfWork, decision_id: str, appellant_id: str, text: str, policy: Policy, now: str,
                new_id: Callable[[], str]) -> AppealRow:
    decision = uow.get_decision(decision_id)
    if decision is None:
        raise NotFound(f"no decision {decision_id!r}")
    if not uow.actions_of_decision(decision_id):
        raise Invalid("decision_id: that decision took no action, so there is nothing to appeal")
    if decision.created_at and now > plus(decision.created_at, policy.review.appeal_window_s):
        raise Invalid(f"the appeal window of that decision closed at "
                      f"{plus(decision.created_at, policy.review.appeal_window_s)}")
    item = uow.get_item(decision.subject_id)
    owner = item.author.id if item is not None and item.author else decision.subject_id
    if appellant_id != owner:
        raise NotAllowed("only the author of the content (or the account holder) may appeal its decision")
    appeal = AppealRow(new_id(), decision_id, decision.subject_id, appellant_id, text, "open", now)
    if not uow.add_appeal(appeal):
        raise Conflict(f"decision {decision_id} was already appealed")
    uow.append_event(decision.subject_id, "appeal.filed",
                     {"appeal_id": appeal.id, "decision_id": decision_id, "appellant_id": appellant_id}, now)
    return appeal


def decide_appeal(uow: UnitOfWork, appeal_id: str, reviewer: Reviewer, outcome: str, reason: str, policy: Policy,
                  now: str, new_id: Callable[[], str]) -> AppealRow:
    appeal = uow.get_appeal(appeal_id)
    if appeal is None:
        raise NotFound(f"no appeal {appeal_id!r}")
    if appeal.status != "open":
        raise Conflict(f"appeal {appeal_id} was already decided ({appeal.outcome})")
    if outcome not in OUTCOMES:
        raise Invalid(f"outcome: must be one of {', '.join(OUTCOMES)}")
    if not reason.strip():
        raise Invalid("reason: an appeal decision needs a reason")
    original = uow.get_decision(appeal.decision_id)
    assert original is not None
    if original.reviewer and original.reviewer == reviewer.id:
        raise NotAllowed("an appeal must be heard by a different reviewer than the one who decided")
    verdict = OUTCOMES[outcome]
    decision = Decision(new_id(), original.subject_id, original.subject_version, f"appeal_{verdict}", original.category,
                        original.rule, policy.name, policy.version, False, (reason,), (), reviewer.id, now)
    recorded = uow.append_event(original.subject_id, ev.DECISION_MADE, {
        "decision_id": decision.id, "version": decision.subject_version, "verdict": decision.verdict,
        "category": decision.category, "rule": decision.rule, "policy": policy.name, "policy_version": policy.version,
        "automated": False, "reviewer": reviewer.id, "reasons": [reason], "appeal_id": appeal.id,
        "appealed_decision": original.id}, now)
    uow.add_decision(decision, recorded.seq)
    if outcome == "overturn":
        for action, ended_at in uow.actions_of_decision(original.id):
            if ended_at is None and uow.end_action(action.id, now, "reversed"):
                uow.append_event(action.subject_id, ev.ACTION_REVERSED, {
                    "action_id": action.id, "type": action.type, "by": reviewer.id, "reason": reason,
                    "appeal_id": appeal.id}, now)
                announce(uow, "action.reversed", action.subject_id,
                         {"action_id": action.id, "type": action.type, "reason": reason}, now)
        notify_reporters(uow, original.subject_id, decision.verdict, decision.id, now)
    announce(uow, "notice.appeal_outcome", original.subject_id,
             {"appeal_id": appeal.id, "decision_id": original.id, "outcome": verdict, "reason": reason,
              "decided_by_human": True}, now, recipient=appeal.appellant_id)
    appeal.status, appeal.decided_at, appeal.decided_by = "decided", now, reviewer.id
    appeal.outcome, appeal.reason = verdict, reason
    uow.save_appeal(appeal)
    uow.append_event(original.subject_id, "appeal.decided",
                     {"appeal_id": appeal.id, "outcome": verdict, "reviewer": reviewer.id}, now)
    return appeal
