"""CLI for banks of known content, matching, and campaigns. `tocsin bank import` and `tocsin match` are a contract
that external evaluation relies on: keep their arguments and output stable."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from .commands import CliError, _open_in, _open_out, runtime


def _now() -> str:
    from ...domain.clock import SystemClock

    return SystemClock().now()


def _use_case(args: argparse.Namespace, fn, *extra):  # type: ignore[no-untyped-def]
    from ...act.review import Invalid, NotFound

    with runtime(args) as rt, rt.store.uow(write=True) as uow:
        try:
            out = fn(uow, *extra)
        except (Invalid, NotFound) as exc:
            raise CliError(str(exc)) from None
        uow.commit()
        return rt, out


def bank_import(args: argparse.Namespace) -> int:
    from ...detect.banks import BankError, guess_format, import_entries

    fmt = args.format or guess_format(args.file)
    stream = _open_in(args.file)
    with runtime(args) as rt:
        try:
            result = import_entries(rt.store, args.bank, stream, _now(), fmt)
        except BankError as exc:
            raise CliError(str(exc)) from None
    for n, why in result.rejected or []:
        print(f"{args.file}:{n}: rejected: {why}", file=sys.stderr)
    if result.duplicates:
        print(f"{result.duplicates} entries equal an earlier line: stored with duplicate_of, not matched",
              file=sys.stderr)
    print(result.summary())
    return 1 if result.rejected else 0


def bank_set(args: argparse.Namespace) -> int:
    from ...act.banks import save_bank

    body = {k: v for k, v in {"kind": args.kind, "category": args.category, "action": args.action,
                              "suggest": args.suggest, "encoder": args.encoder,
                              "description": args.description}.items() if v is not None}
    if args.auto is not None:
        body["auto"] = None if args.auto.lower() in ("none", "off") else _float(args.auto, "--auto")
    if args.matchers:
        body["matchers"] = [m.strip() for m in args.matchers.split(",") if m.strip()]
    if args.enabled is not None:
        body["enabled"] = args.enabled == "on"
    with runtime(args) as rt:
        verdicts = list(rt.engine.policy.verdicts)
    _, bank = _use_case(args, save_bank, args.name, body, verdicts, "cli", _now())
    print(json.dumps(dict(asdict(bank), matchers=list(bank.matchers))))
    return 0


def _float(v: str, flag: str) -> float:
    try:
        return float(v)
    except ValueError:
        raise CliError(f"{flag}: {v!r} is not a number") from None


def bank_list(args: argparse.Namespace) -> int:
    with runtime(args) as rt, rt.store.uow() as uow:
        for b in uow.list_banks():
            auto = "-" if b.auto is None else f"{b.auto:g}"
            print(f"{b.name}\tkind={b.kind}\tentries={uow.count_bank_entries(b.name)}\tsuggest={b.suggest:g}\t"
                  f"auto={auto}\tmatchers={','.join(b.matchers)}\t{'enabled' if b.enabled else 'disabled'}")
    return 0


def bank_entries(args: argparse.Namespace) -> int:
    out = _open_out(args.output)
    with runtime(args) as rt, rt.store.uow() as uow:
        if uow.get_bank(args.name) is None:
            raise CliError(f"no bank {args.name!r}")
        for e in uow.bank_entries(args.name, include_disabled=True):
            out.write(json.dumps({k: v for k, v in asdict(e).items() if k not in ("bank", "removed")},
                                 ensure_ascii=False) + "\n")
    out.flush()
    return 0


def bank_remove(args: argparse.Namespace) -> int:
    from ...act.banks import remove_entry

    _use_case(args, remove_entry, args.name, args.entry_id, "cli", args.reason, _now())
    print(f"removed {args.name}/{args.entry_id}")
    return 0


def bank_toggle(args: argparse.Namespace) -> int:
    from ...act.banks import set_disabled

    disabled = args.bank_command == "disable"
    _use_case(args, set_disabled, args.name, args.entry_id, disabled, "cli", args.reason, _now())
    print(f"{'disabled' if disabled else 'enabled'} {args.name}/{args.entry_id}")
    return 0


def match(args: argparse.Namespace) -> int:
    """The stable matching contract: one JSONL line out per input line, in order, matches best first."""
    from ...detect.banks import BankIndex

    src, out = _open_in(args.input), _open_out(args.output)
    with runtime(args) as rt, rt.store.uow() as uow:
        bank = uow.get_bank(args.bank)
        entries = uow.bank_entries(args.bank)
    if not entries or bank is None:
        raise CliError(f"bank {args.bank!r} has no entries (tocsin bank import --bank {args.bank} FILE)")
    matchers = [m.strip() for m in args.matchers.split(",") if m.strip()] if args.matchers else bank.matchers
    try:
        index = BankIndex(entries, matchers, args.encoder or bank.encoder)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    rows: list[tuple] = []
    failures = 0
    for n, raw in enumerate(src, start=1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw.decode("utf-8"))
            if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
                raise ValueError("a line needs a JSON object with a text string")
            rows.append((rec.get("id"), rec["text"], None))
        except (ValueError, UnicodeDecodeError) as exc:
            failures += 1
            print(f"{args.input}:{n}: {exc}", file=sys.stderr)
            rows.append((None, None, str(exc)))
    texts = [t for _, t, err in rows if err is None]
    found = iter(index.match(texts, args.top))
    for rid, _, err in rows:
        line = {"id": rid, "error": err} if err else {"id": rid, "matches": next(found)}
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    out.flush()
    return 1 if failures else 0


def campaigns(args: argparse.Namespace) -> int:
    with runtime(args) as rt, rt.store.uow() as uow:
        for c in uow.list_campaigns(args.limit):
            print(f"{c.id}\tmembers={c.members}\taccounts={c.accounts}\tlangs={','.join(c.langs)}\t"
                  f"first={c.first_seen}\tlast={c.last_seen}")
    return 0


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    bank = sub.add_parser("bank", help="Banks of known content.").add_subparsers(dest="bank_command", required=True,
                                                                                parser_class=type(sub._name_parser_map["train"]))
    p = bank.add_parser("import", parents=[common], help="Import entries into a bank (idempotent; creates the bank): "
                                                         "JSONL {id, text, category?, action?, source?, lang?, url?, "
                                                         "rating?, labels?}, CSV with those columns, or ClaimReview "
                                                         "JSON-LD.")
    p.add_argument("--bank", required=True)
    p.add_argument("--format", choices=["jsonl", "csv", "claimreview"],
                   help="default: from the file name (.csv, .json/.jsonld, else JSONL)")
    p.add_argument("file")
    p.set_defaults(func=bank_import)
    p = bank.add_parser("set", parents=[common], help="Create a bank or change its settings.")
    p.add_argument("name")
    p.add_argument("--kind", choices=["content", "claims", "negative"])
    p.add_argument("--category")
    p.add_argument("--action", help="the policy verdict applied at the auto threshold")
    p.add_argument("--suggest", type=float, help="similarity at which a match goes to a person")
    p.add_argument("--auto", help="similarity at which the bank's action applies by itself ('none': never)")
    p.add_argument("--matchers", help="comma-separated matcher names")
    p.add_argument("--encoder", choices=["use", "e5"])
    p.add_argument("--enabled", choices=["on", "off"])
    p.add_argument("--description")
    p.set_defaults(func=bank_set)
    p = bank.add_parser("list", parents=[common], help="Banks with their settings and entry counts.")
    p.set_defaults(func=bank_list)
    p = bank.add_parser("entries", parents=[common], help="A bank's entries as JSONL.")
    p.add_argument("name")
    p.add_argument("--output", default="-")
    p.set_defaults(func=bank_entries)
    p = bank.add_parser("remove", parents=[common], help="Remove an entry (kept in the record).")
    p.add_argument("name")
    p.add_argument("entry_id")
    p.add_argument("--reason", default="")
    p.set_defaults(func=bank_remove)
    for verb in ("disable", "enable"):
        p = bank.add_parser(verb, parents=[common], help=f"{verb.capitalize()} an entry.")
        p.add_argument("name")
        p.add_argument("entry_id")
        p.add_argument("--reason", default="")
        p.set_defaults(func=bank_toggle)
    p = sub.add_parser("match", parents=[common], help="Match JSONL {id, text} lines against a bank; one line out per "
                                                       "line in: {id, matches: [{entry_id, score, matcher}]}, best first.")
    p.add_argument("--bank", required=True)
    p.add_argument("--input", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--top", type=int, default=5)
    p.add_argument("--matchers", help="comma-separated matchers (default: the bank's own)")
    p.add_argument("--encoder", choices=["use", "e5"], help="encoder of the semantic matcher (default: the bank's)")
    p.set_defaults(func=match)
    p = sub.add_parser("campaigns", parents=[common], help="Coordinated campaigns, most recently active first.")
    p.add_argument("--limit", type=int, default=100)
    p.set_defaults(func=campaigns)
