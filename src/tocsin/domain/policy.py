"""Policy as data, and its pure evaluation.

A policy is a list of rules (category, threshold, optional language and content-type filters, verdict)
and a table of verdicts (severity, effects, whether a human must review, which roles may hand it out).
`evaluate` turns an item and its signals into a Decision whose effects are data; it applies nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .model import ContentItem, Decision, Effect, Signal
from .risk import ReviewConfig


@dataclass(frozen=True)
class VerdictSpec:
    name: str
    severity: int
    effects: tuple[Effect, ...] = ()
    review: bool = False
    roles: frozenset[str] = frozenset({"admin"})


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    threshold: float
    verdict: str
    langs: frozenset[str] | None = None
    content_types: frozenset[str] | None = None

    def applies_to(self, item: ContentItem) -> bool:
        if self.langs is not None and (item.lang or "und") not in self.langs:
            return False
        return self.content_types is None or item.type in self.content_types


@dataclass(frozen=True)
class Policy:
    name: str
    version: str
    rules: tuple[Rule, ...]
    verdicts: dict[str, VerdictSpec] = field(hash=False)
    default_verdict: str = "allow"
    source: str = "<memory>"
    review: ReviewConfig = field(default_factory=ReviewConfig, hash=False)

    def flag_threshold(self, category: str, item: ContentItem) -> float | None:
        """The lowest score at which any rule acts on `category` for this item (None: never)."""
        ts = [r.threshold for r in self.rules if r.category == category and r.applies_to(item)]
        return min(ts) if ts else None


def best_signals(signals: list[Signal]) -> dict[str, Signal]:
    best: dict[str, Signal] = {}
    for s in signals:
        if s.category not in best or s.score > best[s.category].score:
            best[s.category] = s
    return best


def evaluate(policy: Policy, item: ContentItem, signals: list[Signal], decision_id: str, now: str) -> Decision:
    """The most severe verdict among the rules the item's signals meet; the default verdict if none."""
    best = best_signals(signals)
    chosen: tuple[Rule, Signal] | None = None
    for rule in policy.rules:
        sig = best.get(rule.category)
        if sig is None or sig.score < rule.threshold or not rule.applies_to(item):
            continue
        if chosen is None or policy.verdicts[rule.verdict].severity > policy.verdicts[chosen[0].verdict].severity:
            chosen = (rule, sig)
    if chosen is None:
        spec = policy.verdicts[policy.default_verdict]
        reasons: tuple[str, ...] = ("no policy rule matched the item's signals",)
        category = rule_id = None
    else:
        rule, sig = chosen
        spec = policy.verdicts[rule.verdict]
        category, rule_id = rule.category, rule.id
        reasons = (f"{rule.category} score {sig.score:.3f} >= {rule.threshold:.2f} (rule {rule.id}, "
                   f"detector {sig.source} {sig.model}@{sig.model_version})",)
        if sig.evidence.get("matches"):
            reasons += (f"evidence: {', '.join(map(str, sig.evidence['matches'][:5]))}",)
    effects = spec.effects + ((Effect("review", "content"),) if spec.review else ())
    return Decision(
        id=decision_id, subject_id=item.id, subject_version=item.version, verdict=spec.name,
        category=category, rule=rule_id, policy_name=policy.name, policy_version=policy.version,
        automated=True, reasons=reasons, effects=effects, created_at=now,
    )
