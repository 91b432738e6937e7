import pytest

from tocsin.detect.hinglish import looks_hinglish
from tocsin.detect.langid import LanguageIdentifier


@pytest.fixture(scope="module")
def langid():
    return LanguageIdentifier()


@pytest.mark.parametrize("text,lang", [
    ("The city council will vote on the new budget next Thursday evening.", "en"),
    ("Der Stadtrat stimmt am Donnerstagabend über den neuen Haushalt ab.", "de"),
    ("El ayuntamiento votará el nuevo presupuesto el jueves por la tarde.", "es"),
    ("Il consiglio comunale voterà il nuovo bilancio giovedì sera.", "it"),
    ("सरकार ने कल नए बजट की घोषणा की।", "hi"),
    # Hindi typed in Latin letters: fastText answers some other language with low confidence
    ("Yaar mujhe samajh nahi aata ki log itna gussa kyun karte hain", "hi"),
    ("Kal shaam ko hum sab bazaar chalenge, tum bhi aa jao", "hi"),
    ("@user bhai ye video bahut accha hai #cricket", "hi"),
    ("Adivasi samaaj ki aurten desh ka gaurav", "hi"),  # words naming groups of people count as Hindi too
    # words that are also Hindi ("main", "to", "is", "do", "hai", "ho", "se", "tu") in other languages stay there
    ("The main thing to do is to keep the door shut.", "en"),
    ("Tu hai ragione, io ho sbagliato tutto ieri sera.", "it"),
    ("Se que tu madre no quiere venir a la fiesta del sábado.", "es"),
    ("Yeh, your dad is a cartoon and everybody knows it.", "en"),
])
def test_identifies_the_language_hinglish_included_and_shared_words_not(langid, text, lang):
    assert langid.identify(text) == lang


def test_hinglish_needs_a_distinctive_word_and_a_share_of_the_text():
    assert looks_hinglish("Mujhe ye gaana pasand hai")
    assert not looks_hinglish("main to do is")  # only words other languages share
    assert not looks_hinglish("nahi")  # one word is not enough
    assert not looks_hinglish("We went to the market and bought apples, pears, bread, milk and some cheese, nahi")
    assert not looks_hinglish("मुझे यह गाना पसंद है")  # Devanagari is fastText's to recognise
    assert not looks_hinglish("@yaar #bhai http://kya.example")  # mentions, hashtags and links are not words
