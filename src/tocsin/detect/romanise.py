"""Devanagari Hindi written the way Hindi is typed on social media: in Latin letters ("main tumse nafrat karta
hun"), long vowels as single letters, and the inherent vowel dropped where speech drops it (schwa deletion:
सकता is "sakta", not "sakata"). Romanised Hindi is common online, and the encoder reads Latin script far better
than Devanagari, so both scripts of one sentence should reach the classifier as one text.
"""
from __future__ import annotations

import re

_CONSONANTS = dict(zip(
    "कखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसह",
    ["k", "kh", "g", "gh", "n", "ch", "chh", "j", "jh", "n", "t", "th", "d", "dh", "n", "t", "th", "d", "dh", "n",
     "p", "ph", "b", "bh", "m", "y", "r", "l", "v", "sh", "sh", "s", "h"]))
_NUKTA_FORMS = {"क": "q", "ख": "kh", "ग": "g", "ज": "z", "ड": "r", "ढ": "rh", "फ": "f", "य": "y"}
_VOWELS = dict(zip("अआइईउऊऋएऐओऔऑ", ["a", "a", "i", "i", "u", "u", "ri", "e", "ai", "o", "au", "o"]))
_SIGNS = dict(zip("ािीुूृेैोौॉ", ["a", "i", "i", "u", "u", "ri", "e", "ai", "o", "au", "o"]))
_NASAL = {"ं": "n", "ँ": "n", "ः": "h"}
_OTHER = {"।": ".", "॥": ".", **{chr(0x0966 + d): str(d) for d in range(10)}}
_VIRAMA, _NUKTA = "्", "़"
_WORD = re.compile("[\u0900-\u097f]+")
INHERENT = None  # a consonant's vowel when no sign follows: "a", unless schwa deletion drops it


def _units(word: str) -> list[list]:
    """[consonant, vowel, tail, source letter] per syllable: vowel is a string, "" after a virama, or INHERENT;
    tail holds a nasal or a digit. Letters not in the tables (rare signs, ॐ) are left out."""
    units: list[list] = []
    for ch in word:
        if ch in _CONSONANTS:
            units.append([_CONSONANTS[ch], INHERENT, "", ch])
        elif ch == _NUKTA and units and units[-1][3] in _NUKTA_FORMS:
            units[-1][0] = _NUKTA_FORMS[units[-1][3]]
        elif ch in _SIGNS and units and units[-1][1] is INHERENT:
            units[-1][1] = _SIGNS[ch]
        elif ch == _VIRAMA and units:
            units[-1][1] = ""
        elif ch in _VOWELS:
            units.append(["", _VOWELS[ch], "", ch])
        elif ch in _NASAL and units:
            units[-1][2] += _NASAL[ch]
        else:
            units.append(["", "", _OTHER.get(ch, ""), ch])
    return units


def _has_vowel(unit: list) -> bool:
    return unit[1] is INHERENT or bool(unit[1])


def _word(match: re.Match[str]) -> str:
    units = _units(match.group(0))
    n = len(units)
    if n > 1 and units[-1][1] is INHERENT and units[-1][0] and not units[-1][2]:
        units[-1][1] = ""  # the final inherent vowel is silent: "nafrat", "ghar"
    for i in range(n - 2, 0, -1):  # V C a C V -> V C C V, right to left (Ohala's rule)
        if (units[i][1] is INHERENT and units[i][0] and not units[i][2] and _has_vowel(units[i - 1])
                and units[i + 1][0] and _has_vowel(units[i + 1])):
            units[i][1] = ""
    return "".join(c + ("a" if v is INHERENT else v) + t for c, v, t, _ in units)


def romanise(text: str) -> str:
    """Every Devanagari word of `text` in Latin letters; other text unchanged."""
    return _WORD.sub(_word, text)
