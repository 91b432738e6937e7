"""`tocsin train-claims` and `tocsin eval-claims`: the `claims` matcher's re-ranker, reproduced from and measured on
CLEF CheckThat! 2020 task 2 (English tweets -> Snopes fact-checked claims)."""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from .commands import CliError

DATA = "../shared/data/claims/clef2020-checkthat-task2-en/v3.0"


def _vectors(texts: list[str], encoder: str, cache: str | None):
    """Passage-side embeddings of `texts`, cached by the digest of their de-obfuscated form when `cache` names a
    folder (outside the repository)."""
    import hashlib

    import numpy as np

    from ...detect.matchers import SemanticMatcher

    matcher = SemanticMatcher(encoder, asymmetric=True)
    clean = matcher.clean(texts)  # once: the cache key and what the encoder reads
    cached = None
    if cache:
        digest = hashlib.sha256("\x00".join(clean).encode("utf-8")).hexdigest()[:12]
        cached = Path(cache) / f"claims-{encoder}-{digest}.npy"
    if cached and cached.exists():
        return np.load(cached)
    emb = matcher.embed_clean(clean)
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        np.save(cached, emb)
    return emb


def _matcher(root: Path, dedup: bool, cache: str | None):
    """A `claims` matcher over the CLEF claims, which go through the same duplicate check as a bank import."""
    from ...detect.banks import DUPLICATE_OF, mark_duplicates
    from ...detect.claim_match import ClaimMatcher
    from ...models.claims import load_clef2020
    from ...ports import BankEntry

    if not (root / "verified_claims.docs.tsv").exists():
        raise CliError(f"{root} has no verified_claims.docs.tsv (expected CLEF 2020 task 2 data)")
    claims, _, _ = load_clef2020(root, "dev")
    total = len(claims)
    if dedup:
        entries = mark_duplicates([BankEntry("clef2020", cid, text) for cid, text in claims])
        claims = [(e.id, e.text) for e in entries if DUPLICATE_OF not in e.labels]
    texts = [t for _, t in claims]
    m = ClaimMatcher()
    m.build(claims, (_vectors(texts, "e5", cache), _vectors(texts, "use", cache)))
    return m, claims, total - len(claims)


def unrelated_posts(train_root: Path) -> list[str]:
    """The re-ranker's unrelated posts (`models.claims.unrelated_posts`), a missing folder as a CLI error."""
    from ...models.claims import unrelated_posts as sample

    try:
        return sample(train_root)
    except FileNotFoundError as exc:
        raise CliError(str(exc)) from None


def labelled(m, root: Path, split: str, negatives: list[str]):
    """(post texts, candidates, features, labels) for one split's queries followed by the unrelated posts, whose
    candidates are all wrong."""
    import numpy as np

    from ...models.claims import load_clef2020

    _, queries, rel = load_clef2020(root, split)
    posts = [t for _, t in queries] + negatives
    cand, x = m.features(posts)
    y = np.array([[m.ids[i] in rel.get(q, ()) for i in row] for (q, _), row in zip(queries, cand)])
    return posts, cand, x, np.concatenate([y, np.zeros((len(negatives), cand.shape[1]), bool)])


def fit_reranker(m, root: Path, split: str, negatives: list[str]):
    """The re-ranker trained on one split's queries, their candidates labelled by the split's relevance pairs, and
    on posts that repeat no claim (every candidate wrong): without them it learns only which candidate is best
    *relative* to the others, and an unrelated post's best candidate scores high (~10 % of unrelated English
    tweets reached 0.5; ~1 % with 400 of them)."""
    from ...models.claims import Reranker

    _, _, x, y = labelled(m, root, split, negatives)
    return Reranker().fit(x, y)


def train_claims(args: argparse.Namespace) -> int:
    """The re-ranker, then (unless --no-cross-encoder) the cross-encoder over its top candidates, written beside
    it as claims_pairs.npz (needs torch; ~35 min on 2 cores)."""
    from ...detect.claim_match import WEIGHTS
    from ...models.claims import Reranker

    root = Path(args.data)
    out = Path(args.out) if args.out else WEIGHTS
    t0 = time.monotonic()
    negatives = unrelated_posts(Path(args.train_data))
    m, _, _ = _matcher(root, True, args.cache)
    posts, cand, x, y = labelled(m, root, "train", negatives)
    ranker = Reranker().fit(x, y)
    doc = {"about": "tocsin claims matcher re-ranker, trained by `tocsin train-claims` on the CLEF CheckThat! 2020 "
                    "task 2 train queries and 400 unrelated tweets (see docs/banks.md)", **ranker.to_dict()}
    if args.cross_encoder:
        from ...models.claim_pairs import fit_cross_encoder

        stage, _ = fit_cross_encoder(m.texts, posts, cand, ranker.scores(x), ranker.probability(x), y,
                                     len(posts) - len(negatives), out.parent / "claims_pairs.npz",
                                     log=lambda msg: print(f"[{time.monotonic() - t0:6.0f}s] {msg}", flush=True))
        doc["cross_encoder"] = stage.to_dict()
    out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"claims: wrote {out} in {time.monotonic() - t0:.0f}s")
    return 0


def eval_claims(args: argparse.Namespace) -> int:
    """MAP@k of the `claims` matcher on one split's queries. On dev it runs with the shipped re-ranker (trained on
    the train queries); on train, with one trained on the dev queries. `--no-rerank` ranks by e5 + BM25 alone."""
    from ...models.claims import load_clef2020, map_at_k

    root = Path(args.data)
    t0 = time.monotonic()
    m, claims, left_out = _matcher(root, args.dedup, args.cache)
    _, queries, qrels = load_clef2020(root, args.split)
    texts = [t for _, t in queries]
    t1 = time.monotonic()
    how = "shipped (trained on train)"
    if args.rerank:
        if args.split != "dev":
            m.ranker = fit_reranker(m, root, "dev", unrelated_posts(Path(args.train_data)))
            how = "trained on dev, without the cross-encoder"
        elif not args.cross_encoder:
            m.cross_encoder = None
            how += ", without the cross-encoder"
        elif m.cross_encoder is not None:
            how += f", cross-encoder over its top {m.cross_encoder.top}"
        t1 = time.monotonic()
        found = m.query(texts, max(args.k, 5))
        ranked = {qid: [eid for eid, _ in row] for (qid, _), row in zip(queries, found)}
    else:
        top = m.cosine_top(texts, "e5", max(args.k, 5), args.bm25_weight)
        ranked = {qid: [m.ids[i] for i in row] for (qid, _), row in zip(queries, top)}
        how = "off"
    t2 = time.monotonic()
    print(f"claims={len(claims)} ({left_out} duplicates left out) queries={len(queries)} split={args.split} "
          f"rerank={how}")
    for k in sorted({1, 3, 5, args.k}):
        print(f"MAP@{k}={map_at_k(ranked, qrels, k):.4f}")
    if args.rerank:  # what a bank's suggest / auto threshold would pass, and how often its top match is right
        for t in (0.5, 0.8, 0.95):
            right = [row[0][0] in qrels.get(qid, ()) for (qid, _), row in zip(queries, found) if row and row[0][1] >= t]
            print(f"top match scored >= {t}: {len(right) / len(queries):.1%} of queries, "
                  f"{sum(right) / max(len(right), 1):.1%} of those right")
    print(f"index built in {t1 - t0:.1f}s; {len(queries) / max(t2 - t1, 1e-9):.1f} queries/s")
    if args.multiclaim:
        crosslingual(m, Path(args.multiclaim))
    return 0


def crosslingual(m, root: Path) -> None:
    """Success@k on MultiClaim's trial sample with the CLEF claims as distractors: the `claims` matcher beside e5
    and USE cosine alone, for pairs in one language and across two."""
    import numpy as np

    from ...models.claims import load_multiclaim_sample

    if not (root / "trial_fact_checks.csv").exists():
        raise CliError(f"{root} has no trial_fact_checks.csv (expected SemEval-2025 task 7 trial data)")
    checks, pairs = load_multiclaim_sample(root)
    m.add(checks)
    texts = [t[:2000] for t, _, _ in pairs]
    found = m.query(texts, 5)
    ranked = {"claims": [[e for e, _ in row] for row in found]}
    for name, encoder in (("e5 cosine", "e5"), ("USE cosine", "use")):
        ranked[name] = [[m.ids[i] for i in row] for row in m.cosine_top(texts, encoder, 5)]
    cross = [a != b for a, b in (lang.split("-") for _, _, lang in pairs)]
    print(f"multiclaim trial: {len(pairs)} posts ({sum(cross)} matched across languages), {len(m.ids)} claims")
    for name, rows in ranked.items():
        hit = [[gold in row[:k] for (_, gold, _), row in zip(pairs, rows)] for k in (1, 5)]
        part = {label: np.mean([h for h, c in zip(hit[1], cross) if c == want] or [np.nan]) for label, want in
                (("same language", False), ("across", True))}
        print(f"  {name}: S@1={np.mean(hit[0]):.2f} S@5={np.mean(hit[1]):.2f} (same language "
              f"{part['same language']:.2f}, across {part['across']:.2f})")
    for t in (0.5, 0.8):
        top = [(row[0][0] == gold, c) for (_, gold, _), row, c in zip(pairs, found, cross) if row[0][1] >= t]
        print(f"  claims top match scored >= {t}: {len(top)} posts, {sum(r for r, _ in top)} right; across "
              f"languages {sum(c for _, c in top)} posts, {sum(r for r, c in top if c)} right")


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("train-claims", parents=[common],
                       help="Reproduce the claims matcher's re-ranker from the CLEF 2020 train queries.")
    p.add_argument("--data", default=DATA)
    p.add_argument("--train-data", default="../shared/data/train", help="where the unrelated posts come from")
    p.add_argument("--out", help="weights file (default: the package's own models/weights/claims.json)")
    p.add_argument("--cache", help="folder to cache claim embeddings in (outside the repository)")
    p.add_argument("--no-cross-encoder", dest="cross_encoder", action="store_false",
                   help="the re-ranker only (no torch needed); the matcher then ranks by it alone")
    p.set_defaults(func=train_claims)
    p = sub.add_parser("eval-claims", parents=[common],
                       help="MAP@k of fact-checked claim retrieval on CLEF CheckThat! 2020 task 2.")
    p.add_argument("--data", default=DATA)
    p.add_argument("--split", default="dev", choices=["dev", "train"])
    p.add_argument("--train-data", default="../shared/data/train",
                   help="with --split train: where the re-ranker's unrelated posts come from")
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--bm25-weight", type=float, default=0.05,
                   help="with --no-rerank: weight of BM25 (scaled to the query's best) added to the e5 cosine")
    p.add_argument("--no-rerank", dest="rerank", action="store_false",
                   help="rank by e5 + BM25 alone, without the re-ranker")
    p.add_argument("--no-cross-encoder", dest="cross_encoder", action="store_false",
                   help="the shipped re-ranker without the cross-encoder over its top candidates")
    p.add_argument("--keep-duplicates", dest="dedup", action="store_false",
                   help="rank every claim, also those equal to an earlier one (a bank import marks them duplicates)")
    p.add_argument("--cache", help="folder to cache claim embeddings in (outside the repository)")
    p.add_argument("--multiclaim", nargs="?", const="../shared/data/claims/semeval2025-task7-trial",
                   help="also measure across languages on MultiClaim's trial sample (SemEval-2025 task 7), the CLEF "
                        "claims as distractors (default folder: %(const)s)")
    p.set_defaults(func=eval_claims)
