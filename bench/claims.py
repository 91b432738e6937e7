"""The `claims` matcher's cost per post: a bank of BENCH_CLAIM_ENTRIES CLEF claims (default 2,000; building it
embeds every claim with e5, ~30 claims/s on 2 cores), p50/p99 milliseconds per post for the dev tweets, against
the e5 `semantic` matcher over the same bank and vectors in the same run (the ranking it refines). Each timing
includes the post's own embeddings; the encoder's memory of recent texts is emptied before every timing, so no
post is found already embedded. The dev tweets all retell a checked claim; most posts on a platform retell none, so
the matcher is also timed on BENCH_CLAIM_POSTS English tweets that repeat no claim (from the training data's Founta
et al. rows, not the 400 the re-ranker was trained on): the cross-encoder skips those the re-ranker already gives
little chance.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from tocsin.detect.claim_match import ClaimMatcher
from tocsin.detect.matchers import SemanticMatcher
from tocsin.models.claims import load_clef2020
from tocsin.models.encoders import _e5_model

N_CLAIMS = int(os.environ.get("BENCH_CLAIM_ENTRIES", "2000"))
N_POSTS = int(os.environ.get("BENCH_CLAIM_POSTS", "100"))
ROOT = Path(__file__).resolve().parents[2] / "shared/data/claims/clef2020-checkthat-task2-en/v3.0"
TRAIN = Path(__file__).resolve().parents[2] / "shared/data/train"


def _forget() -> None:
    for side in _e5_model(2):
        side._memo.clear()


def _timed(fn, posts: list[str]) -> list[float]:
    out = []
    for p in posts:
        _forget()
        t0 = time.perf_counter()
        fn([p])
        out.append((time.perf_counter() - t0) * 1000)
    return out


def bench_claims() -> dict:
    if not (ROOT / "verified_claims.docs.tsv").exists():
        return {"skipped": f"{ROOT} not found"}
    claims, posts, _ = load_clef2020(ROOT, "dev")
    claims, posts = claims[:N_CLAIMS], [t for _, t in posts[:N_POSTS]]
    m = ClaimMatcher()
    t0 = time.perf_counter()
    m.build(claims)
    build_s = time.perf_counter() - t0
    base = SemanticMatcher("e5", asymmetric=True)
    base.build(claims, embeddings=m.vectors[0])
    m.query(posts[:2], 5)  # load the re-ranker and warm both encoders
    semantic = _timed(lambda ps: base.query(ps, 5), posts)
    matcher = _timed(lambda ps: m.query(ps, 5), posts)
    unrelated = []
    if TRAIN.is_dir():
        from tocsin.models.claims import NEGATIVES, unrelated_posts

        unrelated = _timed(lambda ps: m.query(ps, 5), unrelated_posts(TRAIN, NEGATIVES + N_POSTS)[NEGATIVES:])

    def pct(xs: list[float], q: float) -> float:
        return round(float(np.percentile(xs, q)), 1)

    return {"claims": len(claims), "posts": len(posts), "build_s": round(build_s, 1),
            "claims_matcher_p50_ms": pct(matcher, 50), "claims_matcher_p99_ms": pct(matcher, 99),
            **({"claims_matcher_unrelated_p50_ms": pct(unrelated, 50),
                "claims_matcher_unrelated_p99_ms": pct(unrelated, 99)} if unrelated else {}),
            "semantic_e5_p50_ms": pct(semantic, 50), "semantic_e5_p99_ms": pct(semantic, 99),
            "claims_matcher_posts_per_s": round(1000 / float(np.mean(matcher)), 1),
            "ratio_p50_vs_semantic_e5": round(pct(matcher, 50) / max(pct(semantic, 50), 1e-9), 2)}
