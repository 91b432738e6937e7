"""A multilingual lexical baseline: weighted patterns per category, combined as independent evidence.

It is transparent (every score points at the spans that caused it) and cheap; the trained models of
the detection issue replace it as the default and keep it as an explainable second opinion.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Sequence

import yaml

from ..domain.model import ContentItem, Signal
from .base import Detector, Example
from .normalise import normalise


@dataclass(frozen=True)
class _Pattern:
    id: str
    category: str
    weight: float
    regex: re.Pattern[str]


def _compile(doc: dict) -> tuple[str, list[_Pattern]]:
    group = "(?:" + "|".join(doc["groups"]) + ")"
    out = []
    for category, pats in doc["patterns"].items():
        for i, p in enumerate(pats):
            rx = re.compile(r"(?<!\w)(?:" + p["re"].replace("{group}", group) + r")(?!\w)")
            out.append(_Pattern(f"{category}.{i}", category, float(p["w"]), rx))
    return str(doc["version"]), out


class LexicalDetector(Detector):
    name = "lexical"
    version = "2026.11.1"
    categories = ("hate", "violence", "harassment", "profanity")

    def __init__(self) -> None:
        text = resources.files("tocsin.detect").joinpath("lexicons/lexical.yaml").read_text("utf-8")
        self.lexicon_version, self._patterns = _compile(yaml.safe_load(text))

    def score(self, text: str) -> dict[str, tuple[float, list[dict]]]:
        norm = normalise(text)
        result: dict[str, tuple[float, list[dict]]] = {}
        for p in self._patterns:
            m = p.regex.search(norm)
            if not m:
                continue
            prev_score, spans = result.get(p.category, (0.0, []))
            spans.append({"pattern": p.id, "span": [m.start(), m.end()], "text": m.group(0)})
            result[p.category] = (1 - (1 - prev_score) * (1 - p.weight), spans)
        return result

    def detect(self, items: Sequence[ContentItem]) -> list[list[Signal]]:
        out = []
        for item in items:
            sigs = []
            for category, (score, spans) in self.score(item.full_text()).items():
                sigs.append(Signal(self.name, category, round(score, 4), "lexicon", self.lexicon_version,
                                   {"matches": [s["text"] for s in spans], "spans": spans}))
            out.append(sigs)
        return out

    @classmethod
    def examples(cls) -> list[Example]:
        return [
            Example("Patriots, bring your rifles tonight, we defend our city ourselves.",
                    {"violence": True, "hate": False}, "en", "event"),
            Example("Immigrants are vermin and should be deported.", {"hate": True, "violence": False}, "en"),
            Example("Muslime sind Ungeziefer.", {"hate": True}, "de"),
            Example("You are a pathetic loser, nobody likes you.", {"harassment": True, "hate": False}, "en"),
            Example("What a shitty day, the bus was late again.", {"profanity": True, "hate": False}, "en"),
            Example("The city council meets tomorrow to discuss the new bike lanes.",
                    {"hate": False, "violence": False, "harassment": False, "profanity": False}, "en"),
            Example("Rezept: Apfelkuchen mit Zimt und Sahne.",
                    {"hate": False, "violence": False, "harassment": False, "profanity": False}, "de"),
            Example("Je vais te tuer ce soir.", {"violence": True}, "fr"),
        ]
