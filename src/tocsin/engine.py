"""The engine: one configured pipeline, detect -> decide -> act -> record, built explicitly (no globals)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import numpy as np

from .act.apply import apply_decision
from .act.campaigns import CampaignWindow, observe as observe_campaigns
from .act.review import after_decision
from .detect.bank_match import BankMatcher
from .detect.base import Detector
from .detect.langid import LanguageIdentifier
from .domain import status as ev
from .domain.clock import Clock, SystemClock
from .domain.model import CLASSIFY_CATEGORIES, ContentItem, Decision, Signal
from .domain.policy import Policy, evaluate
from .ingest.parse import Limits
from .ports import UnitOfWork


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass
class Engine:
    detectors: list[Detector]
    policy: Policy
    clock: Clock = field(default_factory=SystemClock)
    limits: Limits = field(default_factory=Limits)
    new_id: Callable[[], str] = _new_id
    langid: LanguageIdentifier | None = None
    banks: BankMatcher | None = None  # matches against the store's banks; refreshed per ingest batch
    embed: Callable[[Sequence[str]], np.ndarray] | None = None  # sentence vectors for campaign clustering
    campaign_window: CampaignWindow = field(default_factory=CampaignWindow)

    def with_languages(self, items: Sequence[ContentItem]) -> list[ContentItem]:
        """Items without a language get the identified one ("und" when unsure); given languages are kept."""
        if self.langid is None:
            return list(items)
        missing = [i for i in items if not i.lang]
        found = iter(self.langid.identify_many([i.full_text() for i in missing]))
        return [i if i.lang else replace(i, lang=next(found)) for i in items]

    def detect(self, items: Sequence[ContentItem]) -> list[list[Signal]]:
        out: list[list[Signal]] = [[] for _ in items]
        for det in self.detectors:
            for i, sigs in enumerate(det.detect(items)):
                out[i].extend(sigs)
        if self.banks is not None:
            for i, sigs in enumerate(self.banks.signals(items)):
                out[i].extend(sigs)
        return out

    def observe_campaigns(self, uow: UnitOfWork, items: Sequence[ContentItem]) -> list:
        """Cluster a batch's accepted items into campaigns (when the policy enables it and an encoder is set)."""
        if self.embed is None or not self.policy.campaigns.enabled:
            return []
        return observe_campaigns(uow, items, self.embed, self.policy, self.clock.now(), self.new_id,
                                 self.campaign_window)

    def classify(self, items: Sequence[ContentItem]) -> list[dict]:
        """Scores and flags for the four contract categories; stores nothing."""
        results = []
        items = self.with_languages(items)
        thresholds = [d.thresholds() for d in self.detectors]
        per_det = [d.detect(items) for d in self.detectors]
        for i, item in enumerate(items):
            scores = {c: 0.0 for c in CLASSIFY_CATEGORIES}
            flagged = {c: False for c in CLASSIFY_CATEGORIES}
            for d, det_sigs in enumerate(per_det):
                for s in det_sigs[i]:
                    if s.category in scores:
                        scores[s.category] = max(scores[s.category], s.score)
                        flagged[s.category] |= s.score >= thresholds[d].get(s.category, 1.01)
            results.append({"id": item.id, "lang": item.lang or "und",
                            "scores": {k: round(v, 4) for k, v in scores.items()}, "flagged": flagged})
        return results

    def process(self, uow: UnitOfWork, item: ContentItem, content_hash: str, signals: list[Signal]) -> Decision:
        """Record a new item version with its signals, decide under the policy, apply the effects."""
        now = self.clock.now()
        uow.add_item(item, content_hash, now)
        uow.append_event(item.id, ev.ITEM_INGESTED,
                         {"version": item.version, "content_hash": content_hash, "type": item.type,
                          "lang": item.lang, "author_id": item.author.id if item.author else None,
                          "parent_id": item.parent_id}, now)
        if signals:
            uow.add_signals(item.id, item.version, signals, now)
            uow.append_event(item.id, ev.SIGNALS_RECORDED,
                             {"version": item.version,
                              "signals": [{"source": s.source, "category": s.category, "score": s.score,
                                           "model": s.model, "model_version": s.model_version} for s in signals]},
                             now)
        decision = evaluate(self.policy, item, signals, self.new_id(), now)
        recorded = uow.append_event(item.id, ev.DECISION_MADE, decision_payload(decision), now)
        uow.add_decision(decision, recorded.seq)
        apply_decision(uow, decision, item, now, self.new_id, self.policy)
        after_decision(uow, item, decision, self.policy, now, self.new_id)
        return decision


def decision_payload(d: Decision) -> dict:
    return {"decision_id": d.id, "version": d.subject_version, "verdict": d.verdict, "category": d.category,
            "rule": d.rule, "policy": d.policy_name, "policy_version": d.policy_version, "automated": d.automated,
            "reviewer": d.reviewer, "reasons": list(d.reasons)}
