"""Routes for appeals and for the outbox of notices and webhooks."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import Depends, FastAPI, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from ...act import appeals
from ...bootstrap import Runtime
from ...ports import KeyRecord
from ..webhooks import deliver_pending
from .app_helpers import json_body
from .auth import require
from .errors import ApiError
from .review import _reviewer, guarded


def _strings(body: Any, required: tuple[str, ...], optional: tuple[str, ...] = (), limit: int = 5000) -> dict:
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "the body must be a JSON object")
    for f in required + optional:
        if (f in required or f in body) and (not isinstance(body.get(f), str) or len(body[f]) > limit):
            raise ApiError(422, "invalid_request", f"{f}: must be a string of at most {limit} characters")
    return body


def install(app: FastAPI, runtime: Runtime) -> None:
    engine, settings = runtime.engine, runtime.settings

    @app.post("/v1/appeals", tags=["appeals"])
    async def file_appeal(request: Request, key: KeyRecord = Depends(require("reports:write"))) -> Any:
        """The platform relays a user's appeal: `{"decision_id", "appellant_id", "text"}`, within the policy's
        appeal window, by the author of the content (or the account holder)."""
        b = _strings(await json_body(request), ("decision_id", "appellant_id"), ("text",))
        appeal = await run_in_threadpool(guarded, runtime, appeals.file_appeal, b["decision_id"], b["appellant_id"],
                                         b.get("text", ""), engine.policy, engine.clock.now(), engine.new_id)
        return asdict(appeal)

    @app.get("/v1/appeals", tags=["appeals"])
    def open_appeals(limit: int = Query(100, ge=1, le=1000), key: KeyRecord = Depends(require("decisions:read"))) -> Any:
        with runtime.store.uow() as uow:
            return {"appeals": [asdict(a) for a in uow.open_appeals(limit)]}

    @app.post("/v1/appeals/{appeal_id}/decide", tags=["appeals"])
    async def decide_appeal(request: Request, appeal_id: str = Path(max_length=64),
                            key: KeyRecord = Depends(require("cases:act"))) -> Any:
        """`{"outcome": "uphold" | "overturn", "reason"}` by a reviewer other than the one who decided."""
        b = _strings(await json_body(request), ("outcome", "reason"))
        appeal = await run_in_threadpool(guarded, runtime, appeals.decide_appeal, appeal_id, _reviewer(key),
                                         b["outcome"], b["reason"], engine.policy, engine.clock.now(), engine.new_id)
        return asdict(appeal)

    @app.get("/v1/accounts/{account_id}", tags=["enforce"])
    def account(account_id: str = Path(max_length=256), key: KeyRecord = Depends(require("decisions:read"))) -> Any:
        """An account's standing: strikes within the policy's strike_ttl, and any running freeze or suspension."""
        from ...domain.clock import plus

        now = engine.clock.now()
        with runtime.store.uow() as uow:
            strikes = uow.strikes(account_id, plus(now, -engine.policy.review.strike_ttl_s))
            restriction = uow.account_restriction(account_id, now)
        return {"account_id": account_id, "strikes": strikes, "can_post": restriction is None,
                "restriction": asdict(restriction) if restriction else None}

    @app.get("/v1/outbox", tags=["notices"])
    def outbox(subject_id: str = Query(..., max_length=256), key: KeyRecord = Depends(require("decisions:read"))) -> Any:
        """Notices and webhooks about a subject, with their delivery state."""
        with runtime.store.uow() as uow:
            return {"messages": [asdict(m) for m in uow.outbox_for(subject_id)]}

    @app.post("/v1/outbox/deliver", tags=["notices"])
    async def deliver(key: KeyRecord = Depends(require("admin"))) -> Any:
        """Deliver due messages now (the server also does this every few seconds)."""
        if not settings.webhook_url:
            raise ApiError(409, "conflict", "no TOCSIN_WEBHOOK_URL is set: messages stay in the outbox")
        done, failed = await run_in_threadpool(deliver_pending, runtime.store, settings.webhook_url,
                                               settings.webhook_secret, engine.clock.now)
        return {"delivered": done, "failed": failed}
