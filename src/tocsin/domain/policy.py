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
class BankPolicy:
    """What bank matches lead to. A match at a bank's `suggest` threshold gets `suggest`; at its `auto` threshold,
    the entry's or the bank's own action, else `auto` (`misinformation` for a false fact-checked claim, or the
    verdict its `topics` entry names, e.g. voting: remove). `auto_bank` names the bank that content removed under
    one of `auto_bank_verdicts` goes into, so that reposts and translations are caught on ingest."""

    suggest: str = "review"
    auto: str = "review"
    misinformation: str = "review"
    topics: dict[str, str] = field(default_factory=dict, hash=False)
    auto_bank: str | None = None
    auto_bank_verdicts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CampaignPolicy:
    """Items whose sentence vectors are within `similarity` (cosine), from at least `min_accounts` distinct accounts
    within `window_s`, form a campaign with its own case in `queue`."""

    enabled: bool = True
    similarity: float = 0.7
    window_s: int = 3600
    min_accounts: int = 10
    queue: str = "campaigns"


@dataclass(frozen=True)
class Policy:
    name: str
    version: str
    rules: tuple[Rule, ...]
    verdicts: dict[str, VerdictSpec] = field(hash=False)
    default_verdict: str = "allow"
    source: str = "<memory>"
    review: ReviewConfig = field(default_factory=ReviewConfig, hash=False)
    banks: BankPolicy = field(default_factory=BankPolicy, hash=False)
    campaigns: CampaignPolicy = field(default_factory=CampaignPolicy, hash=False)

    def flag_threshold(self, category: str, item: ContentItem) -> float | None:
        """The lowest score at which any rule acts on `category` for this item (None: never)."""
        ts = [r.threshold for r in self.rules if r.category == category and r.applies_to(item)]
        return min(ts) if ts else None


def is_bank_signal(s: Signal) -> bool:
    return s.source.startswith("bank:")


def best_signals(signals: list[Signal]) -> dict[str, Signal]:
    """The highest-scoring classifier signal per category (bank matches are similarities, not probabilities)."""
    best: dict[str, Signal] = {}
    for s in signals:
        if is_bank_signal(s):
            continue
        if s.category not in best or s.score > best[s.category].score:
            best[s.category] = s
    return best


def bank_verdict(policy: Policy, sig: Signal) -> str | None:
    """The verdict a bank match asks for under the policy (None: below the bank's suggest threshold)."""
    ev = sig.evidence
    if ev.get("level") == "suggest":
        return policy.banks.suggest
    if ev.get("level") != "auto":
        return None
    if ev.get("action") in policy.verdicts:
        return str(ev["action"])
    if sig.category == "misinformation":
        return policy.banks.topics.get(str(ev.get("topic")), policy.banks.misinformation)
    return policy.banks.auto


def _candidates(policy: Policy, item: ContentItem, signals: list[Signal]) -> list[tuple[str, str, Signal, str]]:
    """(verdict, rule id, signal, reason) for every rule and bank match the item meets."""
    best = best_signals(signals)
    out = []
    for rule in policy.rules:
        sig = best.get(rule.category)
        if sig is None or sig.score < rule.threshold or not rule.applies_to(item):
            continue
        out.append((rule.verdict, rule.id, sig, f"{rule.category} score {sig.score:.3f} >= {rule.threshold:.2f} "
                                                f"(rule {rule.id}, detector {sig.source} {sig.model}@{sig.model_version})"))
    for sig in signals:
        verdict = bank_verdict(policy, sig) if is_bank_signal(sig) else None
        if verdict is None:
            continue
        ev = sig.evidence
        reason = (f"matches {ev.get('bank')}/{ev.get('entry_id')} ({sig.model} similarity {sig.score:.3f} >= "
                  f"{ev.get('level')} threshold {ev.get('threshold')})")
        if ev.get("url"):
            reason += f"; fact-check: {ev.get('rating') or 'rated'} {ev['url']}"
        out.append((verdict, f"bank:{ev.get('bank')}:{ev.get('level')}", sig, reason))
    return out


def _effect_for(e: Effect, sig: Signal | None) -> Effect:
    """A label may name the matched fact-check: "fact-check: {url}" is filled from the signal's evidence."""
    if e.label and "{" in e.label and sig is not None:
        fields = {k: str(sig.evidence.get(k) or "") for k in ("url", "rating", "bank", "entry_id")}
        try:
            return Effect(e.type, e.target, e.duration_s, e.label.format_map(fields))
        except (KeyError, ValueError, IndexError):
            return e
    return e


def evaluate(policy: Policy, item: ContentItem, signals: list[Signal], decision_id: str, now: str) -> Decision:
    """The most severe verdict among the rules and bank matches the item's signals meet; the default if none."""
    chosen: tuple[str, str, Signal, str] | None = None
    candidates = _candidates(policy, item, signals)
    for cand in candidates:
        if chosen is None or policy.verdicts[cand[0]].severity > policy.verdicts[chosen[0]].severity:
            chosen = cand
    sig = None
    if chosen is None:
        spec = policy.verdicts[policy.default_verdict]
        reasons: tuple[str, ...] = ("no policy rule matched the item's signals",)
        category = rule_id = None
    else:
        verdict, rule_id, sig, reason = chosen
        spec = policy.verdicts[verdict]
        category, reasons = sig.category, (reason,)
        reasons += tuple(f"also: {c[3]}" for c in candidates if c is not chosen and c[0] == verdict)
        if sig.evidence.get("matches"):
            reasons += (f"evidence: {', '.join(map(str, sig.evidence['matches'][:5]))}",)
    effects = tuple(_effect_for(e, sig) for e in spec.effects) + ((Effect("review", "content"),) if spec.review else ())
    return Decision(
        id=decision_id, subject_id=item.id, subject_version=item.version, verdict=spec.name,
        category=category, rule=rule_id, policy_name=policy.name, policy_version=policy.version,
        automated=True, reasons=reasons, effects=effects, created_at=now,
    )
