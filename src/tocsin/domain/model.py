"""The domain vocabulary of tocsin: content, signals, reports, decisions, actions, appeals.

Pure Python. Nothing here does I/O or imports an adapter; every other layer speaks in these types.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class ContentType(str, enum.Enum):
    POST = "post"
    COMMENT = "comment"
    PAGE = "page"
    GROUP = "group"
    EVENT = "event"
    AD = "ad"
    PROFILE = "profile"


class Category(str, enum.Enum):
    HATE = "hate"
    VIOLENCE = "violence"  # threats, incitement, calls to arms, glorification of attacks
    HARASSMENT = "harassment"
    PROFANITY = "profanity"
    MISINFORMATION = "misinformation"
    SPAM = "spam"
    OTHER = "other"


CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)
CONTENT_TYPES: tuple[str, ...] = tuple(t.value for t in ContentType)
# The four categories the `tocsin classify` contract always reports.
CLASSIFY_CATEGORIES: tuple[str, ...] = ("hate", "violence", "harassment", "profanity")


class ActionType(str, enum.Enum):
    LABEL = "label"
    DEMOTE = "demote"
    REMOVE = "remove"
    FREEZE = "freeze"  # account read-only for a duration
    SUSPEND = "suspend"
    BAN = "ban"  # a page, group or event
    REVIEW = "review"  # send to human review (no enforcement by itself)
    # interim protection while a P0 case waits for review
    LIMIT_DISTRIBUTION = "limit_distribution"
    HIDE_FROM_DISCOVERY = "hide_from_discovery"
    PAUSE_RSVPS = "pause_rsvps"


ACTION_TYPES: tuple[str, ...] = tuple(a.value for a in ActionType)
# Actions that target the author's account rather than the item itself.
ACCOUNT_ACTIONS = frozenset({ActionType.FREEZE.value, ActionType.SUSPEND.value})


@dataclass(frozen=True)
class Author:
    id: str
    followers: int = 0
    created_at: str | None = None


@dataclass(frozen=True)
class EventDetails:
    starts_at: str | None = None
    place: str | None = None


@dataclass(frozen=True)
class ContentItem:
    """One version of a piece of content as the platform sent it."""

    id: str
    type: str
    text: str
    title: str = ""
    lang: str | None = None
    author: Author | None = None
    parent_id: str | None = None
    created_at: str | None = None
    event: EventDetails | None = None
    metrics: dict[str, int] = field(default_factory=dict)
    version: int = 1

    @property
    def reach(self) -> int:
        """The largest audience figure we know of: followers, members, views or RSVPs."""
        figures = [self.metrics.get(k, 0) for k in ("views", "members", "rsvps")]
        figures.append(self.author.followers if self.author else 0)
        return max(figures)

    def full_text(self) -> str:
        return f"{self.title}\n{self.text}" if self.title else self.text


@dataclass(frozen=True)
class Signal:
    """What a detector saw: a category, a score in [0, 1], and the evidence for it."""

    source: str  # detector name
    category: str
    score: float
    model: str
    model_version: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    subject_id: str
    reporter_id: str
    reason: str
    text: str = ""
    trusted_flagger: bool = False
    created_at: str | None = None


@dataclass(frozen=True)
class Effect:
    """An action a decision asks for, as data. Only the action layer applies it."""

    type: str
    target: str  # "content" or "account"
    duration_s: int | None = None
    label: str | None = None


@dataclass(frozen=True)
class Decision:
    id: str
    subject_id: str
    subject_version: int
    verdict: str
    category: str | None
    rule: str | None
    policy_name: str
    policy_version: str
    automated: bool
    reasons: tuple[str, ...]
    effects: tuple[Effect, ...] = ()
    reviewer: str | None = None
    created_at: str | None = None


@dataclass(frozen=True)
class Action:
    id: str
    decision_id: str
    subject_id: str  # the item, or the author's account for account actions
    type: str
    created_at: str
    expires_at: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class Appeal:
    id: str
    decision_id: str
    appellant_id: str
    text: str
    created_at: str


@dataclass(frozen=True)
class LogEvent:
    """One entry of the append-only, hash-chained log."""

    seq: int
    subject_id: str
    kind: str
    payload: dict[str, Any]
    created_at: str
    prev_hash: str
    hash: str


# Roles an API key or user can hold. Least privilege: ingest may only send content, auditors only read.
ROLES: tuple[str, ...] = ("admin", "moderator", "auditor", "ingest")
