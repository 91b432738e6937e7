"""Hindi typed in Latin letters, written back in Devanagari: the inverse of `romanise`, for an encoder that reads
Hindi far better in its own script (multilingual-e5: a Hindi sentence in Devanagari sits at cosine ~0.9 from its
English translation, romanised at ~0.8).

Romanised Hindi is spelt by ear, so this is a best guess, not a transliteration standard: long vowels may be
written single ("nafrat", "musalman"), the inherent vowel is not written, and "t"/"d" do not say whether they are
dental or retroflex (dental is taken, the commoner). Rules, in order:
- the commonest function words come from a table ("hai" है, "nahi" नहीं, "mein" में, ...);
- a final "a", "i" or "u" is long ("tha" था, "gandi" गंदी), as it almost always is in Hindi; inside a word a
  single letter stays short ("pani" पनी: length is not recovered);
- "n" or "m" before a consonant is a nasal sign ("gande" गंदे), and a final "on", "en", "ein", "ain" is a nasalised
  vowel ("logon" लोगों, "hain" हैं);
- consonants meet with a virama only at the start of a word ("pyaar" प्यार, "kya" क्या) or when doubled
  ("bachche" बच्चे, and "cch" as in "bacche" बच्चे; "cchh" is च्छ); elsewhere the first keeps its inherent vowel
  ("nafrat" नफ़रत), which is how schwa deletion reads them anyway. "Good" (accha, acche, achhi, ...) is typed with
  the same letters but written अच्छा, so it comes from the table.
Words in capitals (acronyms), with digits, and mentions, hashtags and addresses are left as they are.
"""
from __future__ import annotations

import re

WORDS = {
    "hai": "है", "hain": "हैं", "hei": "है", "main": "मैं", "mein": "में", "me": "में", "nahi": "नहीं", "nahin": "नहीं",
    "nhi": "नहीं", "ko": "को", "se": "से", "ki": "की", "ka": "का", "ke": "के", "hum": "हम", "tum": "तुम", "aur": "और",
    "bhi": "भी", "ye": "ये", "yeh": "यह", "wo": "वो", "woh": "वह", "sab": "सब", "log": "लोग", "ek": "एक",
    "ho": "हो", "kya": "क्या", "mujhe": "मुझे", "unko": "उनको", "inko": "इनको", "par": "पर", "pe": "पे", "to": "तो",
    "tha": "था", "thi": "थी", "the": "थे", "kuch": "कुछ", "kuchh": "कुछ", "sirf": "सिर्फ", "apne": "अपने",
    "apna": "अपना", "apni": "अपनी", "hamare": "हमारे", "humare": "हमारे", "hamara": "हमारा", "kabhi": "कभी",
    "chahiye": "चाहिए", "chahie": "चाहिए", "kyunki": "क्योंकि", "kyuki": "क्योंकि", "lekin": "लेकिन",
    "bahut": "बहुत", "bohot": "बहुत", "bahot": "बहुत", "jo": "जो", "is": "इस", "us": "उस", "un": "उन", "in": "इन",
    "koi": "कोई", "mat": "मत", "aise": "ऐसे", "unhe": "उन्हें", "inhe": "इन्हें", "tumhe": "तुम्हें",
    "humein": "हमें", "hume": "हमें", "mere": "मेरे", "meri": "मेरी", "mera": "मेरा", "tera": "तेरा", "teri": "तेरी",
    "tere": "तेरे", "kyun": "क्यों", "kyon": "क्यों", "kyu": "क्यों", "sakte": "सकते", "sakta": "सकता",
    "sakti": "सकती", "hoon": "हूँ", "hun": "हूँ", "hu": "हूँ", "yahan": "यहाँ", "wahan": "वहाँ", "kahan": "कहाँ",
    # "cch" is mostly च्च (bacche, kaccha, sacchai); "good" is the common word typed the same way with च्छ
    "accha": "अच्छा", "acche": "अच्छे", "acchi": "अच्छी", "achha": "अच्छा", "achhe": "अच्छे", "achhi": "अच्छी",
}
_CONS = [("cchh", "च्छ"), ("cch", "च्च"), ("chh", "छ"), ("kh", "ख"), ("gh", "घ"), ("ch", "च"), ("jh", "झ"), ("th", "थ"),
         ("dh", "ध"), ("ph", "फ"), ("bh", "भ"), ("sh", "श"), ("k", "क"), ("g", "ग"), ("j", "ज"), ("t", "त"), ("d", "द"), ("n", "न"),
         ("p", "प"), ("f", "फ़"), ("b", "ब"), ("m", "म"), ("y", "य"), ("r", "र"), ("l", "ल"), ("v", "व"),
         ("w", "व"), ("s", "स"), ("h", "ह"), ("q", "क़"), ("z", "ज़"), ("x", "क्स"), ("c", "क")]
# Latin -> (independent letter, sign after a consonant), longest first; "a" after a consonant is the inherent vowel
_VOWELS = {"aa": ("आ", "ा"), "ai": ("ऐ", "ै"), "au": ("औ", "ौ"), "ee": ("ई", "ी"), "oo": ("ऊ", "ू"), "a": ("अ", ""),
           "i": ("इ", "ि"), "u": ("उ", "ु"), "e": ("ए", "े"), "o": ("ओ", "ो")}
_LONG = {"a": "aa", "i": "ee", "u": "oo"}  # a final short vowel is read long
_NASAL_END = {"on": "ों", "en": "ें", "ein": "ें", "ain": "ैं"}  # after a consonant
_VIRAMA, _ANUSVARA = "्", "ं"
_LATIN_WORD = re.compile(r"(?<![\w@#/.])[A-Za-z]+(?![\w@/:]|\.\w)")


def _parse(word: str) -> list[tuple[str, str]]:
    """('c', Devanagari consonant) and ('v', Latin vowel) tokens, longest match first."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(word):
        for lat in _VOWELS:
            if word.startswith(lat, i):
                out.append(("v", lat))
                i += len(lat)
                break
        else:
            for lat, dev in _CONS:
                if word.startswith(lat, i):
                    out.append(("c", dev))
                    i += len(lat)
                    break
            else:
                i += 1  # not a letter of these tables
    return out


def _word(word: str) -> str:
    low = word.lower()
    if low in WORDS:
        return WORDS[low]
    if len(word) > 1 and word.isupper():
        return word
    end = ""
    for tail, sign in _NASAL_END.items():
        if low.endswith(tail) and len(low) > len(tail) + 1 and low[-len(tail) - 1] not in "aeiou":
            low, end = low[:-len(tail)], sign
            break
    toks = _parse(low)
    out: list[str] = []
    initial = True  # still in the word's first run of consonants
    for k, (kind, val) in enumerate(toks):
        prev = toks[k - 1] if k else None
        nxt = toks[k + 1] if k + 1 < len(toks) else None
        if kind == "v":
            initial = False
            last = nxt is None and not end
            indep, sign = _VOWELS[_LONG.get(val, val) if last else val]
            out.append(sign if prev and prev[0] == "c" else indep)
            continue
        if val in ("न", "म") and prev and prev[0] == "v" and nxt and nxt[0] == "c" and nxt[1] != "ह":
            out.append(_ANUSVARA)  # a nasal before a consonant
            continue
        out.append(val)
        if nxt and nxt[0] == "c" and (initial or nxt[1] == val):
            out.append(_VIRAMA)
    return "".join(out) + end


def to_devanagari(text: str) -> str:
    """Every Latin word of `text` (Hindi typed in Latin letters) in Devanagari; other text unchanged."""
    return _LATIN_WORD.sub(lambda m: _word(m.group(0)), text)
