"""Composition root: build the store and the engine from settings. Called by the CLI and the server,
never at import time."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .act.campaigns import CampaignWindow
from .adapters.store import open_store
from .decide.loader import load_policy
from .detect import registry
from .detect.bank_match import BankMatcher
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
                  langid=LanguageIdentifier(), banks=BankMatcher() if settings.bank_matching else None,
                  embed=_sentence_vectors, campaign_window=CampaignWindow(settings.campaign_window_items))


def _sentence_vectors(texts: Sequence[str]) -> np.ndarray:
    """USE vectors of the de-obfuscated text: the same call the fast detector makes, so its cache answers."""
    from .detect.normalise import deobfuscate
    from .models.encoders import UseEncoder

    return UseEncoder().encode([deobfuscate(t) for t in texts])


def build(settings: Settings, clock: Clock | None = None) -> Runtime:
    engine = build_engine(settings, clock)
    return Runtime(settings, open_store(settings.db), engine)
