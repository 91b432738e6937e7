"""CLI for console users, transparency reports and statement-of-reasons export."""
from __future__ import annotations

import argparse
import getpass
import json
import secrets
import sys

from .commands import CliError, _open_out, runtime


def _now() -> str:
    from ...domain.clock import SystemClock

    return SystemClock().now()


def users_create(args: argparse.Namespace) -> int:
    from ...record.users import UserError, create_user

    if args.generate_password:
        password = secrets.token_urlsafe(18)
    elif args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
    with runtime(args) as rt:
        try:
            user = create_user(rt.store, args.name, args.role, password, _now(), args.team)
        except UserError as exc:
            raise CliError(str(exc)) from None
    team = f" team={user.team}" if user.team else ""
    print(f"created user {user.name} role={user.role}{team}")
    if args.generate_password:
        print("its password is shown only once:")
        print(password)
    return 0


def users_list(args: argparse.Namespace) -> int:
    with runtime(args) as rt, rt.store.uow() as uow:
        for u in uow.list_users():
            print(f"{u.name}\t{u.role}\t{u.team or ''}\t{'disabled' if u.disabled else 'active'}\t{u.created_at}")
    return 0


def transparency(args: argparse.Namespace) -> int:
    from ...record.report_html import render_csv, render_html
    from ...record.transparency import ReportError, report_from_store

    with runtime(args) as rt:
        try:
            rep = report_from_store(rt.store, args.from_, args.to)
        except ReportError as exc:
            raise CliError(str(exc)) from None
    text = {"json": lambda: json.dumps(rep.to_dict(), indent=2), "csv": lambda: render_csv(rep),
            "html": lambda: render_html(rep)}[args.format]()
    out = _open_out(args.output)
    out.write(text if text.endswith("\n") else text + "\n")
    out.flush()
    return 0


def export_sor(args: argparse.Namespace) -> int:
    from ...record.sor import check_statement, statements
    from ...record.transparency import ReportError, all_events, parse_day

    try:
        since = parse_day(args.from_, "from").isoformat() if args.from_ else ""
        until = parse_day(args.to, "to").isoformat() + "T99" if args.to else "9999"
    except ReportError as exc:
        raise CliError(str(exc)) from None
    with runtime(args) as rt:
        found = statements(all_events(rt.store), since, until)
    bad = [(s["puid"], problems) for s in found if (problems := check_statement(s))]
    for puid, problems in bad:
        print(f"{puid}: {'; '.join(problems)}", file=sys.stderr)
    if bad:
        raise CliError(f"{len(bad)} statement(s) fail the Transparency Database's field rules; nothing written", 1)
    out = _open_out(args.output)
    json.dump(found, out, ensure_ascii=False, indent=1)
    out.write("\n")
    out.flush()
    print(f"wrote {len(found)} statements of reasons", file=sys.stderr)
    return 0


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser_class = type(sub._name_parser_map["train"])
    users = sub.add_parser("users", help="Console users.").add_subparsers(dest="users_command", required=True,
                                                                          parser_class=parser_class)
    p = users.add_parser("create", parents=[common], help="Create a console user (password read from the terminal, "
                                                          "--password-stdin, or generated and shown once).")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=["admin", "moderator", "auditor"])
    p.add_argument("--team", help="specialist review team, e.g. violence")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--password-stdin", action="store_true")
    g.add_argument("--generate-password", action="store_true")
    p.set_defaults(func=users_create)
    p = users.add_parser("list", parents=[common], help="Console users (never their passwords).")
    p.set_defaults(func=users_list)
    p = sub.add_parser("transparency", parents=[common], help="Transparency report for a period, from the audit log.")
    p.add_argument("--from", dest="from_", required=True, help="first day, YYYY-MM-DD")
    p.add_argument("--to", required=True, help="last day, YYYY-MM-DD (included)")
    p.add_argument("--format", choices=["html", "csv", "json"], default="html")
    p.add_argument("--output", default="-")
    p.set_defaults(func=transparency)
    export = sub.add_parser("export", help="Exports.").add_subparsers(dest="export_command", required=True,
                                                                     parser_class=parser_class)
    p = export.add_parser("sor", parents=[common], help="Statements of reasons for every restricting decision, as the "
                                                        "JSON list the DSA Transparency Database API accepts.")
    p.add_argument("--output", required=True)
    p.add_argument("--from", dest="from_", help="first day of decisions, YYYY-MM-DD")
    p.add_argument("--to", help="last day of decisions, YYYY-MM-DD (included)")
    p.set_defaults(func=export_sor)
