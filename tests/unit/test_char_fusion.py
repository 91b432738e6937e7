"""Heads that add a character n-gram logit: choosing its weight on dev, and saving it with the heads."""
import numpy as np
import pytest

from tocsin.models import chargrams as cg
from tocsin.models.data import Example
from tocsin.models.heads import Head, HeadSet
from tocsin.models.train import calibrate, fuse_chars

from .test_chargrams import _corpus


def _dev(n, seed, char_on_templates):
    """Dev rows of two sources; the head's logit is weakly informative, the character logit strongly so, except on
    the template rows, where `char_on_templates` says whether it points the right way."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    source = np.where(np.arange(n) % 3 == 0, "tocsin-templates", "corpus")
    ex = [Example(f"t{i}", "en", s, "dev", {"hate": int(v)}) for i, (s, v) in enumerate(zip(source, y))]
    z = (2 * y - 1) * 0.5 + rng.standard_normal(n)
    sign = np.where(source == "tocsin-templates", 1 if char_on_templates else -1, 1)
    char = sign * (2 * y - 1) * 20.0 + rng.standard_normal(n)
    return z, char, ex


def test_fusion_takes_the_character_logit_when_it_helps_everywhere():
    z, char, ex = _dev(900, 3, char_on_templates=True)
    _, alone = calibrate(z, ex, "hate")
    alpha, _, report = fuse_chars(z, char, ex, "hate", alone)
    assert alpha > 0 and report["dev_macro_f1"] > alone["dev_macro_f1"] + 0.005
    assert report["without_chars"]["dev_macro_f1"] == alone["dev_macro_f1"]


def test_fusion_refuses_a_character_logit_that_breaks_the_held_out_templates():
    z, char, ex = _dev(900, 4, char_on_templates=False)
    _, alone = calibrate(z, ex, "hate")
    alpha, cal, report = fuse_chars(z, char, ex, "hate", alone)
    assert alpha == 0.0 and report["dev_macro_f1"] == alone["dev_macro_f1"]
    assert all(r["templates_dev_macro_f1"] < alone["templates_dev_macro_f1"] - 0.01
               for r in report["char_alphas_tried"].values())


def test_head_set_with_character_model_round_trips_and_needs_the_texts(tmp_path):
    texts, y = _corpus(300, 5)
    df, n = cg.document_frequency(texts)
    idf = cg.idf_from(df, n).astype(np.float16).astype(np.float32)
    coef, bias = cg.fit_linear(cg.featurise(texts, idf), y, np.ones(len(y)), cg.LinearConfig(epochs=2, batch=64))
    chars = cg.CharModel(idf, {"hate": coef.astype(np.float16).astype(np.float32)}, {"hate": bias})
    rng = np.random.default_rng(6)
    head = Head("hate", rng.normal(size=(8, 4)).astype(np.float32), np.zeros(4, np.float32),
                rng.normal(size=4).astype(np.float32), 0.1, 1.2, -0.3, 0.5, char_alpha=0.25)
    x = rng.normal(size=(300, 8)).astype(np.float32)
    hs = HeadSet("e", {"hate": head}, {"encoder_key": "use"}, chars=chars)
    before = hs.proba(x, texts)["hate"]
    hs.save(tmp_path / "h.npz")
    back = HeadSet.load(tmp_path / "h.npz")
    assert back.heads["hate"].char_alpha == 0.25
    assert np.allclose(back.proba(x, texts)["hate"], before, atol=2e-3)
    assert not np.allclose(HeadSet("e", {"hate": Head(**{**head.__dict__, "char_alpha": 0.0})}, {}).proba(x)["hate"],
                           before, atol=2e-2)
    with pytest.raises(ValueError, match="character n-grams"):
        back.proba(x)


def test_a_file_that_is_not_a_head_set_is_named_with_what_it_lacks(tmp_path):
    rng = np.random.default_rng(7)
    head = Head("hate", rng.normal(size=(8, 4)).astype(np.float32), np.zeros(4, np.float32),
                rng.normal(size=4).astype(np.float32), 0.1, 1.2, -0.3, 0.5)
    HeadSet("e", {"hate": head}, {}).save(tmp_path / "h.npz")
    with np.load(tmp_path / "h.npz") as z:  # the same set with one head's array gone
        np.savez(tmp_path / "cut.npz", **{k: z[k] for k in z.files if k != "hate.w2"})
    (tmp_path / "text.npz").write_text("not a zip archive\n")
    for name, what in (("cut.npz", "hate.w2"), ("text.npz", "")):
        with pytest.raises(ValueError, match="not a tocsin head set") as err:
            HeadSet.load(tmp_path / name)
        assert str(tmp_path / name) in str(err.value) and what in str(err.value)
    assert HeadSet.load(tmp_path / "h.npz").heads["hate"].threshold == 0.5
    with pytest.raises(FileNotFoundError):
        HeadSet.load(tmp_path / "absent.npz")
