"""Console users and login sessions.

Passwords are hashed with scrypt (n=2^15, r=8, p=1, a 16-byte salt), a memory-hard KDF from the standard library;
there is no default user or password: `tocsin users create` makes one. A session is a random token in an HttpOnly,
SameSite=Strict cookie, stored only as its SHA-256, with its own CSRF token that every form posts back. A key
holder can log in with the key instead; the session then carries the key's role and team.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from ..domain.clock import plus
from ..domain.model import ROLES
from ..ports import SessionRecord, Store, UserRecord
from .keys import authenticate, hash_key

N, R, P = 2 ** 15, 8, 1
MIN_PASSWORD = 12
SESSION_TTL_S = 12 * 3600
_DUMMY = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 44  # verified against for unknown names (timing)


class UserError(ValueError):
    pass


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=N, r=R, p=P, maxmem=64 * 1024 * 1024, dklen=32)
    return f"scrypt${N}${R}${P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             maxmem=64 * 1024 * 1024, dklen=32)
        return hmac.compare_digest(got, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False


def create_user(store: Store, name: str, role: str, password: str, now: str, team: str | None = None) -> UserRecord:
    if not name or len(name) > 64 or not all(c.isalnum() or c in "-_.@" for c in name):
        raise UserError("name: 1-64 letters, digits, '-', '_', '.' or '@'")
    if role not in ROLES or role == "ingest":
        raise UserError(f"role: {role!r} is not a console role ({', '.join(r for r in ROLES if r != 'ingest')})")
    if len(password) < MIN_PASSWORD or len(password) > 1024:
        raise UserError(f"password: at least {MIN_PASSWORD} characters")
    user = UserRecord(secrets.token_hex(6), name, role, team, hash_password(password), now)
    with store.uow(write=True) as uow:
        if not uow.add_user(user):
            raise UserError(f"name: a user {name!r} exists already")
        uow.append_event(f"user:{user.id}", "user.created", {"user_id": user.id, "name": name, "role": role,
                                                             "team": team}, now)
        uow.commit()
    return user


@dataclass(frozen=True)
class NewSession:
    token: str  # goes in the cookie; only its hash is stored
    record: SessionRecord


def _session(store: Store, principal: str, role: str, team: str | None, now: str) -> NewSession:
    token = secrets.token_urlsafe(32)
    rec = SessionRecord(hash_key(token), principal, role, team, secrets.token_urlsafe(24), now,
                        plus(now, SESSION_TTL_S))
    with store.uow(write=True) as uow:
        uow.add_session(rec)
        uow.commit()
    return NewSession(token, rec)


def login(store: Store, name: str, password: str, now: str) -> NewSession | None:
    """A session for a user name and password, or for an API key given as the password with no name."""
    if not name and password:
        key = authenticate(store, password)
        if key is None or key.role == "ingest":
            return None
        return _session(store, f"key:{key.id}", key.role, key.team, now)
    with store.uow() as uow:
        user = uow.find_user(name)
    ok = verify_password(password, user.password_hash if user else _DUMMY)
    if not ok or user is None or user.disabled:
        return None
    return _session(store, f"user:{user.id}:{user.name}", user.role, user.team, now)


def current_session(store: Store, token: str | None, now: str) -> SessionRecord | None:
    if not token or len(token) > 100:
        return None
    with store.uow() as uow:
        rec = uow.get_session(hash_key(token))
    return rec if rec is not None and rec.expires_at > now else None


def logout(store: Store, token: str) -> None:
    with store.uow(write=True) as uow:
        uow.delete_session(hash_key(token))
        uow.commit()
