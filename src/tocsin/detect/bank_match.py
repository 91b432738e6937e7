"""Matching items against every enabled bank on ingest. One index per bank, kept in memory and brought up to date
from the store by the bank's revision: new entries are added in place, edits and removals rebuild the index.

A match at or above a bank's `suggest` threshold becomes a signal whose source is `bank:<name>`, with the entry,
the matcher, the similarity and the level (`suggest` or `auto`) as evidence; the policy decides what each level
does. A match with a negative (known-benign) bank removes every positive bank match for that item. A match with a
fact-checked claim rated false becomes a `misinformation` signal carrying the fact-check's URL and rating.
"""
from __future__ import annotations

import re
import threading
from typing import Sequence

from ..domain.model import ContentItem, Signal
from ..ports import Bank, BankEntry, Store
from .banks import BankIndex

_FALSE = re.compile(r"\b(false|fake|pants on fire|incorrect|misleading|fabricated|miscaptioned|scam|hoax|"
                    r"unproven|distorts?|wrong|falso|falsa|faux|fausse|falsch|irref[uü]hrend|onwaar|nep|"
                    r"enga[nñ]oso|sahte|yanl[ıi][sş]|ψευδ|كاذب|خاطئ|زائف)", re.IGNORECASE)
_NOT_FALSE = re.compile(r"\b(true|correct|accurate|mostly true|verdadero|vrai|wahr|richtig|waar|doğru)\b",
                        re.IGNORECASE)


def rated_false(labels: dict) -> bool:
    """Whether a fact-check's rating says the claim is false, from its text or from a numeric scale."""
    rating = labels.get("rating")
    if isinstance(rating, str) and rating.strip():
        if _FALSE.search(rating):
            return True
        if _NOT_FALSE.search(rating):
            return False
    try:
        value = float(labels.get("ratingValue", rating))  # type: ignore[arg-type]
        best, worst = float(labels.get("bestRating", 5)), float(labels.get("worstRating", 1))
    except (TypeError, ValueError):
        return False
    return best > worst and value <= worst + 0.25 * (best - worst)


class BankMatcher:
    """Thread-safe: the API serves requests from several threads; indexes are swapped under a lock."""

    def __init__(self, top: int = 3):
        self.top = top
        self._banks: dict[str, Bank] = {}
        self._indexes: dict[str, BankIndex] = {}
        self._lock = threading.Lock()

    def refresh(self, store: Store) -> None:
        with self._lock, store.uow() as uow:
            banks = {b.name: b for b in uow.list_banks() if b.enabled}
            for b in banks.values():
                idx = self._indexes.get(b.name)
                if idx is not None and (idx.matcher_names, idx.encoder) == (b.matchers, b.encoder):
                    if idx.revision == b.revision:
                        continue
                    if idx.update(uow.bank_entries(b.name, since_rev=idx.revision), b.revision):
                        continue
                self._indexes[b.name] = BankIndex(uow.bank_entries(b.name), b.matchers, b.encoder, b.revision)
            self._indexes = {k: v for k, v in self._indexes.items() if k in banks}
            self._banks = banks

    @property
    def empty(self) -> bool:
        return not any(idx.entries for idx in self._indexes.values())

    def signals(self, items: Sequence[ContentItem]) -> list[list[Signal]]:
        out: list[list[Signal]] = [[] for _ in items]
        if not items or self.empty:
            return out
        texts = [i.full_text() for i in items]
        with self._lock:
            banks, indexes = dict(self._banks), dict(self._indexes)
        benign = [False] * len(items)
        for name, b in banks.items():
            if b.kind != "negative" or not indexes[name].entries:
                continue
            for i, found in enumerate(indexes[name].match(texts, 1)):
                benign[i] |= bool(found) and found[0]["score"] >= b.suggest
        for name, b in banks.items():
            idx = indexes[name]
            if b.kind == "negative" or not idx.entries:
                continue
            for i, found in enumerate(idx.match(texts, self.top)):
                if benign[i]:
                    continue
                for m in found:
                    sig = _signal(b, idx.entries[m["entry_id"]], m, idx.revision, items[i].lang)
                    if sig is not None:
                        out[i].append(sig)
                        break  # the best entry of each bank
        return out


def _base(lang: str | None) -> str | None:
    """"pt-BR" -> "pt"; None for unknown ("und" or missing)."""
    base = (lang or "").split("-")[0].lower()
    return base if base and base != "und" else None


def _signal(b: Bank, e: BankEntry, m: dict, revision: int, item_lang: str | None = None) -> Signal | None:
    score = float(m["score"])
    if score < b.suggest:
        return None
    level = "auto" if b.auto is not None and score >= b.auto else "suggest"
    # the claims matcher's re-ranker learnt from one language; across two its scores overstate (docs/banks.md), so
    # such a match goes to a person whatever its score
    post, entry = _base(item_lang), _base(e.lang)
    across = m["matcher"] == "claims" and post is not None and entry is not None and post != entry
    if across:
        level = "suggest"
    evidence = {"bank": b.name, "entry_id": e.id, "matcher": m["matcher"], "similarity": score, "level": level,
                "threshold": b.auto if level == "auto" else b.suggest, "entry_text": e.text[:280],
                "action": e.action or b.action}
    if across:
        evidence["across_languages"] = f"{post}->{entry}"
    category = e.category or b.category
    if b.kind == "claims":
        if not rated_false(e.labels):
            return None
        category = "misinformation"
        evidence.update({k: e.labels[k] for k in ("url", "rating", "claimant", "topic") if k in e.labels})
    return Signal(f"bank:{b.name}", category or "other", score, m["matcher"], f"r{revision}", evidence)
