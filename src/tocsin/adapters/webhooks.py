"""Deliver the outbox to the platform's webhook: at least once, HMAC-signed, retried with exponential backoff.

Each request is `POST TOCSIN_WEBHOOK_URL` with the JSON body `{"id", "kind", "subject_id", "recipient_id",
"payload", "created_at"}` and the headers
  Idempotency-Key: <message id>              (the same on every retry: deduplicate on it)
  X-Tocsin-Signature: t=<unix time>,v1=<hex>  (HMAC-SHA256 of "<t>.<body>" with TOCSIN_WEBHOOK_SECRET)
A 2xx answer marks the message delivered; anything else (or no answer) retries after 10 s, 20 s, 40 s, ... up to
an hour between tries.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import Callable

from ..domain.clock import plus
from ..ports import OutboxMessage, Store

MAX_BACKOFF_S = 3600


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("utf-8") + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, tolerance_s: int = 300) -> bool:
    """What a receiving platform does (shown here, and used by the tests)."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        ts = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - ts) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, ts, body), header)


def body_of(m: OutboxMessage) -> bytes:
    return json.dumps({"id": m.id, "kind": m.kind, "subject_id": m.subject_id, "recipient_id": m.recipient_id,
                       "payload": m.payload, "created_at": m.created_at}, sort_keys=True).encode("utf-8")


def http_post(url: str, body: bytes, headers: dict[str, str], timeout: float = 10.0) -> int:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - the operator's configured URL
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def deliver_pending(store: Store, url: str, secret: str, now: Callable[[], str], limit: int = 100,
                    post: Callable[[str, bytes, dict[str, str]], int] = http_post) -> tuple[int, int]:
    """Try every due message once; returns (delivered, failed). Messages are marked one by one, so a crash
    mid-way re-sends at most the message in flight (receivers deduplicate on Idempotency-Key)."""
    with store.uow() as uow:
        due = uow.pending_outbox(now(), limit)
    delivered = failed = 0
    for m in due:
        body = body_of(m)
        headers = {"Content-Type": "application/json", "Idempotency-Key": m.id,
                   "X-Tocsin-Signature": sign(secret, int(time.time()), body)}
        try:
            status, error = post(url, body, headers), None
        except (OSError, ValueError) as exc:
            status, error = 0, f"{type(exc).__name__}: {exc}"
        at = now()
        with store.uow(write=True) as uow:
            if 200 <= status < 300:
                uow.mark_outbox(m.id, at, at, None)
                delivered += 1
            else:
                backoff = min(MAX_BACKOFF_S, 10 * 2 ** m.attempts)
                uow.mark_outbox(m.id, None, plus(at, backoff), error or f"HTTP {status}")
                failed += 1
            uow.commit()
    return delivered, failed
