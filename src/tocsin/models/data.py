"""Training corpora: every dataset in ../shared/data/train mapped to one record shape.

A record is (text, lang, source, split, labels) where labels maps each category the source annotates to 0/1;
categories a source does not annotate are simply absent (masked out of that head's loss). Splits are the
datasets' own: train for fitting, dev for calibration and thresholds, test never used here. Where a dataset has
no dev split, a fixed hash of the text puts 10% of its training rows into dev.

The data itself never enters the repository; MODEL_CARD.md names each source and its licence.
"""
from __future__ import annotations

import csv
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

csv.field_size_limit(sys.maxsize)
MAX_CHARS = 1000


@dataclass(frozen=True)
class Example:
    text: str
    lang: str
    source: str
    split: str  # train | dev
    labels: dict[str, int]


def _hash_split(text: str, dev_share: float = 0.1) -> str:
    h = int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "dev" if h < dev_share else "train"


def _rows(path: Path, delimiter: str = ",") -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f, delimiter=delimiter)


def _clean(text: str) -> str:
    return " ".join(text.replace("\r", " ").split())[:MAX_CHARS]


def _roettger(root: Path) -> Iterator[Example]:
    base = root / "roettger2022-efficient-hate"
    langs = {"dyn21_en": "en", "ken20_en": "en", "fou18_en": "en", "bas19_es": "es", "for19_pt": "pt",
             "san20_it": "it", "ous19_ar": "ar", "ous19_fr": "fr", "has19_hi": "hi", "has20_hi": "hi", "has21_hi": "hi"}
    for name, lang in langs.items():
        d = base / name
        if name == "dyn21_en":  # the original DynaHate split column is faithful; use its train and dev rows
            for r in _rows(d / "train_reconstructed.csv"):
                if r["split"] in ("train", "dev"):
                    yield Example(_clean(r["text"]), lang, name, r["split"], {"hate": int(r["label"])})
            continue
        for f in sorted(d.glob("train_*.csv")):
            for r in _rows(f):
                yield Example(_clean(r["text"]), lang, name, "train", {"hate": int(r["label"])})
        for f in sorted(d.glob("dev_*.csv")):
            for r in _rows(f):
                yield Example(_clean(r["text"]), lang, name, "dev", {"hate": int(r["label"])})


def _gahd(root: Path) -> Iterator[Example]:
    for r in _rows(root / "gahd" / "gahd.csv"):
        if r["split"] in ("train", "dev"):
            yield Example(_clean(r["text"]), "de", "gahd", r["split"], {"hate": int(r["label"])})


def _germeval2018(root: Path) -> Iterator[Example]:
    with (root / "germeval2018" / "germeval2018.training.txt").open(encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3:
                continue
            text, _, fine = parts
            labels = {"profanity": int(fine == "PROFANITY"), "harassment": int(fine in ("INSULT", "ABUSE"))}
            yield Example(_clean(text), "de", "germeval2018", _hash_split(text), labels)


def _germeval2025(root: Path) -> Iterator[Example]:
    d = root / "germeval2025-harmful"
    for name, col in (("c2a", "C2A"), ("vio", "VIO")):
        for r in _rows(d / f"{name}_train.csv", ";"):
            text = r["description"]
            yield Example(_clean(text), "de", f"germeval2025-{name}", _hash_split(text, 0.15),
                          {"violence": int(r[col].strip().upper() == "TRUE")})


def _hateval(root: Path) -> Iterator[Example]:
    d = root / "hateval2019"
    for split in ("train", "dev"):
        for r in _rows(d / f"hateval2019_es_{split}_text.csv"):
            hs, tr, ag = int(r["HS"]), int(r["TR"]), int(r["AG"])
            # aggressive hate against an individual is harassment; the hate label itself comes from bas19_es
            yield Example(_clean(r["text"]), "es", "hateval2019", split, {"harassment": int(hs and tr and ag)})


def _offenseval(root: Path) -> Iterator[Example]:
    d = root / "offenseval2020"
    for lang, folder in (("ar", "arabic"), ("da", "danish"), ("el", "greek"), ("tr", "turkish")):
        for r in _rows(d / folder / "train_full.tsv", "\t"):
            text = r.get("tweet") or ""
            label = (r.get("subtask_a") or "").strip()
            if text and label in ("0", "1"):
                yield Example(_clean(text), lang, f"offenseval2020-{lang}", _hash_split(text), {"profanity": int(label)})


def _hasoc(root: Path) -> Iterator[Example]:
    d = root / "hasoc2019-en"
    for fname, split in (("hasoc_en_train_A.tsv", "train"), ("hasoc_en_dev_A.tsv", "dev")):
        with (d / fname).open(encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 3 and parts[-1] in ("HOF", "NOT"):
                    yield Example(_clean(parts[1]), "en", "hasoc2019", split, {"profanity": int(parts[-1] == "HOF")})


def _toldbr(root: Path) -> Iterator[Example]:
    for r in _rows(root / "told-br" / "ToLD-BR.csv"):
        votes = {k: float(r[k] or 0) for k in ("homophobia", "obscene", "insult", "racism", "misogyny", "xenophobia")}
        hate = max(votes[k] for k in ("homophobia", "racism", "misogyny", "xenophobia"))
        text = r["text"]
        yield Example(_clean(text), "pt", "told-br", _hash_split(text),
                      {"hate": int(hate >= 2), "profanity": int(votes["obscene"] >= 2),
                       "harassment": int(votes["insult"] >= 2)})


def _ethos(root: Path) -> Iterator[Example]:
    for r in _rows(root / "ethos" / "Ethos_Dataset_Multi_Label.csv", ";"):
        text = r["comment"]
        yield Example(_clean(text), "en", "ethos", _hash_split(text, 0.3), {"violence": int(float(r["violence"]) >= 0.5)})


LOADERS: dict[str, Callable[[Path], Iterator[Example]]] = {
    "roettger2022": _roettger, "gahd": _gahd, "germeval2018": _germeval2018, "germeval2025": _germeval2025,
    "hateval2019": _hateval, "offenseval2020": _offenseval, "hasoc2019": _hasoc, "told-br": _toldbr, "ethos": _ethos,
}


def load_all(root: Path, only: list[str] | None = None) -> list[Example]:
    """Every example, de-duplicated by (source, text): up-sampled sets (ken20, fou18) count each text once."""
    seen: set[tuple[str, str]] = set()
    out: list[Example] = []
    for name, loader in LOADERS.items():
        if only and name not in only:
            continue
        for ex in loader(root):
            key = (ex.source, ex.text)
            if ex.text and key not in seen:
                seen.add(key)
                out.append(ex)
    return out
