"""Risk of an open case, with every part that makes it up, so a reviewer can see why a case is P0.

Pure: the caller gathers the facts (signals, reports, reach, event time, strikes, bank matches) into RiskInput;
`assess` returns the score, its parts, the priority, the queue and the reasons. Configured by the policy's
`review:` section (see ReviewConfig; defaults below).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

SEVERITY = {"violence": 1.0, "hate": 0.8, "harassment": 0.5, "misinformation": 0.5, "other": 0.3, "spam": 0.2,
            "profanity": 0.2}
GATHERINGS = frozenset({"event", "page", "group"})
PRIORITIES = ("P0", "P1", "P2", "P3")


@dataclass(frozen=True)
class QueueRule:
    name: str
    categories: frozenset[str] | None = None
    langs: frozenset[str] | None = None
    team: str | None = None  # reviewers of this team are its specialists

    def matches(self, category: str | None, lang: str | None) -> bool:
        if self.categories is not None and category not in self.categories:
            return False
        return self.langs is None or (lang or "und") in self.langs


@dataclass(frozen=True)
class ReviewConfig:
    p0: float = 70.0  # risk at or above which a case is P0
    p1: float = 50.0
    p2: float = 30.0
    sla_s: dict[str, int] = field(default_factory=lambda: {"P0": 900, "P1": 3600, "P2": 14400, "P3": 86400})
    queues: tuple[QueueRule, ...] = (QueueRule("violence", frozenset({"violence"}), team="violence"),
                                     QueueRule("general"))
    spike_reports_per_hour: int = 10  # this many reports in an hour make a case P0
    spike_multiplier: float = 5.0  # ... as does this many times the subject's hourly baseline (with >= 3 reports)
    specialist_reports: int = 2  # distinct reporters of a category that route to its specialist queue, at least P1
    claim_ttl_s: int = 900
    qa_share: float = 0.05  # share of automated actions sampled into the "qa" queue
    interim: dict[str, tuple[str, ...]] = field(default_factory=lambda: {
        "P0": ("limit_distribution", "hide_from_discovery", "pause_rsvps")})
    appeal_window_s: int = 14 * 86400  # how long after a decision its author may appeal
    strike_ttl_s: int = 90 * 86400  # a removal counts as a strike against its author for this long

    def queue_for(self, category: str | None, lang: str | None) -> QueueRule:
        for q in self.queues:
            if q.matches(category, lang):
                return q
        return QueueRule("general")

    def specialist_queue(self, category: str | None) -> QueueRule | None:
        return next((q for q in self.queues if q.team and q.categories and category in q.categories), None)


@dataclass(frozen=True)
class RiskInput:
    category: str | None  # the most severe category seen in signals or reports
    confidence: float  # the classifier's calibrated score for it (0 when only reported)
    reporters: int  # distinct reporters
    reports_last_hour: int
    reports_baseline_per_hour: float  # the subject's average before the last hour
    trusted_reporters: int
    category_reporters: int  # distinct reporters who gave `category` as the reason
    reach: int
    content_type: str
    event_starts_in_s: float | None  # seconds until the event starts (negative once it has)
    prior_strikes: int
    bank_match: float = 0.0  # best similarity to known violating content, 0..1
    lang: str | None = None


@dataclass(frozen=True)
class Assessment:
    risk: float
    parts: dict[str, float]
    priority: str
    queue: str
    reasons: tuple[str, ...]
    category: str | None = None


def _priority(risk: float, cfg: ReviewConfig) -> str:
    return "P0" if risk >= cfg.p0 else "P1" if risk >= cfg.p1 else "P2" if risk >= cfg.p2 else "P3"


def _raise_to(priority: str, at_least: str) -> str:
    return min(priority, at_least)  # "P0" < "P1" < ...


def assess(x: RiskInput, cfg: ReviewConfig = ReviewConfig()) -> Assessment:
    sev = SEVERITY.get(x.category or "other", 0.3)
    soon = x.event_starts_in_s is not None and -6 * 3600 <= x.event_starts_in_s <= 48 * 3600
    urgency = 0.0
    if soon and x.content_type in GATHERINGS and x.category == "violence":
        urgency = 25.0 if x.event_starts_in_s <= 12 * 3600 else 12.0  # type: ignore[operator]
    parts = {
        "severity": round(30 * sev, 2),
        "confidence": round(25 * x.confidence, 2),
        "reports": round(min(15.0, 5 * math.log2(1 + x.reporters)), 2),
        "velocity": round(min(10.0, 2.0 * x.reports_last_hour), 2),
        "trusted_flaggers": round(min(10.0, 5.0 * x.trusted_reporters), 2),
        "reach": round(min(10.0, 2 * math.log10(1 + max(0, x.reach))), 2),
        "event_soon": urgency,
        "prior_strikes": round(min(5.0, 2.5 * x.prior_strikes), 2),
        "bank_match": round(10 * x.bank_match, 2),
    }
    risk = round(min(100.0, sum(parts.values())), 2)
    priority = _priority(risk, cfg)
    reasons = [f"risk {risk:.0f} ({', '.join(f'{k} {v:g}' for k, v in parts.items() if v)})"]
    if urgency:
        reasons.append(f"{x.content_type} starts in {x.event_starts_in_s / 3600:.1f} h with violence signals")  # type: ignore[operator]
    spike = x.reports_last_hour >= cfg.spike_reports_per_hour or (
        x.reports_last_hour >= 3 and x.reports_baseline_per_hour > 0
        and x.reports_last_hour >= cfg.spike_multiplier * x.reports_baseline_per_hour)
    if spike:
        priority = "P0"
        reasons.append(f"report spike: {x.reports_last_hour} reports in the last hour")
    queue = cfg.queue_for(x.category, x.lang)
    specialist = cfg.specialist_queue(x.category)
    if specialist and (x.category_reporters >= cfg.specialist_reports or spike or urgency):
        if queue.name != specialist.name:
            reasons.append(f"routed to specialists: {x.category_reporters} reporters cited {x.category}")
        queue = specialist
        if x.category_reporters >= cfg.specialist_reports:
            priority = _raise_to(priority, "P1")
    return Assessment(risk, parts, priority, queue.name, tuple(reasons), x.category)
