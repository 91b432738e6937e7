"""The `claims` matcher: which fact-checked claim a post repeats. A post rarely quotes a claim; it retells it
("so Soros paid the protesters?"), so one similarity is not enough to rank claims. This matcher:

1. takes the `depth` best entries by multilingual-e5 (the post on e5's query side, the claims on its passage side)
   plus a little BM25 (`models.claims.hybrid_rank`);
2. describes each candidate by the features of `models.claims.candidate_features`: e5 (query side, and passage
   side on both), USE, e5 of the post without a quoted tweet's "— Name (@handle) date" signature, BM25, word
   overlap and character n-grams, each also as a z-score among the candidates;
3. orders them by a logistic re-ranker whose weights ship in `models/weights/claims.json` (`tocsin train-claims`
   reproduces them from the CLEF CheckThat! 2020 training queries);
4. re-scores the re-ranker's best 10 with a cross-encoder that reads claim and post as one text
   (`models.claim_pairs`; its tuned e5 layers ship in `models/weights/claims_pairs.npz`), when the weights have one
   and the re-ranker gives the post's best candidate at least the stage's `gate`.
The score is a probability, Platt-scaled on the training queries (the cross-encoder's part on their held-out
folds), so a bank's `suggest` and `auto` thresholds read as chances of a true match.

It embeds every entry with e5 (~30 claims/s on 2 cores) and every post twice (three times when it quotes a
tweet), plus one pass per re-scored pair, so it is meant for claims banks, not for every bank; docs/banks.md gives
its measured quality and cost.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from .matchers import Match, Matcher, MatchExample, SemanticMatcher

WEIGHTS = Path(__file__).resolve().parent.parent / "models" / "weights" / "claims.json"


class ClaimMatcher(Matcher):
    name = "claims"
    default_threshold = 0.5
    depth = 50  # candidates re-ranked per post
    chunk = 64  # posts scored against every entry at once

    def __init__(self, weights: Path | dict | None = None) -> None:
        """`weights`: a re-ranker (its JSON as a dict or a path); the shipped one by default."""
        self._weights = weights
        self._ranker = None
        self._pairs: object = None  # the cross-encoder stage: None until loaded, False when there is none
        self._e5 = SemanticMatcher("e5", asymmetric=True)
        self._use = SemanticMatcher("use")
        self._ids: list[str] = []
        self._texts: list[str] = []
        self._p = np.zeros((0, 384), np.float32)
        self._u = np.zeros((0, 512), np.float32)

    def _load(self) -> None:
        """Read the weights once: the re-ranker and, when they have one, the cross-encoder stage (each unless the
        caller has set it)."""
        from ..models.claim_pairs import CrossEncoder
        from ..models.claims import Reranker

        w = self._weights if self._weights is not None else WEIGHTS
        doc = w if isinstance(w, dict) else json.loads(Path(w).read_text("utf-8"))
        if self._ranker is None:
            self._ranker = Reranker.from_dict(doc)
        if self._pairs is None:
            folder = WEIGHTS.parent if isinstance(w, dict) else Path(w).parent
            self._pairs = CrossEncoder.from_dict(doc["cross_encoder"], folder) if "cross_encoder" in doc else False

    @property
    def ranker(self):
        if self._ranker is None:
            self._load()
        return self._ranker

    @ranker.setter
    def ranker(self, ranker) -> None:
        """A re-ranker of the caller's; the cross-encoder stage, trained with the shipped one, is left out."""
        self._ranker, self._pairs = ranker, False

    @property
    def cross_encoder(self):
        """The last stage (`models.claim_pairs.CrossEncoder`) when the weights have one, else None."""
        if self._pairs is None:
            self._load()
        return self._pairs or None

    @cross_encoder.setter
    def cross_encoder(self, stage) -> None:
        self._pairs = stage or False

    @property
    def ids(self) -> list[str]:
        """Entry ids in index order: `features` and `cosine_top` answer with positions in this list."""
        return self._ids

    @property
    def texts(self) -> list[str]:
        """Entry texts in index order."""
        return self._texts

    @property
    def vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """The entries' e5 (passage side) and USE embeddings, as `build` takes them."""
        return self._p, self._u

    def cosine_top(self, texts: Sequence[str], encoder: str, k: int, bm25_weight: float = 0.0) -> np.ndarray:
        """Positions of the k best entries per text by one encoder's cosine (`e5`: the post on the query side),
        plus `bm25_weight` times BM25 scaled to the text's best: the rankings the re-ranker is measured against."""
        from ..models.claims import hybrid_rank

        side, vecs = (self._e5, self._p) if encoder == "e5" else (self._use, self._u)
        texts = list(texts)
        lexical = self._bm25.scores(texts) if bm25_weight else np.zeros((len(texts), len(self._ids)), np.float32)
        return hybrid_rank(side.embed(texts, query=True) @ vecs.T, lexical, bm25_weight, min(k, len(self._ids)))

    def build(self, entries: Sequence[tuple[str, str]], vectors: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """`vectors`: the entries' e5 (passage side) and USE embeddings when the caller has them already."""
        self._ids, self._texts = [], []
        self._p, self._u = self._p[:0], self._u[:0]
        self.add(entries, vectors)

    def add(self, entries: Sequence[tuple[str, str]], vectors: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        from ..models.claims import BM25, CharGrams, tokens

        if not entries and self._ids:
            return
        texts = [t for _, t in entries]
        p, u = vectors if vectors is not None else (self._e5.embed(texts), self._use.embed(texts))
        self._ids += [eid for eid, _ in entries]
        self._texts += texts
        self._p, self._u = np.vstack([self._p, p]), np.vstack([self._u, u])
        # BM25 and the n-gram weights depend on the whole collection, so they are rebuilt (a few seconds at 10k)
        self._bm25, self._chars = BM25(self._texts), CharGrams(self._texts)
        self._words = [set(tokens(t)) for t in self._texts]

    def features(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(candidate entry indices, their features) per text: the re-ranker's input."""
        from ..models.claims import candidate_features, clean_tweet, tweet_body

        texts = [clean_tweet(t) for t in texts]  # links say nothing about the claim
        q = self._e5.embed(texts, query=True)
        others = [self._use.embed(texts) @ self._u.T, self._e5.embed(texts) @ self._p.T,
                  self._e5.embed([tweet_body(t) for t in texts], query=True) @ self._p.T]
        return candidate_features(q @ self._p.T, others, self._bm25.scores(texts), texts, self._words, self._chars,
                                  depth=min(self.depth, len(self._ids)))

    def query(self, texts: Sequence[str], k: int = 5) -> list[list[Match]]:
        if not self._ids:
            return [[] for _ in texts]
        out: list[list[Match]] = []
        for s in range(0, len(texts), self.chunk):  # a few score matrices of chunk x entries at a time
            cand, x = self.features(texts[s:s + self.chunk])
            prob, key = self._scored(texts[s:s + self.chunk], cand, x)
            order = np.argsort(-key, axis=1, kind="stable")[:, :k]
            out += [[(self._ids[int(cand[r, j])], round(float(prob[r, j]), 4)) for j in row]
                    for r, row in enumerate(order)]
        return out

    def _scored(self, texts: Sequence[str], cand: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probability, ordering key) per candidate: the re-ranker's, or with the cross-encoder over its top."""
        from ..models.claim_pairs import combined_key

        prob = self.ranker.probability(x)
        stage = self.cross_encoder
        if stage is None:
            return prob, prob
        go = np.flatnonzero(prob.max(axis=1) >= stage.gate)  # the others stay as the re-ranker has them
        if not len(go):
            return prob, prob
        scores = self.ranker.scores(x[go])
        top = np.argsort(-scores, axis=1, kind="stable")[:, :stage.top]
        rows = np.arange(len(go))[:, None]
        logits = stage.logits([self._texts[int(i)] for i in cand[go][rows, top].reshape(-1)],
                              [texts[r] for r in go for _ in range(top.shape[1])]).reshape(top.shape)
        mixed = combined_key(scores, top, logits, stage.weight)
        floor = stage.probability(mixed[rows, top] - 1e3)
        sub = np.minimum(prob[go], floor.min(axis=1, keepdims=True))  # below the top: never above a re-scored one
        sub[rows, top] = floor
        prob, key = prob.copy(), prob.copy()
        prob[go], key[go] = sub, mixed
        return prob, key

    @classmethod
    def examples(cls) -> list[MatchExample]:
        bank = (("c1", "Did George Soros pay protesters to disrupt the Kavanaugh hearings? No evidence supports the "
                       "claim that Soros funded the protesters."),
                ("c2", "Does drinking hot water kill the coronavirus? Hot drinks do not protect against COVID-19."),
                ("c3", "Was the election moved to Wednesday? Officials never moved the election day."),
                ("c4", "Did a shark swim down a flooded highway after the hurricane? The photograph is a composite."),
                ("c5", "Are 5G towers spreading the virus? Radio waves cannot carry or spread a virus."),
                ("c6", "Did the mayor ban Christmas trees in public parks? The city has issued no such ban."),
                ("c7", "Can you vote by text message? No state accepts votes sent by text message."),
                ("c8", "Did a celebrity chef die in a car crash last week? The report came from a hoax website."),
                ("c9", "Will the new tax take 50 % of every pension? The bill contains no tax on pensions."),
                ("c10", "Were thousands of ballots found dumped in a river? Election officials found no such "
                        "ballots."),
                ("c11", "Does eating garlic cure the flu? Garlic does not cure influenza."),
                ("c12", "Did the government put microchips in vaccines? Vaccines contain no tracking devices."))
        return [MatchExample(bank, "So Soros is paying all these people to scream at the Kavanaugh hearing?? "
                                   "Unbelievable", "c1"),
                MatchExample(bank, "drink hot water people!!! it KILLS the corona virus, doctors won't tell you",
                             "c2"),
                MatchExample(bank, "BREAKING: thousands of ballots dumped in the river by the county, share before "
                                   "they delete this", "c10"),
                MatchExample(bank, "Our bakery has fresh sourdough every morning", None),
                MatchExample(bank, "Who is coming to the match on Saturday? Tickets are still on sale", None)]
