"""Matchers of known content: each a plug-in with a stable name, building an index over bank entries and
answering the best entries for each query text.

- `exact`: the same text after normalisation (case, accents and width, evasions, punctuation, spacing).
- `near-dup`: MinHash over character 5-gram shingles with LSH banding: reposts with small edits.
- `semantic`: multilingual sentence embeddings and cosine similarity: paraphrases and translations, with an
  approximate nearest-neighbour index (faiss IVF) once a bank is large.

Every matcher can `add` entries to a built index, so a bank that grows by a few entries is not re-indexed.
Built-in matchers are registered through the `tocsin.matchers` entry points, as a third-party one would be.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from abc import ABC, abstractmethod
from collections import defaultdict
from importlib.metadata import entry_points
from dataclasses import dataclass
from typing import ClassVar, Sequence

import numpy as np

from .devanagari import to_devanagari
from .hinglish import load_model, romanised_hindi_many
from .normalise import deobfuscate

Match = tuple[str, float]  # (entry id, score in [0, 1])
_PUNCT = re.compile(r"[^\w]+")


def match_key(text: str) -> str:
    text = unicodedata.normalize("NFKD", deobfuscate(text).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _PUNCT.sub(" ", text).strip()


def exact_key(text: str) -> bytes:
    """The exact matcher's key of a text: 16 bytes of the SHA-256 of its `match_key`."""
    return hashlib.sha256(match_key(text).encode("utf-8")).digest()[:16]


@dataclass(frozen=True)
class MatchExample:
    bank: tuple[tuple[str, str], ...]  # (entry id, text)
    query: str
    expect: str | None  # the entry that must come first, or None for "no match above the threshold"


class Matcher(ABC):
    name: ClassVar[str]
    version: ClassVar[str] = "1"
    default_threshold: ClassVar[float] = 0.5
    uses_encoder: ClassVar[bool] = False  # constructed with the bank's encoder name when True

    @classmethod
    def get_name(cls) -> str:
        return cls.name

    @abstractmethod
    def build(self, entries: Sequence[tuple[str, str]]) -> None:
        """Index (entry id, text) pairs, replacing any earlier index."""

    @abstractmethod
    def add(self, entries: Sequence[tuple[str, str]]) -> None:
        """Add (entry id, text) pairs to the built index (ids not already in it)."""

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
        self._index: dict[bytes, list[str]] = defaultdict(list)
        self.add(entries)

    def add(self, entries: Sequence[tuple[str, str]]) -> None:
        self.add_keyed([(eid, exact_key(text)) for eid, text in entries])

    def add_keyed(self, entries: Sequence[tuple[str, bytes]]) -> None:
        """Add (entry id, `exact_key`) pairs whose keys the caller has already computed."""
        for eid, key in entries:
            self._index[key].append(eid)

    def query(self, texts: Sequence[str], k: int = 5) -> list[list[Match]]:
        out = []
        for t in texts:
            ids = self._index.get(exact_key(t), [])
            out.append([(eid, 1.0) for eid in ids[:k]])
        return out

    @classmethod
    def examples(cls) -> list[MatchExample]:
        bank = (("e1", "Polling stations close at 6 pm on election day!"), ("e2", "Vote by text message: send VOTE to 1234"),
                ("e3", "10000 ballots were found in a river"))
        return [MatchExample(bank, "polling stations close at 6pm on election day", None),
                MatchExample(bank, "POLLING STATIONS CLOSE AT 6 PM ON ELECTION DAY", "e1"),
                MatchExample(bank, "Vote by text message:  send VOTE to 1234!!", "e2"),
                MatchExample(bank, "10000 BALLOTS were found in a river!!!", "e3"),
                MatchExample(bank, "1000 ballots were found in a river", None)]


_PRIME = (1 << 31) - 1  # a Mersenne prime: a*h + b stays below 2^63 for a, b < 2^31 and h < 2^32
_MIX = np.uint64(0x9E3779B97F4A7C15)


class NearDupMatcher(Matcher):
    """MinHash signatures (uint32) and, per LSH band, a sorted array of band hashes: ~300 bytes per entry, so a
    million-entry bank fits in ~300 MB and a lookup is 16 binary searches."""

    name = "near-dup"
    default_threshold = 0.5
    perms, bands = 64, 16  # 16 bands of 4 rows: pairs with Jaccard ~0.5 collide in some band with p ~ 0.65

    def __init__(self) -> None:
        rng = np.random.default_rng(20261122)
        self._a = rng.integers(1, _PRIME, self.perms, dtype=np.uint64)
        self._b = rng.integers(0, _PRIME, self.perms, dtype=np.uint64)
        self.build([])

    def _signature(self, text: str) -> np.ndarray:
        key = match_key(text)
        shingles = {key[i:i + 5] for i in range(max(1, len(key) - 4))} or {key}
        h = np.fromiter((zlib.crc32(s.encode("utf-8")) for s in shingles), dtype=np.uint64, count=len(shingles))
        return ((self._a[:, None] * h[None, :] + self._b[:, None]) % np.uint64(_PRIME)).min(axis=1).astype(np.uint32)

    def _band_hashes(self, sigs: np.ndarray) -> np.ndarray:
        """(n, bands) uint64: each band's rows folded into one hash."""
        rows = self.perms // self.bands
        x = sigs.reshape(len(sigs), self.bands, rows).astype(np.uint64)
        h = np.zeros((len(sigs), self.bands), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for r in range(rows):
                h = (h ^ x[:, :, r]) * _MIX
        return h

    def build(self, entries: Sequence[tuple[str, str]]) -> None:
        self._ids: list[str] = []
        self._sigs = np.zeros((0, self.perms), np.uint32)
        self._keys = [np.zeros(0, np.uint64) for _ in range(self.bands)]
        self._order = [np.zeros(0, np.int64) for _ in range(self.bands)]
        self.add(entries)

    def add(self, entries: Sequence[tuple[str, str]]) -> None:
        if not entries:
            return
        sigs = np.stack([self._signature(t) for _, t in entries])
        start = len(self._ids)
        self._ids.extend(eid for eid, _ in entries)
        self._sigs = np.concatenate([self._sigs, sigs])
        bh = self._band_hashes(sigs)
        for b in range(self.bands):
            keys = np.concatenate([self._keys[b], bh[:, b]])
            order = np.concatenate([self._order[b], np.arange(start, start + len(entries))])
            o = np.argsort(keys, kind="stable")
            self._keys[b], self._order[b] = keys[o], order[o]

    def query(self, texts: Sequence[str], k: int = 5) -> list[list[Match]]:
        out = []
        for t in texts:
            sig = self._signature(t)
            bh = self._band_hashes(sig[None, :])[0]
            parts = []
            for b in range(self.bands):
                lo, hi = np.searchsorted(self._keys[b], bh[b], "left"), np.searchsorted(self._keys[b], bh[b], "right")
                if hi > lo:
                    parts.append(self._order[b][lo:hi])
            if not parts:
                out.append([])
                continue
            cand = np.unique(np.concatenate(parts))
            scores = (self._sigs[cand] == sig).mean(axis=1)  # estimated Jaccard of every candidate at once
            best = np.argsort(-scores, kind="stable")[:k]
            out.append([(self._ids[int(cand[i])], round(float(scores[i]), 4)) for i in best])
        return out

    @classmethod
    def examples(cls) -> list[MatchExample]:
        bank = (("e1", "BREAKING: the election has been moved to Wednesday because of the storm, tell everyone"),
                ("e2", "The new bridge will open to cyclists next spring after years of delays"))
        return [MatchExample(bank, "BREAKING!! the election has been moved to wednesday because of the storm - tell everybody",
                             "e1"),
                MatchExample(bank, "Our bakery has fresh sourdough every morning", None)]


class SemanticMatcher(Matcher):
    """Cosine similarity of sentence embeddings: exact search (faiss flat) for banks under `ann_from` entries, an
    inverted-file index with fp16 vectors beyond (probing `nprobe` of ~4*sqrt(n) lists)."""

    name = "semantic"
    default_threshold = 0.6
    uses_encoder = True
    ann_from = 50_000
    nprobe = 24

    def __init__(self, encoder_key: str = "use", asymmetric: bool = False) -> None:
        """`asymmetric`: embed queries on the encoder's query side (e5), for a post looking for a claim."""
        from ..models.encoders import ENCODERS

        self._enc = ENCODERS[encoder_key]()
        self.asymmetric = asymmetric
        self._ids: list[str] = []
        self._index = None

    def clean(self, texts: Sequence[str]) -> list[str]:
        """The texts as this matcher's encoder reads them: de-obfuscated, Hindi romanised only for an encoder that
        reads Latin letters better (USE). With e5, a Hindi translation of an English entry scores 0.90-0.93 in
        Devanagari but 0.76-0.81 romanised, under unrelated Hindi posts' best match (~0.83); so for e5, Hindi typed
        in Latin letters is also written back in Devanagari (`devanagari.py`). Which texts are Hindi is decided as the
        language identifier decides it for Latin letters (`hinglish.py`: its word test, then its character model),
        not by an item's language as in the detector: bank entries carry none, and an entry and a post must be
        read the same way."""
        if not getattr(self._enc, "reads_devanagari", False):
            return [deobfuscate(t) for t in texts]
        clean = [deobfuscate(t, romanise_hindi=False) for t in texts]
        hindi = romanised_hindi_many(clean, load_model())
        return [to_devanagari(t) if h else t for t, h in zip(clean, hindi)]

    def embed(self, texts: Sequence[str], query: bool = False) -> np.ndarray:
        return self.embed_clean(self.clean(texts), query)

    def embed_clean(self, clean: Sequence[str], query: bool = False) -> np.ndarray:
        """Unit vectors of texts already put through `clean`."""
        side = getattr(self._enc, "encode_queries", None) if query and self.asymmetric else None
        x = (side(clean) if side else self._enc.encode(clean)).astype(np.float32)
        return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)

    def build(self, entries: Sequence[tuple[str, str]], embeddings: np.ndarray | None = None) -> None:
        import faiss

        self._ids = [eid for eid, _ in entries]
        if not self._ids:
            self._index = None
            return
        x = np.ascontiguousarray(embeddings if embeddings is not None else self.embed([t for _, t in entries]),
                                 dtype=np.float32)
        n, d = x.shape
        if n < self.ann_from:
            self._index = faiss.IndexFlatIP(d)
        else:
            nlist = int(min(4096, 4 * np.sqrt(n)))
            self._index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(d), d, nlist, faiss.ScalarQuantizer.QT_fp16,
                                                        faiss.METRIC_INNER_PRODUCT)
            sample = np.random.default_rng(7).choice(n, size=min(n, 64 * nlist), replace=False)
            self._index.train(x[np.sort(sample)])
            self._index.nprobe = self.nprobe
        self._index.add(x)

    def add(self, entries: Sequence[tuple[str, str]], embeddings: np.ndarray | None = None) -> None:
        if not entries:
            return
        if self._index is None:
            self.build(entries, embeddings)
            return
        x = embeddings if embeddings is not None else self.embed([t for _, t in entries])
        self._index.add(np.ascontiguousarray(x, dtype=np.float32))
        self._ids.extend(eid for eid, _ in entries)

    def query(self, texts: Sequence[str], k: int = 5, embeddings: np.ndarray | None = None) -> list[list[Match]]:
        if not self._ids:
            return [[] for _ in texts]
        q = embeddings if embeddings is not None else self.embed(texts, query=True)
        scores, idx = self._index.search(np.ascontiguousarray(q, dtype=np.float32), min(k, len(self._ids)))
        return [[(self._ids[i], round(float(max(0.0, s)), 4)) for s, i in zip(srow, irow) if i >= 0]
                for srow, irow in zip(scores, idx)]

    @classmethod
    def examples(cls) -> list[MatchExample]:
        bank = (("e1", "Migrants are being bused in to vote illegally in the election."),
                ("e2", "The city will plant two thousand trees along the river this year."))
        return [MatchExample(bank, "Migranten werden mit Bussen herangekarrt, um bei der Wahl illegal abzustimmen.", "e1"),
                MatchExample(bank, "Des migrants sont amenés en bus pour voter illégalement à l'élection.", "e1"),
                MatchExample(bank, "My cat likes to sleep on the warm laptop keyboard.", None)]


GROUP = "tocsin.matchers"


def available_matchers() -> dict[str, type[Matcher]]:
    """Matcher plug-ins by name, found through entry points at call time."""
    found: dict[str, type[Matcher]] = {}
    for ep in entry_points(group=GROUP):
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, Matcher)):
            raise TypeError(f"entry point {ep.name!r} in {GROUP} is not a Matcher subclass: {cls!r}")
        found[cls.get_name()] = cls
    return found
