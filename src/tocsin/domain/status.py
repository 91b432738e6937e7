"""A subject's current status, derived by folding its events (as Bluesky's Ozone does).

Nothing stores "the status"; it is always recomputed from the log, so the log is the only truth.
Timed actions stop counting at their expiry even before the scheduler writes `action.expired`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

from .model import LogEvent

# Event kinds written by the pipeline. Adapters and plug-ins may add their own; unknown kinds are kept
# in the log and ignored here.
ITEM_INGESTED = "item.ingested"
SIGNALS_RECORDED = "signals.recorded"
DECISION_MADE = "decision.made"
ACTION_APPLIED = "action.applied"
ACTION_EXPIRED = "action.expired"
ACTION_REVERSED = "action.reversed"
REVIEW_REQUESTED = "review.requested"

# Which visible state wins when several actions are active, most restrictive first.
_VISIBILITY_ORDER = ("banned", "removed", "suspended", "frozen", "demoted", "visible")
_VISIBILITY_OF = {"ban": "banned", "remove": "removed", "suspend": "suspended", "freeze": "frozen",
                  "demote": "demoted"}


@dataclass
class SubjectStatus:
    subject_id: str
    latest_version: int | None = None
    visibility: str = "visible"
    labels: list[str] = field(default_factory=list)
    active_actions: list[dict[str, Any]] = field(default_factory=list)
    review: str = "none"  # none | pending | done
    last_verdict: str | None = None
    last_decision_id: str | None = None
    max_scores: dict[str, float] = field(default_factory=dict)
    event_count: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def derive_status(subject_id: str, events: Iterable[LogEvent], now: str) -> SubjectStatus:
    st = SubjectStatus(subject_id)
    actions: dict[str, dict[str, Any]] = {}
    for ev in events:
        st.event_count += 1
        p = ev.payload
        if ev.kind == ITEM_INGESTED:
            st.latest_version = p.get("version")
            st.max_scores = {}  # a new version is judged afresh
        elif ev.kind == SIGNALS_RECORDED and p.get("version") == st.latest_version:
            for s in p.get("signals", []):
                st.max_scores[s["category"]] = max(float(s["score"]), st.max_scores.get(s["category"], 0.0))
        elif ev.kind == DECISION_MADE:
            st.last_verdict, st.last_decision_id = p.get("verdict"), p.get("decision_id")
            if not p.get("automated") and st.review == "pending":
                st.review = "done"
        elif ev.kind == REVIEW_REQUESTED:
            st.review = "pending"
        elif ev.kind == ACTION_APPLIED:
            actions[p["action_id"]] = dict(p)
        elif ev.kind in (ACTION_EXPIRED, ACTION_REVERSED):
            actions.pop(p.get("action_id"), None)
    active = [a for a in actions.values() if not a.get("expires_at") or a["expires_at"] > now]
    st.active_actions = active
    st.labels = sorted({a["label"] for a in active if a.get("type") == "label" and a.get("label")})
    states = {_VISIBILITY_OF.get(a.get("type"), "visible") for a in active} | {"visible"}
    st.visibility = next(v for v in _VISIBILITY_ORDER if v in states)
    return st
