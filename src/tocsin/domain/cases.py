"""Review cases and the rules reviewers work under. Pure: the use cases load a Case, ask these functions what
is allowed, and write the outcome.

The rule this project exists for: a P0 violence case cannot be dismissed by a reviewer outside the violence
specialist team, and dismissing any P0 case needs a second, different reviewer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OPEN, PENDING_SECOND, CLOSED = "open", "pending_second", "closed"


@dataclass
class Case:
    id: str
    subject_id: str
    status: str
    queue: str
    priority: str
    risk: float
    parts: dict[str, float]
    reasons: list[str]
    category: str | None
    lang: str | None
    opened_at: str
    updated_at: str
    sla_due: str
    claimed_by: str | None = None
    claim_until: str | None = None
    dismissed_by: list[str] = field(default_factory=list)
    closed_at: str | None = None
    outcome: str | None = None
    interim: list[str] = field(default_factory=list)  # ids of interim actions to lift when the case closes

    def view(self) -> dict[str, Any]:
        return {"case_id": self.id, "subject_id": self.subject_id, "status": self.status, "priority": self.priority,
                "risk": self.risk, "risk_parts": self.parts, "queue": self.queue, "reasons": self.reasons,
                "category": self.category, "lang": self.lang, "opened_at": self.opened_at, "sla_due": self.sla_due,
                "claimed_by": self.claimed_by, "claim_until": self.claim_until, "dismissed_by": self.dismissed_by,
                "outcome": self.outcome, "interim_actions": self.interim}


@dataclass(frozen=True)
class Reviewer:
    id: str  # the key or user id
    role: str
    team: str | None


class NotAllowed(Exception):
    """The reviewer may not do this (maps to 403)."""


class Conflict(Exception):
    """The case is in a state that does not allow this now (maps to 409)."""


def check_claim(case: Case, reviewer: Reviewer, now: str) -> None:
    if case.status == CLOSED:
        raise Conflict(f"case {case.id} is closed")
    if case.claimed_by and case.claimed_by != reviewer.id and case.claim_until and case.claim_until > now:
        raise Conflict(f"case {case.id} is claimed by {case.claimed_by} until {case.claim_until}")


def check_dismiss(case: Case, reviewer: Reviewer, specialist_team: str | None) -> str:
    """Who may dismiss, and what a dismissal does: returns the case's next status."""
    if case.priority == "P0" and specialist_team and reviewer.team != specialist_team:
        raise NotAllowed(f"a P0 case in the {case.queue} queue can only be dismissed by the {specialist_team} "
                         "specialist team")
    if case.priority != "P0":
        return CLOSED
    if reviewer.id in case.dismissed_by:
        raise Conflict("dismissing a P0 case needs a second, different reviewer")
    return CLOSED if case.dismissed_by else PENDING_SECOND
