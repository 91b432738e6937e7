"""API keys: random, shown once, stored only as a SHA-256 hash, each with exactly one role."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from ..domain.model import ROLES
from ..ports import KeyRecord, Store

PREFIX = "tsk_"


class UnknownRole(ValueError):
    pass


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewKey:
    id: str
    role: str
    key: str


def create_key(store: Store, role: str, label: str | None, now: str, team: str | None = None) -> NewKey:
    """`team` makes the holder a specialist of that review team (for example `violence`)."""
    if role not in ROLES:
        raise UnknownRole(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    key_id = secrets.token_hex(6)
    key = f"{PREFIX}{secrets.token_urlsafe(32)}"
    with store.uow(write=True) as uow:
        uow.add_key(key_id, hash_key(key), role, label, now, team)
        uow.append_event(f"key:{key_id}", "key.created", {"key_id": key_id, "role": role, "label": label,
                                                          "team": team}, now)
        uow.commit()
    return NewKey(key_id, role, key)


def revoke_key(store: Store, key_id: str, now: str) -> bool:
    with store.uow(write=True) as uow:
        ok = uow.revoke_key(key_id, now)
        if ok:
            uow.append_event(f"key:{key_id}", "key.revoked", {"key_id": key_id}, now)
            uow.commit()
    return ok


def authenticate(store: Store, key: str) -> KeyRecord | None:
    if not key.startswith(PREFIX) or len(key) > 200:
        return None
    with store.uow() as uow:
        rec = uow.find_key(hash_key(key))
    return rec if rec and rec.revoked_at is None else None
