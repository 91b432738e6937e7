"""Tests generated from every matcher's own example cases."""
import numpy as np
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


def test_an_e5_bank_finds_hindi_translations_written_in_devanagari():
    """e5 reads Devanagari far better than romanised Hindi; USE, never trained on Hindi, gets it romanised. Sentences
    and translations written for this test."""
    from tocsin.detect.matchers import SemanticMatcher
    from tocsin.detect.normalise import deobfuscate

    english = ["Muslims are a disease.", "I hate women.", "All refugees should be shot.",
               "Gay people are wonderful neighbours.", "The weather is nice today.",
               "The new bridge over the river opens next week."]
    hindi = ["मुसलमान एक बीमारी हैं।", "मुझे औरतों से नफ़रत है।", "सारे शरणार्थियों को गोली मार देनी चाहिए।",
             "समलैंगिक लोग बहुत अच्छे पड़ोसी हैं।", "आज मौसम अच्छा है।", "नदी पर बना नया पुल अगले हफ़्ते खुलेगा।"]
    e5 = SemanticMatcher("e5")
    assert e5.clean(hindi[:1]) == [hindi[0]] and SemanticMatcher("use").clean(hindi[:1]) == [deobfuscate(hindi[0])]
    e5.build([(f"e{i}", t) for i, t in enumerate(english)])
    found = e5.query(hindi, k=1)
    assert [f[0][0] for f in found] == [f"e{i}" for i in range(len(english))]
    # what the bank read before: the same sentences in Latin letters, as e5 reads them without the Devanagari step
    romanised = e5.embed_clean([deobfuscate(t) for t in hindi])
    assert min(f[0][1] for f in found) > (e5.embed(english) * romanised).sum(axis=1).max()

    # Hindi as often typed, in Latin letters (written for this test): e5 gets it written back in Devanagari
    hinglish = ["Musalman ek bimari hain", "Mujhe auraton se nafrat hai", "Saare sharnarthiyon ko goli maar deni chahiye",
                "Samlaingik log bahut acche padosi hain", "Aaj mausam bahut accha hai",
                "Nadi par bana naya pul agle hafte khulega"]  # the last one only the character model of hinglish.py knows
    assert all(not c.isascii() for c in e5.clean(hinglish)) and e5.clean(english) == english
    found = e5.query(hinglish, k=1)
    assert [f[0][0] for f in found] == [f"e{i}" for i in range(len(hinglish))]
    as_typed = e5.embed_clean(hinglish)  # the same posts read in Latin letters, as the bank read them before
    latin = (e5.embed(english[:len(hinglish)]) * as_typed).sum(axis=1)
    gain = np.array([f[0][1] for f in found]) - latin
    assert gain.min() > 0 and gain.mean() > 0.05
