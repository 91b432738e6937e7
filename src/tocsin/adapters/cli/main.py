"""The `tocsin` command line. Parsing and printing only: every command calls a use case."""
from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from . import bank_commands, claims_commands, commands, model_commands, record_commands

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own exit code is 2 as well; keep its message
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"tocsin: error: {message}\n")


def _common() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--db", help="SQLite path, sqlite:///PATH or postgresql:// URL (default: $TOCSIN_DB or ./var/tocsin.db)")
    p.add_argument("--policy", help="policy YAML to use (default: $TOCSIN_POLICY or the shipped default)")
    return p


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = _Parser(prog="tocsin", description="tocsin: ingest -> detect -> decide -> act -> record.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def cmd(name: str, fn: Callable, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help, description=help)
        p.set_defaults(func=fn)
        return p

    p = cmd("ingest", commands.ingest, "Ingest a JSONL file of items (idempotent by id); ends with accepted=N duplicates=N rejected=N.")
    p.add_argument("file", help="JSONL file, or - for standard input")

    p = cmd("classify", commands.classify, "Score JSONL {id, text, lang?} lines; writes one JSONL result per line, in order. Stores nothing.")
    p.add_argument("--input", required=True, help="input JSONL, or - for standard input")
    p.add_argument("--output", required=True, help="output JSONL, or - for standard output")

    keys = sub.add_parser("keys", help="Create, list and revoke API keys.").add_subparsers(dest="keys_command", required=True,
                                                                                          parser_class=_Parser)
    p = keys.add_parser("create", parents=[common], help="Create a key; prints it alone on the last line (shown once).")
    p.add_argument("--role", required=True, help="admin | moderator | auditor | ingest")
    p.add_argument("--label", help="a note on who or what uses the key")
    p.add_argument("--team", help="review team the holder belongs to, e.g. violence (specialists)")
    p.set_defaults(func=commands.keys_create)
    p = keys.add_parser("list", parents=[common], help="List keys (never the keys themselves).")
    p.set_defaults(func=commands.keys_list)
    p = keys.add_parser("revoke", parents=[common], help="Revoke a key by id.")
    p.add_argument("key_id")
    p.set_defaults(func=commands.keys_revoke)

    p = cmd("serve", commands.serve, "Serve the HTTP API and console.")
    p.add_argument("--host", help="bind address (default: $TOCSIN_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: $TOCSIN_PORT or 8000)")

    audit = sub.add_parser("audit", help="The tamper-evident audit log.").add_subparsers(dest="audit_command", required=True,
                                                                                       parser_class=_Parser)
    p = audit.add_parser("verify", parents=[common], help="Recompute the hash chain; names the first broken link.")
    p.set_defaults(func=commands.audit_verify)

    policy = sub.add_parser("policy", help="Check and backtest policy files.").add_subparsers(dest="policy_command",
                                                                                             required=True, parser_class=_Parser)
    p = policy.add_parser("check", parents=[common], help="Validate a policy file; errors name file, line and field.")
    p.add_argument("file")
    p.set_defaults(func=commands.policy_check)
    p = policy.add_parser("backtest", parents=[common], help="Re-run a policy over stored content; print what would change.")
    p.add_argument("file")
    p.set_defaults(func=commands.policy_backtest)

    cmd("tick", commands.tick, "End due timed actions and escalate cases past their SLA (for cron; the server does it too).")

    reports = sub.add_parser("reports", help="User reports.").add_subparsers(dest="reports_command", required=True,
                                                                            parser_class=_Parser)
    p = reports.add_parser("add", parents=[common], help="Add a report; prints the case it opened or moved.")
    p.add_argument("subject_id")
    p.add_argument("--reporter", required=True, help="the reporting user's id")
    p.add_argument("--reason", required=True, help="hate | violence | harassment | profanity | misinformation | spam | other")
    p.add_argument("--text", help="the reporter's words")
    p.add_argument("--trusted-flagger", action="store_true", help="the reporter is a trusted flagger (DSA art. 22)")
    p.set_defaults(func=commands.reports_add)

    p = cmd("subject", commands.subject_show, "Show a subject's derived status and its event log as JSON.")
    p.add_argument("subject_id")

    demo = sub.add_parser("demo", help="Demo data.").add_subparsers(dest="demo_command", required=True, parser_class=_Parser)
    p = demo.add_parser("load", parents=[common], help="Load the shipped demo items (idempotent).")
    p.set_defaults(func=commands.demo_load)

    db = sub.add_parser("db", help="Database maintenance.").add_subparsers(dest="db_command", required=True, parser_class=_Parser)
    p = db.add_parser("migrate", parents=[common], help="Apply pending schema migrations.")
    p.set_defaults(func=commands.db_migrate)

    model_commands.add_parsers(sub, common)
    claims_commands.add_parsers(sub, common)
    bank_commands.add_parsers(sub, common)
    record_commands.add_parsers(sub, common)

    p = sub.add_parser("settings", parents=[common], help="List every setting with its default and help.")
    p.set_defaults(func=commands.settings_list)
    p = sub.add_parser("detectors", parents=[common], help="List the installed detector plug-ins.")
    p.set_defaults(func=commands.detectors_list)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or EXIT_OK)
    except commands.CliError as exc:
        print(f"tocsin: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("tocsin: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_FAIL


if __name__ == "__main__":
    sys.exit(main())
