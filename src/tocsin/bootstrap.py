"""Composition root: build the store and the engine from settings. Called by the CLI and the server,
never at import time."""
from __future__ import annotations

from dataclasses import dataclass

from .adapters.store import open_store
from .decide.loader import load_policy
from .detect import registry
from .detect.langid import LanguageIdentifier
from .domain.clock import Clock, SystemClock
from .engine import Engine
from .ingest.parse import Limits
from .ports import Store
from .settings import Settings


@dataclass
class Runtime:
    settings: Settings
    store: Store
    engine: Engine

    def close(self) -> None:
        self.store.close()


def build_engine(settings: Settings, clock: Clock | None = None) -> Engine:
    names = [n.strip() for n in settings.detectors.split(",") if n.strip()]
    policy = load_policy(settings.policy or None)
    return Engine(registry.load(names), policy, clock or SystemClock(), Limits(max_text_chars=settings.max_text_chars),
                  langid=LanguageIdentifier())


def build(settings: Settings, clock: Clock | None = None) -> Runtime:
    engine = build_engine(settings, clock)
    return Runtime(settings, open_store(settings.db), engine)
