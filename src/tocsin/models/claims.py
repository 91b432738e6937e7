"""Claim retrieval evaluation on CLEF CheckThat! 2020 task 2 (English tweets -> Snopes fact-checked claims):
MAP@k as the lab computed it, with the semantic matcher over each claim's title and text."""
from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

csv.field_size_limit(sys.maxsize)
_URL = re.compile(r"https?://\S+|pic\.twitter\.com/\S+")


def clean_tweet(text: str) -> str:
    return " ".join(_URL.sub(" ", text).split())


def load_clef2020(root: Path, split: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]], dict[str, set[str]]]:
    """(claims as (id, "title. claim"), queries as (id, tweet), relevant claim ids per query)."""
    with (root / "verified_claims.docs.tsv").open(encoding="utf-8", newline="") as f:
        claims = [(r[""] or "", f"{r['title']}. {r['vclaim']}") for r in csv.DictReader(f, delimiter="\t")]
    with (root / split / "tweets.queries.tsv").open(encoding="utf-8", newline="") as f:
        queries = [(r[""] or "", clean_tweet(r["tweet_content"])) for r in csv.DictReader(f, delimiter="\t")]
    qrels: dict[str, set[str]] = {}
    for line in (root / split / "tweet-vclaim-pairs.qrels").read_text("utf-8").splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] == "1":
            qrels.setdefault(parts[0], set()).add(parts[2])
    return claims, queries, qrels


def average_precision(ranked: list[str], relevant: set[str], k: int) -> float:
    hits, total = 0, 0.0
    for i, cid in enumerate(ranked[:k], start=1):
        if cid in relevant:
            hits += 1
            total += hits / i
    return total / min(k, len(relevant)) if relevant else 0.0


def map_at_k(ranked: dict[str, list[str]], qrels: dict[str, set[str]], k: int) -> float:
    return sum(average_precision(ranked.get(q, []), rel, k) for q, rel in qrels.items()) / len(qrels)
