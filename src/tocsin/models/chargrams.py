"""A character n-gram linear model per category, fused with the heads over a sentence encoder.

A sentence encoder blurs the very tokens that carry much of the signal for profanity and slurs; character 2- to
5-grams inside words (of the de-obfuscated, lower-cased text) keep them, spelling variants included. Each text is
a vector of hashed n-gram counts (`BUCKETS` buckets, sublinear term frequency times inverse document frequency,
unit length) and each category a logistic regression over it. `HeadSet` adds `alpha` times its logit to a head's
logit before calibration; `tocsin train` chooses alpha on the dev splits (docs in MODEL_CARD.md).

Pure numpy, deterministic (no salted hashing), batched: the n-grams of a whole batch are hashed in a few array
operations.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

BUCKETS = 1 << 18
NGRAMS = (2, 3, 4, 5)
_MUL = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SEP = 0  # code point between words: no n-gram crosses it


def sparse_rows(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The hashed n-gram counts of each text, as (row, bucket, count) triples sorted by row then bucket. Every
    word is padded with a space on either side, as `char_wb` analysers do, so n-grams mark word starts and ends."""
    split = [t.lower().split() for t in texts]
    words = [" " + w + " " for ws in split for w in ws]
    owner = np.repeat(np.arange(len(texts)), [len(ws) for ws in split])
    if not words:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    joined = "\x00".join(words) + "\x00"
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.array([len(w) + 1 for w in words])
    row_of = np.repeat(owner, lengths)
    sep = (codes == _SEP).astype(np.int64)
    seps_before = np.concatenate([[0], np.cumsum(sep)])
    rows, keys = [], []
    h = codes.copy()  # the hash of the n-gram starting at each position, grown one character at a time
    for n in range(2, NGRAMS[-1] + 1):
        m = len(codes) - n + 1
        if m <= 0:
            break
        h = h[:m] * _MUL + codes[n - 1:n - 1 + m]
        if n not in NGRAMS:
            continue
        valid = seps_before[n:n + m] - seps_before[:m] == 0
        hv = (h[valid] * _MIX) >> np.uint64(40)
        rows.append(row_of[:m][valid])
        keys.append((hv % np.uint64(BUCKETS)).astype(np.int64))
    row = np.concatenate(rows)
    key = row * BUCKETS + np.concatenate(keys)
    uniq, counts = np.unique(key, return_counts=True)
    return uniq // BUCKETS, uniq % BUCKETS, counts.astype(np.float32)


def document_frequency(texts: list[str], batch: int = 5000) -> tuple[np.ndarray, int]:
    df = np.zeros(BUCKETS, np.int64)
    for s in range(0, len(texts), batch):
        _, col, _ = sparse_rows(texts[s:s + batch])
        df += np.bincount(col, minlength=BUCKETS)
    return df, len(texts)


def idf_from(df: np.ndarray, n: int) -> np.ndarray:
    return (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)


@dataclass
class Features:
    """Unit-length tf-idf rows in compressed sparse row form."""
    indptr: np.ndarray
    cols: np.ndarray
    vals: np.ndarray

    @property
    def rows(self) -> int:
        return len(self.indptr) - 1

    def take(self, idx: np.ndarray) -> "Features":
        starts, ends = self.indptr[idx], self.indptr[idx + 1]
        sizes = ends - starts
        pos = np.repeat(starts - np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes) + np.arange(sizes.sum())
        return Features(np.concatenate([[0], np.cumsum(sizes)]), self.cols[pos], self.vals[pos])

    def dot(self, w: np.ndarray) -> np.ndarray:
        prod = self.vals * w[self.cols]
        out = np.zeros(self.rows, np.float64)
        nonempty = self.indptr[1:] > self.indptr[:-1]
        out[nonempty] = np.add.reduceat(prod, self.indptr[:-1][nonempty]) if len(prod) else 0.0
        return out


def featurise(texts: list[str], idf: np.ndarray, batch: int = 5000) -> Features:
    indptr, cols, vals = [np.zeros(1, np.int64)], [], []
    offset = 0
    for s in range(0, len(texts), batch):
        chunk = texts[s:s + batch]
        row, col, count = sparse_rows(chunk)
        v = (1 + np.log(count)) * idf[col]
        norm = np.sqrt(np.bincount(row, weights=v * v, minlength=len(chunk)))
        v = v / np.maximum(norm[row], 1e-12)
        indptr.append(offset + np.cumsum(np.bincount(row, minlength=len(chunk))))
        offset = int(indptr[-1][-1])
        cols.append(col)
        vals.append(v.astype(np.float32))
    return Features(np.concatenate(indptr), np.concatenate(cols) if cols else np.zeros(0, np.int64),
                    np.concatenate(vals) if vals else np.zeros(0, np.float32))


@dataclass
class LinearConfig:
    epochs: int = 6
    batch: int = 512
    lr: float = 0.02
    l2: float = 2e-6
    seed: int = 13


def fit_linear(x: Features, y: np.ndarray, w: np.ndarray, cfg: LinearConfig = LinearConfig()) -> tuple[np.ndarray, float]:
    """Weighted logistic regression by minibatch Adam with lazy L2 (applied to every weight each step)."""
    rng = np.random.default_rng(cfg.seed)
    coef = np.zeros(BUCKETS, np.float64)
    bias = 0.0
    m, v = np.zeros(BUCKETS), np.zeros(BUCKETS)
    mb = vb = 0.0
    b1, b2, eps, step = 0.9, 0.999, 1e-8, 0
    for epoch in range(cfg.epochs):
        lr = cfg.lr * 0.5 * (1 + np.cos(np.pi * epoch / cfg.epochs))
        order = rng.permutation(x.rows)
        for s in range(0, x.rows, cfg.batch):
            idx = order[s:s + cfg.batch]
            xb = x.take(idx)
            z = xb.dot(coef) + bias
            g = (1 / (1 + np.exp(-z)) - y[idx]) * w[idx] / len(idx)
            row = np.repeat(np.arange(len(idx)), np.diff(xb.indptr))
            grad = np.bincount(xb.cols, weights=xb.vals * g[row], minlength=BUCKETS) + cfg.l2 * coef
            step += 1
            m = b1 * m + (1 - b1) * grad
            v = b2 * v + (1 - b2) * grad * grad
            mb = b1 * mb + (1 - b1) * g.sum()
            vb = b2 * vb + (1 - b2) * g.sum() ** 2
            corr = lr * np.sqrt(1 - b2 ** step) / (1 - b1 ** step)
            coef -= corr * m / (np.sqrt(v) + eps)
            bias -= corr * mb / (np.sqrt(vb) + eps)
    return coef.astype(np.float32), float(bias)


@dataclass
class CharModel:
    """Inverse document frequencies and, per category, weights and a bias: `logits` gives each category's logit."""
    idf: np.ndarray
    coef: dict[str, np.ndarray] = field(default_factory=dict)
    bias: dict[str, float] = field(default_factory=dict)

    def logits(self, texts: list[str]) -> dict[str, np.ndarray]:
        x = featurise(texts, self.idf)
        return {c: x.dot(w) + self.bias[c] for c, w in self.coef.items()}
