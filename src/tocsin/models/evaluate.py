"""Evaluate the `hate` flag on functional test suites (HateCheck, Multilingual HateCheck), next to published
results. Disputed cases are left out. Pure metrics here; reading files and printing live in the CLI."""
from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

from .garble import garble


@dataclass(frozen=True)
class Case:
    suite: str
    lang: str
    functionality: str
    text: str
    hateful: bool


@dataclass
class Scores:
    n: int = 0
    correct: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, gold: bool, pred: bool) -> None:
        self.n += 1
        self.correct += gold == pred
        self.tp += gold and pred
        self.fp += (not gold) and pred
        self.fn += gold and not pred
        self.tn += (not gold) and not pred

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0

    @property
    def macro_f1(self) -> float:
        def f1(tp: int, fp: int, fn: int) -> float:
            return 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        return (f1(self.tp, self.fp, self.fn) + f1(self.tn, self.fn, self.fp)) / 2


@dataclass
class SuiteResult:
    suite: str
    lang: str
    overall: Scores = field(default_factory=Scores)
    by_functionality: dict[str, Scores] = field(default_factory=lambda: defaultdict(Scores))


def read_suite(path: Path) -> list[Case]:
    cases = []
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r.get("disputed", "False").strip().lower() == "true":
                continue
            cases.append(Case(path.stem, r["lang"], r["functionality"], r["text"], r["label"].strip() == "hateful"))
    return cases


def evaluate(cases: Sequence[Case], preds: Sequence[bool]) -> list[SuiteResult]:
    """Scores per suite and functionality of the `hate` flags `preds`, one per case."""
    results: dict[str, SuiteResult] = {}
    for case, pred in zip(cases, preds, strict=True):
        res = results.setdefault(case.suite, SuiteResult(case.suite, case.lang))
        res.overall.add(case.hateful, pred)
        res.by_functionality[case.functionality].add(case.hateful, pred)
    return list(results.values())


def garbled(cases: Sequence[Case], kind: str, seed: int = 7) -> list[Case]:
    """The cases with their text damaged as `kind` names (`models/garble.py`), labels unchanged."""
    return [replace(c, text=garble(c.text, kind, c.lang, seed)) for c in cases]


def agreement(cases: Sequence[Case], clean: Sequence[bool], damaged: Sequence[bool]) -> dict[str, float]:
    """Per suite, the share of cases whose flag is the same on the clean and on the damaged text."""
    same: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for c, a, b in zip(cases, clean, damaged):
        same[c.suite][0] += a == b
        same[c.suite][1] += 1
    return {s: k / n for s, (k, n) in same.items()}


def garble_lines(kind: str, clean: list[SuiteResult], damaged: dict[str, SuiteResult],
                 agree: dict[str, float]) -> list[str]:
    out = [f"garbled ({kind}) against clean:",
           f"{'suite':<20} {'lang':<5} {'F1 clean':>9} {'garbled':>9} {'change':>7} {'same flag':>10}"]
    for r in sorted(clean, key=lambda r: r.suite):
        d = damaged[r.suite]
        out.append(f"{r.suite:<20} {r.lang:<5} {r.overall.macro_f1:>9.3f} {d.overall.macro_f1:>9.3f} "
                   f"{d.overall.macro_f1 - r.overall.macro_f1:>+7.3f} {agree[r.suite]:>10.3f}")
    return out


def load_references(ref_dir: Path) -> dict[str, dict[str, float]]:
    """Published results by suite stem -> {system: value}; accuracy for HateCheck EN, macro-F1 for MHC."""
    refs: dict[str, dict[str, float]] = defaultdict(dict)
    hc = ref_dir / "hatecheck_en_acl2021_per_functionality.csv"
    if hc.exists():
        rows = list(csv.DictReader(hc.open(encoding="utf-8")))
        systems = [k for k in rows[0] if k.startswith("acc_")]
        total = sum(int(r["n"]) for r in rows)
        for s in systems:
            refs["hatecheck_en"][f"{s[4:]} (accuracy)"] = round(
                sum(float(r[s]) * int(r["n"]) for r in rows) / total / 100, 3)
    mhc = ref_dir / "mhc_roettger2022emnlp_summary.csv"
    if mhc.exists():
        for r in csv.DictReader(mhc.open(encoding="utf-8")):
            refs[f"mhc_{r['lang']}"][f"{r['config']} (macro-F1)"] = float(r["macro_f1_mean"])
    return refs


def report_lines(results: list[SuiteResult], refs: dict[str, dict[str, float]],
                 functionalities: bool = True) -> list[str]:
    out = [f"{'suite':<20} {'lang':<5} {'n':>5} {'accuracy':>9} {'macro-F1':>9}"]
    for r in sorted(results, key=lambda r: r.suite):
        out.append(f"{r.suite:<20} {r.lang:<5} {r.overall.n:>5} {r.overall.accuracy:>9.3f} {r.overall.macro_f1:>9.3f}")
        for system, value in sorted(refs.get(r.suite, {}).items()):
            out.append(f"{'':<27}reference {system}: {value:.3f}")
    if functionalities:
        out.append("")
        out.append("accuracy per functionality:")
        names = sorted({f for r in results for f in r.by_functionality})
        suites = sorted(results, key=lambda r: r.suite)
        out.append(f"{'functionality':<22}" + "".join(f"{r.suite[-6:]:>8}" for r in suites))
        for name in names:
            cells = [r.by_functionality.get(name) for r in suites]
            out.append(f"{name:<22}" + "".join(f"{c.accuracy:>8.2f}" if c and c.n else f"{'-':>8}" for c in cells))
    return out
