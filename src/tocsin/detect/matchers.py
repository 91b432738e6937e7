"""Matchers of known content: each a plug-in with a stable name, building an index over bank entries and
answering the best entries for each query text.

- `exact`: the same text after normalisation (case, accents and width, evasions, punctuation, spacing).
- `near-dup`: MinHash over character 5-gram shingles with LSH banding: reposts with small edits.
- `semantic`: multilingual sentence embeddings and cosine similarity: paraphrases and translations.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from abc import ABC, abstractmethod
from collections import defaultdict
from dataclasses import dataclass
from typing import ClassVar, Sequence

import numpy as np

from .normalise import deobfuscate

Match = tuple[str, float]  # (entry id, score in [0, 1])
_PUNCT = re.compile(r"[^\w]+")


def match_key(text: str) -> str:
    text = unicodedata.normalize("NFKD", deobfuscate(text).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _PUNCT.sub(" ", text).strip()


@dataclass(frozen=True)
class MatchExample:
    bank: tuple[tuple[str, str], ...]  # (entry id, text)
    query: str
    expect: str | None  # the entry that must come first, or None for "no match above the threshold"


class Matcher(ABC):
    name: ClassVar[str]
    version: ClassVar[str] = "1"
    default_threshold: ClassVar[float] = 0.5

    @classmethod
    def get_name(cls) -> str:
        return cls.name

    @abstractmethod
    def build(self, entries: Sequence[tuple[str, str]]) -> None:
        """Index (entry id, text) pairs, replacing any earlier index."""

    @abstractmethod
    def query(self, texts: Sequence[str], k: int = 5) -> list[list[Match]]:
        """Best entries for each text, best first."""

    @classmethod
    def examples(cls) -> list[MatchExample]:
        return []


class ExactMatcher(Matcher):
    name = "exact"
    default_threshold = 1.0

    def build(self, entries: Sequence[tuple[str, str]]) -> None:
        self._index: dict[str, list[str]] = defaultdict(list)
        for eid, text in entries:
            self._index[hashlib.sha256(match_key(text).encode("utf-8")).hexdigest()].append(eid)

    def query(self, texts: Sequence[str], k: int = 5) -> list[list[Match]]:
        out = []
        for t in texts:
            ids = self._index.get(hashlib.sha256(match_key(t).encode("utf-8")).hexdigest(), [])
            out.append([(eid, 1.0) for eid in ids[:k]])
        return out

    @classmethod
    def examples(cls) -> list[MatchExample]:
        bank = (("e1", "Polling stations close at 6 pm on election day!"), ("e2", "Vote by text message: send VOTE to 1234"))
        return [MatchExample(bank, "polling stations close at 6pm on election day", None),
                MatchExample(bank, "POLLING STATIONS CLOSE AT 6 PM ON ELECTION DAY", "e1"),
                MatchExample(bank, "Vote by text message:  send VOTE to 1234!!", "e2")]


_PRIME = (1 << 31) - 1  # a Mersenne prime: a*h + b stays below 2^63 for a, b < 2^31 and h < 2^32


class NearDupMatcher(Matcher):
    name = "near-dup"
    default_threshold = 0.5
    perms, bands = 64, 16  # 16 bands of 4 rows: pairs with Jaccard ~0.5 collide in some band with p ~ 0.65

    def __init__(self) -> None:
        rng = np.random.default_rng(20261122)
        self._a = rng.integers(1, _PRIME, self.perms, dtype=np.uint64)
        self._b = rng.integers(0, _PRIME, self.perms, dtype=np.uint64)

    def _signature(self, text: str) -> np.ndarray:
        key = match_key(text)
        shingles = {key[i:i + 5] for i in range(max(1, len(key) - 4))} or {key}
        h = np.fromiter((zlib.crc32(s.encode("utf-8")) for s in shingles), dtype=np.uint64, count=len(shingles))
        return ((self._a[:, None] * h[None, :] + self._b[:, None]) % np.uint64(_PRIME)).min(axis=1)

    def build(self, entries: Sequence[tuple[str, str]]) -> None:
        self._ids = [eid for eid, _ in entries]
        self._sigs = np.stack([self._signature(t) for _, t in entries]) if entries else np.zeros((0, self.perms), np.uint64)
        self._buckets: list[dict[bytes, list[int]]] = [defaultdict(list) for _ in range(self.bands)]
        rows = self.perms // self.bands
        for i, sig in enumerate(self._sigs):
            for b in range(self.bands):
                self._buckets[b][sig[b * rows:(b + 1) * rows].tobytes()].append(i)

    def query(self, texts: Sequence[str], k: int = 5) -> list[list[Match]]:
        rows, out = self.perms // self.bands, []
        for t in texts:
            sig = self._signature(t)
            cand: set[int] = set()
            for b in range(self.bands):
                cand.update(self._buckets[b].get(sig[b * rows:(b + 1) * rows].tobytes(), ()))
            scored = sorted(((self._ids[i], float(np.mean(self._sigs[i] == sig))) for i in cand),
                            key=lambda m: -m[1])
            out.append(scored[:k])
        return out

    @classmethod
    def examples(cls) -> list[MatchExample]:
        bank = (("e1", "BREAKING: the election has been moved to Wednesday because of the storm, tell everyone"),
                ("e2", "The new bridge will open to cyclists next spring after years of delays"))
        return [MatchExample(bank, "BREAKING!! the election has been moved to wednesday because of the storm - tell everybody",
                             "e1"),
                MatchExample(bank, "Our bakery has fresh sourdough every morning", None)]


class SemanticMatcher(Matcher):
    """Cosine similarity of sentence embeddings (brute force in numpy; an ANN index comes with bigger banks)."""

    name = "semantic"
    default_threshold = 0.6

    def __init__(self, encoder_key: str = "use", asymmetric: bool = False) -> None:
        """`asymmetric`: embed queries on the encoder's query side (e5), for a post looking for a claim."""
        from ..models.encoders import ENCODERS

        self._enc = ENCODERS[encoder_key]()
        self.asymmetric = asymmetric

    def embed(self, texts: Sequence[str], query: bool = False) -> np.ndarray:
        clean = [deobfuscate(t) for t in texts]
        side = getattr(self._enc, "encode_queries", None) if query and self.asymmetric else None
        x = (side(clean) if side else self._enc.encode(clean)).astype(np.float32)
        return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)

    def build(self, entries: Sequence[tuple[str, str]], embeddings: np.ndarray | None = None) -> None:
        self._ids = [eid for eid, _ in entries]
        self._m = embeddings if embeddings is not None else self.embed([t for _, t in entries])

    def query(self, texts: Sequence[str], k: int = 5, embeddings: np.ndarray | None = None) -> list[list[Match]]:
        if not self._ids:
            return [[] for _ in texts]
        q = embeddings if embeddings is not None else self.embed(texts, query=True)
        sims = q @ self._m.T
        k = min(k, len(self._ids))
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        out = []
        for row, idx in zip(sims, top):
            best = idx[np.argsort(-row[idx])]
            out.append([(self._ids[i], round(float(max(0.0, row[i])), 4)) for i in best])
        return out

    @classmethod
    def examples(cls) -> list[MatchExample]:
        bank = (("e1", "Migrants are being bused in to vote illegally in the election."),
                ("e2", "The city will plant two thousand trees along the river this year."))
        return [MatchExample(bank, "Migranten werden mit Bussen herangekarrt, um bei der Wahl illegal abzustimmen.", "e1"),
                MatchExample(bank, "Des migrants sont amenés en bus pour voter illégalement à l'élection.", "e1"),
                MatchExample(bank, "My cat likes to sleep on the warm laptop keyboard.", None)]


MATCHERS: dict[str, type[Matcher]] = {m.name: m for m in (ExactMatcher, NearDupMatcher, SemanticMatcher)}
