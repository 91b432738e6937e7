"""CLI command bodies. Each turns arguments into a use-case call and prints the result; known failures
become one clear line on stderr (never a traceback)."""
from __future__ import annotations

import argparse
import io
import json
import sqlite3
import sys
from contextlib import contextmanager
from importlib import resources
from typing import IO, Any, BinaryIO, Iterator

from ...bootstrap import Runtime, build, build_engine
from ...decide.backtest import backtest
from ...decide.errors import PolicyError
from ...decide.loader import load_policy
from ...detect import registry
from ...domain.clock import SystemClock
from ...domain.model import ContentItem
from ...ingest.parse import Rejected, read_jsonl
from ...ingest.service import IngestResult, ingest_batch
from ...record import keys as keyring
from ...record.views import subject_view, verify_chain
from ...settings import Settings, SettingsError
from ..store import StoreURLError


class CliError(Exception):
    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def _db_errors() -> tuple[type[BaseException], ...]:
    errs: list[type[BaseException]] = [sqlite3.Error]
    try:
        import psycopg

        errs.append(psycopg.Error)
    except ImportError:  # pragma: no cover - psycopg is a declared dependency
        pass
    return tuple(errs)


@contextmanager
def runtime(args: argparse.Namespace) -> Iterator[Runtime]:
    try:
        rt = build(Settings(db=getattr(args, "db", None), policy=getattr(args, "policy", None)))
    except (PolicyError, SettingsError, StoreURLError, registry.UnknownDetector) as exc:
        raise CliError(str(exc)) from None
    except _db_errors() as exc:
        raise CliError(f"cannot open the database: {exc}") from None
    try:
        yield rt
    except _db_errors() as exc:
        raise CliError(f"database error: {exc}", 1) from None
    finally:
        rt.close()


def _open_in(path: str) -> BinaryIO:
    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None


def _open_out(path: str) -> IO[str]:
    if path == "-":
        return sys.stdout
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror}") from None


def _batches(stream: BinaryIO, size: int, limits: Any) -> Iterator[tuple[list[ContentItem | Rejected], list[int]]]:
    batch: list[ContentItem | Rejected] = []
    lines: list[int] = []
    for n, rec in read_jsonl(stream, limits):
        batch.append(rec)
        lines.append(n)
        if len(batch) >= size:
            yield batch, lines
            batch, lines = [], []
    if batch:
        yield batch, lines


def _ingest_stream(rt: Runtime, stream: BinaryIO, name: str) -> IngestResult:
    total = IngestResult()
    for batch, lines in _batches(stream, rt.settings.ingest_batch, rt.engine.limits):
        result = ingest_batch(batch, rt.store, rt.engine, lines)
        for r in result.rejected:
            print(f"{name}:{r.where}: rejected{f' (id={r.id})' if r.id else ''}: {r.reason}", file=sys.stderr)
        total.merge(result)
    return total


def ingest(args: argparse.Namespace) -> int:
    stream = _open_in(args.file)
    with runtime(args) as rt:
        result = _ingest_stream(rt, stream, "<stdin>" if args.file == "-" else args.file)
    print(result.summary())
    return 1 if result.rejected else 0


def _engine_only(args: argparse.Namespace):
    try:
        settings = Settings(policy=getattr(args, "policy", None))
        return settings, build_engine(settings)
    except (PolicyError, SettingsError, registry.UnknownDetector) as exc:
        raise CliError(str(exc)) from None


def classify(args: argparse.Namespace) -> int:
    """Needs no database: it scores and stores nothing."""
    src, out = _open_in(args.input), _open_out(args.output)
    settings, engine = _engine_only(args)
    failures = 0
    pending: list[tuple[Any, ContentItem | None, str | None]] = []

    def flush() -> None:
        scored = iter(engine.classify([it for _, it, _ in pending if it is not None]))
        for raw_id, item, err in pending:
            res = {"id": raw_id, "error": err} if item is None else {**next(scored), "id": raw_id}
            out.write(json.dumps(res, ensure_ascii=False) + "\n")
        pending.clear()

    for n, raw in enumerate(src, start=1):
        if not raw.strip():
            continue
        raw_id, item, err = _classify_record(raw, settings.max_text_chars)
        if err:
            failures += 1
            print(f"{args.input}:{n}: {err}", file=sys.stderr)
        pending.append((raw_id, item, err))
        if len(pending) >= 256:
            flush()
    flush()
    out.flush()
    if out is not sys.stdout:
        out.close()
    return 1 if failures else 0


def _classify_record(raw: bytes, max_chars: int) -> tuple[Any, ContentItem | None, str | None]:
    try:
        rec = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, None, "invalid UTF-8"
    except json.JSONDecodeError as exc:
        return None, None, f"invalid JSON: {exc.msg}"
    if not isinstance(rec, dict):
        return None, None, "a line must be a JSON object"
    raw_id, text, lang = rec.get("id"), rec.get("text"), rec.get("lang")
    if not isinstance(raw_id, (str, int)) or isinstance(raw_id, bool):
        return raw_id, None, "id: must be a string"
    if not isinstance(text, str):
        return raw_id, None, "text: is required and must be a string"
    if len(text) > max_chars:
        return raw_id, None, f"text: is {len(text)} characters, over the limit of {max_chars}"
    if lang is not None and not isinstance(lang, str):
        return raw_id, None, "lang: must be a string"
    return raw_id, ContentItem(str(raw_id), "post", text, lang=lang.lower() if lang else None), None


def keys_create(args: argparse.Namespace) -> int:
    with runtime(args) as rt:
        try:
            new = keyring.create_key(rt.store, args.role, args.label, SystemClock().now(), args.team)
        except keyring.UnknownRole as exc:
            raise CliError(str(exc)) from None
    team = f" team={args.team}" if args.team else ""
    print(f"created key id={new.id} role={new.role}{team}; it is shown only once:")
    print(new.key)
    return 0


def keys_list(args: argparse.Namespace) -> int:
    with runtime(args) as rt, rt.store.uow() as uow:
        for k in uow.list_keys():
            state = f"revoked {k.revoked_at}" if k.revoked_at else "active"
            print(f"{k.id}\t{k.role}\t{state}\t{k.created_at}\t{k.label or ''}")
    return 0


def keys_revoke(args: argparse.Namespace) -> int:
    with runtime(args) as rt:
        if not keyring.revoke_key(rt.store, args.key_id, SystemClock().now()):
            raise CliError(f"no active key with id {args.key_id!r}", 1)
    print(f"revoked {args.key_id}")
    return 0


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ..api.app import create_app

    with runtime(args) as rt:
        host = args.host or rt.settings.host
        port = args.port or rt.settings.port
        print(f"tocsin serving on http://{host}:{port}/ (API docs at /docs)", flush=True)
        uvicorn.run(create_app(rt), host=host, port=port, log_level="info", access_log=False)
    return 0


def audit_verify(args: argparse.Namespace) -> int:
    with runtime(args) as rt:
        report = verify_chain(rt.store)
    print(report.describe())
    return 0 if report.ok else 1


def policy_check(args: argparse.Namespace) -> int:
    try:
        p = load_policy(args.file)
    except PolicyError as exc:
        raise CliError(f"policy is invalid ({len(exc.problems)} problem(s)):\n{exc}", 1) from None
    print(f"{args.file}: ok: policy {p.name} version {p.version}, {len(p.rules)} rules, {len(p.verdicts)} verdicts")
    return 0


def policy_backtest(args: argparse.Namespace) -> int:
    try:
        candidate = load_policy(args.file)
    except PolicyError as exc:
        raise CliError(f"policy is invalid:\n{exc}", 1) from None
    with runtime(args) as rt:
        report = backtest(rt.store, candidate, SystemClock().now())
    print(f"current policy {rt.engine.policy.name}@{rt.engine.policy.version} -> "
          f"candidate {candidate.name}@{candidate.version}")
    print("\n".join(report.lines()))
    return 0


def subject_show(args: argparse.Namespace) -> int:
    with runtime(args) as rt:
        view = subject_view(rt.store, args.subject_id, SystemClock().now())
    if view is None:
        raise CliError(f"no subject {args.subject_id!r}", 1)
    print(json.dumps(view, indent=2, ensure_ascii=False))
    return 0


DEMO_NOW = "2026-11-20T18:00:00Z"  # the moment the demo items are written for: the newest was posted then


def _shift_demo(data: bytes, now: str) -> bytes:
    """Move the demo's times by whole hours so that its story has just happened whenever it is loaded: the newest
    item is under an hour old and the armed event starts in 5 to 6 hours, always inside the risk model's 12-hour
    urgency window (shifted by whole days instead, a demo loaded before 11:00 UTC had the event 12-23 hours off, and
    its case fell to P1). Loading again within the same hour changes nothing."""
    from datetime import timedelta

    from ...domain.clock import iso, parse_iso

    hours = int((parse_iso(now) - parse_iso(DEMO_NOW)).total_seconds() // 3600)

    def shift(value: str) -> str:
        return iso(parse_iso(value) + timedelta(hours=hours))

    out = []
    for line in data.decode("utf-8").splitlines():
        rec = json.loads(line)
        for holder, key in ((rec, "created_at"), (rec.get("event") or {}, "starts_at"),
                            (rec.get("author") or {}, "created_at")):
            if holder.get(key):
                holder[key] = shift(holder[key])
        out.append(json.dumps(rec, ensure_ascii=False))
    return ("\n".join(out) + "\n").encode("utf-8")


def demo_load(args: argparse.Namespace) -> int:
    raw = resources.files("tocsin.demo").joinpath("items.jsonl").read_bytes()
    data = _shift_demo(raw, SystemClock().now())
    from ...demo.history import play

    with runtime(args) as rt:
        result = _ingest_stream(rt, io.BytesIO(data), "demo/items.jsonl")
        played = play(rt.store, rt.engine)
    print(f"demo data: {result.summary()}" + ("; moderation history played" if played else ""))
    return 0


def db_migrate(args: argparse.Namespace) -> int:
    with runtime(args) as rt:  # opening the store applies pending migrations
        print(f"database {rt.store.url} is up to date")
    return 0


def tick(args: argparse.Namespace) -> int:
    """For cron: end every timed action whose expiry has come (the server also does this on its own)."""
    from ...act.enforce import tick as do_tick

    with runtime(args) as rt, rt.store.uow(write=True) as uow:
        ended, escalated = do_tick(uow, rt.engine.policy, rt.engine.clock.now(), limit=100_000)
        uow.commit()
    print(f"tick: {len(ended)} timed action(s) ended, {len(escalated)} case(s) escalated past their SLA")
    return 0


def reports_add(args: argparse.Namespace) -> int:
    """Add one report (the same use case as POST /v1/reports)."""
    from ...act import review
    from ...domain.model import Report

    report = Report(args.subject_id, args.reporter, args.reason, args.text or "", args.trusted_flagger)
    with runtime(args) as rt, rt.store.uow(write=True) as uow:
        try:
            out = review.add_report(uow, report, rt.engine.policy, rt.engine.clock.now(), rt.engine.new_id)
        except (review.NotFound, review.Invalid) as exc:
            raise CliError(str(exc), 1) from None
        uow.commit()
    for case in out.cases:
        print(f"{case.subject_id}: case {case.id} {case.priority} in queue {case.queue} (risk {case.risk:.0f})")
    print(f"report {out.report_id}: counted for {', '.join(out.counted_for) or 'nothing new'}")
    return 0


def settings_list(args: argparse.Namespace) -> int:
    for s in Settings.describe():
        print(f"{s.name} (default {s.default!r}): {s.help}")
    return 0


def detectors_list(args: argparse.Namespace) -> int:
    for name, cls in sorted(registry.available().items()):
        print(f"{name}\t{cls.version}\t{', '.join(cls.categories)}")
    return 0
