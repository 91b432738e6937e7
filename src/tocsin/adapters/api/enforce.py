"""Routes for direct enforcement: act on an item or account, reverse an action, and end due actions now."""
from __future__ import annotations

import threading
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Any, AsyncIterator

from fastapi import Depends, FastAPI, Path, Request
from starlette.concurrency import run_in_threadpool

from ...act import enforce
from ...bootstrap import Runtime
from ...decide.loader import parse_duration
from ...ports import KeyRecord
from ..webhooks import deliver_pending
from .app_helpers import json_body
from .auth import require
from .errors import ApiError
from .review import _reviewer, guarded


def install(app: FastAPI, runtime: Runtime) -> None:
    engine = runtime.engine

    @app.post("/v1/actions", tags=["enforce"])
    async def post_action(request: Request, key: KeyRecord = Depends(require("cases:act"))) -> Any:
        """`{"subject_id", "type": "label|demote|remove|freeze|suspend|ban|...", "duration": "24h"?, "label"?,
        "reason", "rule"?}`. freeze and suspend act on an account id; the rest on an item."""
        body = await json_body(request)
        if not isinstance(body, dict):
            raise ApiError(400, "invalid_body", "the body must be a JSON object")
        for f in ("subject_id", "type", "reason"):
            if not isinstance(body.get(f), str) or len(body[f]) > 5000:
                raise ApiError(422, "invalid_request", f"{f}: is required and must be a string")
        duration = None
        if body.get("duration") is not None:
            duration = parse_duration(body["duration"])
            if duration is None:
                raise ApiError(422, "invalid_request", f"duration: {body['duration']!r} is not like 24h, 7d or 3600")
        actions = await run_in_threadpool(
            guarded, runtime, enforce.act_directly, body["subject_id"], body["type"], duration, body.get("label"),
            body["reason"], body.get("rule"), _reviewer(key), engine.policy, engine.clock.now(), engine.new_id)
        return {"actions": [asdict(a) for a in actions]}

    @app.post("/v1/actions/{action_id}/reverse", tags=["enforce"])
    async def reverse_action(request: Request, action_id: str = Path(max_length=64),
                             key: KeyRecord = Depends(require("cases:act"))) -> Any:
        """Reverse a running action, with a reason; the reversal is logged."""
        body = await json_body(request)
        reason = body.get("reason", "") if isinstance(body, dict) else ""
        if not isinstance(reason, str):
            raise ApiError(422, "invalid_request", "reason: must be a string")
        action = await run_in_threadpool(guarded, runtime, enforce.reverse, action_id, _reviewer(key), reason,
                                         engine.clock.now())
        return {"reversed": asdict(action)}

    @app.post("/v1/tick", tags=["enforce"])
    async def tick(key: KeyRecord = Depends(require("admin"))) -> Any:
        """End timed actions whose expiry has come and escalate cases past their SLA, now (the server also does
        this every TOCSIN_TICK_SECONDS)."""
        ended, escalated = await run_in_threadpool(guarded, runtime, enforce.tick, engine.policy, engine.clock.now())
        return {"ended": [asdict(a) for a in ended], "escalated": [c.view() for c in escalated]}


def ticker(runtime: Runtime) -> Any:
    """A lifespan whose background thread ends due timed actions every TOCSIN_TICK_SECONDS and, when a webhook URL
    is set, delivers the outbox every couple of seconds."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()

        s = runtime.settings
        step = min(2, s.tick_seconds) if s.webhook_url and s.tick_seconds else (s.tick_seconds or 2)

        def loop() -> None:
            waited = 0
            while not stop.wait(step):
                waited += step
                try:
                    if s.tick_seconds and waited >= s.tick_seconds:
                        waited = 0
                        with runtime.store.uow(write=True) as uow:
                            enforce.tick(uow, runtime.engine.policy, runtime.engine.clock.now())
                            uow.commit()
                    if s.webhook_url:
                        deliver_pending(runtime.store, s.webhook_url, s.webhook_secret, runtime.engine.clock.now)
                except Exception as exc:  # keep going; the next round retries what this one could not do
                    print(f"tocsin: background work failed: {exc}", flush=True)

        thread = threading.Thread(target=loop, name="tocsin-background", daemon=True)
        if s.tick_seconds > 0 or s.webhook_url:
            thread.start()
        try:
            yield
        finally:
            stop.set()

    return lifespan
