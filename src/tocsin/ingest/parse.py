"""Validate raw records (dicts or JSONL lines) into ContentItems; each bad record gets a reason and a place."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO, Iterator

from ..domain.chain import canonical
from ..domain.clock import iso
from ..domain.model import CONTENT_TYPES, Author, ContentItem, EventDetails


@dataclass(frozen=True)
class Limits:
    max_text_chars: int = 20_000
    max_title_chars: int = 1_000
    max_id_chars: int = 256
    max_line_bytes: int = 256 * 1024


class RecordError(ValueError):
    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        super().__init__(f"{field}: {message}" if field else message)


@dataclass(frozen=True)
class Rejected:
    where: int  # 1-based line number in a file, 0-based index in an API array
    id: str | None
    reason: str

    def to_dict(self, where_name: str = "line") -> dict[str, Any]:
        return {where_name: self.where, "id": self.id, "reason": self.reason}


_ID = re.compile(r"^[\w.:@/#+-]+$")
_METRICS = ("views", "members", "rsvps", "followers", "shares", "likes")


def _str(rec: dict[str, Any], key: str, limit: int, required: bool = False, field: str | None = None) -> str | None:
    field = field or key
    v = rec.get(key)
    if v is None:
        if required:
            raise RecordError(field, "is required")
        return None
    if not isinstance(v, str):
        raise RecordError(field, f"must be a string, got {type(v).__name__}")
    if len(v) > limit:
        raise RecordError(field, f"is {len(v)} characters, over the limit of {limit}")
    return v


def _time(rec: dict[str, Any], key: str, field: str) -> str | None:
    v = _str(rec, key, 64, field=field)
    if v is None:
        return None
    try:
        dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        raise RecordError(field, f"{v!r} is not an ISO 8601 time") from None
    if dt.tzinfo is None:
        raise RecordError(field, f"{v!r} has no time zone (use Z or +HH:MM)")
    return iso(dt)  # stored in UTC with milliseconds, so times compare as text


def _count(v: Any, field: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise RecordError(field, f"must be a non-negative integer, got {v!r}")
    return v


def parse_item(rec: Any, limits: Limits = Limits()) -> ContentItem:
    if not isinstance(rec, dict):
        raise RecordError("", f"a record must be a JSON object, got {type(rec).__name__}")
    item_id = _str(rec, "id", limits.max_id_chars, required=True)
    if not item_id or not _ID.match(item_id):
        raise RecordError("id", "must be non-empty and use only letters, digits and . : @ / # + - _")
    text = _str(rec, "text", limits.max_text_chars, required=True)
    ctype = rec.get("type", "post")
    if ctype not in CONTENT_TYPES:
        raise RecordError("type", f"{ctype!r} is not one of {', '.join(CONTENT_TYPES)}")
    title = _str(rec, "title", limits.max_title_chars) or ""
    lang = _str(rec, "lang", 16)
    if lang is not None:
        lang = lang.strip().lower() or None
    author = None
    if rec.get("author") is not None:
        a = rec["author"]
        if not isinstance(a, dict):
            raise RecordError("author", "must be an object")
        aid = _str(a, "id", limits.max_id_chars, required=True, field="author.id")
        followers = _count(a.get("followers", 0), "author.followers")
        author = Author(str(aid), followers, _time(a, "created_at", "author.created_at"))
    parent = _str(rec, "parent_id", limits.max_id_chars)
    event = None
    if rec.get("event") is not None:
        e = rec["event"]
        if not isinstance(e, dict):
            raise RecordError("event", "must be an object")
        event = EventDetails(_time(e, "starts_at", "event.starts_at"), _str(e, "place", 500, field="event.place"))
    metrics: dict[str, int] = {}
    if rec.get("metrics") is not None:
        m = rec["metrics"]
        if not isinstance(m, dict):
            raise RecordError("metrics", "must be an object")
        for k, v in m.items():
            if k not in _METRICS:
                raise RecordError(f"metrics.{k}", f"unknown metric (known: {', '.join(_METRICS)})")
            metrics[k] = _count(v, f"metrics.{k}")
    return ContentItem(item_id, ctype, text, title, lang, author, parent,
                       _time(rec, "created_at", "created_at"), event, metrics)


def content_hash(item: ContentItem) -> str:
    """What makes a version: the content a person sees. Metrics and reach change without making a new version."""
    body = {"type": item.type, "title": item.title, "text": item.text, "lang": item.lang,
            "author": item.author.id if item.author else None, "parent_id": item.parent_id,
            "event": [item.event.starts_at, item.event.place] if item.event else None}
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def read_jsonl(stream: BinaryIO, limits: Limits = Limits()) -> Iterator[tuple[int, ContentItem | Rejected]]:
    """Yield (line number, item or rejection) for each non-blank line of a JSONL byte stream."""
    for n, raw in enumerate(stream, start=1):
        if len(raw) > limits.max_line_bytes:
            yield n, Rejected(n, None, f"line is {len(raw)} bytes, over the limit of {limits.max_line_bytes}")
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield n, Rejected(n, None, f"invalid UTF-8 at byte {exc.start}")
            continue
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            yield n, Rejected(n, None, f"invalid JSON: {exc.msg} at column {exc.colno}")
            continue
        yield n, parse_record(rec, n, limits)


def parse_record(rec: Any, where: int, limits: Limits = Limits()) -> ContentItem | Rejected:
    try:
        return parse_item(rec, limits)
    except RecordError as exc:
        rid = rec.get("id") if isinstance(rec, dict) and isinstance(rec.get("id"), str) else None
        return Rejected(where, rid[:limits.max_id_chars] if rid else None, str(exc))
