"""`tocsin train` and `tocsin eval`: reproduce the shipped weights, and measure them on functional suites."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ...detect.trained import weights_path
from ...domain.model import ContentItem
from ...models.evaluate import Case, evaluate, load_references, read_suite, report_lines
from .commands import CliError, _engine_only

PROFILES = {"fast": "use", "accurate": "e5"}
# e5 embeds ~30 texts/s here, so the accurate profile trains on a fixed-seed sample of every source
CAPS: dict[str, dict[str, int] | None] = {"fast": None, "accurate": {"train": 1200, "dev": 400}}


def train(args: argparse.Namespace) -> int:
    from ...models.build import train_profile
    from ...models.train import TrainConfig

    data = Path(args.data)
    if not data.is_dir():
        raise CliError(f"training data folder {data} not found (expected ../shared/data/train)")
    profiles = list(PROFILES) if args.profile == "all" else [args.profile]
    for profile in profiles:
        out = Path(args.out) / f"{profile}.npz" if args.out else weights_path(profile)
        t0 = time.monotonic()
        train_profile(data, PROFILES[profile], out, Path(args.cache) if args.cache else None,
                      TrainConfig(seed=args.seed), log=lambda m: print(f"[{profile}] {m}", file=sys.stderr, flush=True),
                      suites=Path(args.decontaminate) if args.decontaminate else None, cap=CAPS[profile])
        print(f"{profile}: wrote {out} in {time.monotonic() - t0:.0f}s")
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

    def predict(cs: list[Case]) -> list[bool]:
        out: list[bool] = []
        for i in range(0, len(cs), 1024):
            items = [ContentItem(f"c{i + k}", "post", c.text, lang=c.lang) for k, c in enumerate(cs[i:i + 1024])]
            out.extend(r["flagged"]["hate"] for r in engine.classify(items))
        return out

    results = evaluate(cases, predict)
    refs = load_references(Path(args.reference)) if args.reference and Path(args.reference).is_dir() else {}
    if args.json:
        print(json.dumps([{"suite": r.suite, "lang": r.lang, "n": r.overall.n, "accuracy": round(r.overall.accuracy, 4),
                           "macro_f1": round(r.overall.macro_f1, 4),
                           "functionalities": {k: round(v.accuracy, 4) for k, v in sorted(r.by_functionality.items())},
                           "reference": refs.get(r.suite, {})} for r in results], indent=2))
    else:
        print(f"detectors: {', '.join(d.get_name() for d in engine.detectors)}")
        print("\n".join(report_lines(results, refs, functionalities=not args.summary)))
    return 0


def _claim_vectors(claims: list, encoder: str, cache: str | None, texts: list | None = None) -> tuple:
    """The semantic matcher and its vectors of every claim (or of `texts`, one per claim, such as the titles),
    cached by content when `cache` names a folder."""
    import hashlib

    import numpy as np

    from ...detect.matchers import SemanticMatcher
    matcher = SemanticMatcher(encoder, asymmetric=True)
    texts = texts or [t for _, t in claims]
    cached = None
    if cache:
        digest = hashlib.sha256("\x00".join(texts).encode("utf-8")).hexdigest()[:12]
        cached = Path(cache) / f"claims-{encoder}-{digest}.npy"
    if cached and cached.exists():
        return matcher, np.load(cached)
    emb = matcher.embed(texts)
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        np.save(cached, emb)
    return matcher, emb


def eval_claims(args: argparse.Namespace) -> int:
    """MAP@k of claim retrieval on CLEF CheckThat! 2020 task 2 (queries of one split): the claims go through the
    same duplicate check as a bank import; e5 fused with BM25, then re-ranked by a model trained on the other
    split's queries."""
    import numpy as np

    from ...detect.banks import DUPLICATE_OF, mark_duplicates
    from ...models.claims import (BM25, CharGrams, Reranker, candidate_features, clef2020_parts, hybrid_rank,
                                  load_clef2020, map_at_k, max_over_parts, sentences, tokens, tweet_body)
    from ...ports import BankEntry

    root = Path(args.data)
    if not (root / "verified_claims.docs.tsv").exists():
        raise CliError(f"{root} has no verified_claims.docs.tsv (expected CLEF 2020 task 2 data)")
    claims, queries, qrels = load_clef2020(root, args.split)
    total = len(claims)
    if args.dedup:
        entries = mark_duplicates([BankEntry("clef2020", cid, text) for cid, text in claims])
        claims = [(e.id, e.text) for e in entries if DUPLICATE_OF not in e.labels]
    t0 = time.monotonic()
    e5, emb = _claim_vectors(claims, args.encoder, args.cache)
    bm25 = BM25([t for _, t in claims])
    rerank = args.rerank and args.encoder == "e5"
    if rerank:
        use, uemb = _claim_vectors(claims, "use", args.cache)
        split_parts = clef2020_parts(root)
        sides = [[split_parts[cid][side] for cid, _ in claims] for side in (0, 1)]
        parts = [_claim_vectors(claims, "e5", args.cache, texts)[1] for texts in sides]
        words = [set(tokens(t)) for _, t in claims]
        titles = [set(tokens(t)) for t in sides[0]]
        chars = CharGrams([t for _, t in claims])
    t1 = time.monotonic()

    def features(qs: list) -> tuple:
        texts = [t for _, t in qs]
        q = e5.embed(texts, query=True)
        split = [sentences(t) for t in texts]
        owner = np.repeat(np.arange(len(texts)), [len(p) for p in split])
        best = max_over_parts(e5.embed([p for ps in split for p in ps], query=True) @ emb.T, owner, len(texts))
        others = [use.embed(texts) @ uemb.T, q @ parts[0].T, q @ parts[1].T, e5.embed(texts) @ emb.T,
                  e5.embed([tweet_body(t) for t in texts], query=True) @ emb.T, best]
        return candidate_features(q @ emb.T, others, bm25.scores(texts), texts, words, titles, chars,
                                  args.bm25_weight)

    if rerank:
        other = "train" if args.split == "dev" else "dev"
        _, train_q, train_rel = load_clef2020(root, other)
        cand, x = features(train_q)
        y = np.array([[claims[i][0] in train_rel.get(q, ()) for i in row] for (q, _), row in zip(train_q, cand)])
        model = Reranker().fit(x, y)
        t1 = time.monotonic()
        top = model.order(*features(queries))
    else:
        texts = [t for _, t in queries]
        top = hybrid_rank(e5.embed(texts, query=True) @ emb.T, bm25.scores(texts), args.bm25_weight,
                          max(args.k, 5))
    t2 = time.monotonic()
    ranked = {qid: [claims[i][0] for i in row] for (qid, _), row in zip(queries, top)}
    print(f"claims={len(claims)} ({total - len(claims)} duplicates left out) queries={len(queries)} "
          f"split={args.split} encoder={args.encoder} bm25_weight={args.bm25_weight} "
          f"rerank={'trained on ' + other if rerank else 'off'}")
    for k in sorted({1, 3, 5, args.k}):
        print(f"MAP@{k}={map_at_k(ranked, qrels, k):.4f}")
    print(f"index built in {t1 - t0:.1f}s; {len(queries) / max(t2 - t1, 1e-9):.0f} queries/s")
    return 0


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("train", parents=[common],
                       help="Reproduce the shipped model weights from the training data (fixed seeds).")
    p.add_argument("--data", default="../shared/data/train", help="training data folder (default ../shared/data/train)")
    p.add_argument("--profile", choices=["fast", "accurate", "all"], default="fast")
    p.add_argument("--out", help="folder for the weights (default: the package's own models/weights)")
    p.add_argument("--cache", help="folder to cache embeddings in (outside the repository)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--decontaminate", default="../shared/data/eval-dev",
                   help="drop training texts equal to a case of the suites in this folder ('' to keep all)")
    p.set_defaults(func=train)
    p = sub.add_parser("eval", parents=[common], help="Accuracy and macro-F1 of the hate flag on functional test suites.")
    p.add_argument("--suite", required=True, help="a suite CSV or a folder of them (HateCheck format)")
    p.add_argument("--reference", default="../shared/data/reference", help="published results to print alongside")
    p.add_argument("--summary", action="store_true", help="leave out the per-functionality table")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=eval_suites)
    p = sub.add_parser("eval-claims", parents=[common],
                       help="MAP@k of fact-checked claim retrieval on CLEF CheckThat! 2020 task 2.")
    p.add_argument("--data", default="../shared/data/claims/clef2020-checkthat-task2-en/v3.0")
    p.add_argument("--split", default="dev", choices=["dev", "train"])
    p.add_argument("--encoder", default="e5", choices=["e5", "use"])
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--bm25-weight", type=float, default=0.05,
                   help="weight of BM25 (scaled to the query's best) added to the cosine; 0 for embeddings alone")
    p.add_argument("--no-rerank", dest="rerank", action="store_false",
                   help="rank by the fused score alone (the re-ranker is trained on the other split's queries)")
    p.add_argument("--keep-duplicates", dest="dedup", action="store_false",
                   help="rank every claim, also those equal to an earlier one (a bank import marks them duplicates)")
    p.add_argument("--cache", help="folder to cache claim embeddings in (outside the repository)")
    p.set_defaults(func=eval_claims)
