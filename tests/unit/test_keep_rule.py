"""Keep rules as files (`tocsin screen --rule`): each clause judged on `compare`'s measures, bad files refused whole
with file, line and field."""
from __future__ import annotations

from pathlib import Path

import pytest

from tocsin.models.keep_rule import RuleError, judge, load_rule, verdict_lines


def _result(base: dict[str, list[float]], cand: dict[str, list[float]], acc_en: list[float] | None = None,
            dev_high: float = 0.02) -> dict:
    """`compare`'s shape: per suite macro-F1, accuracy and ROC AUC (here the F1 values) per run and side, the
    candidate's macro-F1 at its baseline's threshold (here its own), and a dev interval per category."""
    suites = {s: {"base": {"f1": base[s], "acc": base[s], "auc": base[s]},
                  "cand": {"f1": cand[s], "acc": acc_en or cand[s], "auc": cand[s],
                           "f1_at_base_threshold": list(cand[s])}} for s in base}
    return {"suites": {"accurate": {"suites": suites}, "fast": {"suites": suites}},
            "dev": {"hate": {"intervals": [{"low": -0.01, "high": 0.03}, {"low": dev_high - 0.04, "high": dev_high}]}}}


def _rule(tmp_path, text: str):
    path = tmp_path / "rule.yaml"
    path.write_text(text, encoding="utf-8")
    return load_rule(path)


KEPT = sorted((Path(__file__).resolve().parents[2] / "docs" / "model-experiments").glob("*.rule.yaml"))
BASE = {"hatecheck_en": [0.83, 0.82], "mhc_ar": [0.64, 0.61], "mhc_hi": [0.60, 0.58], "mhc_de": [0.79, 0.78]}


def test_each_clause_passes_on_what_it_asks_and_fails_just_short_of_it(tmp_path):
    rule = _rule(tmp_path, "targets: [mhc_ar, mhc_hi]\ntarget_gain: 0.015\nmean_gain: -0.003\nsuite_drop: 0.02\n"
                           "dev_floor: -0.01\nhatecheck_en_accuracy: 0.82\n"
                           "keep_met: {default: 0.75, mhc_ar: 0.65, mhc_hi: 0.65}\n")
    # the targets' two-seed mean rises 0.6075 -> 0.6250 (+0.0175); German falls 0.01; the others stay
    cand = {**BASE, "mhc_ar": [0.66, 0.63], "mhc_hi": [0.61, 0.60], "mhc_de": [0.78, 0.77]}
    clauses = judge(rule, _result(BASE, cand))
    assert [c.name for c in clauses] == ["target_gain (mhc_ar, mhc_hi)", "mean_gain (4 suites)", "suite_drop",
                                         "dev_floor", "hatecheck_en_accuracy", "keep_met"]
    assert all(c.passed for c in clauses), verdict_lines(rule, clauses)
    assert "0.6075 -> 0.6250 (+0.0175" in clauses[0].detail and "kept: hatecheck_en, mhc_de" in clauses[5].detail

    short = {**cand, "mhc_hi": [0.60, 0.59]}  # +0.0125 on the targets now
    assert [c.passed for c in judge(rule, _result(BASE, short))][:2] == [False, True]
    fallen = {**cand, "mhc_de": [0.72, 0.72]}  # German -0.065: more than 0.02, below 0.75, and the mean goes too
    by = {c.name.split(" ")[0]: c for c in judge(rule, _result(BASE, fallen))}
    assert not by["suite_drop"].passed and "mhc_de -0.0650" in by["suite_drop"].detail
    assert not by["keep_met"].passed and "mhc_de 0.720 < 0.75" in by["keep_met"].detail
    assert not by["mean_gain"].passed
    by = {c.name.split(" ")[0]: c for c in judge(rule, _result(BASE, cand, acc_en=[0.82, 0.81], dev_high=-0.011))}
    assert not by["hatecheck_en_accuracy"].passed and "0.815" in by["hatecheck_en_accuracy"].detail
    assert not by["dev_floor"].passed and "hate run 2" in by["dev_floor"].detail
    lines = verdict_lines(rule, judge(rule, _result(BASE, fallen)))
    assert lines[-1] == "  FAIL  the rule" and lines[0].endswith("(accurate profile)")


def test_auc_gain_judges_the_ranking_not_the_threshold(tmp_path):
    """Candidate I (session 37) raised macro-F1 where it aimed by flagging more, while its ranking fell: the AUC
    clause passes at its bound, fails just short of it, and refuses results without AUC."""
    rule = _rule(tmp_path, "auc_gain: 0.0\n")
    result = _result(BASE, BASE)
    rows = result["suites"]["accurate"]["suites"]
    for i, s in enumerate(sorted(rows)):  # mean 0.800 on each side; the candidate's spread differently
        rows[s] = {"base": {**rows[s]["base"], "auc": [0.80]}, "cand": {**rows[s]["cand"], "auc": [0.77 + 0.02 * i]}}
    (clause,) = judge(rule, result)
    assert clause.passed and clause.name == "auc_gain (4 suites)" and "0.8000 -> 0.8000" in clause.detail
    rows["mhc_de"]["cand"]["auc"] = [0.80]  # mhc_de was 0.81: the mean falls 0.0025
    (clause,) = judge(rule, result)
    assert not clause.passed and "(-0.0025, need >= +0.0000)" in clause.detail
    del rows["mhc_ar"]["cand"]["auc"]
    with pytest.raises(RuleError, match="auc_gain needs ROC AUC, which mhc_ar lacks"):
        judge(rule, result)


def test_target_gain_at_base_threshold_refuses_a_gain_the_threshold_alone_made(tmp_path):
    """Candidate K (session 39) rose on every suite at a hate threshold moved 0.40 -> 0.38, and not at 0.40: the
    clause reads the candidate flagged at its baseline's threshold, passes at its bound, fails just short of it,
    and refuses results that lack the measure."""
    rule = _rule(tmp_path, "targets: [mhc_ar, mhc_hi]\ntarget_gain: 0.01\ntarget_gain_at_base_threshold: 0.01\n")
    cand = {**BASE, "mhc_ar": [0.66, 0.63], "mhc_hi": [0.61, 0.60]}  # +0.02 on the targets at its own threshold
    result = _result(BASE, cand)
    rows = result["suites"]["accurate"]["suites"]
    rows["mhc_ar"]["cand"]["f1_at_base_threshold"] = [0.64, 0.61]  # as the base: the threshold made the gain
    rows["mhc_hi"]["cand"]["f1_at_base_threshold"] = [0.60, 0.58]
    gained, fixed = judge(rule, result)
    assert gained.passed and not fixed.passed
    assert fixed.name == "target_gain_at_base_threshold (mhc_ar, mhc_hi)"
    assert "0.6075 -> 0.6075 (+0.0000" in fixed.detail
    rows["mhc_ar"]["cand"]["f1_at_base_threshold"] = [0.66, 0.63]  # +0.01 on the targets at the base's threshold
    assert judge(rule, result)[1].passed
    del rows["mhc_hi"]["cand"]["f1_at_base_threshold"]
    with pytest.raises(RuleError, match="needs the candidate's macro-F1 at the baseline's threshold, which mhc_hi"):
        judge(rule, result)
    with pytest.raises(RuleError, match="target_gain_at_base_threshold needs targets"):
        _rule(tmp_path, "target_gain_at_base_threshold: 0.01\n")


def test_a_rule_naming_a_suite_that_was_not_scored_says_so(tmp_path):
    rule = _rule(tmp_path, "targets: [mhc_pl]\ntarget_gain: 0.01\n")
    with pytest.raises(RuleError, match="no suite mhc_pl was scored"):
        judge(rule, _result(BASE, BASE))


@pytest.mark.parametrize("text, message", [
    ("targets: [mhc_ar]\ntarget_gain: 0.02\nmean_gian: 0\n", "line 3, field 'mean_gian': unknown"),
    ("mean_gain: lots\n", "line 1, field 'mean_gain': must be a number"),
    ("suite_drop: true\n", "field 'suite_drop': must be a number"),
    ("auc_gain: 2\n", "field 'auc_gain': must be a number between -1 and 1"),
    ("mean_gain: 0\nprofile: slow\n", "line 2, field 'profile': 'slow' is not accurate or fast"),
    ("mean_gain: 0\ntargets: mhc_ar\n", "field 'targets': must be a non-empty list"),
    ("keep_met: {default: 75}\n", "field 'keep_met': must map suite names"),
    ("keep_met: {1: 0.7}\n", "field 'keep_met': must map suite names"),
    ("mean_gain: 0\nmean_gain: 0.01\n", "line 2, field 'mean_gain': given twice"),
    ("mean_gain: !!python/object:os.system 0\n", "line 1, field 'mean_gain': not a plain YAML value"),
    ("target_gain: 0.02\n", "target_gain needs targets"),
    ("profile: fast\n", "no clause to judge"),
    ("- mean_gain: 0\n", "must be a mapping of clauses"),
    ("mean_gain: [0\n", "not valid YAML"),
])
def test_a_bad_rule_file_is_refused_naming_file_line_and_field(tmp_path, text, message):
    with pytest.raises(RuleError) as exc:
        _rule(tmp_path, text)
    assert message in str(exc.value) and str(tmp_path / "rule.yaml") in str(exc.value)


@pytest.mark.parametrize("path", KEPT, ids=lambda p: p.name)
def test_every_kept_rule_file_loads_and_judges_the_twelve_suites(path):
    """A rule kept beside its blocks must still load, and name only suites the evaluation has."""
    rule = load_rule(path)
    twelve = ["hatecheck_en", "hatecheck-nl_nl", *(f"mhc_{x}" for x in ("ar de es fr hi it nl pl pt zh".split()))]
    flat = {s: [0.7] for s in twelve}
    assert judge(rule, _result(flat, flat))
