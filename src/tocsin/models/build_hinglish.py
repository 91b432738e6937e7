"""`tocsin train --profile hinglish`: a character n-gram model that tells Hindi typed in Latin letters from the
Latin-script text of the other languages, for the language identifier (detect/hinglish.py).

fastText's compact model does not know romanised Hindi, and a word list (hinglish.py's word test) only catches
posts made of its function words: "Nadi par bana naya pul agle hafte khulega" has none of them. This model reads
character 2- to 5-grams (models/chargrams.py) and is trained on the training corpora only:
- Hindi: HASOC's Devanagari rows written in Latin letters as Hindi is typed online (`romanise`), and tocsin's own
  Hinglish templates;
- not Hindi: every row of the other languages that is written in Latin letters.
Its threshold is the score that at most `MAX_FALSE` of the non-Hindi dev rows reach. The identifier asks it only
when fastText is unsure (see detect/langid.py). Deterministic: fixed seed, no salted hashing.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

import numpy as np

from ..detect.hinglish import latin_words
from ..detect.romanise import romanise
from . import chargrams as cg
from . import npz_meta
from .build import decontaminate
from .data import load_all
from .templates import template_examples
from .train import TEMPLATES

MAX_FALSE = 0.0005  # share of the other languages' Latin-script dev rows allowed to pass


def rows(examples: list) -> list[tuple[str, int, str, str]]:
    """(text as the model reads it, 1 for Hindi, split, group) for every usable row; Hindi rows are HASOC's
    Devanagari ones romanised ("hindi-romanised") and the Latin-letter templates ("hindi-templates"); HASOC's own
    Latin-letter rows are left out, as many of them are English."""
    out = []
    for e in examples:
        if e.lang == "hi":
            if (latin := romanise(e.text)) != e.text:  # it had Devanagari in it
                text, group = latin, "hindi-romanised"
            elif e.source == TEMPLATES:
                text, group = e.text, "hindi-templates"
            else:
                continue
            label = 1
        else:
            text, group, label = e.text, f"other-{e.lang}", 0
        words = latin_words(text)
        if words is not None and len(words) >= 3:
            out.append((" ".join(words), label, e.split, group))
    return out


def train_hinglish(data_root: Path, out: Path, suites: Path | None = None, seed: int = 13,
                   log: Callable[[str], None] = print) -> dict:
    examples, dropped = decontaminate(load_all(data_root) + template_examples(profile="hinglish"), suites)
    data = rows(examples)
    train = [r for r in data if r[2] == "train"]
    dev = [r for r in data if r[2] == "dev"]
    y = np.array([r[1] for r in train], np.float64)
    log(f"data: {int(y.sum())} Hindi and {int(len(y) - y.sum())} other Latin-script train rows, {len(dev)} dev rows")
    texts = [r[0] for r in train]
    idf = cg.idf_from(*cg.document_frequency(texts)).astype(np.float16).astype(np.float32)  # as it is stored
    weight = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))  # both classes weigh the same
    coef, bias = cg.fit_linear(cg.featurise(texts, idf), y, weight, cg.LinearConfig(seed=seed))
    coef = coef.astype(np.float16).astype(np.float32)
    z = cg.featurise([r[0] for r in dev], idf).dot(coef) + bias
    other = np.sort(z[[r[1] == 0 for r in dev]])
    threshold = float(other[min(len(other) - 1, int(len(other) * (1 - MAX_FALSE)))])
    groups = sorted({r[3] for r in dev})
    report = {g: round(float((z[[r[3] == g for r in dev]] >= threshold).mean()), 4) for g in groups}
    meta = {"about": "romanised Hindi against other Latin-script text (tocsin train --profile hinglish)",
            "threshold": round(threshold, 4), "max_false": MAX_FALSE, "seed": seed, "decontaminated": dropped,
            "trained_at": time.strftime("%Y-%m-%d"), "dev_share_passing": report}
    log(f"threshold {threshold:.3f}; dev share passing: Hindi romanised {report.get('hindi-romanised')}, "
        f"templates {report.get('hindi-templates')}")
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, idf=idf.astype(np.float16), coef=coef.astype(np.float16), bias=np.float32(bias),
                        threshold=np.float32(threshold),
                        meta=npz_meta.encode(meta))
    out.with_suffix(".json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return meta
