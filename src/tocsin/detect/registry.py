"""Find detector plug-ins through entry points, at call time (never at import time)."""
from __future__ import annotations

from importlib.metadata import entry_points
from typing import Sequence

from .base import Detector

GROUP = "tocsin.detectors"


class UnknownDetector(LookupError):
    pass


def available() -> dict[str, type[Detector]]:
    found: dict[str, type[Detector]] = {}
    for ep in entry_points(group=GROUP):
        try:
            cls = ep.load()
        except (ImportError, AttributeError) as exc:
            raise UnknownDetector(f"detector plug-in {ep.name!r} ({ep.value}) failed to load: {exc}") from None
        if not (isinstance(cls, type) and issubclass(cls, Detector)):
            raise TypeError(f"entry point {ep.name!r} in {GROUP} is not a Detector subclass: {cls!r}")
        found[cls.get_name()] = cls
    return found


def load(names: Sequence[str]) -> list[Detector]:
    known = available()
    missing = [n for n in names if n not in known]
    if missing:
        raise UnknownDetector(f"unknown detector(s) {', '.join(missing)}; installed: {', '.join(sorted(known))}")
    return [known[n]() for n in names]
