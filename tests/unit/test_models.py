"""Training and head machinery on small synthetic data: deterministic, calibrated, round-trips through disk."""
import json
from pathlib import Path

import numpy as np
import pytest

from tocsin.detect.normalise import deobfuscate
from tocsin.models.data import Example
from tocsin.models.heads import HeadSet
from tocsin.models.train import TrainConfig, equal_source_weights, macro_f1, platt, source_weights, train_head


def _data(n, seed, source="s"):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.standard_normal((n, 16)).astype(np.float32) + y[:, None] * 0.8
    return x, [Example(f"t{i}", "en", source, "train", {"hate": int(v)}) for i, v in enumerate(y)]


@pytest.mark.parametrize("hidden", [0, 8])
def test_training_is_deterministic_and_learns(hidden):
    x, ex = _data(600, 1)
    xd, exd = _data(300, 2)
    cfg = TrainConfig(hidden=hidden, epochs=30, batch=32, lr=3e-3)
    h1, rep = train_head("hate", x, ex, xd, exd, cfg)
    h2, _ = train_head("hate", x, ex, xd, exd, cfg)
    assert np.array_equal(h1.w2, h2.w2) and h1.threshold == h2.threshold
    assert rep["dev_macro_f1"] > 0.9  # the synthetic classes are well separated


def test_heads_roundtrip_through_npz(tmp_path):
    x, ex = _data(400, 3)
    head, _ = train_head("hate", x, ex, x, ex, TrainConfig(hidden=8, epochs=2, batch=64))
    HeadSet("enc", {"hate": head}, {"encoder_key": "use"}).save(tmp_path / "h.npz")
    back = HeadSet.load(tmp_path / "h.npz")
    assert back.meta["encoder_key"] == "use" and back.heads["hate"].threshold == head.threshold
    assert np.allclose(back.heads["hate"].proba(x), head.proba(x), atol=2e-3)


def test_source_weights_balance_sources_and_classes():
    ex = [Example("a", "en", "big", "train", {"hate": i % 10 == 0}) for i in range(900)] + \
         [Example("b", "en", "small", "train", {"hate": i % 2}) for i in range(100)]
    w = source_weights(ex, "hate")
    big, small = w[:900], w[900:]
    assert np.isclose(big.sum() / small.sum(), 3.0)  # sqrt(900) / sqrt(100)
    labels = np.array([e.labels["hate"] for e in ex[:900]], bool)
    assert np.isclose(big[labels].sum(), big[~labels].sum())
    assert np.isclose(equal_source_weights(ex)[:900].sum(), equal_source_weights(ex)[900:].sum())


def test_a_source_can_take_more_rows_than_the_cap_without_moving_any_other_draw():
    from tocsin.models.build import capped

    ex = [Example(f"{s}{i}", "en", s, split, {"hate": i % 2}) for s, n in (("a", 50), ("b", 40), ("c", 30))
          for split in ("train", "dev") for i in range(n)]
    base = capped(ex, {"train": 10, "dev": 5}, 7)
    more = capped(ex, {"train": 10, "dev": 5}, 7, {("a", "train"): 25})
    assert len(base) == 10 * 3 + 5 * 3 and len(more) == len(base) + 15
    assert set(map(id, base)) <= set(map(id, more))  # the capped draw stays; only source a's train rows were added
    assert [e for e in more if (e.source, e.split) != ("a", "train")] == \
        [e for e in base if (e.source, e.split) != ("a", "train")]
    assert len(capped(ex, {"train": 10, "dev": 5}, 7, {("a", "train"): 999})) == len(base) + 40  # at most them all
    assert capped(ex, {"train": 10, "dev": 5}, 8) != base  # the seed draws


def test_macro_f1_matches_hand_count():
    y = np.array([1, 1, 0, 0])
    assert macro_f1(y, np.array([True, False, False, False]), np.ones(4)) == pytest.approx((2 / 3 + 0.8) / 2)


@pytest.mark.parametrize("raw,clean", [("I will k1ll them", "I will kill them"), ("k i l l", "kill"),
                                       ("h\u200bate", "hate"), ("I hаte", "I hate"), ("you 🐀", "you rat"),
                                       ("see you at 10pm on the 1st", "see you at 10pm on the 1st"),
                                       ("soooooo bad", "soo bad"), ("what a day!", "what a day!"),
                                       ("10000 ballots in 2000", "10000 ballots in 2000"),
                                       ("h3333llo", "heello"),
                                       ("@user h4te", "@user hate"), ("$100 for k!ll", "$100 for kill"),
                                       ("मुझे अपने घर से प्यार है", "mujhe apne ghar se pyar hai"),
                                       ("वह कल बाज़ार जा सकता था।", "vah kal bazar ja sakta tha."),
                                       ("Match रविवार को ९ बजे", "Match ravivar ko 9 baje")])
def test_deobfuscation(raw, clean):
    assert deobfuscate(raw) == clean


@pytest.mark.parametrize("raw,clean", [  # rules 3 (since 2026.12.2); written for this test
    ("Die Flüchtl1nge raus", "Die Flüchtlinge raus"), ("Żyd0wie", "Żydowie"), ("I h8 them", "I hate them"),
    ("h8ers gonna h8", "haters gonna hate"), ("c u l8r m8", "c u later mate"), ("ni99a", "nigga"),
    ("#COVID19 and #WorldCup2019", "#COVID19 and #WorldCup2019"), ("@info2099 hi", "@info2099 hi"),
    ("le 1er mai à 10h30", "le 1er mai à 10h30"), ("au 3ème étage", "au 3ème étage"), ("MP3 F1 G7", "MP3 F1 G7"),
    ("a 4x4 in 3D at 1080p", "a 4x4 in 3D at 1080p"), ("m0sl1m1 di m3rda", "moslimi di merda"), ("K9 unit", "K9 unit"),
])
def test_deobfuscation_reads_leetspeak_in_every_latin_script_and_leaves_numbers(raw, clean):
    assert deobfuscate(raw) == clean


def test_training_can_read_texts_as_the_rules_it_was_trained_with():
    assert deobfuscate("Die Flüchtl1nge #COVID19 h8", rules=1) == "Die Flüchtl1nge #COVIDi9 hb"
    assert deobfuscate("Die Flüchtl1nge #COVID19 h8", rules=2) == "Die Flüchtl1nge #COVIDi9 hb"


def test_deobfuscation_can_keep_devanagari():
    assert deobfuscate("मुझे अपने\u200b घर से प्यार है", romanise_hindi=False) == "मुझे अपने घर से प्यार है"
    assert deobfuscate("I will k1ll them", romanise_hindi=False) == "I will kill them"


def test_the_tuned_e5_also_reads_each_hindi_train_row_in_latin_letters():
    """Much Hindi online is typed in Latin letters, so the accurate profile's e5 sees each Devanagari train row twice:
    as written and romanised. Dev rows are not copied (thresholds are chosen on the data as it comes), nor are rows
    already in Latin letters."""
    from tocsin.detect.romanise import romanise
    from tocsin.models.build_tuned import with_romanised_hindi
    from tocsin.models.data import Example

    rows = [Example("तुम सब गद्दार हो", "hi", "s", "train", {"hate": 1}),
            Example("तुम बहुत अच्छे हो", "hi", "s", "dev", {"hate": 0}),
            Example("tum sab gaddar ho", "hi", "s", "train", {"hate": 1}),
            Example("you are all traitors", "en", "s", "train", {"hate": 1})]
    out = with_romanised_hindi(rows)
    assert out[:4] == rows
    assert [(e.text, e.split, e.labels, e.source) for e in out[4:]] == [
        (romanise("तुम सब गद्दार हो"), "train", {"hate": 1}, "s")]
    assert out[4].text.isascii() and out[4].text.startswith("tum")


def test_merged_seeds_give_the_mean_of_their_logits():
    from tocsin.models.heads import Head
    from tocsin.models.train import TrainConfig, fit, merge

    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 8)).astype(np.float32)
    y = (x[:, 0] + 0.3 * rng.normal(size=200) > 0).astype(np.float32)
    w = np.ones(200)
    for hidden in (4, 0):
        fits = [fit(x, y, w, TrainConfig(hidden=hidden, epochs=2, seed=s)) for s in (1, 2, 3)]
        one = [Head("hate", *f, 1.0, 0.0, 0.5).logits(x) for f in fits]
        merged = Head("hate", *merge(fits), 1.0, 0.0, 0.5).logits(x)
        assert np.allclose(merged, np.mean(one, axis=0), atol=1e-4)
        assert hidden == 0 or not np.allclose(one[0], one[1])  # networks of different seeds differ


def test_ensemble_threshold_is_chosen_on_dev_for_the_average():
    """Two heads that each see half the signal: the threshold for their mean probability is chosen on dev the
    same way a single head's is, and flagging on the mean beats either head alone."""
    from tocsin.models.build import ensemble
    from tocsin.models.train import choose_threshold

    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 1200)
    a = rng.standard_normal((1200, 8)).astype(np.float32) + y[:, None] * 0.5
    b = rng.standard_normal((1200, 8)).astype(np.float32) + y[:, None] * 0.5
    ex = [Example(f"t{i}", "en", "s", "train" if i < 800 else "dev", {"hate": int(v)}) for i, v in enumerate(y)]
    cfg = TrainConfig(hidden=0, epochs=20, batch=64, lr=3e-3)
    ha, ra = train_head("hate", a[:800], ex[:800], a[800:], ex[800:], cfg)
    hb, rb = train_head("hate", b[:800], ex[:800], b[800:], ex[800:], cfg)
    mixed = ensemble(ex, a, {"hate": ha}, HeadSet("b", {"hate": hb}, {"encoder_key": "use"}), b)["hate"]
    p = (ha.proba(a[800:]) + hb.proba(b[800:])) / 2
    assert mixed["threshold"] == choose_threshold(p, ex[800:], "hate")[0]
    assert mixed["dev_macro_f1"] > max(ra["dev_macro_f1"], rb["dev_macro_f1"])


def test_accurate_profile_flags_at_its_own_dev_thresholds():
    from tocsin.detect.trained import AccurateDetector, FastDetector

    det = AccurateDetector()
    sets = det._load()
    assert [hs.meta["encoder_key"] for hs in sets] == ["use", "e5t"]
    tuned = sets[1].meta["ensemble"]["dev"]
    assert det.thresholds() == {c: tuned[c]["threshold"] for c in det.categories}
    assert FastDetector().thresholds() == {c: sets[0].heads[c].threshold for c in det.categories}


def test_the_shipped_accurate_weights_were_trained_on_the_sample_this_tree_draws():
    """accurate.json records the sample and recipe e5 was tuned on: changing `CAP`, `MORE` or the tuning defaults
    without retraining (or shipping weights trained on another sample) fails here."""
    from dataclasses import asdict

    from tocsin.detect.trained import AccurateDetector
    from tocsin.models import build_tuned, e5_tune

    meta = AccurateDetector()._load()[1].meta
    assert meta["cap"] == build_tuned.CAP
    assert {(s, p): n for s, p, n in meta.get("cap_more", [])} == build_tuned.MORE
    # an option added since (label_smoothing) is absent from older reports: they were trained as it is when 0
    assert {"label_smoothing": 0.0, **meta["config"]} == asdict(e5_tune.TuneConfig())
    assert meta.get("dev_as_served", False) is build_tuned.DEV_AS_SERVED


class _Recording:
    """An encoder that records what it was given and says, as its one feature, whether the text is Devanagari."""

    def __init__(self, key, seen):
        self.key, self.seen = key, seen

    def encode(self, texts):
        self.seen.append((self.key, list(texts)))
        return np.array([[float(any("\u0900" <= ch <= "\u097f" for ch in t))] for t in texts], np.float32)


def _head_set(key, meta, categories=("hate",)):
    from tocsin.models.heads import Head

    heads = {c: Head(c, np.zeros((1, 0), np.float32), np.zeros(0, np.float32), np.ones(1, np.float32),
                     0.0, 4.0, -2.0, 0.5) for c in categories}
    return HeadSet(key, heads, {"encoder_key": key, **meta})


def test_each_head_set_reads_hindi_in_the_script_it_was_trained_on():
    """USE's heads read Devanagari romanised (USE was not trained on Hindi); a head set whose meta says
    `romanise_hindi: false` (the fine-tuned e5) reads it as written. Each encoder runs once per form of the text."""
    from tocsin.detect.trained import AccurateDetector

    seen: list[tuple[str, list[str]]] = []
    det = AccurateDetector()
    det._sets = [_head_set("use", {}), _head_set("e5t", {"romanise_hindi": False})]
    det._encoders = {"use": _Recording("use", seen), "e5t": _Recording("e5t", seen)}
    text = "मुझे अपने घर से प्यार है"
    p = det.scores([text])["hate"]
    assert seen == [("use", [deobfuscate(text)]), ("e5t", [deobfuscate(text, romanise_hindi=False)])]
    assert seen[0][1] == ["mujhe apne ghar se pyar hai"] and seen[1][1] == [text]
    sig = 1 / (1 + np.exp(-np.array([-2.0, 2.0])))  # USE's head saw Latin letters (0), e5's Devanagari (1)
    assert p[0] == pytest.approx(sig.mean())


def test_hindi_typed_in_latin_letters_reaches_e5_in_devanagari():
    """A head set that reads Hindi in Devanagari (e5) gets Hindi typed in Latin letters written back in Devanagari,
    for the items whose language is Hindi only; USE's heads read every text in Latin letters as before."""
    from tocsin.detect.devanagari import to_devanagari
    from tocsin.detect.trained import AccurateDetector
    from tocsin.domain.model import ContentItem

    seen: list[tuple[str, list[str]]] = []
    det = AccurateDetector()
    det._sets = [_head_set("use", {}, det.categories), _head_set("e5t", {"romanise_hindi": False}, det.categories)]
    det._encoders = {"use": _Recording("use", seen), "e5t": _Recording("e5t", seen)}
    hinglish, english = "ye log gande hain", "these people are dirty"
    det.detect([ContentItem("a", "post", hinglish, lang="hi"), ContentItem("b", "post", english, lang="en"),
                ContentItem("c", "post", hinglish, lang="en")])
    assert dict(seen) == {"use": [hinglish, english, hinglish],
                          "e5t": [to_devanagari(hinglish), english, hinglish]}
    assert dict(seen)["e5t"][0] == "ये लोग गंदे हैं"
    seen.clear()
    det.scores([hinglish])  # without languages nothing is rewritten
    assert dict(seen)["e5t"] == [hinglish]


def test_platt_stays_finite_on_widely_spread_logits():
    # an over-confident head: logits far from 0 on both sides, the classes overlapping. From a=1, b=0 almost every
    # row is saturated, and a full Newton step ran off to |a| ~ 1e7 (a head that flags nothing or everything)
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal(-7, 5, 2500), rng.normal(4, 5, 350)])
    y = np.concatenate([np.zeros(2500), np.ones(350)])
    a, b = platt(z, y, np.ones_like(y))
    assert 0.1 < a < 2 and -5 < b < 5
    p = 1 / (1 + np.exp(-(a * z + b)))
    assert abs(p.mean() - y.mean()) < 0.01  # calibrated: the mean probability is the positive rate



def test_the_romanised_hindi_model_reads_hasoc_romanised_templates_and_other_latin_text(tmp_path, monkeypatch):
    """Rows: Devanagari Hindi romanised and Latin-letter templates are Hindi, other languages' Latin-script rows are
    not, HASOC's own Latin rows (often English) and short or non-Latin rows are left out. Trained on a handful of
    the maintainers' sentences, it writes a model that tells held-out ones apart at its dev-chosen threshold."""
    from tocsin.detect.hinglish import HinglishModel
    from tocsin.models import build_hinglish
    from tocsin.models.data import Example

    hi = ["मुझे यह शहर बहुत पसंद है", "हम कल बाजार जाएंगे और सब्जी लाएंगे", "उसने मेरी बात नहीं सुनी",
          "बच्चे मैदान में खेल रहे हैं", "आज बहुत गर्मी है भाई", "तुम कब घर आओगे मुझे बताओ"]
    other = ["We will go to the market tomorrow", "The children are playing in the park", "I did not hear what he said",
             "Wir gehen morgen auf den Markt", "Los niños juegan en el parque", "Il fait très chaud aujourd'hui"]
    ex = ([Example(t, "hi", "has19_hi", "train", {"hate": 0}) for t in hi * 20]
          + [Example("Kal hum sab milkar khana banayenge", "hi", "tocsin-templates", "train", {"hate": 0})] * 20
          + [Example(t, "en", "dyn21_en", "train", {"hate": 0}) for t in other * 20]
          + [Example("kya hua bhai sab theek hai na", "hi", "has19_hi", "dev", {"hate": 0}),
             Example("The weather is nice in the hills", "en", "dyn21_en", "dev", {"hate": 0}),
             Example("yaar mujhe ghar jana hai abhi", "hi", "tocsin-templates", "dev", {"hate": 0}),
             Example("We are going home right now", "en", "dyn21_en", "dev", {"hate": 0}),
             Example("ok", "en", "dyn21_en", "dev", {"hate": 0}), Example("مرحبا بكم في المدينة", "ar", "x", "dev", {})])
    rows = build_hinglish.rows(ex)
    groups = {r[3] for r in rows}
    assert groups == {"hindi-romanised", "hindi-templates", "other-en"}
    assert all(r[0].isascii() for r in rows) and ("kya hua bhai sab theek hai na" not in {r[0] for r in rows})
    monkeypatch.setattr(build_hinglish, "load_all", lambda root: ex)
    monkeypatch.setattr(build_hinglish, "template_examples", lambda **_: [])
    meta = build_hinglish.train_hinglish(tmp_path, tmp_path / "hinglish.npz", log=lambda m: None)
    model = HinglishModel(tmp_path / "hinglish.npz")
    assert model.threshold == pytest.approx(meta["threshold"], abs=1e-3)
    assert model.score("yaar mujhe ghar jana hai abhi".split()) > model.score("we are going home right now".split())


PAIR_TEXTS = [  # written for this test: (text, hateful, violent, harassing, profane)
    ("Immigrants are vermin and should be driven out.", 1, 0, 1, 0), ("Let's burn their mosque down tonight.", 1, 1, 1, 0),
    ("The library opens at nine on Sundays.", 0, 0, 0, 0), ("You are a fucking idiot.", 0, 0, 1, 1),
    ("Grab your rifles, we march on the courthouse at dawn.", 0, 1, 0, 0), ("What a shitty day.", 0, 0, 0, 1),
    ("Die Flüchtlinge sind Ungeziefer.", 1, 0, 1, 0), ("Heute regnet es in Berlin.", 0, 0, 0, 0),
    ("Los judíos deberían desaparecer.", 1, 1, 1, 0), ("Mañana vamos a la playa con los niños.", 0, 0, 0, 0),
    ("Je vais te tuer, sale con.", 0, 1, 1, 1), ("Le marché est ouvert le samedi.", 0, 0, 0, 0),
]


def test_pairing_keeps_e5_and_chooses_thresholds_as_the_detector_scores(tmp_path, monkeypatch):
    """`tocsin train --profile accurate --pair-only`: e5's layers and heads are kept byte for byte, and each
    threshold is the one chosen on the dev rows for the mean probability the accurate detector serves."""
    from tocsin.detect import trained
    from tocsin.models import build_tuned
    from tocsin.models.train import choose_threshold

    cats = ("hate", "violence", "harassment", "profanity")
    rows = [Example(t, "en", src, split, dict(zip(cats, labels))) for src in ("s1", "s2") for split in ("train", "dev")
            for t, *labels in PAIR_TEXTS]
    monkeypatch.setattr(build_tuned, "load_all", lambda root: rows)
    monkeypatch.setattr(build_tuned, "template_examples", lambda **_: [])
    shipped = trained.weights_path("accurate")
    partner = HeadSet.load(trained.weights_path("fast"))
    meta = build_tuned.pair_accurate(tmp_path, tmp_path / "out", partner, shipped, log=lambda m: None)

    out = tmp_path / "out"
    assert (out / "e5t.npz").read_bytes() == (shipped.parent / "e5t.npz").read_bytes()
    old, new = HeadSet.load(shipped), HeadSet.load(out / "accurate.npz")
    for c in cats:
        assert np.array_equal(old.heads[c].w2, new.heads[c].w2) and old.heads[c].platt_a == new.heads[c].platt_a
    dev = [e for e in rows if e.split == "dev"]
    served = trained.AccurateDetector().scores([e.text for e in dev], [e.lang for e in dev])
    for c in cats:
        assert new.meta["ensemble"]["dev"][c]["threshold"] == choose_threshold(served[c], dev, c)[0]
    assert new.meta["ensemble"] == meta["ensemble"] and "paired_at" in meta["ensemble"]
    assert json.loads((out / "accurate.json").read_text())["ensemble"] == meta["ensemble"]


def test_an_accurate_run_folder_gets_the_fast_heads_it_was_paired_with(tmp_path, monkeypatch):
    """`tocsin train --profile accurate --pair-only --out DIR` (and `--tuned`) pair with DIR/fast.npz if there,
    else with the shipped heads, which then land in DIR: the folder is a whole run for `tocsin screen`. Heads
    already there are kept as they are."""
    from tocsin.adapters.cli.main import main
    from tocsin.detect import trained
    from tocsin.models import build_tuned

    cats = ("hate", "violence", "harassment", "profanity")
    rows = [Example(t, "en", "s1", split, dict(zip(cats, labels))) for split in ("train", "dev")
            for t, *labels in PAIR_TEXTS]
    monkeypatch.setattr(build_tuned, "load_all", lambda root: rows)
    monkeypatch.setattr(build_tuned, "template_examples", lambda **_: [])
    shipped = trained.weights_path("accurate").parent
    run = tmp_path / "run"
    run.mkdir()
    for f in ("accurate.npz", "e5t.npz"):
        (run / f).write_bytes((shipped / f).read_bytes())
    args = ["train", "--profile", "accurate", "--pair-only", "--data", str(tmp_path), "--out", str(run),
            "--decontaminate", ""]
    assert main(args) == 0
    assert (run / "fast.npz").read_bytes() == (shipped / "fast.npz").read_bytes()
    assert not list(run.glob("*.part"))
    own = HeadSet.load(shipped / "fast.npz")
    assert HeadSet.load(run / "accurate.npz").meta["ensemble"]["partner_trained_at"] == own.meta["trained_at"]
    own.heads["hate"].platt_b += 1.0  # another fast head set: pairing must use it and leave it alone
    own.meta["trained_at"] = "2000-01-01T00:00:00+00:00"
    own.save(run / "fast.npz")
    before = (run / "fast.npz").read_bytes()
    assert main(args) == 0
    assert (run / "fast.npz").read_bytes() == before
    assert HeadSet.load(run / "accurate.npz").meta["ensemble"]["partner_trained_at"] == "2000-01-01T00:00:00+00:00"


def test_accurate_dev_rows_reach_e5_as_served_and_train_rows_as_trained(monkeypatch):
    """The dev rows that calibrate e5 and choose the ensemble thresholds are read as the detector serves them
    (Hindi in Latin letters written back in Devanagari, `trained.served_texts`); training rows as trained."""
    from tocsin.detect import trained
    from tocsin.models import build_tuned

    text = "ye log bahut kharab hain, inko bhagao"
    rows = [Example(text, "hi", "s1", split, {"hate": 1}) for split in ("train", "dev")]
    rows += [Example("These people are awful.", "en", "s1", "dev", {"hate": 1})]
    monkeypatch.setattr(build_tuned, "load_all", lambda root: rows)
    monkeypatch.setattr(build_tuned, "template_examples", lambda **_: [])
    examples, texts, _ = build_tuned.accurate_sample(Path("."), None, 13, lambda m: None)
    form = dict(zip(((e.split, e.lang) for e in examples), texts))
    served = trained.served_texts([text, "These people are awful."], ["hi", "en"], romanise_hindi=False)
    assert form[("dev", "hi")] == served[0] != form[("train", "hi")]  # written back in Devanagari, as served
    assert any("\u0900" <= ch <= "\u097f" for ch in form[("dev", "hi")])
    assert form[("dev", "en")] == served[1]
    monkeypatch.setattr(build_tuned, "DEV_AS_SERVED", False)
    _, before, _ = build_tuned.accurate_sample(Path("."), None, 13, lambda m: None)
    hindi_dev = next(i for i, e in enumerate(examples) if (e.split, e.lang) == ("dev", "hi"))
    assert before[hindi_dev] == form[("train", "hi")]


def test_difference_interval_is_paired_per_source_and_can_tell_a_real_gain():
    from tocsin.models.train import difference_interval

    rng = np.random.default_rng(3)
    ex = [Example(f"t{i}", "en", "s1" if i < 600 else "s2", "dev", {"hate": int(rng.integers(0, 2))})
          for i in range(800)]
    y = np.array([e.labels["hate"] for e in ex], bool)
    noisy = np.where(rng.random(800) < 0.35, ~y, y)  # 65 % right
    better = np.where(rng.random(800) < 0.15, ~y, y)  # 85 % right
    same = difference_interval(ex, "hate", noisy, noisy, draws=200)
    assert same == {"difference": 0.0, "low": 0.0, "high": 0.0}
    gain = difference_interval(ex, "hate", noisy, better, draws=200)
    assert 0 < gain["low"] < gain["difference"] < gain["high"]
    w = equal_source_weights(ex)
    assert gain["difference"] == round(macro_f1(y, better, w) - macro_f1(y, noisy, w), 4)
    assert difference_interval(ex, "hate", noisy, better, draws=200) == gain  # fixed seed
    few = difference_interval(ex[:60], "hate", noisy[:60], better[:60], draws=200)
    assert few["high"] - few["low"] > gain["high"] - gain["low"]  # fewer rows, wider interval
