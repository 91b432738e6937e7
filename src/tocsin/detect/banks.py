"""Banks of known content: import entries, and match texts against a bank with every matcher, merging their
answers (each entry once, with its best score and the matcher that gave it)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, BinaryIO, Sequence

from ..domain.model import CATEGORIES
from ..ports import BankEntry, Store
from .matchers import MATCHERS, Matcher, SemanticMatcher

MAX_TEXT = 20_000
_LABELS = ("url", "rating", "claimant", "title", "date")


@dataclass
class ImportResult:
    added: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] | None = None

    def summary(self) -> str:
        return f"added={self.added} unchanged={self.unchanged} rejected={len(self.rejected or [])}"


def parse_entry(rec: Any, bank: str) -> BankEntry:
    if not isinstance(rec, dict):
        raise ValueError("a bank entry must be a JSON object")
    for f in ("id", "text"):
        if not isinstance(rec.get(f), str) or not rec[f].strip():
            raise ValueError(f"{f}: is required and must be a non-empty string")
    if len(rec["text"]) > MAX_TEXT or len(rec["id"]) > 256:
        raise ValueError(f"text or id too long (text at most {MAX_TEXT} characters, id 256)")
    category = rec.get("category")
    if category is not None and category not in CATEGORIES:
        raise ValueError(f"category: {category!r} is not one of {', '.join(CATEGORIES)}")
    for f in ("action", "source", "lang"):
        if rec.get(f) is not None and not isinstance(rec[f], str):
            raise ValueError(f"{f}: must be a string")
    labels = dict(rec.get("labels") or {})
    labels.update({k: rec[k] for k in _LABELS if k in rec})
    return BankEntry(bank, rec["id"], rec["text"], category, rec.get("action"), rec.get("source"), rec.get("lang"),
                     labels, bool(rec.get("disabled", False)))


def import_jsonl(store: Store, bank: str, stream: BinaryIO, now: str) -> ImportResult:
    """One transaction for the whole file: either every good line is in the bank or none is."""
    result = ImportResult(rejected=[])
    entries = []
    for n, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        try:
            entries.append(parse_entry(json.loads(raw.decode("utf-8")), bank))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            result.rejected.append((n, f"invalid JSON or UTF-8: {exc}"))  # type: ignore[union-attr]
        except ValueError as exc:
            result.rejected.append((n, str(exc)))  # type: ignore[union-attr]
    with store.uow(write=True) as uow:
        for e in entries:
            if uow.upsert_bank_entry(e, now):
                result.added += 1
            else:
                result.unchanged += 1
        uow.append_event(f"bank:{bank}", "bank.imported", {"bank": bank, "added": result.added,
                                                           "unchanged": result.unchanged}, now)
        uow.commit()
    return result


class BankIndex:
    """Every chosen matcher built over one bank's enabled entries."""

    def __init__(self, entries: Sequence[BankEntry], matchers: Sequence[str] = ("exact", "near-dup", "semantic"),
                 encoder: str = "use"):
        self.entries = {e.id: e for e in entries}
        pairs = [(e.id, e.text) for e in entries]
        self.matchers: list[Matcher] = []
        for name in matchers:
            if name not in MATCHERS:
                raise ValueError(f"unknown matcher {name!r}; matchers: {', '.join(MATCHERS)}")
            m = SemanticMatcher(encoder) if name == "semantic" else MATCHERS[name]()
            m.build(pairs)
            self.matchers.append(m)

    def match(self, texts: Sequence[str], k: int = 5) -> list[list[dict[str, Any]]]:
        merged: list[dict[str, tuple[float, str]]] = [{} for _ in texts]
        for m in self.matchers:
            for i, found in enumerate(m.query(texts, k)):
                for eid, score in found:
                    if score > merged[i].get(eid, (-1.0, ""))[0]:
                        merged[i][eid] = (score, m.get_name())
        return [[{"entry_id": eid, "score": round(s, 4), "matcher": name}
                 for eid, (s, name) in sorted(row.items(), key=lambda kv: -kv[1][0])[:k]] for row in merged]
