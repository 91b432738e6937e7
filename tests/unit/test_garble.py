"""Damaged copies of evaluation cases (`tocsin eval --garble`) and the mending of mojibake before the models read a
post. Sentences written for these tests."""
import pytest

from tocsin.detect.langid import LanguageIdentifier
from tocsin.detect.normalise import deobfuscate, repair_mojibake
from tocsin.models.evaluate import Case, agreement, garbled
from tocsin.models.garble import FUNCTION_WORDS, GARBLES, NEGATORS, garble, mojibake

SENTENCES = [("en", "I do not think the people in this town are a problem for the rest of us."),
             ("fr", "Je ne pense pas que les voisins de la rue soient un problème pour le quartier."),
             ("de", "Die Nachbarn in der Straße sind nicht das Problem, sondern der Lärm am Abend."),
             ("pl", "Nie sądzę, że sąsiedzi z naszej ulicy są problemem dla całego miasta."),
             ("es", "No creo que los vecinos de la calle sean un problema para el barrio."),
             ("ar", "لا أعتقد أن الجيران في هذا الشارع مشكلة للحي."),
             ("hi", "मुझे नहीं लगता कि इस गली के पड़ोसी मोहल्ले के लिए कोई समस्या हैं।"),
             ("zh", "我不认为这条街上的邻居是这个社区的问题。")]


@pytest.mark.parametrize("kind", list(GARBLES))
def test_each_garble_is_the_same_every_time_and_changes_something(kind):
    out = [garble(t, kind, lang) for lang, t in SENTENCES]
    assert out == [garble(t, kind, lang) for lang, t in SENTENCES]
    assert sum(o != t for o, (_, t) in zip(out, SENTENCES)) >= 3, out


def test_word_order_keeps_the_words_and_never_moves_a_negation():
    text = "I do not hate them and I never will hate them at all"
    for seed in range(200):
        out = garble(text, "word-order", "en", seed=seed).split()
        assert sorted(out) == sorted(text.split())
        assert out[2] == "not" and out[7] == "never"


def test_function_words_touch_only_their_language_list():
    for lang, text in SENTENCES:
        known = set(FUNCTION_WORDS.get(lang, ()))
        for seed in range(20):
            out = garble(text, "function-words", lang, seed=seed)
            content = [w for w in text.split() if w.strip(".,!?،।").lower() not in known]
            assert [w for w in out.split() if w.strip(".,!?،।").lower() not in known] == content
    negations = {"en": "not no never", "fr": "ne pas jamais non", "es": "no nunca ni", "de": "nicht kein nie",
                 "it": "non mai", "pt": "não nunca nem", "nl": "niet geen nooit", "pl": "nie nigdy ani",
                 "ar": "لا لن لم ليس", "hi": "नहीं न मत nahi mat"}
    for lang, words in negations.items():
        assert set(words.split()) <= NEGATORS and not set(words.split()) & set(FUNCTION_WORDS[lang]), lang


def test_accents_leave_other_scripts_alone():
    assert garble("Sąsiedzi są mili, à bientôt, Straße", "accents") == "Sasiedzi sa mili, a bientot, Straße"
    for lang in ("ar", "hi", "zh"):
        text = dict(SENTENCES)[lang]
        assert garble(text, "accents", lang) == text


def test_mojibake_is_utf8_read_as_windows_1252_and_is_mended():
    assert mojibake("café – déjà") == "cafÃ© â€“ dÃ©jÃ\xa0"
    for _, text in SENTENCES + [("en", "emoji 🔪 then café"), ("el", "Καλημέρα σε όλους")]:
        assert mojibake(text) != text or text.isascii()
        assert repair_mojibake(mojibake(text)) == text
        assert deobfuscate(mojibake(text), romanise_hindi=False) == deobfuscate(text, romanise_hindi=False)
    assert deobfuscate(mojibake("café"), rules=1) == "cafÃ©"


@pytest.mark.parametrize("text", [
    "Straße… und „Ärger“ ça ção ÀÉ",  # "ß…" is valid UTF-8 once written as Windows-1252, but reads as NKo
    "FETÖ’nün 1970’li yıllara dayanan",  # Turkish capitals before an apostrophe: would read as a Hebrew accent
    "Ali KOÇ’un gelmesini",  # ... or as "ǒ"
    "Orbán √∞¬ü mixed with characters Windows-1252 cannot produce: Ã© stays",
    "plain ASCII text", "Ein ganz normaler Satz für alle Leute."])
def test_text_that_is_not_mojibake_is_left_as_it_is(text):
    assert repair_mojibake(text) == text


def test_the_language_of_a_mojibake_post_is_that_of_its_mended_text():
    langid = LanguageIdentifier()
    texts = [t for lang, t in SENTENCES if lang in ("ar", "hi", "zh", "pl")]
    assert langid.identify_many([mojibake(t) for t in texts]) == langid.identify_many(texts) == ["pl", "ar", "hi", "zh"]


def test_agreement_counts_unchanged_flags_per_suite():
    cases = [Case("a", "en", "f", "x", True), Case("a", "en", "f", "y", False), Case("b", "de", "f", "z", True)]
    assert agreement(cases, [True, False, True], [True, True, True]) == {"a": 0.5, "b": 1.0}
    damaged = garbled(cases, "mojibake")
    assert [c.hateful for c in damaged] == [True, False, True] and damaged[0].suite == "a"
    with pytest.raises(ValueError, match="unknown garble"):
        garble("x", "reverse")
