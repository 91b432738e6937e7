"""Tests generated from every matcher's own example cases."""
import pytest

from tocsin.detect.matchers import available_matchers, match_key

MATCHERS = available_matchers()

CASES = [(name, i, ex) for name, cls in MATCHERS.items() for i, ex in enumerate(cls.examples())]


def test_every_matcher_has_examples():
    assert all(cls.examples() for cls in MATCHERS.values())
    assert set(MATCHERS) == {"exact", "near-dup", "semantic", "claims"}


@pytest.mark.parametrize("name,index,example", CASES, ids=[f"{n}-{i}" for n, i, _ in CASES])
def test_matcher_example(name, index, example):
    cls = MATCHERS[name]
    m = cls()
    m.build(list(example.bank))
    (found,) = m.query([example.query], 3)
    above = [(eid, s) for eid, s in found if s >= cls.default_threshold]
    if example.expect is None:
        assert above == [], found
    else:
        assert above and above[0][0] == example.expect, found
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)


def test_match_key_normalises_case_accents_and_evasion():
    assert match_key("Ｖ0TE on Tüesday!!") == match_key("vote on tuesday") == "vote on tuesday"
