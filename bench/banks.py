"""Bank lookups at scale: a bank of BENCH_BANK_ENTRIES entries (default 1,000,000), p50/p99 milliseconds per item
for each matcher, memory, and each against a baseline measured in the same run:

- exact and near-dup: the same lookups on a 1,000-entry bank (how lookup time grows with the bank);
- semantic: exact brute-force search (numpy) over the same million vectors, and the approximate index's recall@1
  against it.

Entry texts are fact-checked claims (CLEF CheckThat! 2020, from ../shared/data/claims when present) with random
words added so that every entry differs; the semantic index holds real sentence vectors of those claims mixed with
each other and with noise (embedding a million texts would take ~15 min here; the index cannot tell the
difference). Queries: 1/3 reposts, 1/3 edited reposts, 1/3 unrelated posts; each timing includes the query's own
normalisation, hashing or embedding.
"""
from __future__ import annotations

import csv
import os
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np

from tocsin.detect.matchers import ExactMatcher, NearDupMatcher, SemanticMatcher

N_BANK = int(os.environ.get("BENCH_BANK_ENTRIES", "1000000"))
N_QUERIES = int(os.environ.get("BENCH_BANK_QUERIES", "600"))
CLAIMS = Path(__file__).resolve().parents[2] / "shared/data/claims/clef2020-checkthat-task2-en/v3.0/verified_claims.docs.tsv"
_WORDS = ("today now again please share look viral news real truth people city report video photo breaking "
          "update read watch latest").split()
_OTHER = ["Our bakery opens at seven on Sundays.", "The bus to the airport is running late again.",
          "Anyone know a good plumber in the north end?", "Der Chor probt heute im Gemeindesaal.",
          "La piscine municipale ferme pour travaux.", "El mercado abre el sábado por la mañana."]


def rss_mb() -> float:
    """Current resident memory (Linux), else the peak."""
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def base_texts() -> list[str]:
    if CLAIMS.exists():
        csv.field_size_limit(sys.maxsize)
        with CLAIMS.open(encoding="utf-8", newline="") as f:
            return [r["vclaim"] for r in csv.DictReader(f, delimiter="\t") if r["vclaim"].strip()]
    rng = random.Random(3)
    return [" ".join(rng.choice(_WORDS) for _ in range(14)) for _ in range(10000)]


def bank_texts(base: list[str], n: int, rng: random.Random) -> list[str]:
    return [f"{base[i % len(base)]} {' '.join(rng.choice(_WORDS) for _ in range(3))} {i}" for i in range(n)]


def queries(texts: list[str], n: int, rng: random.Random) -> list[str]:
    out = []
    for k in range(n):
        t = texts[rng.randrange(len(texts))]
        if k % 3 == 0:
            out.append(t)
        elif k % 3 == 1:
            words = t.split()
            out.append(" ".join(words[:-2]).upper() + " !!")
        else:
            out.append(f"{_OTHER[k % len(_OTHER)]} {k}")
    return out


def latencies(fn, qs: list[str]) -> dict:
    ms = []
    for q in qs:
        t0 = time.perf_counter()
        fn(q)
        ms.append((time.perf_counter() - t0) * 1000)
    return {"p50_ms": round(float(np.percentile(ms, 50)), 3), "p99_ms": round(float(np.percentile(ms, 99)), 3)}


def bench_lexical(cls, texts: list[str], small: list[str], qs: list[str], qs_small: list[str]) -> dict:
    before = rss_mb()
    t0 = time.monotonic()
    m = cls()
    m.build([(str(i), t) for i, t in enumerate(texts)])
    built = time.monotonic() - t0
    mem = rss_mb() - before
    big = latencies(lambda q: m.query([q], 5), qs)
    hits = sum(bool(m.query([q], 1)[0]) for q in qs[:90:3])
    s = cls()
    s.build([(str(i), t) for i, t in enumerate(small)])
    base = latencies(lambda q: s.query([q], 5), qs_small)
    del m
    return {"entries": len(texts), "build_s": round(built, 1), "index_mb": round(mem, 1), **big,
            "reposts_found": f"{hits}/30", "baseline_1k_entries": base,
            "ratio_p99_vs_1k": round(big["p99_ms"] / max(base["p99_ms"], 1e-6), 2)}


def bench_semantic(base: list[str], n: int, qs: list[str], rng: np.random.Generator) -> dict:
    m = SemanticMatcher("use")
    vecs = m.embed(base)
    a, b = rng.integers(0, len(base), n), rng.integers(0, len(base), n)
    bank = np.empty((n, vecs.shape[1]), np.float32)
    for s in range(0, n, 100_000):  # in slices, to keep the temporaries small
        e = slice(s, min(n, s + 100_000))
        x = vecs[a[e]] + 0.35 * vecs[b[e]] + 0.04 * rng.standard_normal((e.stop - e.start, vecs.shape[1]), np.float32)
        bank[e] = x / np.linalg.norm(x, axis=1, keepdims=True)
    before = rss_mb()
    t0 = time.monotonic()
    m.build([(str(i), "") for i in range(n)], bank)
    built = time.monotonic() - t0
    mem = rss_mb() - before
    lat = latencies(lambda q: m.query([q], 5), qs)  # first, so that every query is embedded inside the timing
    qv = m.embed(qs, query=True)
    t_flat = []
    agree = near = 0
    for q in qv[:60]:
        t = time.perf_counter()
        sims = bank @ q
        flat = int(np.argmax(sims))
        t_flat.append((time.perf_counter() - t) * 1000)
        (ann_id, ann_score), *_ = m.query([""], 1, q[None, :])[0]
        agree += ann_id == str(flat)
        near += ann_score >= sims[flat] - 0.01  # an entry as good as the best, within 0.01 cosine
    flat_p99 = float(np.percentile(t_flat, 99))
    return {"entries": n, "index": type(m._index).__name__, "nprobe": m.nprobe, "build_s": round(built, 1),
            "index_mb": round(mem, 1), "vectors_mb": round(bank.nbytes / 2**20, 1), **lat,
            "baseline_bruteforce_p99_ms": round(flat_p99, 2), "ratio_p99_vs_bruteforce": round(lat["p99_ms"] / flat_p99, 3),
            "recall_at_1_vs_bruteforce": round(agree / 60, 3), "top1_within_0.01_of_best": round(near / 60, 3)}


def bench_banks() -> dict:
    rng = random.Random(11)
    base = base_texts()
    texts = bank_texts(base, N_BANK, rng)
    small = texts[:1000]
    qs, qs_small = queries(texts, N_QUERIES, rng), queries(small, N_QUERIES, rng)
    out = {"exact": bench_lexical(ExactMatcher, texts, small, qs, qs_small)}
    out["near-dup"] = bench_lexical(NearDupMatcher, texts, small, qs, qs_small)
    del texts
    out["semantic"] = bench_semantic(base, N_BANK, qs[:300], np.random.default_rng(5))
    out["source_of_texts"] = "CLEF 2020 claims" if CLAIMS.exists() else "synthetic words"
    return out
