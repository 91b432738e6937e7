"""Time as the domain sees it: one text format (UTC, milliseconds, 'Z') so stored times compare as text,
and a clock that is always passed in, never read from a global, so tests can move it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return dt.astimezone(timezone.utc)


def plus(text: str, seconds: int) -> str:
    return iso(parse_iso(text) + timedelta(seconds=seconds))


class Clock(Protocol):
    def now(self) -> str: ...


class SystemClock:
    def now(self) -> str:
        return iso(datetime.now(timezone.utc))


class ManualClock:
    """A clock tests (and backfills) set and advance by hand."""

    def __init__(self, start: str = "2026-01-01T00:00:00.000Z"):
        self._now = parse_iso(start)

    def now(self) -> str:
        return iso(self._now)

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
