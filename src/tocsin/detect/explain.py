"""Why a trained detector scored a text as it did: occlusion. Each word is left out in turn and the text scored
again; the words whose removal lowers the category's score most are the evidence a reviewer sees highlighted.
Costs one batch of ~len(words) encodings, so it runs when a reviewer opens a case, not on ingest."""
from __future__ import annotations

import re
from typing import Any, Protocol, Sequence

import numpy as np

_WORD = re.compile(r"\w+(?:['’]\w+)?", re.UNICODE)


class Scorer(Protocol):
    def scores(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> dict[str, np.ndarray]: ...


def occlusion(scorer: Scorer, text: str, category: str, top: int = 4, max_words: int = 80,
              min_drop: float = 0.03, lang: str | None = None) -> list[dict[str, Any]]:
    """`lang` is the item's language, which the scorer may read the text by (as it did when it scored the item)."""
    words = list(_WORD.finditer(text))[:max_words]
    if not words:
        return []
    variants = [text] + [text[:m.start()] + text[m.end():] for m in words]
    s = scorer.scores(variants, [lang] * len(variants)).get(category)
    if s is None:
        return []
    drops = float(s[0]) - np.asarray(s[1:], dtype=np.float64)
    order = np.argsort(-drops)[:top]
    return [{"span": [words[i].start(), words[i].end()], "text": words[i].group(0), "weight": round(float(drops[i]), 3)}
            for i in order if drops[i] >= min_drop]


def highlight(text: str, spans: Sequence[dict[str, Any]]) -> list[tuple[str, bool]]:
    """The text cut into (piece, highlighted) parts; overlapping spans are merged. The caller escapes each piece."""
    marks = sorted((int(s["span"][0]), int(s["span"][1])) for s in spans
                   if 0 <= int(s["span"][0]) < int(s["span"][1]) <= len(text))
    merged: list[list[int]] = []
    for a, b in marks:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out, pos = [], 0
    for a, b in merged:
        if a > pos:
            out.append((text[pos:a], False))
        out.append((text[a:b], True))
        pos = b
    if pos < len(text):
        out.append((text[pos:], False))
    return out
