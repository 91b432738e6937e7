"""The FastAPI application. `create_app(runtime)` builds it; nothing happens at import time."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import Depends, FastAPI, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from ... import __version__
from ...bootstrap import Runtime
from ...ingest.parse import Rejected, parse_record
from ...ingest.service import IngestResult, ingest_batch
from ...ports import KeyRecord
from ...record.views import decision_dict, event_dict, subject_view, verify_chain
from ..console import app as console
from . import appeals, banks, compat, enforce, errors, review
from .app_helpers import json_body
from .auth import require
from .errors import ApiError
from .limits import BodyLimit

ITEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "text"],
    "properties": {
        "id": {"type": "string", "maxLength": 256},
        "type": {"type": "string", "enum": ["post", "comment", "page", "group", "event", "ad", "profile"],
                 "default": "post"},
        "title": {"type": "string"},
        "text": {"type": "string"},
        "lang": {"type": "string"},
        "author": {"type": "object", "properties": {"id": {"type": "string"}, "followers": {"type": "integer"},
                                                     "created_at": {"type": "string", "format": "date-time"}}},
        "parent_id": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "event": {"type": "object", "properties": {"starts_at": {"type": "string", "format": "date-time"},
                                                    "place": {"type": "string"}}},
        "metrics": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
    },
}


def _outcomes(result: IngestResult) -> list[dict[str, Any]]:
    return [{"id": o.item_id, "version": o.version, "status": o.status, "decision": decision_dict(o.decision)}
            for o in result.outcomes]


def create_app(runtime: Runtime) -> FastAPI:
    s = runtime.settings
    app = FastAPI(title="tocsin", version=__version__, lifespan=enforce.ticker(runtime),
                  description="Self-hosted multilingual trust-and-safety engine: ingest -> detect -> decide -> act -> "
                              "record. Every route but /healthz needs `Authorization: Bearer KEY`.")
    app.state.runtime = runtime
    errors.install(app)
    app.add_middleware(BodyLimit, max_bytes=s.max_body_bytes)

    compat.install(app, runtime)
    review.install(app, runtime)
    enforce.install(app, runtime)
    appeals.install(app, runtime)
    banks.install(app, runtime)
    console.install(app, runtime)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, Any]:
        with runtime.store.uow() as uow:
            seq, _ = uow.chain_head()
        return {"status": "ok", "version": __version__, "events": seq}

    @app.post("/v1/content", tags=["ingest"],
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                  "schema": {"type": "array", "items": ITEM_SCHEMA, "maxItems": s.max_batch_items}}}}})
    async def post_content(request: Request, key: KeyRecord = Depends(require("content:write"))) -> dict[str, Any]:
        """Ingest a JSON array of items. Idempotent by id: a re-sent item is a duplicate, an edited one a new
        version. Bad records are rejected by index with a reason; the good ones are kept."""
        body = await json_body(request)
        if not isinstance(body, list):
            raise ApiError(400, "invalid_body", "the body must be a JSON array of items")
        if len(body) > s.max_batch_items:
            raise ApiError(413, "too_many_items", f"{len(body)} items in one request; the limit is {s.max_batch_items}")
        records = [parse_record(rec, i, runtime.engine.limits) for i, rec in enumerate(body)]
        result = await run_in_threadpool(ingest_batch, records, runtime.store, runtime.engine)
        return {"accepted": result.accepted, "duplicates": result.duplicates,
                "rejected": [r.to_dict("index") for r in result.rejected], "results": _outcomes(result)}

    @app.post("/v1/moderate", tags=["ingest"],
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": ITEM_SCHEMA}}}})
    async def moderate(request: Request, key: KeyRecord = Depends(require("content:write"))) -> dict[str, Any]:
        """Ingest one item and return its decision and signals synchronously."""
        rec = parse_record(await json_body(request), 0, runtime.engine.limits)
        if isinstance(rec, Rejected):
            raise ApiError(422, "invalid_item", rec.reason)
        result = await run_in_threadpool(ingest_batch, [rec], runtime.store, runtime.engine)
        out = _outcomes(result)[0]
        out["signals"] = await run_in_threadpool(_signals, runtime, rec.id, out["version"])
        return out

    @app.get("/v1/subjects/{subject_id}", tags=["record"])
    def get_subject(subject_id: str = Path(max_length=256), key: KeyRecord = Depends(require("decisions:read"))) -> dict[str, Any]:
        """A subject's status, derived from its events, with the events themselves."""
        view = subject_view(runtime.store, subject_id, runtime.engine.clock.now())
        if view is None:
            raise ApiError(404, "not_found", f"no subject {subject_id!r}")
        return view

    @app.get("/v1/decisions", tags=["record"])
    def list_decisions(subject_id: str | None = Query(None, max_length=256), after: int = Query(0, ge=0),
                       limit: int = Query(100, ge=1, le=1000),
                       key: KeyRecord = Depends(require("decisions:read"))) -> dict[str, Any]:
        """Decisions in audit-log order; page with `after` = the `next` of the previous page."""
        with runtime.store.uow() as uow:
            rows = uow.list_decisions(subject_id, after, limit)
        return {"decisions": [dict(decision_dict(r.decision) or {}, seq=r.seq) for r in rows],
                "next": rows[-1].seq if rows else after}

    @app.get("/v1/audit", tags=["record"])
    def audit_log(after: int = Query(0, ge=0), limit: int = Query(500, ge=1, le=5000),
                  key: KeyRecord = Depends(require("audit:read"))) -> dict[str, Any]:
        """The hash-chained event log, in order, with the current chain head."""
        with runtime.store.uow() as uow:
            events = list(uow.iter_events(after, limit))
            head_seq, head_hash = uow.chain_head()
        return {"events": [event_dict(e) for e in events], "next": events[-1].seq if events else after,
                "head": {"seq": head_seq, "hash": head_hash}}

    @app.get("/v1/audit/verify", tags=["record"])
    def audit_verify(key: KeyRecord = Depends(require("audit:read"))) -> dict[str, Any]:
        """Recompute the whole chain and report the first broken link, if any."""
        report = verify_chain(runtime.store)
        return dict(asdict(report), message=report.describe())

    return app


def _signals(runtime: Runtime, item_id: str, version: int) -> list[dict[str, Any]]:
    with runtime.store.uow() as uow:
        return [asdict(sig) for sig in uow.signals_for(item_id, version)]

