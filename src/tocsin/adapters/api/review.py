"""Routes for reports, review queues and case decisions. Parsing and authorisation only; act.review decides."""
from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from ...act import review
from ...bootstrap import Runtime
from ...domain.cases import Conflict, NotAllowed, Reviewer
from ...domain.clock import parse_iso
from ...domain.model import Report
from ...ports import KeyRecord
from .app_helpers import json_body
from .auth import require
from .errors import ApiError

REPORT_FIELDS = {"subject_id", "reporter_id", "reason", "text", "trusted_flagger", "created_at"}


def _report(body: Any, max_chars: int) -> Report:
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "a report must be a JSON object")
    unknown = set(body) - REPORT_FIELDS
    if unknown:
        raise ApiError(422, "invalid_report", f"unknown field(s): {', '.join(sorted(unknown))}")
    for f in ("subject_id", "reporter_id", "reason"):
        if not isinstance(body.get(f), str) or not body[f] or len(body[f]) > 256:
            raise ApiError(422, "invalid_report", f"{f}: is required and must be a string of at most 256 characters")
    text = body.get("text", "")
    if not isinstance(text, str) or len(text) > max_chars:
        raise ApiError(422, "invalid_report", f"text: must be a string of at most {max_chars} characters")
    if not isinstance(body.get("trusted_flagger", False), bool):
        raise ApiError(422, "invalid_report", "trusted_flagger: must be true or false")
    created = body.get("created_at")
    if created is not None:
        try:
            from ...domain.clock import iso

            created = iso(parse_iso(created))
        except (TypeError, ValueError):
            raise ApiError(422, "invalid_report", "created_at: must be an ISO 8601 time with a zone") from None
    return Report(body["subject_id"], body["reporter_id"], body["reason"], text, body.get("trusted_flagger", False),
                  created)


def _reviewer(key: KeyRecord) -> Reviewer:
    return Reviewer(f"key:{key.id}", key.role, key.team)


def guarded(runtime: Runtime, fn: Any, *args: Any) -> Any:
    """Run a use case in one write transaction; its domain errors become HTTP errors (and roll back)."""
    with runtime.store.uow(write=True) as uow:
        try:
            result = fn(uow, *args)
        except review.NotFound as exc:
            raise ApiError(404, "not_found", str(exc)) from None
        except review.Invalid as exc:
            raise ApiError(422, "invalid_request", str(exc)) from None
        except NotAllowed as exc:
            raise ApiError(403, "forbidden", str(exc)) from None
        except Conflict as exc:
            raise ApiError(409, "conflict", str(exc)) from None
        uow.commit()
        return result


def install(app: FastAPI, runtime: Runtime) -> None:
    engine, store = runtime.engine, runtime.store

    @app.post("/v1/reports", tags=["review"])
    async def post_report(request: Request, key: KeyRecord = Depends(require("reports:write"))) -> dict[str, Any]:
        """A user report. Deduplicated per reporter and subject; it also counts for the page, group or event above
        the reported item. Returns the cases it opened or moved, with their priority and queue."""
        report = _report(await json_body(request), runtime.settings.max_text_chars)
        out = await run_in_threadpool(guarded, runtime, review.add_report, report, engine.policy, engine.clock.now(),
                                      engine.new_id)
        return {"report_id": out.report_id, "counted_for": out.counted_for, "duplicate_for": out.duplicate_for,
                "cases": [c.view() for c in out.cases]}

    @app.get("/v1/queue", tags=["review"])
    def get_queue(name: str | None = Query(None, max_length=64), limit: int = Query(100, ge=1, le=1000),
                  key: KeyRecord = Depends(require("decisions:read"))) -> dict[str, Any]:
        """Open cases by urgency (priority, then SLA due, then risk); without `name`, every queue."""
        with store.uow() as uow:
            cases = uow.queue(name, limit)
        return {"cases": [c.view() for c in cases]}

    @app.get("/v1/cases/{case_id}", tags=["review"])
    def get_case(case_id: str = Path(max_length=64), key: KeyRecord = Depends(require("decisions:read"))) -> Any:
        with store.uow() as uow:
            case = uow.get_case(case_id)
        if case is None:
            raise ApiError(404, "not_found", f"no case {case_id!r}")
        return case.view()

    @app.post("/v1/cases/{case_id}/claim", tags=["review"])
    async def claim_case(case_id: str = Path(max_length=64), key: KeyRecord = Depends(require("cases:act"))) -> Any:
        """Claim a case: an exclusive lock that times out (the policy's review.claim_ttl)."""
        case = await run_in_threadpool(guarded, runtime, review.claim, case_id, _reviewer(key), engine.policy,
                                       engine.clock.now())
        return case.view()

    @app.post("/v1/cases/{case_id}/decide", tags=["review"])
    async def decide_case(request: Request, case_id: str = Path(max_length=64),
                          key: KeyRecord = Depends(require("cases:act"))) -> Any:
        """`{"verdict": "dismiss" | a verdict of the policy, "reason": "...", "rule": "..."}`. A P0 case in a
        specialist queue can be dismissed only by that team, and a P0 dismissal needs a second reviewer."""
        body = await json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("verdict"), str):
            raise ApiError(422, "invalid_request", "verdict: is required")
        reason, rule = body.get("reason", ""), body.get("rule")
        if not isinstance(reason, str) or len(reason) > 5000 or (rule is not None and not isinstance(rule, str)):
            raise ApiError(422, "invalid_request", "reason and rule must be strings (reason at most 5000 characters)")
        case = await run_in_threadpool(guarded, runtime, review.decide, case_id, _reviewer(key), body["verdict"],
                                       reason, rule, engine.policy, engine.clock.now(), engine.new_id)
        return case.view()
