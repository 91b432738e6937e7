"""Every setting tocsin reads, declared as data with its help text.

Settings come from the environment (or are passed explicitly); nothing reads them at import time.
`tocsin settings` prints this table, and a test fails if docs/settings.md leaves one out.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    type: type
    help: str
    minimum: int = 1  # for integer settings


def flag(raw: Any) -> bool:
    """A yes/no setting: 1/0, true/false, yes/no, on/off."""
    if isinstance(raw, bool):
        return raw
    low = str(raw).strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


SETTINGS: tuple[Setting, ...] = (
    Setting("TOCSIN_DB", "./var/tocsin.db", str,
            "Database: a SQLite file path, sqlite:///PATH, or a postgresql:// URL. Every CLI command's --db overrides it."),
    Setting("TOCSIN_POLICY", "", str,
            "Path of the policy YAML to enforce; empty means the default policy shipped in the package."),
    Setting("TOCSIN_DETECTORS", "tocsin-fast", str,
            "Comma-separated names of the detector plug-ins to run, in order (see `tocsin detectors`); the profile: "
            "tocsin-fast, or tocsin-accurate (fine-tuned e5 averaged with the fast heads; ~13x the time per post)."),
    Setting("TOCSIN_HOST", "127.0.0.1", str, "Address `tocsin serve` binds to."),
    Setting("TOCSIN_PORT", 8000, int, "Port `tocsin serve` listens on."),
    Setting("TOCSIN_MAX_BODY_BYTES", 8 * 1024 * 1024, int,
            "Largest HTTP request body accepted, in bytes; larger requests get 413."),
    Setting("TOCSIN_MAX_BATCH_ITEMS", 1000, int, "Most items one POST /v1/content request may carry."),
    Setting("TOCSIN_MAX_TEXT_CHARS", 20_000, int, "Longest item text accepted, in characters; longer items are rejected."),
    Setting("TOCSIN_INGEST_BATCH", 500, int, "Items per transaction when `tocsin ingest` reads a file."),
    Setting("TOCSIN_WEBHOOK_URL", "", str,
            "Where the server POSTs notices and action webhooks (http or https); empty keeps them in the outbox."),
    Setting("TOCSIN_WEBHOOK_SECRET", "", str,
            "HMAC-SHA256 key that signs every webhook (X-Tocsin-Signature). Required when TOCSIN_WEBHOOK_URL is set."),
    Setting("TOCSIN_TICK_SECONDS", 30, int,
            "How often the server ends timed actions whose expiry has come (0: never; then run `tocsin tick` from cron).",
            minimum=0),
    Setting("TOCSIN_BANK_MATCHING", True, flag,
            "Match every ingested item against the enabled banks (on/off); `tocsin match` works either way."),
    Setting("TOCSIN_CAMPAIGN_WINDOW_ITEMS", 20_000, int,
            "Most recent items kept in memory for campaign clustering (the policy's campaigns.window bounds it too)."),
)
_BY_NAME = {s.name: s for s in SETTINGS}


class SettingsError(ValueError):
    pass


class Settings:
    """Resolved settings: explicit values, then the environment, then the declared defaults."""

    def __init__(self, env: Mapping[str, str] | None = None, **overrides: Any):
        env = os.environ if env is None else env
        overrides = {k: v for k, v in overrides.items() if v is not None}
        self._values: dict[str, Any] = {}
        for s in SETTINGS:
            key = s.name.removeprefix("TOCSIN_").lower()
            if key in overrides:
                raw: Any = overrides.pop(key)
            elif s.name in env:
                raw = env[s.name]
            else:
                raw = s.default
            try:
                self._values[key] = s.type(raw)
            except (TypeError, ValueError):
                kind = "yes/no value (on/off, true/false, 1/0)" if s.type is flag else s.type.__name__
                raise SettingsError(f"setting {s.name}: {raw!r} is not a valid {kind}") from None
            if s.type is int and self._values[key] < s.minimum:
                raise SettingsError(f"setting {s.name}: must be an integer of at least {s.minimum}, got {raw!r}")
        if overrides:
            raise SettingsError(f"unknown setting(s): {', '.join(sorted(overrides))}")
        url = self._values["webhook_url"]
        if url and not url.startswith(("http://", "https://")):
            raise SettingsError(f"setting TOCSIN_WEBHOOK_URL: {url!r} is not an http(s) URL")
        if url and len(self._values["webhook_secret"]) < 16:
            raise SettingsError("setting TOCSIN_WEBHOOK_SECRET: set a secret of at least 16 characters when "
                                "TOCSIN_WEBHOOK_URL is set (webhooks are always signed)")

    def __getattr__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(key) from None

    @staticmethod
    def describe() -> list[Setting]:
        return list(SETTINGS)
