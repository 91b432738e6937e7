"""Load a YAML policy, validating it completely and naming file, line and field for each problem."""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..domain.model import ACCOUNT_ACTIONS, ACTION_TYPES, CATEGORIES, CONTENT_TYPES, ROLES, Effect
from ..domain.policy import BankPolicy, CampaignPolicy, Policy, Rule, VerdictSpec
from ..domain.risk import PRIORITIES, QueueRule, ReviewConfig
from .errors import PolicyError, Problem

_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_LANG = re.compile(r"^[a-z]{2,3}$")
MAX_POLICY_BYTES = 1_000_000


def parse_duration(value: Any) -> int | None:
    """'24h', '7d', '30m', '45s', '2w' or a number of seconds; None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return value
    m = _DURATION.match(str(value).strip()) if isinstance(value, str) else None
    return int(m.group(1)) * _UNIT_S[m.group(2)] if m and int(m.group(1)) > 0 else None


def _plain(node: yaml.Node, path: str, lines: dict[str, int]) -> Any:
    """Turn a composed YAML node into plain Python, remembering the line of every path."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for k, v in node.value:
            key = str(k.value)
            out[key] = _plain(v, f"{path}.{key}" if path else key, lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(v, f"{path}[{i}]", lines) for i, v in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))  # a scalar, with YAML's own typing


class _Checker:
    def __init__(self, file: str, lines: dict[str, int]):
        self.file, self.lines, self.problems = file, lines, []

    def fail(self, path: str, message: str) -> None:
        p = path
        while p and p not in self.lines:
            p = re.sub(r"(\.[^.\[]+|\[\d+\])$", "", p)
        self.problems.append(Problem(self.file, self.lines.get(p), path, message))

    def mapping(self, value: Any, path: str, required: set[str], optional: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, "must be a mapping")
            return {}
        for key in sorted(required - value.keys()):
            self.fail(path, f"missing required field '{key}'")
        for key in sorted(value.keys() - required - optional):
            self.fail(f"{path}.{key}" if path else key,
                      f"unknown field (allowed: {', '.join(sorted(required | optional))})")
        return value

    def str_list(self, value: Any, path: str, allowed: tuple[str, ...] | None = None,
                 pattern: re.Pattern[str] | None = None) -> frozenset[str] | None:
        if value is None:
            return None
        if not isinstance(value, list) or not value:
            self.fail(path, "must be a non-empty list")
            return None
        for i, v in enumerate(value):
            if not isinstance(v, str) or (allowed and v not in allowed) or (pattern and not pattern.match(v)):
                hint = f"one of {', '.join(allowed)}" if allowed else "a lowercase ISO 639 code"
                self.fail(f"{path}[{i}]", f"{v!r} is not {hint}")
        return frozenset(str(v) for v in value)


def _effects(ck: _Checker, value: Any, path: str) -> tuple[Effect, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        ck.fail(path, "must be a list of effects")
        return ()
    out = []
    for i, raw in enumerate(value):
        p = f"{path}[{i}]"
        e = ck.mapping(raw, p, {"type"}, {"target", "duration", "label"})
        etype = e.get("type")
        if etype is not None and etype not in ACTION_TYPES:
            ck.fail(f"{p}.type", f"{etype!r} is not one of {', '.join(ACTION_TYPES)}")
        target = e.get("target", "account" if etype in ACCOUNT_ACTIONS else "content")
        if target not in ("content", "account"):
            ck.fail(f"{p}.target", "must be 'content' or 'account'")
        duration = None
        if "duration" in e:
            duration = parse_duration(e["duration"])
            if duration is None:
                ck.fail(f"{p}.duration", f"{e['duration']!r} is not a duration like 24h, 7d or 3600")
        if etype == "label" and not isinstance(e.get("label"), str):
            ck.fail(f"{p}.label", "a label effect needs a 'label' string")
        out.append(Effect(str(etype), str(target), duration, e.get("label")))
    return tuple(out)


def _validate(doc: Any, ck: _Checker) -> Policy | None:
    top = ck.mapping(doc, "", {"name", "version", "verdicts", "rules"}, {"default_verdict", "description", "review",
                                                                          "banks", "campaigns"})
    for key in ("name", "version"):
        if key in top and not isinstance(top[key], (str, int, float)):
            ck.fail(key, "must be a string")
    verdicts: dict[str, VerdictSpec] = {}
    raw_verdicts = top.get("verdicts")
    if raw_verdicts is not None and not isinstance(raw_verdicts, dict):
        ck.fail("verdicts", "must be a mapping of verdict name to its definition")
        raw_verdicts = {}
    for name, raw in (raw_verdicts or {}).items():
        p = f"verdicts.{name}"
        v = ck.mapping(raw, p, {"severity"}, {"effects", "review", "roles", "description"})
        sev = v.get("severity")
        if "severity" in v and (not isinstance(sev, int) or isinstance(sev, bool)):
            ck.fail(f"{p}.severity", "must be an integer")
        review = v.get("review", False)
        if not isinstance(review, bool):
            ck.fail(f"{p}.review", "must be true or false")
        roles = ck.str_list(v.get("roles", ["admin"]), f"{p}.roles", ROLES) or frozenset({"admin"})
        verdicts[name] = VerdictSpec(name, sev if isinstance(sev, int) else 0, _effects(ck, v.get("effects"), f"{p}.effects"),
                                     bool(review), roles)
    default = top.get("default_verdict", "allow")
    if raw_verdicts is not None and default not in verdicts:
        ck.fail("default_verdict", f"verdict {default!r} is not defined under 'verdicts'")
    rules: list[Rule] = []
    seen: set[str] = set()
    raw_rules = top.get("rules")
    if raw_rules is not None and not isinstance(raw_rules, list):
        ck.fail("rules", "must be a list")
        raw_rules = []
    for i, raw in enumerate(raw_rules or []):
        p = f"rules[{i}]"
        r = ck.mapping(raw, p, {"id", "category", "threshold", "verdict"}, {"langs", "content_types", "description"})
        rid = r.get("id")
        if "id" in r and (not isinstance(rid, str) or not rid):
            ck.fail(f"{p}.id", "must be a non-empty string")
        elif rid in seen:
            ck.fail(f"{p}.id", f"duplicate rule id {rid!r}")
        seen.add(str(rid))
        if "category" in r and r["category"] not in CATEGORIES:
            ck.fail(f"{p}.category", f"{r['category']!r} is not one of {', '.join(CATEGORIES)}")
        th = r.get("threshold")
        if "threshold" in r and (isinstance(th, bool) or not isinstance(th, (int, float)) or not 0 <= th <= 1):
            ck.fail(f"{p}.threshold", f"must be a number between 0 and 1, got {th!r}")
        if "verdict" in r and r["verdict"] not in verdicts:
            ck.fail(f"{p}.verdict", f"verdict {r['verdict']!r} is not defined under 'verdicts'")
        langs = ck.str_list(r.get("langs"), f"{p}.langs", pattern=_LANG)
        ctypes = ck.str_list(r.get("content_types"), f"{p}.content_types", CONTENT_TYPES)
        rules.append(Rule(str(rid), str(r.get("category")), float(th) if isinstance(th, (int, float)) else 0.0,
                          str(r.get("verdict")), langs, ctypes))
    review = _review(ck, top.get("review"))
    banks = _banks(ck, top.get("banks"), verdicts)
    campaigns = _campaigns(ck, top.get("campaigns"))
    if ck.problems:
        return None
    return Policy(str(top["name"]), str(top["version"]), tuple(rules), verdicts, str(default), ck.file, review,
                  banks, campaigns)


def _number(ck: _Checker, value: Any, path: str, lo: float, hi: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        ck.fail(path, f"must be a number between {lo:g} and {hi:g}, got {value!r}")
        return None
    return float(value)


def _review(ck: _Checker, value: Any) -> ReviewConfig:
    """The optional `review:` section: priorities, SLAs, queues, escalation, interim protection."""
    base = ReviewConfig()
    if value is None:
        return base
    r = ck.mapping(value, "review", set(), {"priorities", "sla", "queues", "spike", "specialist_reports",
                                            "claim_ttl", "qa_share", "interim", "appeal_window", "strike_ttl"})
    kw: dict[str, Any] = {}
    pr = ck.mapping(r.get("priorities", {}), "review.priorities", set(), {"P0", "P1", "P2"})
    for k in ("P0", "P1", "P2"):
        if k in pr and (n := _number(ck, pr[k], f"review.priorities.{k}", 0, 100)) is not None:
            kw[k.lower()] = n
    sla = dict(base.sla_s)
    for k, v in ck.mapping(r.get("sla", {}), "review.sla", set(), set(PRIORITIES)).items():
        if (d := parse_duration(v)) is None:
            ck.fail(f"review.sla.{k}", f"{v!r} is not a duration like 15m or 4h")
        else:
            sla[k] = d
    kw["sla_s"] = sla
    if "queues" in r:
        queues = []
        if not isinstance(r["queues"], list) or not r["queues"]:
            ck.fail("review.queues", "must be a non-empty list")
        for i, q in enumerate(r["queues"] if isinstance(r["queues"], list) else []):
            p = f"review.queues[{i}]"
            q = ck.mapping(q, p, {"name"}, {"categories", "langs", "team"})
            queues.append(QueueRule(str(q.get("name")), ck.str_list(q.get("categories"), f"{p}.categories", CATEGORIES),
                                    ck.str_list(q.get("langs"), f"{p}.langs", pattern=_LANG),
                                    str(q["team"]) if q.get("team") else None))
        kw["queues"] = tuple(queues)
    sp = ck.mapping(r.get("spike", {}), "review.spike", set(), {"reports_per_hour", "multiplier"})
    if "reports_per_hour" in sp and (n := _number(ck, sp["reports_per_hour"], "review.spike.reports_per_hour", 1, 1e6)):
        kw["spike_reports_per_hour"] = int(n)
    if "multiplier" in sp and (n := _number(ck, sp["multiplier"], "review.spike.multiplier", 1, 1e6)):
        kw["spike_multiplier"] = n
    if "specialist_reports" in r and (n := _number(ck, r["specialist_reports"], "review.specialist_reports", 1, 1e6)):
        kw["specialist_reports"] = int(n)
    for key in ("claim_ttl", "appeal_window", "strike_ttl"):
        if key in r:
            if (d := parse_duration(r[key])) is None:
                ck.fail(f"review.{key}", f"{r[key]!r} is not a duration like 15m, 14d or 90d")
            else:
                kw[f"{key}_s"] = d
    if "qa_share" in r and (n := _number(ck, r["qa_share"], "review.qa_share", 0, 1)) is not None:
        kw["qa_share"] = n
    interim = {}
    for k, v in ck.mapping(r.get("interim", {}), "review.interim", set(), set(PRIORITIES)).items():
        interim[k] = tuple(ck.str_list(v, f"review.interim.{k}", ACTION_TYPES) or ())
    if "interim" in r:
        kw["interim"] = interim
    return ReviewConfig(**kw)


def _banks(ck: _Checker, value: Any, verdicts: dict[str, VerdictSpec]) -> BankPolicy:
    """The optional `banks:` section: verdicts for bank matches, fact-check topics, automatic banking."""
    if value is None:
        return BankPolicy()
    b = ck.mapping(value, "banks", set(), {"suggest", "auto", "misinformation", "topics", "auto_bank"})

    def verdict(v: Any, path: str) -> str:
        if v not in verdicts:
            ck.fail(path, f"verdict {v!r} is not defined under 'verdicts'")
        return str(v)

    kw: dict[str, Any] = {k: verdict(b[k], f"banks.{k}") for k in ("suggest", "auto", "misinformation") if k in b}
    topics = ck.mapping(b.get("topics", {}), "banks.topics", set(), set(b.get("topics") or {}))
    kw["topics"] = {str(t): verdict(v, f"banks.topics.{t}") for t, v in topics.items()}
    if b.get("auto_bank") is not None:
        ab = ck.mapping(b["auto_bank"], "banks.auto_bank", {"bank", "verdicts"}, set())
        name = ab.get("bank")
        if "bank" in ab and (not isinstance(name, str) or not re.match(r"^[\w.-]{1,64}$", name)):
            ck.fail("banks.auto_bank.bank", f"{name!r} is not a bank name (letters, digits, '-', '_', '.')")
        kw["auto_bank"] = str(name)
        kw["auto_bank_verdicts"] = ck.str_list(ab.get("verdicts"), "banks.auto_bank.verdicts",
                                               tuple(verdicts)) or frozenset()
    return BankPolicy(**kw)


def _campaigns(ck: _Checker, value: Any) -> CampaignPolicy:
    """The optional `campaigns:` section: when near-identical posts from many accounts form a campaign."""
    if value is None:
        return CampaignPolicy()
    c = ck.mapping(value, "campaigns", set(), {"enabled", "similarity", "window", "min_accounts", "queue"})
    kw: dict[str, Any] = {}
    if "enabled" in c:
        if not isinstance(c["enabled"], bool):
            ck.fail("campaigns.enabled", "must be true or false")
        kw["enabled"] = bool(c["enabled"])
    if "similarity" in c and (n := _number(ck, c["similarity"], "campaigns.similarity", 0.3, 1)) is not None:
        kw["similarity"] = n
    if "window" in c:
        if (d := parse_duration(c["window"])) is None:
            ck.fail("campaigns.window", f"{c['window']!r} is not a duration like 1h")
        else:
            kw["window_s"] = d
    if "min_accounts" in c and (n := _number(ck, c["min_accounts"], "campaigns.min_accounts", 2, 1e6)) is not None:
        kw["min_accounts"] = int(n)
    if "queue" in c:
        kw["queue"] = str(c["queue"])
    return CampaignPolicy(**kw)


def parse_policy(text: str, file: str = "<policy>") -> Policy:
    if len(text.encode("utf-8")) > MAX_POLICY_BYTES:
        raise PolicyError([Problem(file, None, "", f"policy file is larger than {MAX_POLICY_BYTES} bytes")])
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        msg = getattr(exc, "problem", None) or str(exc)
        raise PolicyError([Problem(file, mark.line + 1 if mark else None, "", f"invalid YAML: {msg}")]) from None
    if node is None:
        raise PolicyError([Problem(file, None, "", "the policy file is empty")])
    lines: dict[str, int] = {}
    ck = _Checker(file, lines)
    policy = _validate(_plain(node, "", lines), ck)
    if policy is None:
        raise PolicyError(ck.problems)
    return policy


def load_policy(path: str | Path | None = None) -> Policy:
    """Load a policy file; without a path, the default policy shipped in the package."""
    if path is None:
        text = resources.files("tocsin.decide").joinpath("default_policy.yaml").read_text("utf-8")
        return parse_policy(text, "default_policy.yaml")
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError([Problem(str(p), None, "", f"cannot read policy file: {exc}")]) from None
    return parse_policy(text, str(p))
