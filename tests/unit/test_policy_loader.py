import pytest

from tocsin.decide.errors import PolicyError
from tocsin.decide.loader import load_policy, parse_duration, parse_policy

GOOD = """\
name: t
version: "1"
verdicts:
  allow: {severity: 0}
  remove: {severity: 2, effects: [{type: remove}], roles: [moderator]}
  freeze:
    severity: 3
    effects:
      - {type: freeze, duration: 24h}
rules:
  - {id: r1, category: hate, threshold: 0.9, verdict: remove}
  - {id: r2, category: violence, threshold: 0.5, verdict: freeze, langs: [de], content_types: [event]}
"""


def problems(text):
    with pytest.raises(PolicyError) as exc:
        parse_policy(text, "p.yaml")
    return exc.value.problems


def test_the_shipped_default_policy_loads():
    p = load_policy()
    assert p.name == "tocsin-default"
    verdicts = {r.category: r.verdict for r in p.rules if r.threshold >= 0.9}
    assert verdicts["hate"] == "remove" and verdicts["violence"] == "remove"
    assert any(r.verdict == "review" and r.category == "hate" for r in p.rules)


def test_a_good_policy_parses_with_effects_and_filters():
    p = parse_policy(GOOD)
    freeze = p.verdicts["freeze"].effects[0]
    assert (freeze.type, freeze.target, freeze.duration_s) == ("freeze", "account", 86400)
    assert p.rules[1].langs == frozenset({"de"}) and p.rules[1].content_types == frozenset({"event"})


def test_errors_name_file_line_and_field():
    text = GOOD.replace("threshold: 0.9", "threshold: 1.5")
    (p,) = problems(text)
    assert (p.file, p.line, p.field) == ("p.yaml", 11, "rules[0].threshold")
    assert str(p).startswith("p.yaml:11: rules[0].threshold:")


def test_all_problems_are_reported_at_once():
    text = GOOD.replace("category: hate", "category: hat").replace("verdict: freeze", "verdict: jail")
    text = text.replace("roles: [moderator]", "roles: [root]")
    found = {p.field for p in problems(text)}
    assert found == {"rules[0].category", "rules[1].verdict", "verdicts.remove.roles[0]"}


def test_unknown_fields_and_missing_fields_are_errors():
    text = GOOD.replace("  - {id: r1, category: hate, threshold: 0.9, verdict: remove}",
                        "  - {id: r1, category: hate, threshhold: 0.9, verdict: remove}")
    msgs = [str(p) for p in problems(text)]
    assert any("rules[0].threshhold: unknown field" in m for m in msgs)
    assert any("rules[0]: missing required field 'threshold'" in m for m in msgs)


def test_bad_duration_and_duplicate_rule_id():
    text = GOOD.replace("duration: 24h", "duration: soon").replace("id: r2", "id: r1")
    fields = {p.field for p in problems(text)}
    assert fields == {"verdicts.freeze.effects[0].duration", "rules[1].id"}


def test_yaml_syntax_error_has_a_line():
    (p,) = problems("name: x\nrules: [\n  - a\n")
    assert p.line is not None and "invalid YAML" in p.message


def test_empty_and_non_mapping_files():
    assert "empty" in str(problems("")[0])
    assert "must be a mapping" in str(problems("- 1\n- 2\n")[0])


def test_unreadable_file_is_a_policy_error(tmp_path):
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "missing.yaml")


@pytest.mark.parametrize("value,seconds", [("24h", 86400), ("7d", 604800), ("30m", 1800), (90, 90), ("2w", 1209600),
                                           ("0h", None), ("x", None), (True, None), (-5, None)])
def test_parse_duration(value, seconds):
    assert parse_duration(value) == seconds
