"""Drop-in routes for clients migrating off Perspective (closing at the end of 2026) and OpenAI moderation.

Perspective clients send their key as `?key=`; this route accepts that as well as `Authorization: Bearer`.
Both routes score and store nothing.
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ...bootstrap import Runtime
from ...detect import compat
from ...domain.model import ContentItem
from .app_helpers import json_body
from .auth import authorise
from .errors import ApiError


def install(app: FastAPI, runtime: Runtime) -> None:
    limits = runtime.settings

    @app.post("/v1alpha1/comments:analyze", tags=["compatibility"])
    async def perspective_analyze(request: Request) -> Any:
        """Perspective API AnalyzeComment: same request and response shapes (see docs/compat.md)."""
        key = request.query_params.get("key")
        authorise(request, "classify", fallback_key=key)
        try:
            text, attrs, thresholds, langs, token = compat.parse_perspective(await json_body(request),
                                                                              limits.max_text_chars)
        except compat.CompatError as exc:
            return JSONResponse({"error": {"code": 400, "message": str(exc), "status": exc.status}}, 400)
        lang = langs[0].lower() if langs else None
        (result,) = await run_in_threadpool(runtime.engine.classify, [ContentItem("perspective", "comment", text,
                                                                                  lang=lang)])
        return compat.perspective_response(result["scores"], attrs, thresholds, text, result["lang"], langs, token)

    @app.post("/v1/moderations", tags=["compatibility"])
    async def openai_moderations(request: Request) -> Any:
        """OpenAI moderation: same request and response shapes (see docs/compat.md)."""
        authorise(request, "classify")
        try:
            texts = compat.parse_openai(await json_body(request), limits.max_text_chars, limits.max_batch_items)
        except compat.CompatError as exc:
            raise ApiError(400, "invalid_request", str(exc)) from None
        items = [ContentItem(f"m{i}", "post", t) for i, t in enumerate(texts)]
        results = await run_in_threadpool(runtime.engine.classify, items)
        return compat.openai_response([(r["scores"], r["flagged"]) for r in results])
