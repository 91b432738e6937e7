"""Classification heads over sentence embeddings: inference in numpy, weights in one small .npz.

A head per category is a one-hidden-layer network (or a linear model when the hidden layer is empty) whose
output logit is Platt-calibrated on the dev splits; the category's threshold was chosen there too. A head set may
also carry a character n-gram model (`chargrams.CharModel`): a head with `char_alpha` > 0 adds that many times the
category's character n-gram logit to its own before calibration, and then needs the texts as well as the vectors.
A head set may also carry language shifts (`shifts`, one vector per language): the vector of a text in such a
language is moved by its language's shift before any head reads it (`train.language_shifts`), so that languages
share one frame; a text of another or an unknown language is read as it is.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from . import npz_meta
from .chargrams import CharModel


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


@dataclass
class Head:
    category: str
    w1: np.ndarray  # (d, h) or (d, 0) for a linear head
    b1: np.ndarray
    w2: np.ndarray  # (h,) or (d,)
    b2: float
    platt_a: float
    platt_b: float
    threshold: float
    char_alpha: float = 0.0  # weight of the character n-gram logit added before calibration (0: none)

    def logits(self, x: np.ndarray) -> np.ndarray:
        if self.w1.shape[1]:
            h = np.maximum(x @ self.w1 + self.b1, 0.0)
            return h @ self.w2 + self.b2
        return x @ self.w2 + self.b2

    def proba(self, x: np.ndarray, char_logits: np.ndarray | None = None) -> np.ndarray:
        z = self.logits(x)
        if self.char_alpha:
            if char_logits is None:
                raise ValueError(f"the {self.category} head also reads character n-grams: pass their logits")
            z = z + self.char_alpha * char_logits
        return sigmoid(self.platt_a * z + self.platt_b)


def shift(x: np.ndarray, langs: Sequence[str | None] | None, shifts: dict[str, np.ndarray] | None) -> np.ndarray:
    """Each vector moved by its text's language shift (`langs`, one per vector); vectors of a language without a
    shift, or all of them when there are no shifts or no languages, are returned as they are."""
    if not shifts or langs is None:
        return x
    if len(langs) != len(x):
        raise ValueError(f"{len(langs)} languages for {len(x)} vectors")
    moved = x.copy()
    for i, lang in enumerate(langs):
        if lang in shifts:
            moved[i] += shifts[lang]
    return moved


@dataclass
class HeadSet:
    encoder: str
    heads: dict[str, Head]
    meta: dict
    chars: CharModel | None = None  # the character n-gram model that heads with char_alpha > 0 read
    shifts: dict[str, np.ndarray] | None = None  # language -> vector added to its texts' vectors (None: none)

    def save(self, path: Path) -> None:
        arrays: dict[str, np.ndarray] = {}
        for c, h in self.heads.items():
            # half precision halves the file; probabilities agree to about 1e-3
            arrays.update({f"{c}.w1": h.w1.astype(np.float16), f"{c}.b1": h.b1.astype(np.float32),
                           f"{c}.w2": h.w2.astype(np.float32),
                           f"{c}.scalars": np.array([h.b2, h.platt_a, h.platt_b, h.threshold], dtype=np.float64)})
        if self.chars is not None:
            arrays["chars.idf"] = self.chars.idf.astype(np.float16)
            for c, coef in self.chars.coef.items():
                arrays[f"chars.{c}.coef"] = coef.astype(np.float16)
                arrays[f"chars.{c}.scalars"] = np.array([self.chars.bias[c], self.heads[c].char_alpha
                                                         if c in self.heads else 0.0], dtype=np.float64)
        for lang, vec in (self.shifts or {}).items():
            arrays[f"shift.{lang}"] = vec.astype(np.float32)
        meta = dict(self.meta, encoder=self.encoder, categories=list(self.heads))
        arrays["meta"] = npz_meta.encode(meta)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: Path) -> "HeadSet":
        """The head set saved at `path`; a ValueError naming the file and what is wrong if it is not one."""
        try:
            return cls._load(path)
        except FileNotFoundError:
            raise
        except (KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:
            what = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
            raise ValueError(f"{path}: not a tocsin head set ({what}; a head set is written by `tocsin train`)") \
                from None

    @classmethod
    def _load(cls, path: Path) -> "HeadSet":
        with np.load(path, allow_pickle=False) as z:
            meta = npz_meta.decode(z)
            if "categories" not in meta or "encoder" not in meta:
                raise KeyError("no meta naming its encoder and categories")
            heads = {}
            for c in meta["categories"]:
                b2, a, b, t = (float(v) for v in z[f"{c}.scalars"])
                heads[c] = Head(c, z[f"{c}.w1"].astype(np.float32), z[f"{c}.b1"], z[f"{c}.w2"], b2, a, b, t)
            chars = None
            if "chars.idf" in z.files:
                chars = CharModel(z["chars.idf"].astype(np.float32))
                for c in meta["categories"]:
                    if f"chars.{c}.coef" in z.files:
                        bias, alpha = (float(v) for v in z[f"chars.{c}.scalars"])
                        chars.coef[c], chars.bias[c] = z[f"chars.{c}.coef"].astype(np.float32), bias
                        heads[c].char_alpha = alpha
            shifts = {f[len("shift."):]: z[f].astype(np.float32) for f in z.files if f.startswith("shift.")} or None
        return cls(meta["encoder"], heads, meta, chars, shifts)

    def shifted(self, x: np.ndarray, langs: Sequence[str | None] | None) -> np.ndarray:
        """The vectors as the heads read them: each moved by its text's language shift, if the set has one for it."""
        return shift(x, langs, self.shifts)

    def proba(self, x: np.ndarray, texts: list[str] | None = None,
              langs: Sequence[str | None] | None = None) -> dict[str, np.ndarray]:
        """Each head's calibrated probability. `texts` (de-obfuscated, as the encoders saw them) are needed when a
        head reads character n-grams too; `langs` (one per vector) when the set has language shifts, or every text
        is read as if its language were unknown."""
        char = self.chars.logits(texts) if self.chars is not None and texts is not None else {}
        x = self.shifted(x, langs)
        return {c: h.proba(x, char.get(c)) for c, h in self.heads.items()}
