"""Bearer-key authentication and role checks. Every route but /healthz depends on `require(...)`."""
from __future__ import annotations

from typing import Callable

from fastapi import Request

from ...ports import KeyRecord
from ...record.keys import authenticate
from .errors import ApiError

# Which roles may call what: least privilege, kept in one table so it can be reviewed (and is tested).
ROUTE_ROLES: dict[str, frozenset[str]] = {
    "content:write": frozenset({"admin", "ingest"}),
    "decisions:read": frozenset({"admin", "moderator", "auditor"}),
    "audit:read": frozenset({"admin", "auditor"}),
    "classify": frozenset({"admin", "moderator", "ingest"}),
    "reports:write": frozenset({"admin", "ingest"}),
    "cases:act": frozenset({"admin", "moderator"}),
    "banks:read": frozenset({"admin", "moderator", "auditor"}),
    "banks:write": frozenset({"admin", "moderator"}),
    "admin": frozenset({"admin"}),
}


def authorise(request: Request, permission: str, fallback_key: str | None = None) -> KeyRecord:
    """The key's record if it may do `permission`; 401 or 403 otherwise. `fallback_key` serves clients (such as
    Perspective's) that send the key as a query parameter."""
    roles = ROUTE_ROLES[permission]
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        key = fallback_key or ""
    if not key.strip():
        raise ApiError(401, "unauthorized", "send an API key as 'Authorization: Bearer KEY'",
                       headers={"WWW-Authenticate": "Bearer"})
    record = authenticate(request.app.state.runtime.store, key.strip())
    if record is None:
        raise ApiError(401, "unauthorized", "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"})
    if record.role not in roles:
        raise ApiError(403, "forbidden", f"role {record.role!r} may not do this; allowed: {', '.join(sorted(roles))}")
    return record


def require(permission: str) -> Callable[[Request], KeyRecord]:
    def dependency(request: Request) -> KeyRecord:
        return authorise(request, permission)

    return dependency
