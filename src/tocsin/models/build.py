"""`tocsin train`: reproduce the shipped weights from ../shared/data/train (fixed seeds, no downloads)."""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Callable

import numpy as np

from ..detect.normalise import deobfuscate
from .data import Example, load_all
from .encoders import ENCODERS
from .evaluate import read_suite
from .heads import Head, HeadSet, shift
from .chargrams import CharModel, LinearConfig, document_frequency, featurise, fit_linear, idf_from
from .templates import template_examples
from .train import TEMPLATES, TrainConfig, choose_threshold, language_shifts, source_weights, train_head

CATEGORIES = ("hate", "violence", "harassment", "profanity")
# The de-obfuscation rules training reads texts with (detect/normalise.py `RULES`); the detectors serve the latest.
# The shipped weights (those of fast 2026.11.7 and accurate 2026.11.9) were trained with rules 1: rules 2 (mojibake
# mended) change 3 of the ~235,000 training texts, rules 3 (leetspeak) 6,551, mostly hashtags and handles with numbers
# that rules 1 mangled ("#COVIDi9"). It stays at 1 so that `tocsin train` still reproduces those weights; raise it
# with the next model version.
TRAINED_RULES = 1


def cached_array(cache_dir: Path | None, stem: str, key: bytes, compute: Callable[[], np.ndarray]) -> np.ndarray:
    """`compute()`, kept in `cache_dir` (outside the repository) as `{stem}-{digest of key}.npy` and read from there
    next time; without a cache folder, computed every time. The key must hold everything the array depends on."""
    path = cache_dir / f"{stem}-{hashlib.sha256(key).hexdigest()[:16]}.npy" if cache_dir else None
    if path and path.exists():
        return np.load(path)
    out = compute()
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, out)
    return out


def embed(examples: list[Example], encoder_key: str, cache_dir: Path | None, log: Callable[[str], None]) -> np.ndarray:
    """Embeddings of the de-obfuscated texts. Cached per source under a hash of those texts (outside the
    repository), so changing one source, or the de-obfuscation of some of its texts, re-embeds only that source.
    A key "use+e5" gives those encoders' vectors side by side."""
    if "+" in encoder_key:
        return np.hstack([embed(examples, k, cache_dir, log) for k in encoder_key.split("+")])
    enc = ENCODERS[encoder_key]()
    out = np.zeros((len(examples), enc.dim), np.float32)
    by_source: dict[str, list[int]] = {}
    for i, e in enumerate(examples):
        by_source.setdefault(e.source, []).append(i)
    t0 = time.monotonic()
    for source, idx in sorted(by_source.items()):
        texts = [deobfuscate(examples[i].text, rules=TRAINED_RULES) for i in idx]

        def encode(texts: list[str] = texts, source: str = source) -> np.ndarray:
            x = np.concatenate([enc.encode(texts[k:k + 4000]) for k in range(0, len(texts), 4000)])
            log(f"embeddings: {source} ({len(texts)} texts) done at {time.monotonic() - t0:.0f}s")
            return x

        out[idx] = cached_array(cache_dir, f"{encoder_key}-{source}",
                                ("\x00".join(texts) + encoder_key).encode("utf-8"), encode)
    return out


def _key(text: str) -> str:
    return " ".join(text.lower().split()).strip(" .!?")


def decontaminate(examples: list[Example], suites: Path | None) -> tuple[list[Example], int]:
    """Drop every training example whose text equals a case of an evaluation suite (any source: a public corpus
    or a template can coincide with a short test sentence), so that measured quality is on unseen text."""
    if suites is None or not suites.is_dir():
        return examples, 0
    banned = {_key(c.text) for f in sorted(suites.glob("*.csv")) for c in read_suite(f)}
    kept = [e for e in examples if _key(e.text) not in banned]
    return kept, len(examples) - len(kept)


def capped(examples: list[Example], cap: dict[str, int], seed: int,
           more: dict[tuple[str, str], int] | None = None) -> list[Example]:
    """At most cap[split] examples per source and split, drawn with a fixed seed (the templates are kept whole):
    for an encoder too slow to embed every corpus, every source still has its say. `more` raises the cap of a
    (source, split) to its own value: the rows drawn without it stay and the rest are drawn from a stream of their
    own, so every other source's draw is unchanged and the sample only grows."""
    rng = np.random.default_rng(seed)
    groups: dict[tuple[str, str], list[int]] = {}
    for i, e in enumerate(examples):
        groups.setdefault((e.source, e.split), []).append(i)
    keep: list[int] = []
    for (source, split), idx in sorted(groups.items()):
        n = cap.get(split)
        if source == "tocsin-templates" or n is None or len(idx) <= n:
            keep.extend(idx)
            continue
        drawn = rng.choice(idx, size=n, replace=False).tolist()
        wanted = min((more or {}).get((source, split), n), len(idx))
        if wanted > n:
            rest = sorted(set(idx) - set(drawn))
            extra = np.random.default_rng([seed, len(idx), n]).choice(rest, size=wanted - n, replace=False)
            drawn += extra.tolist()
        keep.extend(sorted(drawn))
    return [examples[i] for i in sorted(keep)]


def train_chars(examples: list[Example], cfg: TrainConfig) -> tuple[CharModel, dict[str, np.ndarray]]:
    """The character n-gram model over the de-obfuscated texts: inverse document frequencies from the train rows,
    and per category a logistic regression on its train rows with the heads' source weights. Returns the model,
    rounded as it is saved (half precision), and each category's logits for every example."""
    texts = [deobfuscate(e.text, rules=TRAINED_RULES) for e in examples]
    train = [i for i, e in enumerate(examples) if e.split == "train"]
    df, n = document_frequency([texts[i] for i in train])
    model = CharModel(idf_from(df, n).astype(np.float16).astype(np.float32))
    x = featurise(texts, model.idf)
    logits = {}
    for c in CATEGORIES:
        tr = np.array([i for i in train if c in examples[i].labels])
        rows = [examples[i] for i in tr]
        y = np.array([e.labels[c] for e in rows], dtype=np.float64)
        coef, model.bias[c] = fit_linear(x.take(tr), y, source_weights(rows, c, {TEMPLATES: cfg.template_boost}),
                                         LinearConfig(seed=cfg.seed))
        model.coef[c] = coef.astype(np.float16).astype(np.float32)
        logits[c] = x.dot(model.coef[c]) + model.bias[c]
    return model, logits


def ensemble(examples: list[Example], x: np.ndarray, heads: dict[str, Head], partner: HeadSet,
             partner_x: np.ndarray) -> dict[str, dict]:
    """Per category, the threshold for the mean probability of these heads (over `x`) and a partner head set (the
    `fast` heads, over their own encoder's vectors `partner_x` of the same examples), chosen on the dev rows as a
    single head's is: the `accurate` profile flags on that mean."""
    dev = np.array([e.split == "dev" for e in examples])
    texts = ([deobfuscate(e.text, rules=TRAINED_RULES) for e, d in zip(examples, dev) if d]
             if partner.chars is not None else None)
    langs = [e.lang for e, d in zip(examples, dev) if d]
    theirs = partner.proba(partner_x[dev], texts, langs)  # every category at once, over every dev row
    at = np.cumsum(dev) - 1  # an example's row in `theirs`
    out = {}
    for c, head in heads.items():
        dv = [i for i, e in enumerate(examples) if c in e.labels and e.split == "dev"]
        p = (head.proba(x[dv]) + theirs[c][at[dv]]) / 2
        _, out[c] = choose_threshold(p, [examples[i] for i in dv], c)
    return out


def train_profile(data_root: Path, encoder_key: str, out: Path, cache_dir: Path | None = None,
                  cfg: TrainConfig = TrainConfig(), log: Callable[[str], None] = print,
                  suites: Path | None = None) -> dict:
    """Heads over one encoder's vectors (the `fast` profile: USE, with character n-grams), trained on every row."""
    examples: list[Example] = load_all(data_root) + template_examples(profile="fast")
    examples, dropped = decontaminate(examples, suites)
    log(f"data: {len(examples)} examples from {data_root} and the maintainers' templates; "
        f"{dropped} dropped for equalling an evaluation case in {suites}")
    x = embed(examples, encoder_key, cache_dir, log)
    shifts = language_shifts(examples, x) if cfg.centre else None
    if shifts:
        x = shift(x, [e.lang for e in examples], shifts)
        norms = ", ".join(f"{lang} {np.linalg.norm(v):.2f}" for lang, v in shifts.items())
        log(f"language shifts (norms): {norms}")
    chars, char_logits = train_chars(examples, cfg) if cfg.chars else (None, {})
    heads: dict[str, Head] = {}
    report: dict[str, dict] = {}
    for c in CATEGORIES:
        tr = [i for i, e in enumerate(examples) if c in e.labels and e.split == "train"]
        dv = [i for i, e in enumerate(examples) if c in e.labels and e.split == "dev"]
        head, rep = train_head(c, x[tr], [examples[i] for i in tr], x[dv], [examples[i] for i in dv], cfg,
                               char_logits[c][dv] if chars is not None else None)
        heads[c], report[c] = head, rep
        log(f"{c}: dev macro-F1 {rep['dev_macro_f1']} at threshold {rep['threshold']} ({rep['train_rows']} train rows)"
            + (f"; character n-grams weighted {rep['char_alpha']} (without them: dev "
               f"{float(rep['without_chars']['dev_macro_f1']):.3f})" if chars else ""))
    name = "+".join(ENCODERS[k].name for k in encoder_key.split("+"))
    meta = {"encoder_key": encoder_key, "config": cfg.__dict__, "trained_at": time.strftime("%Y-%m-%d"),
            "decontaminated": dropped, "sources": sorted({e.source for e in examples}), "dev": report}
    HeadSet(name, heads, meta, chars=chars, shifts=shifts).save(out)
    (out.with_suffix(".json")).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return meta
