"""The detector extension point: a small ABC with a stable name, a version and its own example cases.

Built-in detectors register through the `tocsin.detectors` entry point group, exactly as a third-party
package would; the test suite generates a test from every example case of every registered detector.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar, Sequence

from ..domain.model import ContentItem, Signal


@dataclass(frozen=True)
class Example:
    """A case the detector must get right: `expect` maps category -> whether it must be flagged."""

    text: str
    expect: dict[str, bool]
    lang: str | None = None
    type: str = "post"
    title: str = ""


@dataclass(frozen=True)
class DetectorInfo:
    name: str
    version: str
    categories: tuple[str, ...]
    thresholds: dict[str, float] = field(default_factory=dict)


class Detector(ABC):
    name: ClassVar[str]
    version: ClassVar[str]
    categories: ClassVar[tuple[str, ...]]

    @classmethod
    def get_name(cls) -> str:
        """The stable name signals, settings and stored evidence refer to. Never change it once released."""
        return cls.name

    @abstractmethod
    def detect(self, items: Sequence[ContentItem]) -> list[list[Signal]]:
        """One list of signals per item, in order. Must be pure with respect to the items given."""

    def thresholds(self) -> dict[str, float]:
        """The score from which this detector considers a category present (its operating point)."""
        return {c: 0.5 for c in self.categories}

    @classmethod
    def examples(cls) -> list[Example]:
        return []

    def info(self) -> DetectorInfo:
        return DetectorInfo(self.get_name(), self.version, self.categories, self.thresholds())
