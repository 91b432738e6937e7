from pathlib import Path

import pytest

from tocsin.detect.hinglish import HinglishModel, looks_hinglish, model_path, romanised_hindi, romanised_hindi_many
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
    # one shared word ("par") only: the character model of romanised Hindi (models/build_hinglish.py) catches it
    ("Nadi par bana naya pul agle hafte khulega", "hi"),
    ("Rahul and Priya will meet the Delhi team at the station", "en"),  # Indian names in English stay English
    # words that are also Hindi ("main", "to", "is", "do", "hai", "ho", "se", "tu") in other languages stay there
    ("The main thing to do is to keep the door shut.", "en"),
    ("Tu hai ragione, io ho sbagliato tutto ieri sera.", "it"),
    ("Se que tu madre no quiere venir a la fiesta del sábado.", "es"),
    ("Yeh, your dad is a cartoon and everybody knows it.", "en"),
])
def test_identifies_the_language_hinglish_included_and_shared_words_not(langid, text, lang):
    assert langid.identify(text) == lang


BATCH = ["Nadi par bana naya pul agle hafte khulega", "", "   ", "ok", "Immigrants are vermin. #5563",
         "Yaar mujhe samajh nahi aata ki log itna gussa kyun karte hain", "सरकार ने कल नए बजट की घोषणा की।",
         "Rahul and Priya will meet the Delhi team at the station", "Gaon ke school mein naye master aaye",
         "What a shitty morning, the bus is late again.", "Je vais te tuer ce soir.", "pul par"]


def test_a_batch_is_identified_as_each_text_alone(langid):
    # identify_many asks the character model once for the batch (the engine's path); the answers must not change
    assert langid.identify_many(BATCH) == [langid.identify(t) for t in BATCH]
    assert langid.identify_many(BATCH)[0] == "hi" and langid.identify_many([]) == []
    model = HinglishModel(model_path())
    assert romanised_hindi_many(BATCH, model) == [romanised_hindi(t, model) for t in BATCH]
    assert model.likely_many(BATCH) == [model.likely(t) for t in BATCH]


def test_hinglish_needs_a_distinctive_word_and_a_share_of_the_text():
    assert looks_hinglish("Mujhe ye gaana pasand hai")
    assert not looks_hinglish("main to do is")  # only words other languages share
    assert not looks_hinglish("nahi")  # one word is not enough
    assert not looks_hinglish("We went to the market and bought apples, pears, bread, milk and some cheese, nahi")
    assert not looks_hinglish("मुझे यह गाना पसंद है")  # Devanagari is fastText's to recognise
    assert not looks_hinglish("@yaar #bhai http://kya.example")  # mentions, hashtags and links are not words


def test_without_the_character_model_the_word_test_works_alone():
    alone = LanguageIdentifier(hinglish=Path("/nonexistent/hinglish.npz"))
    assert alone.identify("Yaar mujhe samajh nahi aata ki log itna gussa kyun karte hain") == "hi"
    assert alone.identify("Nadi par bana naya pul agle hafte khulega") != "hi"


def test_the_character_model_answers_only_with_a_word_of_the_lists_and_three_words():
    model = HinglishModel(model_path())
    assert model.likely("Nadi par bana naya pul agle hafte khulega")
    # the same words without "par", the one listed word: the model's score alone is not enough
    assert model.score("nadi bana naya pul agle hafte khulega".split()) >= model.threshold
    assert not model.likely("Nadi bana naya pul agle hafte khulega")
    assert not model.likely("pul par")  # under three words
    assert not model.likely("नदी पर बना नया पुल")  # Devanagari is fastText's
