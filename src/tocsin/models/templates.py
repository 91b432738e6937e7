"""Expand the maintainers' own templates (templates.yaml) into labelled training examples.

They cover what the public corpora under-cover: explicit derogation and dehumanisation of protected groups,
threats against them (hate and violence), calls to arms with no group named (violence only), and the contrasts
a model must not flag as hate: positive and neutral mentions of identity, negated hate, counter-speech that
quotes hate to denounce it, news that reports violence, abuse of objects and of non-protected groups.
None is taken or adapted from an evaluation suite.
"""
from __future__ import annotations

import hashlib
import random
from importlib import resources

import yaml

from .data import Example

# A block may name the training profiles that read it (`profiles: [fast]`); without that, all of them do. A block
# for the fast heads alone can then land without an hour of e5 fine-tuning (`tocsin train --pair-only`), and the next
# e5 retrain decides whether it reads the block too.
# In the order `tocsin train --profile all` trains them (the accurate thresholds belong to the fast heads).
PROFILES = ("fast", "accurate", "hinglish")
LABELS = {"H": {"hate": 1, "violence": 0}, "HV": {"hate": 1, "violence": 1}, "V": {"hate": 0, "violence": 1},
          "-": {"hate": 0, "violence": 0, "harassment": 0}, "R": {"hate": 0, "harassment": 1}}


def _split(key: str) -> str:
    return "dev" if int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:4], 16) % 5 == 0 else "train"


def load_templates() -> dict:
    return yaml.safe_load(resources.files("tocsin.models").joinpath("templates.yaml").read_text("utf-8"))


def misspell(text: str, rng: random.Random) -> str:
    """One typo of the kinds people use to slip past filters: swapped, dropped or doubled letters, a space inside
    or missing between words. Applied to a word of four or more letters."""
    words = text.split(" ")
    long = [i for i, w in enumerate(words) if sum(ch.isalpha() for ch in w) >= 4]
    if not long:
        return text
    i = rng.choice(long)
    w = words[i]
    k = rng.randrange(1, len(w) - 2)
    kind = rng.randrange(5)
    if kind == 0:
        w = w[:k] + w[k + 1] + w[k] + w[k + 2:]
    elif kind == 1:
        w = w[:k] + w[k + 1:]
    elif kind == 2:
        w = w[:k] + w[k] + w[k:]
    elif kind == 3:
        w = w[:k] + " " + w[k:]
    elif i + 1 < len(words):
        words[i:i + 2] = [w + words[i + 1]]
        return " ".join(words)
    words[i] = w
    return " ".join(words)


def _targets(block: str, spec: dict, tmpl: str) -> list[dict]:
    """The group each fill names: `{g}` (and `{go}`, the same group's oblique form where a language declines it,
    as Hindi and Arabic do after a postposition or preposition), else `{n}`, else none."""
    if "{n}" in tmpl and ("{g}" in tmpl or "{go}" in tmpl):
        raise ValueError(f"templates.yaml, block {block!r}: template {tmpl!r} names both a protected group and a "
                         "non-protected one ({n}); a template targets one of them")
    if "{go}" in tmpl:
        g, go = spec.get("g") or [], spec.get("go") or []
        if len(go) != len(g) or not g:
            raise ValueError(f"templates.yaml, block {block!r}: a template uses {{go}}, so the block needs a 'go' list "
                             f"as long as 'g' ({len(g)} entries), one oblique form per group; it has {len(go)}")
        return [{"g": a, "go": b} for a, b in zip(g, go)]
    if "{g}" in tmpl:
        return [{"g": a} for a in spec["g"]]
    if "{n}" in tmpl:
        return [{"n": a} for a in spec["n"]]
    return [{}]


def _profiles(block: str, spec: dict) -> set[str] | None:
    """The training profiles that read a block (`profiles: [fast]`), or None for all of them."""
    wanted = spec.get("profiles")
    if wanted is None:
        return None
    if not isinstance(wanted, list) or not wanted or not set(wanted) <= set(PROFILES):
        raise ValueError(f"templates.yaml, block {block!r}: 'profiles' must be a non-empty list of "
                         f"{', '.join(sorted(PROFILES))}; it is {wanted!r}")
    return set(wanted)


def _block_split(block: str, spec: dict) -> str | None:
    """The split every row of a block goes to (`split: train`), or None for the usual split by template. A block
    wholly in train adds rows without adding dev rows, so the dev rows that choose n-gram weights and thresholds
    stay those of the blocks before it: how a new block is judged on its own (MODEL_CARD, sessions 23 and 24)."""
    split = spec.get("split")
    if split is not None and split not in ("train", "dev"):
        raise ValueError(f"templates.yaml, block {block!r}: 'split' must be train or dev; it is {split!r}")
    return split


def template_examples(seed: int = 7, fills_per_group: int = 2, typo_share: float = 0.3,
                      profile: str | None = None) -> list[Example]:
    """Every block's examples, or with `profile` only those of the blocks that profile reads. The fills are drawn
    the same way whichever profile asks, so a block read by several profiles gives each of them the same rows."""
    rng = random.Random(seed)  # one stream for all blocks, so adding a template re-draws later blocks' fills
    out: list[Example] = []
    seen: set[str] = set()
    for block, spec in load_templates().items():
        lang = spec.get("lang", block)
        wanted = _profiles(block, spec)
        whole = _block_split(block, spec)
        kept = profile is None or wanted is None or profile in wanted
        for kind, templates in spec.items():
            if kind not in LABELS:
                continue
            for tmpl in templates:
                split = whole or _split(f"{block}\x00{kind}\x00{tmpl}")
                targets = _targets(block, spec, tmpl)
                slots = [k for k, v in spec.items()
                         if isinstance(v, list) and k not in ("g", "go", "n") and f"{{{k}}}" in tmpl]
                fills = fills_per_group if slots and targets != [{}] else 6 if slots else 1
                for target in targets:
                    for _ in range(fills):
                        text = tmpl.format(**target, **{k: rng.choice(spec[k]) for k in slots})
                        text = text[0].upper() + text[1:]
                        if text in seen:
                            continue
                        seen.add(text)
                        if kept:
                            out.append(Example(text, lang, "tocsin-templates", split, dict(LABELS[kind])))
                        if rng.random() < typo_share:
                            noisy = misspell(text, rng)
                            if noisy not in seen:
                                seen.add(noisy)
                                if kept:
                                    out.append(Example(noisy, lang, "tocsin-templates", split, dict(LABELS[kind])))
    return out
