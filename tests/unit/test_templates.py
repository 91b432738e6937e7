"""The maintainers' template blocks (models/templates.py): how they expand, split and fail, and that the blocks kept
in docs/model-experiments still expand on top of the shipped ones."""
import re
from pathlib import Path

import pytest
import yaml

from tocsin.models.templates import template_examples

EXPERIMENTS = Path(__file__).resolve().parents[2] / "docs" / "model-experiments"


def test_templates_expand_in_every_language_with_both_classes():
    ex = template_examples()
    langs = {e.lang for e in ex}
    assert {"en", "de", "fr", "es", "it", "pt", "nl", "pl", "ar", "hi", "zh"} <= langs
    for lang in langs:
        hate = [e.labels.get("hate") for e in ex if e.lang == lang and "hate" in e.labels]
        assert 0 < sum(hate) < len(hate), lang
    assert all("{" not in e.text for e in ex)


def test_template_contrasts_are_harassment_negatives_in_every_language():
    # harassment is labelled by three corpora (de, es, pt) only; without the contrasts as negatives the templates'
    # insults (R) taught "Hindi text is harassment"
    ex = template_examples()
    for lang in {e.lang for e in ex}:
        har = [e.labels["harassment"] for e in ex if e.lang == lang and "harassment" in e.labels]
        assert 0 < sum(har) < len(har), lang


def test_templates_are_held_out_whole(monkeypatch):
    """Every fill and typo variant of a template lands in the same split, so the dev rows hold templates the heads
    never saw in any wording."""
    import tocsin.models.templates as tm

    spec = {"xx": {"g": [f"group{i}" for i in range(12)], "neg": ["awful", "dreadful", "terrible"],
                   "H": [f"Template number {k}: {{g}} are {{neg}} indeed." for k in range(40)]}}
    monkeypatch.setattr(tm, "load_templates", lambda: spec)
    ex = tm.template_examples(typo_share=0.5)
    by_template: dict[str, set[str]] = {}
    for e in ex:
        key = re.search(r"(\d+):", e.text).group(1)  # typos touch words of four letters or more, not the number
        by_template.setdefault(key, set()).add(e.split)
    assert len(by_template) == 40 and all(len(s) == 1 for s in by_template.values())
    splits = [next(iter(s)) for s in by_template.values()]
    assert 0 < splits.count("dev") < len(splits)


def test_templates_fill_the_oblique_form_with_its_own_group(monkeypatch):
    """`{go}` is the same group as `{g}` in the form a postposition needs (Hindi "musalmanon ko"), so a template
    using it reads grammatically; the two lists pair by position."""
    import tocsin.models.templates as tm

    spec = {"xx": {"g": ["musalman", "isai"], "go": ["musalmanon", "isaiyon"],
                   "H": ["{go} ko nikaalo, {g} yahan nahi."]}}
    monkeypatch.setattr(tm, "load_templates", lambda: spec)
    texts = {e.text for e in tm.template_examples(typo_share=0.0)}
    assert texts == {"Musalmanon ko nikaalo, musalman yahan nahi.", "Isaiyon ko nikaalo, isai yahan nahi."}


def test_templates_name_the_block_when_oblique_forms_do_not_pair(monkeypatch):
    import tocsin.models.templates as tm

    spec = {"xx": {"g": ["a", "b"], "go": ["c"], "H": ["{go} x."]}}
    monkeypatch.setattr(tm, "load_templates", lambda: spec)
    with pytest.raises(ValueError, match=r"block 'xx'.*'go' list.*2 entries.*has 1"):
        tm.template_examples()



def test_a_template_block_can_be_read_by_some_profiles_only(monkeypatch):
    """`profiles: [fast]` keeps a block out of the other profiles' training, and every block before or after it
    gives the same rows whichever profile asks (the random fills do not depend on who reads them)."""
    import tocsin.models.templates as tm

    spec = {"aa": {"g": ["ga", "gb"], "neg": ["n1", "n2", "n3"], "H": ["{g} are {neg}, says block aa."]},
            "bb": {"lang": "aa", "profiles": ["fast"], "g": ["gc"], "neg": ["n4", "n5"], "H": ["{g} are {neg} in bb."]},
            "cc": {"g": ["gd", "ge"], "neg": ["n6", "n7", "n8"], "H": ["{g} are {neg}, says block cc."]}}
    monkeypatch.setattr(tm, "load_templates", lambda: spec)
    every = tm.template_examples()
    fast, accurate = tm.template_examples(profile="fast"), tm.template_examples(profile="accurate")
    assert [e.text for e in fast] == [e.text for e in every]
    assert any("in bb" in e.text for e in fast) and not any("in bb" in e.text for e in accurate)
    assert [e.text for e in accurate] == [e.text for e in every if "in bb" not in e.text]
    spec["bb"]["profiles"] = ["fats"]
    with pytest.raises(ValueError, match=r"block 'bb'.*'profiles'.*accurate, fast, hinglish.*fats"):
        tm.template_examples(profile="fast")


def test_a_template_block_can_be_put_wholly_in_train(monkeypatch):
    """`split: train` sends every row of a block to train; the other blocks' rows and splits do not change."""
    import tocsin.models.templates as tm

    spec = {"aa": {"g": ["ga", "gb"], "neg": ["n1", "n2", "n3"], "H": [f"{{g}} are {{neg}}, aa {k}." for k in range(12)]},
            "bb": {"g": ["gc", "gd"], "neg": ["n4", "n5"], "H": [f"{{g}} are {{neg}}, bb {k}." for k in range(12)]}}
    monkeypatch.setattr(tm, "load_templates", lambda: spec)
    before = tm.template_examples()
    assert {e.split for e in before if " bb " in e.text} == {"train", "dev"}  # 12 templates: some fall in dev
    spec["bb"]["split"] = "train"
    after = tm.template_examples()
    assert [(e.text, e.split) for e in after if " aa " in e.text] == [(e.text, e.split) for e in before
                                                                      if " aa " in e.text]
    assert [e.text for e in after] == [e.text for e in before]
    assert {e.split for e in after if " bb " in e.text} == {"train"}
    spec["bb"]["split"] = "test"
    with pytest.raises(ValueError, match=r"block 'bb'.*'split' must be train or dev.*'test'"):
        tm.template_examples()


def test_templates_name_the_block_when_a_template_targets_two_kinds_of_group(monkeypatch):
    import tocsin.models.templates as tm

    monkeypatch.setattr(tm, "load_templates", lambda: {"xx": {"g": ["a"], "n": ["b"], "H": ["{g} and {n}."]}})
    with pytest.raises(ValueError, match=r"block 'xx'.*both a protected group"):
        tm.template_examples()


@pytest.mark.parametrize("path", sorted(p for p in EXPERIMENTS.glob("*.yaml") if not p.name.endswith(".rule.yaml")),
                         ids=lambda p: p.name)
def test_a_kept_experiment_block_still_expands_after_the_shipped_ones(path, monkeypatch):
    """docs/model-experiments keeps candidates' blocks for a later session to append to templates.yaml; one that
    no longer loads (a new key, a list out of pair) or that would move a shipped row should fail here, not after
    two hours of training."""
    import tocsin.models.templates as tm

    shipped = tm.load_templates()
    kept = yaml.safe_load(path.read_text("utf-8"))
    assert kept and not set(kept) & set(shipped), f"{path.name}: a block name is already in templates.yaml"
    before = tm.template_examples(profile="accurate")
    monkeypatch.setattr(tm, "load_templates", lambda: {**shipped, **kept})
    after = tm.template_examples(profile="accurate")
    assert [(e.text, e.split) for e in after[:len(before)]] == [(e.text, e.split) for e in before]
    added = after[len(before):]
    assert added and {e.lang for e in added} == {spec.get("lang", name) for name, spec in kept.items()}
    assert all("{" not in e.text for e in added)
