"""Language shifts (`train.language_shifts`, `HeadSet.shifted`): templates of two languages that an encoder places
apart are moved into one frame; vectors of other languages, or of no known language, are read as they are."""
import numpy as np
import pytest

from tocsin.models.data import Example
from tocsin.models.heads import HeadSet
from tocsin.models.train import TEMPLATES, TrainConfig, language_shifts, train_head


def _parallel(offsets, n=200, seed=0):
    """The same sentences in each language: shared content vectors, plus that language's offset."""
    rng = np.random.default_rng(seed)
    content = rng.standard_normal((n, 8)).astype(np.float32)
    y = (content[:, 0] > 0).astype(int)
    xs, ex = [], []
    for lang, off in offsets.items():
        xs.append(content + off)
        ex += [Example(f"{lang}{i}", lang, TEMPLATES, "train", {"hate": int(v)}) for i, v in enumerate(y)]
    return np.vstack(xs).astype(np.float32), ex


def test_shifts_bring_parallel_templates_together():
    off = {"en": np.zeros(8, np.float32), "nl": np.full(8, 0.5, np.float32)}
    x, ex = _parallel(off)
    shifts = language_shifts(ex, x)
    assert sorted(shifts) == ["en", "nl"]
    assert np.allclose(shifts["en"], 0.25) and np.allclose(shifts["nl"], -0.25)  # half-way to the common centre
    moved = HeadSet("e", {}, {}, shifts=shifts).shifted(x, [e.lang for e in ex])
    assert np.allclose(moved[:200], moved[200:], atol=1e-6)
    assert not np.allclose(x[:200], x[200:])


def test_only_template_rows_set_a_centre_and_classes_weigh_half_each():
    x, ex = _parallel({"en": np.zeros(8, np.float32)})
    corpus = [Example("c", "de", "corpus", "train", {"hate": 1})]
    shifts = language_shifts(ex + corpus, np.vstack([x, np.full((1, 8), 9.0, np.float32)]))
    assert sorted(shifts) == ["en"] and np.allclose(shifts["en"], 0)  # one language: it is the frame
    # French: 10 hateful rows at +1, 90 others at -1; its centre is 0 (half each), not the row mean -0.8
    ex2 = [Example(str(i), "fr", TEMPLATES, "train", {"hate": int(i < 10)}) for i in range(100)]
    x2 = np.where(np.arange(100)[:, None] < 10, 1.0, -1.0) * np.ones((1, 8))
    both = language_shifts(ex + ex2, np.vstack([x, x2]).astype(np.float32))
    y = np.array([e.labels["hate"] for e in ex], bool)
    en_centre = 0.5 * (x[y].mean(0) + x[~y].mean(0))
    assert np.allclose(both["fr"] - both["en"], en_centre, atol=1e-5)  # French centre 0


def test_unknown_languages_are_read_as_they_are_and_shifts_survive_saving(tmp_path):
    off = {"en": np.zeros(8, np.float32), "nl": np.full(8, 2.0, np.float32)}
    x, ex = _parallel(off, seed=1)
    shifts = language_shifts(ex, x)
    moved = HeadSet("e", {}, {}, shifts=shifts).shifted(x, [e.lang for e in ex])
    head, _ = train_head("hate", moved, ex, moved, ex, TrainConfig(hidden=8, epochs=3, batch=64))
    hs = HeadSet("e", {"hate": head}, {"encoder_key": "use"}, shifts=shifts)
    hs.save(tmp_path / "h.npz")
    back = HeadSet.load(tmp_path / "h.npz")
    assert sorted(back.shifts) == ["en", "nl"] and np.array_equal(back.shifts["nl"], shifts["nl"])
    langs = [e.lang for e in ex]
    assert np.allclose(back.proba(x, langs=langs)["hate"], head.proba(moved), atol=2e-3)
    # Dutch read as an unknown language (or with no languages given) is not moved: the heads see its offset
    unknown = ["und"] * len(ex)
    assert np.allclose(back.proba(x, langs=unknown)["hate"], back.proba(x)["hate"])
    assert not np.allclose(back.proba(x[200:], langs=unknown[200:])["hate"],
                           back.proba(x[200:], langs=langs[200:])["hate"], atol=1e-2)
    with pytest.raises(ValueError, match="3 languages for 400 vectors"):
        back.proba(x, langs=["en"] * 3)


def test_a_head_set_without_shifts_saves_none():
    x, ex = _parallel({"en": np.zeros(8, np.float32)})
    head, _ = train_head("hate", x, ex, x, ex, TrainConfig(hidden=0, epochs=2, batch=64))
    hs = HeadSet("e", {"hate": head}, {"encoder_key": "use"})
    assert hs.shifted(x, ["en"] * len(x)) is x


def test_pairing_reads_the_fast_heads_with_their_shifts():
    """`build.ensemble` (what --pair-only runs) scores the partner's dev rows in their own languages."""
    from dataclasses import replace

    from tocsin.models.build import ensemble
    from tocsin.models.train import choose_threshold

    off = {"en": np.zeros(8, np.float32), "nl": np.full(8, 1.5, np.float32)}
    x, ex = _parallel(off, n=300, seed=2)
    ex = [replace(e, split="dev" if i % 3 == 0 else "train") for i, e in enumerate(ex)]
    shifts = language_shifts(ex, x)
    langs = [e.lang for e in ex]
    moved = HeadSet("e", {}, {}, shifts=shifts).shifted(x, langs)
    cfg = TrainConfig(hidden=0, epochs=10, batch=64, lr=3e-3)
    tr = [i for i, e in enumerate(ex) if e.split == "train"]
    dv = [i for i, e in enumerate(ex) if e.split == "dev"]
    fast, _ = train_head("hate", moved[tr], [ex[i] for i in tr], moved[dv], [ex[i] for i in dv], cfg)
    mine, _ = train_head("hate", x[tr], [ex[i] for i in tr], x[dv], [ex[i] for i in dv], cfg)
    partner = HeadSet("use", {"hate": fast}, {"encoder_key": "use"}, shifts=shifts)
    got = ensemble(ex, x, {"hate": mine}, partner, x)["hate"]
    p = (mine.proba(x[dv]) + partner.proba(x[dv], langs=[langs[i] for i in dv])["hate"]) / 2
    want = choose_threshold(p, [ex[i] for i in dv], "hate")[1]
    assert got == want
    unshifted = (mine.proba(x[dv]) + partner.proba(x[dv])["hate"]) / 2
    assert not np.allclose(unshifted, p)


def test_the_detector_moves_each_item_by_its_own_language():
    """Served posts are moved by the shift of the language recorded on the item; an item of another language, or
    scored without languages, is read as it is."""
    from tocsin.detect.trained import FastDetector
    from tocsin.domain.model import ContentItem
    from tocsin.models.heads import Head

    class One:  # every text encodes to the same vector
        def encode(self, texts):
            return np.zeros((len(texts), 1), np.float32)

    det = FastDetector()
    heads = {c: Head(c, np.zeros((1, 0), np.float32), np.zeros(0, np.float32), np.ones(1, np.float32), 0.0, 1.0, 0.0,
                     0.5) for c in det.categories}
    det._sets = [HeadSet("use", heads, {"encoder_key": "use"}, shifts={"nl": np.full(1, 2.0, np.float32)})]
    det._encoders = {"use": One()}
    items = [ContentItem("a", "post", "x", lang="nl"), ContentItem("b", "post", "x", lang="de"),
             ContentItem("c", "post", "x", lang=None)]
    signals = det.detect(items)
    hate = [next(s.score for s in sig if s.category == "hate") for sig in signals]
    assert hate[0] == pytest.approx(1 / (1 + np.exp(-2.0)), abs=1e-4)  # moved by +2 along the head
    assert hate[1:] == [0.5, 0.5]
    assert det.scores(["x"])["hate"][0] == pytest.approx(0.5)
