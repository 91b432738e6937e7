"""Bank management use cases: settings, entries added, removed, disabled and enabled, one transaction each, every
change in the audit log. Parsing and matching live in detect.banks."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable, Sequence

from ..detect.banks import BankError, check_bank_name, mark_duplicates, parse_entry, validate_bank
from ..ports import BANK_KINDS, Bank, BankEntry, UnitOfWork
from .review import Invalid, NotFound

MAX_ENTRIES_PER_CALL = 10_000
_SETTINGS = {"kind", "category", "action", "suggest", "auto", "matchers", "encoder", "enabled", "description"}


def bank_from(name: str, body: Any, current: Bank | None, verdicts: Iterable[str]) -> Bank:
    """A bank's settings from a request body over its current ones (or the defaults)."""
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object of bank settings")
    unknown = sorted(set(body) - _SETTINGS)
    if unknown:
        raise Invalid(f"{unknown[0]}: unknown bank setting (allowed: {', '.join(sorted(_SETTINGS))})")
    base = current or Bank(check_bank_name_or_invalid(name))
    kw = dict(body)
    if "matchers" in kw:
        if not isinstance(kw["matchers"], list) or not all(isinstance(m, str) for m in kw["matchers"]):
            raise Invalid("matchers: must be a list of matcher names")
        kw["matchers"] = tuple(kw["matchers"])
    for f in ("enabled",):
        if f in kw and not isinstance(kw[f], bool):
            raise Invalid(f"{f}: must be true or false")
    for f in ("kind", "category", "action", "encoder", "description"):
        if kw.get(f) is not None and not isinstance(kw[f], str):
            raise Invalid(f"{f}: must be a string")
    if "kind" in kw and kw["kind"] not in BANK_KINDS:
        raise Invalid(f"kind: {kw['kind']!r} is not one of {', '.join(BANK_KINDS)}")
    try:
        return validate_bank(replace(base, **kw), list(verdicts))
    except (BankError, TypeError) as exc:
        raise Invalid(str(exc)) from None


def check_bank_name_or_invalid(name: str) -> str:
    try:
        return check_bank_name(name)
    except BankError as exc:
        raise Invalid(str(exc)) from None


def save_bank(uow: UnitOfWork, name: str, body: Any, verdicts: Iterable[str], actor: str, now: str) -> Bank:
    current = uow.get_bank(name)
    bank = bank_from(name, body, current, verdicts)
    uow.save_bank(bank, now)
    uow.append_event(f"bank:{name}", "bank.saved" if current else "bank.created",
                     {"bank": name, "by": actor, "settings": {k: (list(v) if isinstance(v, tuple) else v)
                                                             for k, v in bank.__dict__.items() if k != "revision"}},
                     now)
    return uow.get_bank(name)  # type: ignore[return-value]


def _bank(uow: UnitOfWork, name: str) -> Bank:
    bank = uow.get_bank(name)
    if bank is None:
        raise NotFound(f"no bank {name!r}")
    return bank


def add_entries(uow: UnitOfWork, name: str, records: Sequence[Any], actor: str, now: str) -> dict[str, Any]:
    """All or nothing: one bad record refuses the call, naming its index and field."""
    _bank(uow, name)
    if not isinstance(records, list) or not records:
        raise Invalid("entries: must be a non-empty list")
    if len(records) > MAX_ENTRIES_PER_CALL:
        raise Invalid(f"entries: at most {MAX_ENTRIES_PER_CALL} per call (use the import route for more)")
    entries = []
    for i, rec in enumerate(records):
        try:
            entries.append(parse_entry(rec, name))
        except BankError as exc:
            raise Invalid(f"entries[{i}].{exc}") from None
    added = sum(uow.upsert_bank_entry(e, now) for e in mark_duplicates(entries))
    if added:
        uow.bump_bank(name, now)
    uow.append_event(f"bank:{name}", "bank.entries_added", {"bank": name, "by": actor, "added": added,
                                                           "ids": [e.id for e in entries][:100]}, now)
    return {"added": added, "unchanged": len(entries) - added}


def remove_entry(uow: UnitOfWork, name: str, entry_id: str, actor: str, reason: str, now: str) -> None:
    _bank(uow, name)
    if not uow.remove_bank_entry(name, entry_id):
        raise NotFound(f"no entry {entry_id!r} in bank {name!r}")
    uow.bump_bank(name, now)
    uow.append_event(f"bank:{name}", "bank.entry_removed", {"bank": name, "entry_id": entry_id, "by": actor,
                                                           "reason": reason}, now)


def set_disabled(uow: UnitOfWork, name: str, entry_id: str, disabled: bool, actor: str, reason: str,
                 now: str) -> BankEntry:
    _bank(uow, name)
    entry = uow.bank_entry(name, entry_id)
    if entry is None or entry.removed:
        raise NotFound(f"no entry {entry_id!r} in bank {name!r}")
    if uow.upsert_bank_entry(replace(entry, disabled=disabled), now):
        uow.bump_bank(name, now)
        uow.append_event(f"bank:{name}", "bank.entry_disabled" if disabled else "bank.entry_enabled",
                         {"bank": name, "entry_id": entry_id, "by": actor, "reason": reason}, now)
    return uow.bank_entry(name, entry_id)  # type: ignore[return-value]
