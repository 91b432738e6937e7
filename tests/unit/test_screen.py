"""`tocsin screen`: the suite scores it computes are `tocsin eval`'s, runs pair by position, and a change to a
fast head set shows where it should and nowhere else."""
from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pytest

from tocsin.adapters.cli.main import main
from tocsin.detect import trained
from tocsin.models import build_tuned
from tocsin.models.data import Example
from tocsin.models.evaluate import read_suite
from tocsin.models.heads import HeadSet
from tocsin.models.screen import Screen, compare, report_lines, roc_auc

CATS = ("hate", "violence", "harassment", "profanity")
ROWS = [  # written for this test: (text, hateful, violent, harassing, profane)
    ("Immigrants are vermin and should be driven out.", 1, 0, 1, 0),
    ("Let's burn their mosque down tonight.", 1, 1, 1, 0),
    ("The library opens at nine on Sundays.", 0, 0, 0, 0), ("You are a fucking idiot.", 0, 0, 1, 1),
    ("Grab your rifles, we march on the courthouse at dawn.", 0, 1, 0, 0), ("What a shitty day.", 0, 0, 0, 1),
    ("Die Flüchtlinge sind Ungeziefer.", 1, 0, 1, 0), ("Heute regnet es in Berlin.", 0, 0, 0, 0),
]
CASES = [  # (lang, functionality, text, label), written for this test
    ("en", "derog_h", "Refugees are a plague on this town.", "hateful"),
    ("en", "derog_h", "I can't stand gay people, they are filth.", "hateful"),
    ("en", "ident_nh", "My neighbours are refugees and they are lovely.", "non-hateful"),
    ("en", "ident_nh", "The bakery sells bread until noon.", "non-hateful"),
    ("de", "derog_h", "Ausländer sind Abschaum und gehören raus.", "hateful"),
    ("de", "ident_nh", "Ausländer sind unsere Nachbarn.", "non-hateful"),
    ("en", "threat_dir_h", "I am going to shoot every refugee in this town.", "hateful"),
    ("de", "threat_dir_h", "Wir werden jeden Ausländer hier abschlachten.", "hateful"),
]


@pytest.fixture()
def setup(tmp_path, monkeypatch):
    rows = [Example(t, "en", src, split, dict(zip(CATS, labels))) for src in ("s1", "s2") for split in ("train", "dev")
            for t, *labels in ROWS]
    monkeypatch.setattr(build_tuned, "load_all", lambda root: rows)
    monkeypatch.setattr(build_tuned, "template_examples", lambda **_: [])
    suite = tmp_path / "suites" / "tiny_xx.csv"
    suite.parent.mkdir()
    with suite.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["lang", "functionality", "text", "label"])
        w.writerows(CASES)
    runs = {}
    for name in ("base", "same", "strict"):
        runs[name] = tmp_path / name
        runs[name].mkdir()
        for f in ("fast.npz", "accurate.npz", "e5t.npz"):
            shutil.copy(trained.weights_path(f[:-4]), runs[name] / f)
    strict = HeadSet.load(runs["strict"] / "fast.npz")
    strict.heads["hate"].threshold = 0.99  # the fast profile alone flags nothing now; the accurate pairing is as it was
    strict.save(runs["strict"] / "fast.npz")
    return tmp_path, suite, runs


def test_screen_scores_suites_as_the_detectors_do_and_shows_only_what_changed(setup):
    tmp_path, suite, runs = setup
    cases = read_suite(suite)
    scr = Screen(cases, tmp_path, suite.parent, tmp_path / "cache", log=lambda m: None)
    base, same, strict = (scr.score(runs[n]) for n in ("base", "same", "strict"))

    fast, accurate = trained.FastDetector(), trained.AccurateDetector()
    texts, langs = [c.text for c in cases], [c.lang for c in cases]
    for det, profile in ((fast, "fast"), (accurate, "accurate")):
        p = np.round(det.scores(texts, langs)["hate"], 4) >= det.thresholds()["hate"]
        hits = sum(bool(f) == c.hateful for f, c in zip(p, cases))
        assert base.suites["tiny_xx"][profile]["acc"] == pytest.approx(hits / len(cases))

    result = compare(scr, [base], [same])
    for c in CATS:
        assert result["dev"][c]["difference"] == 0 and result["dev"][c]["intervals"][0]["low"] == 0
    assert result["suites"]["fast"]["mean"]["base"] == result["suites"]["fast"]["mean"]["cand"]

    moved = compare(scr, [base], [strict])
    assert moved["functionalities"]["fast"]["derog_h"]["cand"] == 0.0  # nothing flagged at 0.99
    assert moved["functionalities"]["fast"]["ident_nh"]["cand"] == 1.0
    threats = moved["threats"]["fast"]["tiny_xx"]  # per suite, only the threat functionalities it has
    assert set(threats) == {"threat_dir_h"} and threats["threat_dir_h"]["cand"] == 0.0
    assert threats["threat_dir_h"]["base"] == base.suites["tiny_xx"]["fast"]["func"]["threat_dir_h"] > 0
    assert moved["threats"]["accurate"]["tiny_xx"]["threat_dir_h"]["cand"] == (
        moved["threats"]["accurate"]["tiny_xx"]["threat_dir_h"]["base"])
    tiny = moved["suites"]["accurate"]["suites"]["tiny_xx"]
    assert tiny["cand"] == {**tiny["base"], "f1_at_base_threshold": tiny["base"]["f1"]}
    fast_tiny = moved["suites"]["fast"]["suites"]["tiny_xx"]  # a threshold moved, the ranking did not
    assert fast_tiny["cand"]["f1"] != fast_tiny["base"]["f1"] and fast_tiny["cand"]["auc"] == fast_tiny["base"]["auc"]
    # flagged at the baseline's threshold, a candidate whose threshold alone moved scores as the baseline does
    assert fast_tiny["cand"]["f1_at_base_threshold"] == fast_tiny["base"]["f1"]
    assert moved["suites"]["fast"]["mean"]["cand_at_base_threshold"] == moved["suites"]["fast"]["mean"]["base"]
    assert moved["thresholds"]["fast"]["hate"] == {"base": [fast.thresholds()["hate"]], "cand": [0.99]}
    assert moved["thresholds"]["accurate"]["hate"]["cand"] == [accurate.thresholds()["hate"]]
    pf = fast.scores(texts, langs)["hate"]
    assert fast_tiny["base"]["auc"] == [pytest.approx(roc_auc(np.array([c.hateful for c in cases]), pf))]
    lines = "\n".join(report_lines(moved))
    assert "tiny_xx" in lines and "derog_h" in lines and "hate" in lines
    assert f"hate {fast.thresholds()['hate']:.2f} -> 0.99" in lines and "at base t" in lines
    assert "threats per suite" in lines and f"threat_dir_h {threats['threat_dir_h']['base']:.2f} -> 0.00" in lines
    assert any((tmp_path / "cache").glob("e5t-vectors-*.npy"))  # e5 scored once, kept for the next screen


def test_roc_auc_counts_pairs_ranked_right_and_ties_as_half():
    y = np.array([1, 0, 1, 0, 1])
    assert roc_auc(y, np.array([0.9, 0.1, 0.8, 0.2, 0.7])) == 1.0
    assert roc_auc(y, np.array([0.1, 0.9, 0.2, 0.8, 0.3])) == 0.0
    # pairs (hateful, other): (0.9, 0.5) right, (0.9, 0.3) right, (0.5, 0.5) tie, (0.5, 0.3) right, (0.2, either) wrong
    assert roc_auc(y, np.array([0.9, 0.5, 0.5, 0.3, 0.2])) == pytest.approx((1 + 1 + 0.5 + 1 + 0 + 0) / 6)
    assert np.isnan(roc_auc(np.array([1, 1]), np.array([0.2, 0.3])))


def test_screen_names_what_is_wrong_without_a_traceback(setup, capsys):
    tmp_path, suite, runs = setup
    assert main(["screen", "--base", str(runs["base"]), "--cand", str(runs["same"]), "--suite", str(suite),
                 "--data", str(tmp_path), "--decontaminate", str(suite.parent), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["suites"]["accurate"]["mean"]["base"] == out["suites"]["accurate"]["mean"]["cand"]
    assert main(["screen", "--base", str(runs["base"]), "--cand", str(runs["same"]), str(runs["strict"]),
                 "--suite", str(suite), "--data", str(tmp_path)]) == 2
    (runs["strict"] / "e5t.npz").unlink()
    assert main(["screen", "--base", str(runs["base"]), "--cand", str(runs["strict"]),
                 "--suite", str(suite), "--data", str(tmp_path)]) == 2
    np.savez(runs["same"] / "accurate.npz", w=np.zeros(3))  # an npz, but not a head set: no meta, no heads
    assert main(["screen", "--base", str(runs["base"]), "--cand", str(runs["same"]),
                 "--suite", str(suite), "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "pair by position" in err and "e5t.npz not found" in err and "Traceback" not in err
    assert f"{runs['same'] / 'accurate.npz'}: not a tocsin head set (no meta naming its encoder" in err


def test_screen_judges_a_keep_rule_file_and_refuses_a_bad_one_before_scoring(setup, capsys, monkeypatch):
    tmp_path, suite, runs = setup
    rule = tmp_path / "rule.yaml"
    rule.write_text("profile: fast\ntargets: [tiny_xx]\ntarget_gain: 0.0\ndev_floor: -0.01\n", encoding="utf-8")
    args = ["screen", "--base", str(runs["base"]), "--suite", str(suite), "--data", str(tmp_path),
            "--decontaminate", str(suite.parent), "--rule", str(rule)]
    assert main([*args, "--cand", str(runs["same"]), "--json"]) == 0
    judged = json.loads(capsys.readouterr().out)["rule"]
    assert judged["passed"] and [c["name"] for c in judged["clauses"]] == ["target_gain (tiny_xx)", "dev_floor"]
    assert main([*args, "--cand", str(runs["strict"])]) == 0  # the fast profile flags nothing at 0.99: macro-F1 falls
    out = capsys.readouterr().out
    assert "FAIL  target_gain (tiny_xx)" in out and "PASS  dev_floor" in out and out.rstrip().endswith("FAIL  the rule")

    rule.write_text("profile: fast\ntarget_gain: 0.0\ntargetz: [tiny_xx]\n", encoding="utf-8")
    monkeypatch.setattr("tocsin.models.screen.Screen.__init__", lambda *a, **k: pytest.fail("scored a bad rule"))
    assert main([*args, "--cand", str(runs["same"])]) == 2
    err = capsys.readouterr().err
    assert f"{rule}, line 3, field 'targetz': unknown" in err and "target_gain needs targets" in err
    assert "Traceback" not in err
