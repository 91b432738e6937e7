"""Banks of known content: parse entries (JSONL, CSV, ClaimReview JSON-LD), import them as one transaction, and
an index that matches texts against a bank with each of its matchers, merging their answers (each entry once, with
its best score and the matcher that gave it)."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from typing import Any, BinaryIO, Iterable, Sequence

from ..domain.model import CATEGORIES
from ..ports import BANK_KINDS, Bank, BankEntry, Store
from .matchers import ExactMatcher, Matcher, available_matchers, exact_key

MAX_TEXT = 20_000
MAX_BANK_NAME = 64
_LABELS = ("url", "rating", "claimant", "title", "date", "topic")
FORMATS = ("jsonl", "csv", "claimreview")


class BankError(ValueError):
    """A bank or entry that cannot be accepted; the message names the field."""


@dataclass
class ImportResult:
    added: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] | None = None
    duplicates: int = 0

    def summary(self) -> str:
        return f"added={self.added} unchanged={self.unchanged} rejected={len(self.rejected or [])}"


def check_bank_name(name: Any) -> str:
    if not isinstance(name, str) or not name or len(name) > MAX_BANK_NAME or not all(
            c.isalnum() or c in "-_." for c in name):
        raise BankError(f"bank: {name!r} must be 1-{MAX_BANK_NAME} letters, digits, '-', '_' or '.'")
    return name


def validate_bank(b: Bank, verdicts: Iterable[str] | None = None) -> Bank:
    check_bank_name(b.name)
    if b.kind not in BANK_KINDS:
        raise BankError(f"kind: {b.kind!r} is not one of {', '.join(BANK_KINDS)}")
    if b.category is not None and b.category not in CATEGORIES:
        raise BankError(f"category: {b.category!r} is not one of {', '.join(CATEGORIES)}")
    for f, v in (("suggest", b.suggest), ("auto", b.auto)):
        if v is not None and not (isinstance(v, (int, float)) and 0.0 < v <= 1.0):
            raise BankError(f"{f}: {v!r} must be a number in (0, 1]")
    if b.auto is not None and b.auto < b.suggest:
        raise BankError(f"auto: {b.auto} is below suggest {b.suggest}")
    known = available_matchers()
    if not b.matchers or any(m not in known for m in b.matchers):
        raise BankError(f"matchers: {list(b.matchers)!r} must be a non-empty list of {', '.join(sorted(known))}")
    from ..models.encoders import ENCODERS

    if b.encoder not in ENCODERS:
        raise BankError(f"encoder: {b.encoder!r} is not one of {', '.join(ENCODERS)}")
    floor = getattr(ENCODERS[b.encoder], "min_suggest", 0.0)
    if "semantic" in b.matchers and b.suggest < floor:
        raise BankError(f"suggest: {b.suggest:g} is below {floor:g}, where the {b.encoder} encoder's cosine for "
                        f"unrelated texts already lies: with encoder {b.encoder}, set suggest to at least {floor:g} "
                        "(docs/banks.md)")
    if verdicts is not None and b.action is not None and b.action not in set(verdicts):
        raise BankError(f"action: {b.action!r} is not a verdict of the policy ({', '.join(verdicts)})")
    return b


def parse_entry(rec: Any, bank: str) -> BankEntry:
    if not isinstance(rec, dict):
        raise BankError("a bank entry must be a JSON object")
    for f in ("id", "text"):
        if not isinstance(rec.get(f), str) or not rec[f].strip():
            raise BankError(f"{f}: is required and must be a non-empty string")
    if len(rec["text"]) > MAX_TEXT or len(rec["id"]) > 256:
        raise BankError(f"text or id too long (text at most {MAX_TEXT} characters, id 256)")
    category = rec.get("category") or None
    if category is not None and category not in CATEGORIES:
        raise BankError(f"category: {category!r} is not one of {', '.join(CATEGORIES)}")
    for f in ("action", "source", "lang"):
        if rec.get(f) is not None and not isinstance(rec[f], str):
            raise BankError(f"{f}: must be a string")
    labels = rec.get("labels") or {}
    if not isinstance(labels, dict):
        raise BankError("labels: must be an object")
    labels = dict(labels)
    labels.update({k: rec[k] for k in _LABELS if rec.get(k) not in (None, "")})
    return BankEntry(bank, rec["id"], rec["text"], category, rec.get("action") or None, rec.get("source") or None,
                     rec.get("lang") or None, labels, bool(rec.get("disabled", False)))


# parsers: each yields (position, record or error) ------------------------------------------------------
def _jsonl(stream: BinaryIO) -> Iterable[tuple[int, Any]]:
    for n, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        try:
            yield n, json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            yield n, BankError(f"invalid JSON or UTF-8: {exc}")


def _csv(stream: BinaryIO) -> Iterable[tuple[int, Any]]:
    try:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        reader = csv.DictReader(text)
        header = reader.fieldnames or []
        missing = [f for f in ("id", "text") if f not in header]
        if missing:
            yield 1, BankError(f"header: missing column(s) {', '.join(missing)} (have {', '.join(header)})")
            return
        for rec in reader:
            n = reader.line_num
            if None in rec:
                yield n, BankError(f"more fields than the header's {len(header)}")
                continue
            rec = {k: v for k, v in rec.items() if v != ""}
            if "labels" in rec:
                try:
                    rec["labels"] = json.loads(rec["labels"])
                except json.JSONDecodeError as exc:
                    yield n, BankError(f"labels: not JSON: {exc}")
                    continue
            yield n, rec
    except (UnicodeDecodeError, csv.Error) as exc:
        yield 0, BankError(f"unreadable CSV: {exc}")


def _name(x: Any) -> str | None:
    if isinstance(x, dict):
        return x.get("name") or x.get("alternateName")
    if isinstance(x, list) and x:
        return _name(x[0])
    return x if isinstance(x, str) else None


def claimreview_record(obj: dict) -> dict:
    """One schema.org ClaimReview as a bank record: the claim is the text; the rating, claimant and URL are labels."""
    if obj.get("@type") not in ("ClaimReview", ["ClaimReview"]):
        raise BankError(f"@type: {obj.get('@type')!r} is not ClaimReview")
    claim = obj.get("claimReviewed")
    if not isinstance(claim, str) or not claim.strip():
        raise BankError("claimReviewed: is required")
    rating = obj.get("reviewRating") or {}
    lang = obj.get("inLanguage")
    lang = (lang.get("alternateName") or lang.get("name")) if isinstance(lang, dict) else lang
    reviewed = obj.get("itemReviewed") or {}
    rec = {"id": obj.get("url") or obj.get("@id"), "text": claim, "category": "misinformation",
           "lang": lang if isinstance(lang, str) else None, "url": obj.get("url"),
           "rating": _name(rating.get("alternateName")) or (str(rating["ratingValue"]) if "ratingValue" in rating
                                                           else None),
           "claimant": _name(reviewed.get("author")) if isinstance(reviewed, dict) else None,
           "date": obj.get("datePublished"), "source": _name(obj.get("author"))}
    for k in ("bestRating", "worstRating", "ratingValue"):
        if k in rating:
            rec.setdefault("labels", {})[k] = rating[k]
    if not rec["id"]:
        raise BankError("url: is required (it identifies the fact-check)")
    return rec


def _claimreview(stream: BinaryIO) -> Iterable[tuple[int, Any]]:
    data = stream.read()
    try:
        doc = json.loads(data.decode("utf-8"))
        objs = doc if isinstance(doc, list) else doc.get("@graph", [doc]) if isinstance(doc, dict) else None
        if objs is None:
            raise BankError("expected a ClaimReview object, a list of them, or an @graph")
    except (UnicodeDecodeError, json.JSONDecodeError):  # JSON lines of ClaimReview objects
        objs = None
    if objs is None:
        for n, rec in _jsonl(io.BytesIO(data)):
            yield n, rec if isinstance(rec, Exception) else _try(claimreview_record, rec)
        return
    for n, obj in enumerate(objs, start=1):
        yield n, _try(claimreview_record, obj) if isinstance(obj, dict) else BankError("not a JSON object")


def _try(fn: Any, arg: Any) -> Any:
    try:
        return fn(arg)
    except BankError as exc:
        return exc


PARSERS = {"jsonl": _jsonl, "csv": _csv, "claimreview": _claimreview}


DUPLICATE_OF = "duplicate_of"


def mark_duplicates(entries: Sequence[BankEntry]) -> list[BankEntry]:
    """Label each entry whose text has the same exact-match key (case, accents, punctuation and quote style aside)
    as an earlier entry of the same batch `duplicate_of` that entry. Duplicates are kept in the bank; indexes leave
    them out (see `BankIndex`), so a match names the first: fact-check collections often hold one claim twice, and
    two equal entries would otherwise split every match between them."""
    first: dict[bytes, str] = {}
    out = []
    for e in entries:
        labels = {k: v for k, v in e.labels.items() if k != DUPLICATE_OF}
        original = first.setdefault(exact_key(e.text), e.id)
        if original != e.id:
            labels[DUPLICATE_OF] = original
        out.append(e if labels == e.labels else replace(e, labels=labels))
    return out


def guess_format(filename: str) -> str:
    low = filename.lower()
    if low.endswith(".csv"):
        return "csv"
    if low.endswith((".json", ".jsonld", ".json-ld")):
        return "claimreview"
    return "jsonl"


def import_entries(store: Store, bank: str, stream: BinaryIO, now: str, fmt: str = "jsonl",
                   defaults: Bank | None = None) -> ImportResult:
    """One transaction for the whole file: either every good record is in the bank or none is. A bank that does
    not exist yet is created (a claims bank when the records carry ratings)."""
    check_bank_name(bank)
    if fmt not in PARSERS:
        raise BankError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
    result = ImportResult(rejected=[])
    entries = []
    for n, rec in PARSERS[fmt](stream):
        try:
            if isinstance(rec, Exception):
                raise rec
            entries.append(parse_entry(rec, bank))
        except BankError as exc:
            result.rejected.append((n, str(exc)))  # type: ignore[union-attr]
    with store.uow(write=True) as uow:
        if uow.get_bank(bank) is None:
            kind = "claims" if fmt == "claimreview" or any("rating" in e.labels for e in entries) else "content"
            uow.save_bank(validate_bank(defaults or Bank(bank, kind=kind)), now)
        entries = mark_duplicates(entries)
        result.duplicates = sum(DUPLICATE_OF in e.labels for e in entries)
        for e in entries:
            if uow.upsert_bank_entry(e, now):
                result.added += 1
            else:
                result.unchanged += 1
        if result.added:
            uow.bump_bank(bank, now)
        uow.append_event(f"bank:{bank}", "bank.imported", {"bank": bank, "format": fmt, "added": result.added,
                                                           "unchanged": result.unchanged,
                                                           "duplicates": result.duplicates}, now)
        uow.commit()
    return result


class BankIndex:
    """Every chosen matcher built over one bank's enabled entries; `update` applies a bank's later changes."""

    def __init__(self, entries: Sequence[BankEntry], matchers: Sequence[str] = ("exact", "near-dup", "semantic"),
                 encoder: str = "use", revision: int = 0):
        known = available_matchers()
        for name in matchers:
            if name not in known:
                raise ValueError(f"unknown matcher {name!r}; matchers: {', '.join(sorted(known))}")
        self.matcher_names, self.encoder, self.revision = tuple(matchers), encoder, revision
        self.matchers: list[Matcher] = [known[n](encoder) if known[n].uses_encoder else known[n]() for n in matchers]
        self._first: dict[int, str] = {}
        live, keys = self._originals(e for e in entries if not e.disabled and not e.removed)
        self.entries = {e.id: e for e in live}
        for m in self.matchers:
            m.build([] if isinstance(m, ExactMatcher) else [(e.id, e.text) for e in live])
        self._add_keys(live, keys)

    def update(self, changed: Sequence[BankEntry], revision: int) -> bool:
        """Add new entries in place. False when a change needs a rebuild (an entry edited, disabled or removed)."""
        if any(e.id in self.entries or e.disabled or e.removed for e in changed):
            return False
        changed, keys = self._originals(changed)
        pairs = [(e.id, e.text) for e in changed]
        for m in self.matchers:
            if not isinstance(m, ExactMatcher):
                m.add(pairs)
        self._add_keys(changed, keys)
        self.entries.update({e.id: e for e in changed})
        self.revision = revision
        return True

    def _originals(self, entries: Iterable[BankEntry]) -> tuple[list[BankEntry], list[bytes]]:
        """Entries not equal (by exact-match key) to one indexed before them, with their keys: the earlier revision
        wins, and within one revision the entry not marked `duplicate_of` another. The rest stay in the store, out
        of the index."""
        out, keys = [], []
        for e in sorted(entries, key=lambda e: (e.rev, DUPLICATE_OF in e.labels)):
            key = exact_key(e.text)
            if self._first.setdefault(int.from_bytes(key[:8], "big"), e.id) == e.id:
                out.append(e)
                keys.append(key)
        return out, keys

    def _add_keys(self, entries: list[BankEntry], keys: list[bytes]) -> None:
        """The exact matcher takes the keys the duplicate check computed, instead of normalising every text again."""
        for m in self.matchers:
            if isinstance(m, ExactMatcher):
                m.add_keyed([(e.id, k) for e, k in zip(entries, keys)])

    def match(self, texts: Sequence[str], k: int = 5) -> list[list[dict[str, Any]]]:
        merged: list[dict[str, tuple[float, str]]] = [{} for _ in texts]
        for m in self.matchers:
            for i, found in enumerate(m.query(texts, k)):
                for eid, score in found:
                    if score > merged[i].get(eid, (-1.0, ""))[0]:
                        merged[i][eid] = (score, m.get_name())
        return [[{"entry_id": eid, "score": round(s, 4), "matcher": name}
                 for eid, (s, name) in sorted(row.items(), key=lambda kv: (-kv[1][0], kv[0]))[:k]] for row in merged]
