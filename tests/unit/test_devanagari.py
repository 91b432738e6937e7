"""Hindi typed in Latin letters, written back in Devanagari for e5 (detect/devanagari.py). The sentences are the
maintainers' own; none comes from an evaluation suite."""
import pytest

from tocsin.detect.devanagari import to_devanagari
from tocsin.detect.romanise import romanise


@pytest.mark.parametrize("latin, devanagari", [
    ("ye log gande hain", "ये लोग गंदे हैं"),            # table words, a nasal before a consonant
    ("pyaar karo", "प्यार करो"),                          # a cluster at the start of a word
    ("bachche", "बच्चे"),                                 # a doubled consonant
    ("bacche", "बच्चे"), ("icchha", "इच्छा"),              # "cch" is च्च, "cchh" च्छ
    ("wo acche log hain", "वो अच्छे लोग हैं"),            # ... but "good" is अच्छा, from the table
    ("aurten", "औरतें"), ("logon", "लोगों"),               # nasalised endings
    ("tha", "था"), ("gandi", "गंदी"), ("dunga", "दुंगा"),  # a final a or i is long
    ("pani", "पनी"),                                      # ... but inside a word length is not recovered
    ("nafrat", "नफ़रत"),                                  # consonants meet with the inherent vowel between
])
def test_romanised_hindi_is_written_back(latin, devanagari):
    assert to_devanagari(latin) == devanagari


def test_what_is_not_a_romanised_hindi_word_is_left_alone():
    text = "BJP @neta #desh http://x.in mar 2024 का"
    assert to_devanagari(text) == "BJP @neta #desh http://x.in मर 2024 का"
    assert to_devanagari("") == ""


@pytest.mark.parametrize("sentence", ["मुझे अपने घर से प्यार है", "हम सब भाई हैं", "तुम लोग बहुत गंदे हो"])
def test_romanising_and_writing_back_returns_most_of_the_sentence(sentence):
    """Romanisation loses vowel length and schwa, so the round trip is not exact; most words come back whole."""
    back = to_devanagari(romanise(sentence)).split()
    words = sentence.split()
    assert len(back) == len(words)
    assert sum(a == b for a, b in zip(back, words)) >= len(words) - 2
