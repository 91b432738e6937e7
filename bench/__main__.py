"""Run the benchmarks and print (and save under bench/results/) throughputs, ratios and the machine.

- ingest: items/s through the full pipeline into SQLite (parse, detect, decide, act, record, commit), against the
  baseline of detection alone on the same items.
- classify: posts/s through `tocsin classify` end to end (process start, JSONL in and out), against the bare
  detectors on the same texts.
"""
from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tocsin.bootstrap import build
from tocsin.ingest.parse import parse_item
from tocsin.ingest.service import ingest_batch
from tocsin.settings import Settings

N_INGEST = int(os.environ.get("BENCH_INGEST_ITEMS", "20000"))
N_CLASSIFY = int(os.environ.get("BENCH_CLASSIFY_ITEMS", "20000"))
TEXTS = ["The council meets on Thursday to discuss the bike lanes.", "Bring your rifles tonight, we defend our city.",
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


def bench_classify(tmp: Path) -> dict:
    src, dst = tmp / "in.jsonl", tmp / "out.jsonl"
    rows = records(N_CLASSIFY, "c")
    src.write_text("".join(json.dumps({"id": r["id"], "text": r["text"]}) + "\n" for r in rows))
    rt = build(Settings(db=str(tmp / "c.db")))
    items = [parse_item(r) for r in rows]
    t0 = time.perf_counter()
    rt.engine.detect(items)
    base = N_CLASSIFY / (time.perf_counter() - t0)
    rt.close()
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tocsin", "classify", "--input", str(src), "--output", str(dst),
                    "--db", str(tmp / "c.db")], check=True)
    e2e = N_CLASSIFY / (time.perf_counter() - t0)
    assert sum(1 for _ in dst.open()) == N_CLASSIFY
    return {"items": N_CLASSIFY, "bare_detectors_per_s": round(base), "classify_cli_per_s": round(e2e),
            "ratio_vs_bare": round(e2e / base, 3)}


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        result = {"machine": machine(), "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                  "ingest": bench_ingest(tmp), "classify": bench_classify(tmp),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    print(json.dumps(result, indent=2))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"bench-{int(time.time())}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
