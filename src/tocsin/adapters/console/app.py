"""The reviewer console: server-rendered pages at /, no front-end build, a little JavaScript for keyboard
shortcuts. Pages call the same use cases as the API and check the same role table (auditors only read).

Security: a session cookie (HttpOnly, SameSite=Strict) from a user's password or an API key; every form carries
the session's CSRF token; the login form a double-submit token. Templates escape everything, and a strict
Content-Security-Policy (scripts only from this origin, no inline script) keeps a script inside a post inert even
if escaping were ever missed.
"""
from __future__ import annotations

import functools
import hmac
import secrets
import time
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.staticfiles import StaticFiles

from ...act import appeals as appeal_cases
from ...act import banks as bank_cases
from ...act import review
from ...bootstrap import Runtime
from ...domain.cases import Reviewer
from ...ports import SessionRecord
from ...record import users
from ..api.auth import ROUTE_ROLES
from ..api.errors import ApiError
from ..api.review import guarded
from . import views

COOKIE, LOGIN_COOKIE = "tocsin_session", "tocsin_login"
MAX_FAILURES, FAILURE_WINDOW_S = 5, 900  # failed logins per user name (or per address, for keys) before a pause
MAX_FORM_BYTES = 64 * 1024
HEADERS = {"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                      "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
           "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
           "Cache-Control": "no-store"}
DONE = {"decided": "Decision recorded; the case left the queue.", "claimed": "Case claimed.",
        "pending": "Dismissal recorded; a second reviewer must confirm it.", "appeal": "Appeal decided.",
        "bank": "Bank updated.", "out": "Logged out."}


class _Redirect(Exception):
    def __init__(self, to: str):
        self.to = to


def install(app: FastAPI, runtime: Runtime) -> None:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("tocsin.adapters.console", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    static = resources.files("tocsin.adapters.console").joinpath("static")
    app.mount("/console/static", StaticFiles(directory=str(static)), name="console-static")
    store, engine = runtime.store, runtime.engine
    failures: dict[str, list[float]] = {}  # per process: who failed to log in when (monotonic seconds)

    def render(name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        html = env.get_template(name).render(**ctx)
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def session_of(request: Request) -> SessionRecord | None:
        return users.current_session(store, request.cookies.get(COOKIE), engine.clock.now())

    def need(request: Request, permission: str) -> SessionRecord:
        s = session_of(request)
        if s is None:
            raise _Redirect("/login?next=" + quote(request.url.path))
        if s.role not in ROUTE_ROLES[permission]:
            raise ApiError(403, "forbidden", f"role {s.role!r} may not do this here "
                                             f"(allowed: {', '.join(sorted(ROUTE_ROLES[permission]))})")
        return s

    def can(s: SessionRecord, permission: str) -> bool:
        return s.role in ROUTE_ROLES[permission]

    async def form(request: Request, s: SessionRecord | None) -> dict[str, str]:
        raw = await request.body()
        if len(raw) > MAX_FORM_BYTES:
            raise ApiError(413, "payload_too_large", f"form over {MAX_FORM_BYTES} bytes")
        fields = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()}
        expected = s.csrf if s is not None else request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not hmac.compare_digest(fields.get("csrf", ""), expected):
            raise ApiError(403, "csrf", "the form's security token is missing or stale; reload the page and try again")
        return fields

    def page(fn: Any) -> Any:
        @functools.wraps(fn)  # FastAPI reads the path parameters from the wrapped signature
        async def wrapper(request: Request, **kw: Any) -> Response:
            try:
                return await fn(request, **kw)
            except _Redirect as r:
                return RedirectResponse(r.to, status_code=303)
            except ApiError as exc:
                s = session_of(request)
                return render("error.html", exc.status, message=exc.message, session=s)
        return wrapper

    def ctx(s: SessionRecord, request: Request, **kw: Any) -> dict[str, Any]:
        return dict(session=s, can_act=can(s, "cases:act"), can_bank=can(s, "banks:write"),
                    can_audit=can(s, "audit:read"), done=DONE.get(request.query_params.get("done", "")), **kw)

    def reviewer(s: SessionRecord) -> Reviewer:
        return Reviewer(s.principal, s.role, s.team)

    # login ------------------------------------------------------------------------------------------
    @app.get("/login", include_in_schema=False)
    async def login_form(request: Request) -> Response:
        token = secrets.token_urlsafe(24)
        resp = render("login.html", csrf=token, next=request.query_params.get("next", "/queue"), error=None)
        resp.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", max_age=3600)
        return resp

    @app.post("/login", include_in_schema=False)
    @page
    async def login_submit(request: Request) -> Response:
        f = await form(request, None)
        name = f.get("username", "").strip()[:64]
        who = name or f"key@{request.client.host if request.client else '?'}"
        now_s = time.monotonic()
        recent = [t for t in failures.get(who, []) if now_s - t < FAILURE_WINDOW_S]
        nxt = f.get("next", "/queue")
        nxt = nxt if nxt.startswith("/") and not nxt.startswith("//") else "/queue"

        def again(status: int, error: str) -> Response:
            token = secrets.token_urlsafe(24)
            resp = render("login.html", status, csrf=token, next=nxt, error=error)
            resp.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", max_age=3600)
            return resp

        if len(recent) >= MAX_FAILURES:
            return again(429, f"Too many failed attempts; try again in {FAILURE_WINDOW_S // 60} minutes.")
        s = await run_in_threadpool(users.login, store, name, f.get("password", "")[:1024], engine.clock.now())
        if s is None:
            failures[who] = recent + [now_s]
            return again(401, "Unknown user or wrong password or key.")
        failures.pop(who, None)
        resp = RedirectResponse(nxt, status_code=303)
        resp.set_cookie(COOKIE, s.token, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                        max_age=users.SESSION_TTL_S)
        resp.delete_cookie(LOGIN_COOKIE)
        return resp

    @app.post("/logout", include_in_schema=False)
    @page
    async def logout(request: Request) -> Response:
        s = need(request, "decisions:read")
        await form(request, s)
        users.logout(store, request.cookies.get(COOKIE, ""))
        resp = RedirectResponse("/login?done=out", status_code=303)
        resp.delete_cookie(COOKIE)
        return resp

    @app.get("/", include_in_schema=False)
    async def home(request: Request) -> Response:
        return RedirectResponse("/queue" if session_of(request) else "/login", status_code=303)

    # queue and cases ----------------------------------------------------------------------------------
    @app.get("/queue", include_in_schema=False)
    @page
    async def queue(request: Request) -> Response:
        s = need(request, "decisions:read")
        f = {k: request.query_params.get(k, "")[:64] for k in ("queue", "category", "lang", "priority", "sla")}
        data = await run_in_threadpool(views.queue_page, runtime, f)
        return render("queue.html", **ctx(s, request, **data))

    @app.get("/cases/{case_id}", include_in_schema=False)
    @page
    async def case(request: Request, case_id: str) -> Response:
        s = need(request, "decisions:read")
        data = await run_in_threadpool(views.case_page, runtime, case_id[:64], s.role)
        if data is None:
            raise ApiError(404, "not_found", f"no case {case_id[:64]!r}")
        return render("case.html", **ctx(s, request, **data))

    @app.post("/cases/{case_id}/claim", include_in_schema=False)
    @page
    async def claim(request: Request, case_id: str) -> Response:
        s = need(request, "cases:act")
        await form(request, s)
        await run_in_threadpool(guarded, runtime, review.claim, case_id[:64], reviewer(s), engine.policy,
                                engine.clock.now())
        return RedirectResponse(f"/cases/{quote(case_id[:64])}?done=claimed", status_code=303)

    @app.post("/cases/{case_id}/decide", include_in_schema=False)
    @page
    async def decide(request: Request, case_id: str) -> Response:
        s = need(request, "cases:act")
        f = await form(request, s)
        if not f.get("reason", "").strip():
            raise ApiError(422, "invalid_request", "a decision needs a reason")
        result = await run_in_threadpool(guarded, runtime, review.decide, case_id[:64], reviewer(s),
                                         f.get("verdict", "")[:64], f["reason"][:2000], f.get("rule") or None,
                                         engine.policy, engine.clock.now(), engine.new_id)
        return RedirectResponse("/queue?done=" + ("pending" if result.status == "pending_second" else "decided"),
                                status_code=303)

    # appeals ------------------------------------------------------------------------------------------
    @app.get("/appeals", include_in_schema=False)
    @page
    async def appeals(request: Request) -> Response:
        s = need(request, "decisions:read")
        return render("appeals.html", **ctx(s, request, **await run_in_threadpool(views.appeals_page, runtime)))

    @app.post("/appeals/{appeal_id}/decide", include_in_schema=False)
    @page
    async def decide_appeal(request: Request, appeal_id: str) -> Response:
        s = need(request, "cases:act")
        f = await form(request, s)
        await run_in_threadpool(guarded, runtime, appeal_cases.decide_appeal, appeal_id[:64], reviewer(s),
                                f.get("outcome", ""), f.get("reason", "")[:2000], engine.policy, engine.clock.now(),
                                engine.new_id)
        return RedirectResponse("/appeals?done=appeal", status_code=303)

    # banks --------------------------------------------------------------------------------------------
    @app.get("/banks", include_in_schema=False)
    @page
    async def banks(request: Request) -> Response:
        s = need(request, "banks:read")
        return render("banks.html", **ctx(s, request, **await run_in_threadpool(views.banks_page, runtime)))

    @app.get("/banks/{name}", include_in_schema=False)
    @page
    async def bank(request: Request, name: str) -> Response:
        s = need(request, "banks:read")
        data = await run_in_threadpool(views.bank_page, runtime, name[:64], request.query_params.get("after", "")[:256])
        if data is None:
            raise ApiError(404, "not_found", f"no bank {name[:64]!r}")
        return render("bank.html", **ctx(s, request, **data))

    @app.post("/banks/{name}/entries", include_in_schema=False)
    @page
    async def bank_add(request: Request, name: str) -> Response:
        s = need(request, "banks:write")
        f = await form(request, s)
        entry = {k: f[k] for k in ("id", "text", "category", "url", "rating", "lang") if f.get(k)}
        await run_in_threadpool(guarded, runtime, bank_cases.add_entries, name[:64], [entry], s.principal,
                                engine.clock.now())
        return RedirectResponse(f"/banks/{quote(name[:64])}?done=bank", status_code=303)

    @app.post("/banks/{name}/entries/{entry_id}/{verb}", include_in_schema=False)
    @page
    async def bank_entry(request: Request, name: str, entry_id: str, verb: str) -> Response:
        s = need(request, "banks:write")
        f = await form(request, s)
        now, reason = engine.clock.now(), f.get("reason", "")[:2000]
        if verb == "remove":
            await run_in_threadpool(guarded, runtime, bank_cases.remove_entry, name[:64], entry_id[:256], s.principal,
                                    reason, now)
        elif verb in ("disable", "enable"):
            await run_in_threadpool(guarded, runtime, bank_cases.set_disabled, name[:64], entry_id[:256],
                                    verb == "disable", s.principal, reason, now)
        else:
            raise ApiError(404, "not_found", "unknown bank action")
        return RedirectResponse(f"/banks/{quote(name[:64])}?done=bank", status_code=303)

    # audit log and dashboard --------------------------------------------------------------------------
    @app.get("/audit", include_in_schema=False)
    @page
    async def audit(request: Request) -> Response:
        s = need(request, "audit:read")
        try:
            after = max(0, int(request.query_params.get("after", "0")))
        except ValueError:
            after = 0
        return render("audit.html", **ctx(s, request, **await run_in_threadpool(views.audit_page, runtime, after)))

    @app.get("/dashboard", include_in_schema=False)
    @page
    async def dashboard(request: Request) -> Response:
        from ...record.report_html import bar_chart, charts
        from ...record.transparency import ReportError, report_from_store

        s = need(request, "decisions:read")
        today = engine.clock.now()[:10]
        start = request.query_params.get("from", today[:8] + "01")[:10]
        end = request.query_params.get("to", today)[:10]
        try:
            rep = await run_in_threadpool(report_from_store, store, start, end)
        except ReportError as exc:
            raise ApiError(422, "invalid_request", str(exc)) from None
        figures = [bar_chart(t, d) for t, d in charts(rep)[:4]]
        return render("dashboard.html", **ctx(s, request, report=rep, charts=figures, start=start, end=end))
