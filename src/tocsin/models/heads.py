"""Classification heads over sentence embeddings: inference in numpy, weights in one small .npz.

A head per category is a one-hidden-layer network (or a linear model when the hidden layer is empty) whose
output logit is Platt-calibrated on the dev splits; the category's threshold was chosen there too.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


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

    def logits(self, x: np.ndarray) -> np.ndarray:
        if self.w1.shape[1]:
            h = np.maximum(x @ self.w1 + self.b1, 0.0)
            return h @ self.w2 + self.b2
        return x @ self.w2 + self.b2

    def proba(self, x: np.ndarray) -> np.ndarray:
        return sigmoid(self.platt_a * self.logits(x) + self.platt_b)


@dataclass
class HeadSet:
    encoder: str
    heads: dict[str, Head]
    meta: dict
    shift: np.ndarray | None = None  # inputs are standardised, (x - shift) / scale, before every head
    scale: np.ndarray | None = None

    def inputs(self, x: np.ndarray) -> np.ndarray:
        return x if self.shift is None or self.scale is None else (x - self.shift) / self.scale

    def save(self, path: Path) -> None:
        arrays: dict[str, np.ndarray] = {}
        for c, h in self.heads.items():
            # half precision halves the file; probabilities agree to about 1e-3
            arrays.update({f"{c}.w1": h.w1.astype(np.float16), f"{c}.b1": h.b1.astype(np.float32),
                           f"{c}.w2": h.w2.astype(np.float32),
                           f"{c}.scalars": np.array([h.b2, h.platt_a, h.platt_b, h.threshold], dtype=np.float64)})
        if self.shift is not None and self.scale is not None:
            arrays.update({"input.shift": self.shift.astype(np.float32), "input.scale": self.scale.astype(np.float32)})
        meta = dict(self.meta, encoder=self.encoder, categories=list(self.heads))
        arrays["meta"] = np.frombuffer(json.dumps(meta, sort_keys=True).encode("utf-8"), dtype=np.uint8)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: Path) -> "HeadSet":
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode("utf-8"))
            heads = {}
            for c in meta["categories"]:
                b2, a, b, t = (float(v) for v in z[f"{c}.scalars"])
                heads[c] = Head(c, z[f"{c}.w1"].astype(np.float32), z[f"{c}.b1"], z[f"{c}.w2"], b2, a, b, t)
            shift, scale = (z[k] if k in z.files else None for k in ("input.shift", "input.scale"))
        return cls(meta["encoder"], heads, meta, shift, scale)

    def proba(self, x: np.ndarray) -> dict[str, np.ndarray]:
        x = self.inputs(x)
        return {c: h.proba(x) for c, h in self.heads.items()}
