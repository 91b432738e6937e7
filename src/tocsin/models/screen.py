"""`tocsin screen`: judge new fast head sets against a baseline the way keep rules do, in minutes.

Each run is a folder that `tocsin train --profile fast` and then `--profile accurate --pair-only` wrote into
(fast.npz, accurate.npz, e5t.npz). Runs come in two lists paired by position (baseline seed 13 with candidate seed
13, ...), since one retrain moves the suites as much as most changes do (MODEL_CARD). For every run it scores:

- the evaluation suites, `hate` flag, both profiles exactly as `tocsin eval` does (each case in its suite's
  language, scores rounded as served, flagged at the run's own thresholds);
- the accurate profile's dev sample (the rows `--pair-only` chose its thresholds on), every category, corpora
  only (the templates' dev rows change whenever a block does), each source weighted equally;

and reports means per side, differences, per-pair paired bootstrap intervals on dev
(`train.difference_interval`) and accuracy per functionality. What costs time, e5 over the suites and the dev
sample, is computed once per e5 model (runs paired by --pair-only share one) and cached in `cache_dir`
(`build_tuned.tuned_vectors`, the cache `--pair-only` fills for the dev sample).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..detect.normalise import deobfuscate
from ..detect.trained import served_texts
from .build import CATEGORIES, TRAINED_RULES, cached_array, embed
from .build_tuned import accurate_sample, tuned_vectors
from .encoders import ENCODERS
from .evaluate import Case, evaluate
from .heads import HeadSet
from .train import TEMPLATES, difference_interval, equal_source_weights, macro_f1

RUN_FILES = ("fast.npz", "accurate.npz", "e5t.npz")
THREATS = ("threat_dir_h", "threat_norm_h")  # issue 3: each >= 0.90 accuracy in every language


@dataclass
class RunScores:
    suites: dict[str, dict[str, dict]]  # suite -> profile -> {"acc", "f1", "auc", "func": {functionality: accuracy}}
    dev: dict[str, np.ndarray]  # category -> accurate flags over the dev rows that label it, corpora only
    scores: dict[str, np.ndarray]  # profile -> the served hate score of every suite case (rounded as served)
    thresholds: dict[str, dict[str, float]]  # profile -> category -> the run's own flag threshold


class Screen:
    def __init__(self, cases: Sequence[Case], data_root: Path, decontaminate: Path | None, cache_dir: Path | None,
                 log: Callable[[str], None] = print, seed: int = 13) -> None:
        self.cases, self.cache, self.log = list(cases), cache_dir, log
        langs = [c.lang for c in self.cases]  # each case in its suite's language, as `tocsin eval` scores it
        self.fast_texts = served_texts([c.text for c in self.cases], langs, romanise_hindi=True)
        self.e5_suite_texts = served_texts([c.text for c in self.cases], langs, romanise_hindi=False)
        key = "\x00".join(["use-suites", *self.fast_texts]).encode("utf-8")
        self.x_use = cached_array(cache_dir, "screen-use-suites", key, lambda: ENCODERS["use"]().encode(self.fast_texts))
        examples, self.e5_texts, _ = accurate_sample(data_root, decontaminate, seed, log)
        dev = [i for i, e in enumerate(examples) if e.split == "dev"]
        self.dev = [examples[i] for i in dev]
        self.e5_dev_texts = [self.e5_texts[i] for i in dev]
        self.dev_use = embed(self.dev, "use", cache_dir, log)
        self.dev_chars = [deobfuscate(e.text, rules=TRAINED_RULES) for e in self.dev]
        self._e5: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}

    def _e5_vectors(self, run: Path) -> tuple[np.ndarray, np.ndarray]:
        """The run's e5 vectors of the suite cases and of the dev sample, once per e5 model (runs that
        --pair-only paired with one e5 share it), and across screens through `tuned_vectors`' cache."""
        weights = (run / "e5t.npz").read_bytes()
        if weights not in self._e5:
            self.log(f"e5 of {run}: {len(self.e5_suite_texts)} suite cases and {len(self.e5_dev_texts)} dev rows")
            self._e5[weights] = (tuned_vectors(run / "e5t.npz", self.e5_suite_texts, self.cache),
                                 tuned_vectors(run / "e5t.npz", self.e5_dev_texts, self.cache))
        return self._e5[weights]

    def score(self, run: Path) -> RunScores:
        fast, acc = HeadSet.load(run / "fast.npz"), HeadSet.load(run / "accurate.npz")
        paired = acc.meta["ensemble"]["dev"]
        x_suite, x_dev = self._e5_vectors(run)
        pf = fast.proba(self.x_use, self.fast_texts, [c.lang for c in self.cases])["hate"]
        pe = acc.heads["hate"].proba(x_suite)
        thresholds = {"fast": {c: float(fast.heads[c].threshold) for c in CATEGORIES},
                      "accurate": {c: float(paired[c]["threshold"]) for c in CATEGORIES}}
        suites: dict[str, dict[str, dict]] = {}
        scores: dict[str, np.ndarray] = {}
        hateful, suite_of = np.array([c.hateful for c in self.cases]), np.array([c.suite for c in self.cases])
        for profile, score in (("fast", pf), ("accurate", (pf + pe) / 2)):
            scores[profile] = np.round(score, 4)
            flags = scores[profile] >= thresholds[profile]["hate"]
            for r in evaluate(self.cases, [bool(f) for f in flags]):
                rows = suite_of == r.suite
                suites.setdefault(r.suite, {})[profile] = {
                    "acc": r.overall.accuracy, "f1": r.overall.macro_f1, "auc": roc_auc(hateful[rows], score[rows]),
                    "func": {k: v.accuracy for k, v in r.by_functionality.items()}}
        pd = fast.proba(self.dev_use, self.dev_chars, [e.lang for e in self.dev])
        dev = {}
        for c in CATEGORIES:
            rows = self.dev_rows(c)
            dev[c] = (pd[c][rows] + acc.heads[c].proba(x_dev[rows])) / 2 >= thresholds["accurate"][c]
        return RunScores(suites, dev, scores, thresholds)

    def dev_rows(self, category: str) -> list[int]:
        return [i for i, e in enumerate(self.dev) if category in e.labels and e.source != TEMPLATES]


def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve: the chance that a hateful case scores above a non-hateful one, ties counted half
    (Mann-Whitney). Independent of any threshold, so it tells a better ranking from a moved threshold. NaN when
    one class is absent."""
    y = np.asarray(y, dtype=bool)
    pos, neg = int(y.sum()), int((~y).sum())
    if not pos or not neg:
        return float("nan")
    _, inverse, counts = np.unique(score, return_inverse=True, return_counts=True)
    mid_rank = np.cumsum(counts) - (counts - 1) / 2  # 1-based rank of each distinct value, ties averaged
    return float((mid_rank[inverse][y].sum() - pos * (pos + 1) / 2) / (pos * neg))


def compare(screen: Screen, base: list[RunScores], cand: list[RunScores]) -> dict:
    """The keep-rule measures: per category dev macro-F1 (accurate, corpora only) per side, its mean difference and
    a paired interval per pair of runs; per profile and suite macro-F1, accuracy and the hate score's ROC AUC per
    side (means over the suites of macro-F1 and of AUC), and the candidate's macro-F1 flagged at its paired
    baseline's threshold; each run's thresholds; functionalities over the suites, and the threat ones per suite."""
    out: dict = {"dev": {}, "suites": {}, "functionalities": {}, "threats": {}, "thresholds": {}}
    for c in CATEGORIES:
        ex = [screen.dev[i] for i in screen.dev_rows(c)]
        y, w = np.array([e.labels[c] for e in ex]), equal_source_weights(ex)
        f1 = {side: [macro_f1(y, r.dev[c], w) for r in runs] for side, runs in (("base", base), ("cand", cand))}
        out["dev"][c] = {**f1, "difference": float(np.mean(f1["cand"]) - np.mean(f1["base"])),
                         "intervals": [difference_interval(ex, c, b.dev[c], a.dev[c]) for b, a in zip(base, cand)]}
    names = sorted(base[0].suites)
    for profile in ("accurate", "fast"):
        rows = {s: {side: {m: [r.suites[s][profile][m] for r in runs] for m in ("f1", "acc", "auc")}
                    for side, runs in (("base", base), ("cand", cand))} for s in names}
        mean = {side: float(np.mean([np.mean(rows[s][side]["f1"]) for s in names])) for side in ("base", "cand")}
        auc = {side: float(np.mean([np.mean(rows[s][side]["auc"]) for s in names])) for side in ("base", "cand")}
        # the candidate's scores flagged at its paired baseline's threshold: a gain that vanishes here came from the
        # threshold the dev rows chose, not from better scores (sessions 37 and 39)
        at_base = []
        for b, a in zip(base, cand):
            flags = a.scores[profile] >= b.thresholds[profile]["hate"]
            at_base.append({r.suite: r.overall.macro_f1 for r in evaluate(screen.cases, [bool(f) for f in flags])})
        for s in names:
            rows[s]["cand"]["f1_at_base_threshold"] = [run[s] for run in at_base]
        mean["cand_at_base_threshold"] = float(np.mean([np.mean(rows[s]["cand"]["f1_at_base_threshold"])
                                                        for s in names]))
        out["suites"][profile] = {"suites": rows, "mean": mean, "auc": auc}
        out["thresholds"][profile] = {
            c: {side: [r.thresholds[profile][c] for r in runs] for side, runs in (("base", base), ("cand", cand))}
            for c in CATEGORIES}
        funcs = sorted({f for s in names for f in base[0].suites[s][profile]["func"]})
        out["functionalities"][profile] = {
            f: {side: float(np.mean([r.suites[s][profile]["func"][f] for r in runs for s in names
                                     if f in r.suites[s][profile]["func"]]))
                for side, runs in (("base", base), ("cand", cand))} for f in funcs}
        out["threats"][profile] = {  # asked of every language, so per suite
            s: {f: {side: float(np.mean([r.suites[s][profile]["func"][f] for r in runs]))
                    for side, runs in (("base", base), ("cand", cand))}
                for f in THREATS if f in base[0].suites[s][profile]["func"]} for s in names}
    return out


def report_lines(result: dict) -> list[str]:
    lines = ["dev, accurate profile, corpora only (macro-F1 per run; difference of the means; 95 % paired intervals)"]
    for c, d in result["dev"].items():
        iv = ", ".join(f"[{i['low']:+.4f}, {i['high']:+.4f}]" for i in d["intervals"])
        lines.append(f"  {c:<11} base {' '.join(f'{v:.4f}' for v in d['base'])}  cand "
                     f"{' '.join(f'{v:.4f}' for v in d['cand'])}  {d['difference']:+.4f}  {iv}")
    for profile, p in result["suites"].items():
        lines.append(f"\nsuites, {profile} profile (macro-F1, mean of each side; runs in brackets; 'at base t': the "
                     "candidate flagged at its baseline's threshold)")
        th = result["thresholds"][profile]
        lines.append("  thresholds: " + ", ".join(f"{c} {' '.join(f'{v:.2f}' for v in d['base'])} -> "
                                                   f"{' '.join(f'{v:.2f}' for v in d['cand'])}" for c, d in th.items()))
        for s, d in p["suites"].items():
            b, a = np.mean(d["base"]["f1"]), np.mean(d["cand"]["f1"])
            runs = " ".join(f"{v:.3f}" for v in d["base"]["f1"] + d["cand"]["f1"])
            acc = (f"  accuracy {np.mean(d['base']['acc']):.3f} -> {np.mean(d['cand']['acc']):.3f}"
                   if s.startswith("hatecheck_") else "")
            auc = (f"  at base t {np.mean(d['cand']['f1_at_base_threshold']):.4f}"
                   f"  ROC AUC {np.mean(d['base']['auc']):.3f} -> {np.mean(d['cand']['auc']):.3f}")
            lines.append(f"  {s:<22} {b:.4f} -> {a:.4f} ({a - b:+.4f})  [{runs}]{auc}{acc}")
        lines.append(f"  {'mean':<22} {p['mean']['base']:.4f} -> {p['mean']['cand']:.4f} "
                     f"({p['mean']['cand'] - p['mean']['base']:+.4f})  at base t "
                     f"{p['mean']['cand_at_base_threshold']:.4f}  ROC AUC {p['auc']['base']:.3f} -> "
                     f"{p['auc']['cand']:.3f}")
        lines.append("  accuracy per functionality, mean over the suites that have it:")
        for f, d in result["functionalities"][profile].items():
            lines.append(f"    {f:<26} {d['base']:.3f} -> {d['cand']:.3f} ({d['cand'] - d['base']:+.3f})")
        lines.append("  threats per suite (accuracy; the target is >= 0.90 in every language):")
        for s, fs in result["threats"][profile].items():
            lines.append(f"    {s:<22} " + "  ".join(f"{f} {d['base']:.2f} -> {d['cand']:.2f}" for f, d in fs.items()))
    return lines
