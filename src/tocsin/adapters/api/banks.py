"""Routes for banks of known content, matching, and coordinated campaigns. Thin: parse, authorise, call a use case."""
from __future__ import annotations

import io
from dataclasses import asdict
from typing import Any

from fastapi import Depends, FastAPI, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from ...act import banks as bank_cases
from ...act.campaigns import campaign_subject
from ...bootstrap import Runtime
from ...detect.banks import FORMATS, BankError, BankIndex, import_entries
from ...ports import Bank, BankEntry, KeyRecord
from .app_helpers import json_body
from .auth import require
from .errors import ApiError
from .review import guarded

NAME = Path(max_length=64, pattern=r"^[\w.-]+$")
ENTRY = Path(max_length=256)
MAX_MATCH_TEXTS = 100


def bank_dict(b: Bank, entries: int | None = None) -> dict[str, Any]:
    d = asdict(b)
    d["matchers"] = list(b.matchers)
    if entries is not None:
        d["entries"] = entries
    return d


def entry_dict(e: BankEntry) -> dict[str, Any]:
    d = asdict(e)
    d.pop("removed")
    return d


def campaign_dict(c: Any) -> dict[str, Any]:
    return dict(asdict(c), langs=list(c.langs), subject_id=campaign_subject(c.id))


def _reason(body: Any) -> str:
    reason = body.get("reason", "") if isinstance(body, dict) else ""
    if not isinstance(reason, str) or len(reason) > 2000:
        raise ApiError(422, "invalid_request", "reason: must be a string of at most 2000 characters")
    return reason


def install(app: FastAPI, runtime: Runtime) -> None:
    engine, store = runtime.engine, runtime.store

    @app.get("/v1/banks", tags=["banks"])
    def list_banks(key: KeyRecord = Depends(require("banks:read"))) -> Any:
        with store.uow() as uow:
            return {"banks": [bank_dict(b, uow.count_bank_entries(b.name)) for b in uow.list_banks()]}

    @app.get("/v1/banks/{name}", tags=["banks"])
    def get_bank(name: str = NAME, key: KeyRecord = Depends(require("banks:read"))) -> Any:
        with store.uow() as uow:
            b = uow.get_bank(name)
            if b is None:
                raise ApiError(404, "not_found", f"no bank {name!r}")
            return bank_dict(b, uow.count_bank_entries(name))

    @app.put("/v1/banks/{name}", tags=["banks"])
    async def put_bank(request: Request, name: str = NAME, key: KeyRecord = Depends(require("admin"))) -> Any:
        """Create a bank or change its settings: `{"kind": "content" | "claims" | "negative", "category",
        "action", "suggest", "auto", "matchers", "encoder", "enabled", "description"}` (all optional)."""
        body = await json_body(request)
        b = await run_in_threadpool(guarded, runtime, bank_cases.save_bank, name, body, list(engine.policy.verdicts),
                                    key.id, engine.clock.now())
        return bank_dict(b)

    @app.get("/v1/banks/{name}/entries", tags=["banks"])
    def list_entries(name: str = NAME, after: str = Query("", max_length=256), limit: int = Query(100, ge=1, le=1000),
                     include_disabled: bool = True, key: KeyRecord = Depends(require("banks:read"))) -> Any:
        """Entries by id; page with `after` = the `next` of the previous page."""
        with store.uow() as uow:
            if uow.get_bank(name) is None:
                raise ApiError(404, "not_found", f"no bank {name!r}")
            rows = uow.bank_entries(name, include_disabled, limit=limit, after=after)
        return {"entries": [entry_dict(e) for e in rows], "next": rows[-1].id if len(rows) == limit else None}

    @app.post("/v1/banks/{name}/entries", tags=["banks"])
    async def add_entries(request: Request, name: str = NAME, key: KeyRecord = Depends(require("banks:write"))) -> Any:
        """`{"entries": [{"id", "text", "category"?, "action"?, "source"?, "lang"?, "url"?, "rating"?, ...}]}`;
        all or nothing."""
        body = await json_body(request)
        records = body.get("entries") if isinstance(body, dict) else None
        return await run_in_threadpool(guarded, runtime, bank_cases.add_entries, name, records, key.id,
                                       engine.clock.now())

    @app.post("/v1/banks/{name}/import", tags=["banks"])
    async def import_file(request: Request, name: str = NAME, format: str = Query("jsonl", pattern="^(jsonl|csv|claimreview)$"),
                          key: KeyRecord = Depends(require("banks:write"))) -> Any:
        """The raw body is a JSONL, CSV or ClaimReview JSON-LD file; good records are kept, bad ones listed."""
        raw = await request.body()

        def run() -> Any:
            with store.uow() as uow:
                if uow.get_bank(name) is None:
                    raise ApiError(404, "not_found", f"no bank {name!r} (create it with PUT /v1/banks/{name})")
            return import_entries(store, name, io.BytesIO(raw), engine.clock.now(), format)

        try:
            result = await run_in_threadpool(run)
        except BankError as exc:
            raise ApiError(422, "invalid_request", str(exc)) from None
        return {"added": result.added, "unchanged": result.unchanged, "duplicates": result.duplicates,
                "formats": list(FORMATS),
                "rejected": [{"line": n, "reason": why} for n, why in result.rejected or []]}

    @app.delete("/v1/banks/{name}/entries/{entry_id}", tags=["banks"])
    async def remove_entry(request: Request, name: str = NAME, entry_id: str = ENTRY,
                           key: KeyRecord = Depends(require("banks:write"))) -> Any:
        reason = _reason(await json_body(request)) if await request.body() else ""
        await run_in_threadpool(guarded, runtime, bank_cases.remove_entry, name, entry_id, key.id, reason,
                                engine.clock.now())
        return {"removed": entry_id}

    for verb, disabled in (("disable", True), ("enable", False)):
        def route(disabled: bool = disabled) -> Any:
            async def toggle(request: Request, name: str = NAME, entry_id: str = ENTRY,
                             key: KeyRecord = Depends(require("banks:write"))) -> Any:
                reason = _reason(await json_body(request)) if await request.body() else ""
                e = await run_in_threadpool(guarded, runtime, bank_cases.set_disabled, name, entry_id, disabled,
                                            key.id, reason, engine.clock.now())
                return entry_dict(e)
            return toggle
        app.post(f"/v1/banks/{{name}}/entries/{{entry_id}}/{verb}", tags=["banks"])(route())

    @app.post("/v1/banks/{name}/match", tags=["banks"])
    async def match(request: Request, name: str = NAME, key: KeyRecord = Depends(require("banks:read"))) -> Any:
        """`{"texts": [...], "top": 5}`: the best entries for each text, with score and matcher; stores nothing."""
        body = await json_body(request)
        texts = body.get("texts") if isinstance(body, dict) else None
        top = body.get("top", 5) if isinstance(body, dict) else 5
        if not isinstance(texts, list) or not texts or len(texts) > MAX_MATCH_TEXTS or not all(
                isinstance(t, str) and len(t) <= runtime.settings.max_text_chars for t in texts):
            raise ApiError(422, "invalid_request", f"texts: must be a list of 1-{MAX_MATCH_TEXTS} strings of at most "
                                                   f"{runtime.settings.max_text_chars} characters")
        if not isinstance(top, int) or isinstance(top, bool) or not 1 <= top <= 50:
            raise ApiError(422, "invalid_request", "top: must be an integer from 1 to 50")

        def run() -> Any:
            with store.uow() as uow:
                b = uow.get_bank(name)
                if b is None:
                    raise ApiError(404, "not_found", f"no bank {name!r}")
                entries = uow.bank_entries(name)
            return BankIndex(entries, b.matchers, b.encoder).match(texts, top) if entries else [[] for _ in texts]

        return {"results": await run_in_threadpool(run)}

    @app.get("/v1/campaigns", tags=["campaigns"])
    def list_campaigns(limit: int = Query(100, ge=1, le=1000), key: KeyRecord = Depends(require("decisions:read"))) -> Any:
        with store.uow() as uow:
            return {"campaigns": [campaign_dict(c) for c in uow.list_campaigns(limit)]}

    @app.get("/v1/campaigns/{campaign_id}", tags=["campaigns"])
    def get_campaign(campaign_id: str = Path(max_length=64), key: KeyRecord = Depends(require("decisions:read"))) -> Any:
        """A campaign with its members (item, account, language, when) and its open case, if any."""
        with store.uow() as uow:
            c = uow.get_campaign(campaign_id)
            if c is None:
                raise ApiError(404, "not_found", f"no campaign {campaign_id!r}")
            members = uow.campaign_members(c.cluster)
            case = uow.open_case(campaign_subject(c.id))
        return dict(campaign_dict(c), members=[{"item_id": m.item_id, "author_id": m.author_id, "lang": m.lang, "at": m.at}
                             for m in members], case=case.view() if case else None)
