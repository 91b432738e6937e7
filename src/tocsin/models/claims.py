"""Claim retrieval: the parts of the `claims` matcher (detect/claim_match.py): BM25, character n-grams, the fused
candidate ranking, the candidates' features and the re-ranker; and the CLEF CheckThat! 2020 task 2 loader and MAP@k
as the lab computed it, for `tocsin train-claims` and `tocsin eval-claims`. docs/banks.md gives the measured
quality of each step."""
from __future__ import annotations

import ast
import csv
import math
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from .train import platt

csv.field_size_limit(sys.maxsize)
_URL = re.compile(r"https?://\S+|pic\.twitter\.com/\S+")


_TAIL = re.compile(r"\s+—\s+[^—]*\(@\w+\)\s+\w+ \d{1,2}, \d{4}\s*$")


def clean_tweet(text: str) -> str:
    return " ".join(_URL.sub(" ", text).split())


def tweet_body(text: str) -> str:
    """A quoted tweet without its "— Name (@handle) Month D, YYYY" signature."""
    return _TAIL.sub("", text) or text


def load_clef2020(root: Path, split: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]], dict[str, set[str]]]:
    """(claims as (id, "title. claim"), queries as (id, tweet), relevant claim ids per query)."""
    with (root / "verified_claims.docs.tsv").open(encoding="utf-8", newline="") as f:
        claims = [(r[""] or "", f"{r['title']}. {r['vclaim']}") for r in csv.DictReader(f, delimiter="\t")]
    with (root / split / "tweets.queries.tsv").open(encoding="utf-8", newline="") as f:
        queries = [(r[""] or "", clean_tweet(r["tweet_content"])) for r in csv.DictReader(f, delimiter="\t")]
    qrels: dict[str, set[str]] = {}
    for line in (root / split / "tweet-vclaim-pairs.qrels").read_text("utf-8").splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] == "1":
            qrels.setdefault(parts[0], set()).add(parts[2])
    return claims, queries, qrels


NEGATIVES = 400  # unrelated posts beside the 800 CLEF train queries, for the re-ranker and bench


def unrelated_posts(train_root: Path, n: int = NEGATIVES, seed: int = 13) -> list[str]:
    """`n` English tweets of five words or more from the Founta et al. training rows (abusive and ordinary
    tweets, none about a fact-checked claim), drawn with a fixed seed."""
    import random

    from .data import load_all

    if not train_root.is_dir():
        raise FileNotFoundError(f"training data folder {train_root} not found (the unrelated posts come from it)")
    texts = sorted({e.text for e in load_all(train_root, ["roettger2022"])
                    if e.source == "fou18_en" and e.split == "train" and len(e.text.split()) >= 5})
    random.Random(seed).shuffle(texts)
    return texts[:n]


def _tuple(cell: str) -> Any:
    """MultiClaim's cells are Python literals: (original, English translation, [(language, confidence)])."""
    try:
        return ast.literal_eval(cell) if cell else None
    except (ValueError, SyntaxError):
        return None


def load_multiclaim_sample(root: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """SemEval-2025 task 7's trial sample (MultiClaim format): fact-checks as (id, "title. claim") in their original
    language, and (post text with its image text, fact-check id, "post-factcheck" language pair) per pair."""
    with (root / "trial_fact_checks.csv").open(encoding="utf-8", newline="") as f:
        checks = []
        for r in csv.DictReader(f):
            title, claim = _tuple(r["title"]), _tuple(r["claim"])
            text = ". ".join(x[0] for x in (title, claim) if x and x[0])
            checks.append((f"fc{r['fact_check_id']}", text))
    with (root / "trial_posts.csv").open(encoding="utf-8", newline="") as f:
        posts = {}
        for r in csv.DictReader(f):
            text, ocr = _tuple(r["text"]), _tuple(r["ocr"]) or []
            posts[r["post_id"]] = " ".join(([text[0]] if text else []) + [o[0] for o in ocr if o and o[0]])
    with (root / "trial_data_mapping.csv").open(encoding="utf-8", newline="") as f:
        pairs = [(posts[r["post_id"]], f"fc{r['fact_check_id']}", r["pair_lang"]) for r in csv.DictReader(f)
                 if r["post_id"] in posts]
    return checks, pairs


def average_precision(ranked: list[str], relevant: set[str], k: int) -> float:
    hits, total = 0, 0.0
    for i, cid in enumerate(ranked[:k], start=1):
        if cid in relevant:
            hits += 1
            total += hits / i
    return total / min(k, len(relevant)) if relevant else 0.0


def map_at_k(ranked: dict[str, list[str]], qrels: dict[str, set[str]], k: int) -> float:
    return sum(average_precision(ranked.get(q, []), rel, k) for q, rel in qrels.items()) / len(qrels)


_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    return [w for w in _TOKEN.findall(text.lower()) if len(w) > 1]


class BM25:
    """Okapi BM25 (k1=1.2, b=0.75) over an inverted index; `scores` gives one row of scores per query."""

    def __init__(self, docs: list[str], k1: float = 1.2, b: float = 0.75):
        toks = [tokens(d) for d in docs]
        self.n, self.k1, self.b = len(toks), k1, b
        self.lengths = np.array([len(t) for t in toks], dtype=np.float32)
        self.avg = float(self.lengths.mean()) if self.n else 1.0
        df: Counter[str] = Counter(w for t in toks for w in set(t))
        self.idf = {w: math.log(1 + (self.n - c + 0.5) / (c + 0.5)) for w, c in df.items()}
        postings: dict[str, list[tuple[int, int]]] = {}
        for i, t in enumerate(toks):
            for w, c in Counter(t).items():
                postings.setdefault(w, []).append((i, c))
        self.postings = {w: (np.array([i for i, _ in p]), np.array([c for _, c in p], dtype=np.float32))
                         for w, p in postings.items()}

    def scores(self, queries: list[str]) -> np.ndarray:
        out = np.zeros((len(queries), self.n), dtype=np.float32)
        norm = self.k1 * (1 - self.b + self.b * self.lengths / self.avg)
        for qi, q in enumerate(queries):
            for w in set(tokens(q)):
                if w in self.postings:
                    docs, tf = self.postings[w]
                    out[qi, docs] += self.idf[w] * tf * (self.k1 + 1) / (tf + norm[docs])
        return out


def hybrid_rank(semantic: np.ndarray, lexical: np.ndarray, weight: float, k: int) -> np.ndarray:
    """Indices of the k best documents per query by cosine + weight * (BM25 / the query's best BM25)."""
    fused = semantic + weight * lexical / np.maximum(lexical.max(axis=1, keepdims=True), 1e-9)
    top = np.argpartition(-fused, min(k, fused.shape[1] - 1), axis=1)[:, :k]
    order = np.take_along_axis(fused, top, axis=1).argsort(axis=1)[:, ::-1]
    return np.take_along_axis(top, order, axis=1)


def _z(x: np.ndarray) -> np.ndarray:
    return (x - x.mean(axis=1, keepdims=True)) / (x.std(axis=1, keepdims=True) + 1e-9)


class CharGrams:
    """TF-IDF over character 3- and 4-grams inside words (sublinear term frequency, vectors of unit length), for
    spelling variants the word-level BM25 misses (Nikolas / Nicholas, Southeastern / south eastern)."""

    def __init__(self, docs: list[str], min_df: int = 2):
        counts = [self._grams(d) for d in docs]
        df: Counter[str] = Counter(g for c in counts for g in c)
        n = len(docs)
        self.idf = {g: math.log((1 + n) / (1 + k)) + 1 for g, k in df.items() if k >= min_df}
        self.docs = [self._vector(c) for c in counts]

    @staticmethod
    def _grams(text: str) -> Counter[str]:
        out: Counter[str] = Counter()
        for w in _TOKEN.findall(text.lower()):
            w = f" {w} "
            for n in (3, 4):
                out.update(w[i:i + n] for i in range(max(1, len(w) - n + 1)))
        return out

    def _vector(self, counts: Counter[str]) -> dict[str, float]:
        v = {g: (1 + math.log(c)) * self.idf[g] for g, c in counts.items() if g in self.idf}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {g: x / norm for g, x in v.items()}

    def similarity(self, query: str, docs: np.ndarray) -> np.ndarray:
        q = self._vector(self._grams(query))
        return np.array([sum(w * q.get(g, 0.0) for g, w in self.docs[i].items()) for i in docs], np.float32)


def candidate_features(semantic: np.ndarray, others: list[np.ndarray], lexical: np.ndarray, queries: list[str],
                       claim_tokens: list[set[str]], chars: CharGrams | None = None, weight: float = 0.05,
                       depth: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """The top `depth` claims per query by the hybrid score (`semantic` cosine + scaled BM25), and for each: every
    similarity (`semantic`, then `others`: e.g. USE, e5 with the passage prefix on both sides) raw and as a z-score
    among the candidates; BM25 scaled to the query's best, and its z-score; the gap to the best semantic cosine; the
    log of the hybrid rank; the share of the claim's words found in the query; and the character n-gram cosine, raw
    and as a z-score (zeros without `chars`)."""
    cand = hybrid_rank(semantic, lexical, weight, depth)
    rows = np.arange(len(queries))[:, None]
    sims = [m[rows, cand] for m in [semantic, *others]]
    bm = lexical[rows, cand] / np.maximum(lexical.max(axis=1, keepdims=True), 1e-9)
    overlap = np.zeros(cand.shape, np.float32)
    char = np.zeros(cand.shape, np.float32)
    for q, text in enumerate(queries):
        words = set(tokens(text))
        for r, i in enumerate(cand[q]):
            overlap[q, r] = len(words & claim_tokens[i]) / max(1, len(claim_tokens[i]))
        if chars is not None:
            char[q] = chars.similarity(text, cand[q])
    ranks = np.broadcast_to(np.log1p(np.arange(cand.shape[1], dtype=np.float32)), cand.shape)
    cols = [f for s in sims for f in (s, _z(s))]
    cols += [bm, _z(bm), sims[0].max(axis=1, keepdims=True) - sims[0], ranks, overlap, char, _z(char)]
    return cand, np.stack(cols, axis=2).astype(np.float32)


class Reranker:
    """Class-balanced logistic regression over `candidate_features`, trained on one split's queries (never the split
    it is measured on), with Platt scaling of its scores on the same queries so that `probability` reads as the
    chance that a candidate is the claim (the balanced weights alone would overstate it)."""

    def __init__(self, l2: float = 1e-4, iters: int = 3000, lr: float = 0.5):
        self.l2, self.iters, self.lr = l2, iters, lr
        self.platt = (1.0, 0.0)

    def fit(self, x: np.ndarray, y: np.ndarray) -> "Reranker":
        flat, target = x.reshape(-1, x.shape[-1]).astype(np.float64), y.reshape(-1).astype(np.float64)
        self.mu, self.sd = flat.mean(axis=0), flat.std(axis=0) + 1e-9
        z = np.hstack([(flat - self.mu) / self.sd, np.ones((len(flat), 1))])
        pos = max(target.mean(), 1e-9)
        sw = np.where(target > 0, 0.5 / pos, 0.5 / (1 - pos))
        w = np.zeros(z.shape[1])
        for _ in range(self.iters):
            p = 1 / (1 + np.exp(-z @ w))
            w -= self.lr * (z.T @ (sw * (p - target)) / len(target) + self.l2 * w)
        self.w = w
        self.platt = platt(z @ w, target, np.ones_like(target))
        return self

    def scores(self, x: np.ndarray) -> np.ndarray:
        flat = x.reshape(-1, x.shape[-1]).astype(np.float64)
        if flat.shape[1] != len(self.mu):
            raise ValueError(f"the re-ranker takes {len(self.mu)} features, not {flat.shape[1]}")
        return (np.hstack([(flat - self.mu) / self.sd, np.ones((len(flat), 1))]) @ self.w).reshape(x.shape[:-1])

    def probability(self, x: np.ndarray) -> np.ndarray:
        a, b = self.platt
        return 1 / (1 + np.exp(-(a * self.scores(x) + b)))

    def order(self, cand: np.ndarray, x: np.ndarray) -> np.ndarray:
        return np.take_along_axis(cand, np.argsort(-self.scores(x), axis=1, kind="stable"), axis=1)

    def to_dict(self) -> dict:
        return {"l2": self.l2, "mu": self.mu.tolist(), "sd": self.sd.tolist(),
                "w": self.w.tolist(), "platt": list(self.platt)}

    @classmethod
    def from_dict(cls, d: dict) -> "Reranker":
        r = cls(l2=float(d["l2"]))
        r.mu, r.sd, r.w = (np.asarray(d[k], np.float64) for k in ("mu", "sd", "w"))
        r.platt = (float(d["platt"][0]), float(d["platt"][1]))
        return r

