"""Human review: report intake, risk-scored cases routed to queues, interim protection, claims and reviewer
decisions. Use cases over a unit of work; the rules themselves live in domain.risk and domain.cases.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable

from ..domain import status as ev
from ..domain.cases import CLOSED, PENDING_SECOND, Case, Conflict, NotAllowed, Reviewer, check_claim, check_dismiss
from ..domain.clock import parse_iso, plus
from ..domain.model import CATEGORIES, Action, ContentItem, Decision, Report
from ..domain.policy import Policy, best_signals, is_bank_signal
from ..domain.risk import GATHERINGS, PRIORITIES as PRIORITY_ORDER, SEVERITY, Assessment, RiskInput, assess
from ..ports import ReportRow, UnitOfWork
from .apply import apply_decision
from .campaigns import decide_members
from .notices import notify_reporters


class NotFound(LookupError):
    pass


class Invalid(ValueError):
    pass


def _gather(uow: UnitOfWork, item: ContentItem, policy: Policy, now: str) -> RiskInput:
    stats = uow.report_stats(item.id, plus(now, -3600))
    signals = uow.signals_for(item.id, item.version)
    best = best_signals(signals)
    banked = [s for s in signals if is_bank_signal(s)]
    flagged = {c: s.score for c, s in best.items()
               if (t := policy.flag_threshold(c, item)) is not None and s.score >= t}
    candidates = dict(flagged)
    for s in banked:
        candidates.setdefault(s.category, 0.0)
    for reason in stats.by_reason:
        candidates.setdefault(reason, 0.0)
    category = max(candidates, key=lambda c: (SEVERITY.get(c, 0.3), candidates[c])) if candidates else None
    if category is None and best:
        category = max(best, key=lambda c: best[c].score)
    hours_before = 1.0
    if stats.first_at and stats.before_last_hour:
        hours_before = max(1.0, (parse_iso(now) - parse_iso(stats.first_at)).total_seconds() / 3600 - 1)
    starts_in = None
    if item.event and item.event.starts_at:
        starts_in = (parse_iso(item.event.starts_at) - parse_iso(now)).total_seconds()
    return RiskInput(category=category, confidence=best[category].score if category in best else 0.0,
                     reporters=stats.reporters, reports_last_hour=stats.last_hour,
                     reports_baseline_per_hour=stats.before_last_hour / hours_before,
                     trusted_reporters=stats.trusted, category_reporters=stats.by_reason.get(category or "", 0),
                     reach=item.reach, content_type=item.type, event_starts_in_s=starts_in,
                     prior_strikes=uow.strikes(item.author.id, plus(now, -policy.review.strike_ttl_s))
                     if item.author else 0, bank_match=max((s.score for s in banked), default=0.0), lang=item.lang)


def _interim(uow: UnitOfWork, case: Case, a: Assessment, item: ContentItem, policy: Policy, now: str,
             new_id: Callable[[], str]) -> None:
    wanted = policy.review.interim.get(a.priority, ())
    if not wanted or case.interim:
        return
    types = [t for t in wanted if t != "pause_rsvps" or item.type == "event"]
    decision = Decision(new_id(), item.id, item.version, "interim", a.category, "review.interim", policy.name,
                        policy.version, True, (f"interim protection while a {a.priority} case waits for review",)
                        + a.reasons, created_at=now)
    recorded = uow.append_event(item.id, ev.DECISION_MADE, {
        "decision_id": decision.id, "version": item.version, "verdict": "interim", "category": a.category,
        "rule": decision.rule, "policy": policy.name, "policy_version": policy.version, "automated": True,
        "case_id": case.id, "reasons": list(decision.reasons)}, now)
    uow.add_decision(decision, recorded.seq)
    for t in types:
        action = Action(new_id(), decision.id, item.id, t, now)
        uow.add_action(action)
        uow.append_event(item.id, ev.ACTION_APPLIED, {"action_id": action.id, "decision_id": decision.id, "type": t,
                                                      "label": None, "expires_at": None, "item_id": item.id,
                                                      "automated": True, "case_id": case.id}, now)
        case.interim.append(action.id)


def upsert_case(uow: UnitOfWork, item: ContentItem, policy: Policy, now: str, new_id: Callable[[], str],
                trigger: str, queue: str | None = None) -> Case:
    """Open a case for the item, or re-assess its open one; route it, and protect while it waits."""
    a = assess(_gather(uow, item, policy, now), policy.review)
    case = uow.open_case(item.id)
    if case is None:
        case = Case(new_id(), item.id, "open", queue or a.queue, a.priority, a.risk, a.parts, list(a.reasons),
                    None, item.lang, now, now, plus(now, policy.review.sla_s[a.priority]))
        kind = "case.opened"
    else:
        kind = "case.updated"
        if a.priority < case.priority:  # moved up: a new, shorter SLA from now
            case.sla_due = min(case.sla_due, plus(now, policy.review.sla_s[a.priority]))
        case.priority = min(case.priority, a.priority)  # a case never moves down while it is open
        case.queue = queue or a.queue
        case.risk, case.parts, case.reasons, case.updated_at = a.risk, a.parts, list(a.reasons), now
    case.category = a.category
    _interim(uow, case, a, item, policy, now, new_id)
    uow.save_case(case)
    uow.append_event(item.id, kind, {"case_id": case.id, "trigger": trigger, "priority": case.priority,
                                     "queue": case.queue, "risk": case.risk, "reasons": case.reasons}, now)
    return case


def after_decision(uow: UnitOfWork, item: ContentItem, decision: Decision, policy: Policy, now: str,
                   new_id: Callable[[], str]) -> Case | None:
    """Called by the engine for each automated decision: review verdicts open cases; a share of automated
    removals is sampled into the QA queue; an item with an open case is re-assessed."""
    wants_review = any(e.type == "review" for e in decision.effects)
    sampled = decision.verdict != "allow" and not wants_review and decision.effects and \
        int(hashlib.sha256(decision.id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < policy.review.qa_share
    if wants_review or uow.open_case(item.id) is not None:
        return upsert_case(uow, item, policy, now, new_id, f"decision {decision.verdict}")
    if sampled:
        return upsert_case(uow, item, policy, now, new_id, "qa sample of an automated action", queue="qa")
    return None


def escalate_overdue(uow: UnitOfWork, policy: Policy, now: str, limit: int = 500) -> list[Case]:
    """An SLA breach moves a case up one priority, into its category's specialist queue if there is one, with the
    new priority's SLA from now. P0 cases stay P0 and get a fresh, logged breach."""
    moved = []
    for case in uow.overdue_cases(now, limit):
        before = (case.priority, case.queue)
        case.priority = PRIORITY_ORDER[max(0, PRIORITY_ORDER.index(case.priority) - 1)]
        specialist = policy.review.specialist_queue(case.category)
        if specialist is not None and case.queue != "qa":
            case.queue = specialist.name
        case.sla_due, case.updated_at = plus(now, policy.review.sla_s[case.priority]), now
        case.reasons = case.reasons + [f"SLA breached at {now}: {before[0]} -> {case.priority}"]
        uow.save_case(case)
        uow.append_event(case.subject_id, "case.escalated", {"case_id": case.id, "from": list(before),
                                                             "to": [case.priority, case.queue], "why": "sla"}, now)
        moved.append(case)
    return moved


def _targets(uow: UnitOfWork, item: ContentItem) -> list[ContentItem]:
    """The reported item and the page, group or event it sits under (a report counts for those too)."""
    out, seen, cur = [item], {item.id}, item
    for _ in range(4):
        if not cur.parent_id or cur.parent_id in seen:
            break
        parent = uow.get_item(cur.parent_id)
        if parent is None:
            break
        seen.add(parent.id)
        if parent.type in GATHERINGS:
            out.append(parent)
        cur = parent
    return out


@dataclass(frozen=True)
class ReportOutcome:
    report_id: str
    counted_for: list[str]
    duplicate_for: list[str]
    cases: list[Case]


def add_report(uow: UnitOfWork, report: Report, policy: Policy, now: str, new_id: Callable[[], str]) -> ReportOutcome:
    if report.reason not in CATEGORIES:
        raise Invalid(f"reason: {report.reason!r} is not one of {', '.join(CATEGORIES)}")
    item = uow.get_item(report.subject_id)
    if item is None:
        raise NotFound(f"no subject {report.subject_id!r}: send the content before reports about it")
    rid, counted, dup, cases = new_id(), [], [], []
    for target in _targets(uow, item):
        row = ReportRow(f"{rid}:{target.id}" if target.id != item.id else rid, target.id, item.id, report.reporter_id,
                        report.reason, report.text, report.trusted_flagger, report.created_at or now, now)
        if not uow.add_report(row):
            dup.append(target.id)
            continue
        counted.append(target.id)
        uow.append_event(target.id, "report.received",
                         {"report_id": rid, "reported_item": item.id, "reporter_id": report.reporter_id,
                          "reason": report.reason, "trusted_flagger": report.trusted_flagger}, now)
        cases.append(upsert_case(uow, target, policy, now, new_id, f"report {rid} ({report.reason})"))
    return ReportOutcome(rid, counted, dup, cases)


def claim(uow: UnitOfWork, case_id: str, reviewer: Reviewer, policy: Policy, now: str) -> Case:
    case = _case(uow, case_id)
    check_claim(case, reviewer, now)
    case.claimed_by, case.claim_until = reviewer.id, plus(now, policy.review.claim_ttl_s)
    uow.save_case(case)
    uow.append_event(case.subject_id, "case.claimed", {"case_id": case.id, "reviewer": reviewer.id,
                                                       "until": case.claim_until}, now)
    return case


def _case(uow: UnitOfWork, case_id: str) -> Case:
    case = uow.get_case(case_id)
    if case is None:
        raise NotFound(f"no case {case_id!r}")
    return case


def decide(uow: UnitOfWork, case_id: str, reviewer: Reviewer, verdict: str, reason: str, rule: str | None,
           policy: Policy, now: str, new_id: Callable[[], str]) -> Case:
    """A reviewer's decision on a case. `dismiss` means no violation (the policy's default verdict)."""
    case = _case(uow, case_id)
    check_claim(case, reviewer, now)
    if not reason.strip():
        raise Invalid("reason: a decision needs a reason")
    name = policy.default_verdict if verdict == "dismiss" else verdict
    spec = policy.verdicts.get(name)
    if spec is None or spec.review:
        raise Invalid(f"verdict: {verdict!r} is not a final verdict of policy {policy.name}")
    if reviewer.role not in spec.roles:
        raise NotAllowed(f"role {reviewer.role!r} may not hand out {name!r} (allowed: {', '.join(sorted(spec.roles))})")
    if name == policy.default_verdict:
        team = next((q.team for q in policy.review.queues if q.name == case.queue), None)
        if check_dismiss(case, reviewer, team) == PENDING_SECOND:
            case.dismissed_by.append(reviewer.id)
            case.status, case.updated_at, case.claimed_by, case.claim_until = PENDING_SECOND, now, None, None
            uow.save_case(case)
            uow.append_event(case.subject_id, "case.dismissal_pending",
                             {"case_id": case.id, "reviewer": reviewer.id, "reason": reason}, now)
            return case
        case.dismissed_by.append(reviewer.id)
    if case.subject_id.startswith("campaign:"):
        decided = decide_members(uow, case, name, reason, rule, reviewer.id, policy, now, new_id)
        case.status, case.outcome, case.closed_at, case.updated_at = CLOSED, name, now, now
        uow.save_case(case)
        uow.append_event(case.subject_id, "case.closed", {"case_id": case.id, "outcome": name, "reviewer": reviewer.id,
                                                          "decisions": len(decided)}, now)
        return case
    item = uow.get_item(case.subject_id)
    if item is None:
        raise NotFound(f"case {case.id}: no item {case.subject_id!r}")
    decision = Decision(new_id(), item.id, item.version, name, case.category, rule, policy.name, policy.version, False,
                        (reason,), spec.effects, reviewer.id, now)
    recorded = uow.append_event(item.id, ev.DECISION_MADE, {
        "decision_id": decision.id, "version": item.version, "verdict": name, "category": case.category, "rule": rule,
        "policy": policy.name, "policy_version": policy.version, "automated": False, "reviewer": reviewer.id,
        "reasons": [reason], "case_id": case.id}, now)
    uow.add_decision(decision, recorded.seq)
    apply_decision(uow, decision, item, now, new_id, policy)
    notify_reporters(uow, item.id, name, decision.id, now)
    for action_id in case.interim:  # interim protection ends with the case: the final decision stands instead
        if uow.end_action(action_id, now, "case closed"):
            uow.append_event(item.id, ev.ACTION_REVERSED, {"action_id": action_id, "why": f"case {case.id} closed"},
                             now)
    case.status, case.outcome, case.closed_at, case.updated_at = CLOSED, name, now, now
    uow.save_case(case)
    uow.append_event(item.id, "case.closed", {"case_id": case.id, "outcome": name, "reviewer": reviewer.id}, now)
    return case


__all__ = ["Conflict", "NotAllowed", "NotFound", "Invalid", "add_report", "claim", "decide", "after_decision",
           "upsert_case"]
