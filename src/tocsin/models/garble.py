"""Garbled copies of evaluation cases, to measure how robust the flags are to the kind of damage text suffers when it
is machine-translated, reposted or mis-decoded (`tocsin eval --garble KIND`). No translation system runs offline
here, so these are stand-ins for its typical artefacts, each meant to keep a case's label:

- `word-order`: adjacent words swapped (about one pair in six words; never a negation), as literal translation
  leaves them;
- `function-words`: articles, prepositions, auxiliaries and particles dropped or replaced by another of the same
  language (wrong article or preposition), a third of them each; negations and content words are never touched;
- `accents`: diacritics stripped from Latin letters (Devanagari, Arabic and Chinese are left as they are);
- `mojibake`: UTF-8 read as Windows-1252 (“cafÃ©”), as reposts through a badly configured system show;
- `all`: word order, function words and accents together.

Deterministic: each case's damage is drawn from a generator seeded by the kind, the seed and the text. Pure
functions, no I/O."""
from __future__ import annotations

import random
import re
import unicodedata
from typing import Callable

from ..detect.normalise import LATIN_LETTERS, read_as_windows_1252

# Function words per language: small closed classes a translation system gets wrong or drops. Negators are
# deliberately absent (dropping "not" would change a case's label), as are pronouns and quantifiers ("all").
FUNCTION_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("the", "a", "an", "of", "to", "in", "on", "at", "for", "with", "is", "are", "be", "that", "this", "by"),
    "de": ("der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "zu", "im", "am", "auf", "mit", "ist",
           "sind", "von"),
    "fr": ("le", "la", "les", "un", "une", "des", "de", "du", "à", "au", "aux", "en", "est", "sont", "pour", "sur"),
    "es": ("el", "la", "los", "las", "un", "una", "de", "del", "a", "al", "en", "es", "son", "por", "para", "con"),
    "it": ("il", "lo", "la", "gli", "le", "un", "una", "di", "del", "della", "a", "al", "in", "è", "sono", "per"),
    "pt": ("o", "os", "as", "um", "uma", "de", "do", "da", "dos", "das", "em", "no", "na", "é", "são", "para"),
    "nl": ("de", "het", "een", "van", "op", "aan", "is", "zijn", "met", "voor", "dat", "te"),
    "pl": ("w", "z", "na", "do", "się", "jest", "są", "od", "po", "dla", "o"),
    "ar": ("في", "من", "على", "إلى", "عن", "مع", "هذا", "هذه"),
    "hi": ("का", "की", "के", "को", "में", "है", "हैं", "से", "ने", "पर", "ka", "ki", "ke", "ko", "me", "hai", "hain",
           "se", "ne", "par"),
}
# Negations, which a swap must not move past another word ("do not hate" -> "do hate not" reads otherwise).
NEGATORS = frozenset({
    "not", "no", "never", "don't", "doesn't", "isn't", "aren't", "won't", "can't", "nicht", "kein", "keine",
    "keinen", "nie", "niemals", "ne", "n'", "pas", "jamais", "non", "nunca", "ni", "jamás", "mai", "né", "não", "nem",
    "niet", "geen", "nooit", "nigdy", "ani", "لا", "لن", "لم", "ما", "مش", "ليس", "مو", "नहीं", "न", "मत", "ना",
    "nahi", "nahin", "nhi", "mat", "na"})
_WORD = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)  # a whitespace token as leading punctuation, core, trailing
_LATIN = re.compile(f"[{LATIN_LETTERS}]")


def _core(token: str) -> str:
    return _WORD.match(token).group(2).lower()  # type: ignore[union-attr]


def word_order(text: str, rng: random.Random, lang: str = "") -> str:
    words = text.split()
    if len(words) < 3:
        return text
    for _ in range(max(1, len(words) // 6)):
        i = rng.randrange(len(words) - 1)
        if not {_core(words[i]), _core(words[i + 1])} & NEGATORS:
            words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def function_words(text: str, rng: random.Random, lang: str = "") -> str:
    vocab = FUNCTION_WORDS.get(lang.lower()[:2], ())
    if not vocab:
        return text
    known = set(vocab)
    out = []
    for token in text.split():
        lead, core, trail = _WORD.match(token).groups()  # type: ignore[union-attr]
        if core.lower() not in known:
            out.append(token)
            continue
        roll = rng.random()
        if roll < 1 / 3:
            if lead or trail:
                out.append(lead + trail)
            continue  # dropped
        if roll < 2 / 3:
            core = rng.choice([w for w in vocab if w != core.lower()])
        out.append(lead + core + trail)
    return " ".join(t for t in out if t) or text


def accents(text: str, rng: random.Random | None = None, lang: str = "") -> str:
    """Diacritics off Latin letters only: a mark is dropped when the letter it sits on is Latin."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and out and _LATIN.match(out[-1]):
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def mojibake(text: str, rng: random.Random | None = None, lang: str = "") -> str:
    """UTF-8 bytes read as Windows-1252 (what `detect.normalise.repair_mojibake` undoes)."""
    return read_as_windows_1252(text.encode("utf-8"))


def everything(text: str, rng: random.Random, lang: str = "") -> str:
    return accents(function_words(word_order(text, rng, lang), rng, lang))


GARBLES: dict[str, Callable[..., str]] = {"word-order": word_order, "function-words": function_words,
                                          "accents": accents, "mojibake": mojibake, "all": everything}


def garble(text: str, kind: str, lang: str = "", seed: int = 7) -> str:
    """`text` damaged the way `kind` names (one of `GARBLES`), the same way every time."""
    if kind not in GARBLES:
        raise ValueError(f"unknown garble {kind!r}; choose from {', '.join(GARBLES)}")
    return GARBLES[kind](text, random.Random(f"{kind}:{seed}:{text}"), lang)
