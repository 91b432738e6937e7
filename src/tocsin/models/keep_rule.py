"""Keep rules as files: what a candidate model must show against its baseline, written before any seed of it is
trained, and judged by `tocsin screen --rule FILE` on the measures `compare` returns.

A rule file is YAML; every clause is optional, each one it names must hold, and the rule passes when all do:

    profile: accurate          # whose suite scores the clauses read (default accurate)
    targets: [mhc_ar, mhc_hi]  # the suites the change aims at
    target_gain: 0.015         # mean macro-F1 over `targets`, candidate minus base, at least this
    target_gain_at_base_threshold: 0.01  # the same with the candidate flagged at its baseline's hate threshold
    mean_gain: -0.003          # the same over every suite
    auc_gain: 0.0              # mean ROC AUC of the served hate score over every suite, at least this
    suite_drop: 0.02           # no suite's macro-F1 down by more than this
    dev_floor: -0.01           # no dev category's paired 95 % interval lies wholly below this (every pair of runs)
    hatecheck_en_accuracy: 0.82  # the candidate's accuracy on hatecheck_en at least this
    keep_met: {default: 0.75, mhc_ar: 0.65, mhc_hi: 0.65, mhc_zh: 0.65}  # a target the base meets, the candidate meets

With several runs a side (seeds paired by position) each suite's score is the mean over its runs, as in the
report. The file is checked whole when loaded, before any scoring: each problem names the file, line and field.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

MAX_RULE_BYTES = 100_000
NUMBERS = ("target_gain", "target_gain_at_base_threshold", "mean_gain", "auc_gain", "suite_drop", "dev_floor",
           "hatecheck_en_accuracy")
FIELDS = ("profile", "targets", "keep_met", *NUMBERS)


class RuleError(ValueError):
    """A rule file that cannot be used, with every problem found in it."""


@dataclass(frozen=True)
class KeepRule:
    source: str
    profile: str = "accurate"
    targets: tuple[str, ...] = ()
    keep_met: dict[str, float] = field(default_factory=dict)
    target_gain: float | None = None
    target_gain_at_base_threshold: float | None = None
    mean_gain: float | None = None
    auc_gain: float | None = None
    suite_drop: float | None = None
    dev_floor: float | None = None
    hatecheck_en_accuracy: float | None = None


@dataclass(frozen=True)
class Clause:
    name: str
    passed: bool
    detail: str


def load_rule(path: Path) -> KeepRule:
    where = str(path)
    try:
        if path.stat().st_size > MAX_RULE_BYTES:
            raise RuleError(f"{where}: larger than {MAX_RULE_BYTES} bytes")
        node = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"{where}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RuleError(f"{where}" + (f", line {mark.line + 1}" if mark else "") + ": not valid YAML") from None
    if not isinstance(node, yaml.MappingNode):
        raise RuleError(f"{where}: must be a mapping of clauses ({', '.join(FIELDS)})")
    problems: list[str] = []
    values: dict[str, Any] = {}
    seen: set[str] = set()
    for key_node, value_node in node.value:
        key, at = str(key_node.value), f"{where}, line {key_node.start_mark.line + 1}, field {key_node.value!r}"
        try:
            value = yaml.safe_load(yaml.serialize(value_node))
        except yaml.YAMLError:
            problems.append(f"{at}: not a plain YAML value")
            continue
        if key in FIELDS and key in seen:
            problems.append(f"{at}: given twice")
            continue
        seen.add(key)
        if key not in FIELDS:
            problems.append(f"{at}: unknown (allowed: {', '.join(FIELDS)})")
        elif key == "profile" and value not in ("accurate", "fast"):
            problems.append(f"{at}: {value!r} is not accurate or fast")
        elif key == "targets" and (not isinstance(value, list) or not value
                                   or not all(isinstance(v, str) and v for v in value)):
            problems.append(f"{at}: must be a non-empty list of suite names")
        elif key == "keep_met" and (not isinstance(value, dict) or not value or not all(
                isinstance(k, str) and _number(v) and 0 < v <= 1 for k, v in value.items())):
            problems.append(f"{at}: must map suite names (or default) to scores between 0 and 1")
        elif key in NUMBERS and not (_number(value) and -1 <= value <= 1):
            problems.append(f"{at}: must be a number between -1 and 1")
        else:
            values[key] = tuple(value) if key == "targets" else value
    for key in ("target_gain", "target_gain_at_base_threshold"):
        if key in values and "targets" not in values:
            problems.append(f"{where}: {key} needs targets")
    if not problems and not set(values) - {"profile", "targets"}:
        problems.append(f"{where}: no clause to judge ({', '.join(('keep_met', *NUMBERS))})")
    if problems:
        raise RuleError("\n".join(problems))
    return KeepRule(where, **values)


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def judge(rule: KeepRule, result: dict) -> list[Clause]:
    """Each clause the rule names, on `compare`'s result. Raises RuleError for a suite the result does not have."""
    rows = result["suites"][rule.profile]["suites"]
    named = set(rule.targets) | (set(rule.keep_met) - {"default"})
    if rule.hatecheck_en_accuracy is not None:
        named.add("hatecheck_en")
    if missing := sorted(named - set(rows)):
        raise RuleError(f"{rule.source}: no suite {', '.join(missing)} was scored (scored: {', '.join(sorted(rows))})")
    f1 = {side: {s: float(np.mean(d[side]["f1"])) for s, d in rows.items()} for side in ("base", "cand")}
    out: list[Clause] = []

    def gain(name: str, suites: list[str], need: float, cand: dict[str, float] | None = None) -> None:
        cand = f1["cand"] if cand is None else cand  # another measure of the candidate, e.g. at the base's threshold
        b, c = np.mean([f1["base"][s] for s in suites]), np.mean([cand[s] for s in suites])
        out.append(Clause(name, bool(c - b >= need), f"{b:.4f} -> {c:.4f} ({c - b:+.4f}, need >= {need:+.4f})"))

    if rule.target_gain is not None:
        gain(f"target_gain ({', '.join(rule.targets)})", list(rule.targets), rule.target_gain)
    if rule.target_gain_at_base_threshold is not None:  # a gain the dev-chosen threshold alone made is no gain here
        if absent := [s for s in rule.targets if "f1_at_base_threshold" not in rows[s]["cand"]]:
            raise RuleError(f"{rule.source}: target_gain_at_base_threshold needs the candidate's macro-F1 at the "
                            f"baseline's threshold, which {', '.join(absent)} lacks")
        gain(f"target_gain_at_base_threshold ({', '.join(rule.targets)})", list(rule.targets),
             rule.target_gain_at_base_threshold,
             {s: float(np.mean(rows[s]["cand"]["f1_at_base_threshold"])) for s in rule.targets})
    if rule.mean_gain is not None:
        gain(f"mean_gain ({len(rows)} suites)", sorted(rows), rule.mean_gain)
    if rule.auc_gain is not None:
        if absent := sorted(s for s, d in rows.items() if "auc" not in d["base"] or "auc" not in d["cand"]):
            raise RuleError(f"{rule.source}: auc_gain needs ROC AUC, which {', '.join(absent)} lacks")
        b, c = (float(np.mean([np.mean(d[side]["auc"]) for d in rows.values()])) for side in ("base", "cand"))
        out.append(Clause(f"auc_gain ({len(rows)} suites)", bool(c - b >= rule.auc_gain),
                          f"{b:.4f} -> {c:.4f} ({c - b:+.4f}, need >= {rule.auc_gain:+.4f})"))
    if rule.suite_drop is not None:
        worst = min(rows, key=lambda s: f1["cand"][s] - f1["base"][s])
        d = f1["cand"][worst] - f1["base"][worst]
        out.append(Clause("suite_drop", bool(d >= -rule.suite_drop),
                          f"largest fall {worst} {d:+.4f} (allowed -{rule.suite_drop:.4f})"))
    if rule.dev_floor is not None:
        below = [f"{c} run {i + 1} [{iv['low']:+.4f}, {iv['high']:+.4f}]" for c, d in result["dev"].items()
                 for i, iv in enumerate(d["intervals"]) if iv["high"] < rule.dev_floor]
        out.append(Clause("dev_floor", not below, "wholly below: " + "; ".join(below) if below else
                          f"no interval wholly below {rule.dev_floor:+.4f}"))
    if rule.hatecheck_en_accuracy is not None:
        acc = float(np.mean(rows["hatecheck_en"]["cand"]["acc"]))
        out.append(Clause("hatecheck_en_accuracy", acc >= rule.hatecheck_en_accuracy,
                          f"{acc:.3f} (need >= {rule.hatecheck_en_accuracy:.3f})"))
    if rule.keep_met:
        need = {s: rule.keep_met.get(s, rule.keep_met.get("default")) for s in rows}
        met = [s for s in sorted(rows) if need[s] is not None and f1["base"][s] >= need[s]]
        lost = [f"{s} {f1['cand'][s]:.3f} < {need[s]:.2f}" for s in met if f1["cand"][s] < need[s]]
        out.append(Clause("keep_met", not lost, "lost: " + ", ".join(lost) if lost else
                          f"kept: {', '.join(met) or 'none met by the base'}"))
    return out


def verdict(rule: KeepRule, clauses: list[Clause]) -> dict:
    """The judgement as data (`tocsin screen --json`'s `rule`): the file, whether every clause held, each clause."""
    return {"file": rule.source, "passed": all(c.passed for c in clauses), "clauses": [asdict(c) for c in clauses]}


def verdict_lines(rule: KeepRule, clauses: list[Clause]) -> list[str]:
    lines = [f"rule {rule.source} ({rule.profile} profile)"]
    lines += [f"  {'PASS' if c.passed else 'FAIL'}  {c.name}: {c.detail}" for c in clauses]
    lines.append(f"  {'PASS' if verdict(rule, clauses)['passed'] else 'FAIL'}  the rule")
    return lines
