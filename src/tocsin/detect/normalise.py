"""Text normalisation shared by detectors.

`normalise` is the light, length-preserving form the lexical detector matches on. `deobfuscate` writes Devanagari
Hindi in Latin letters as it is typed online (`romanise`) and undoes common evasion before a model sees the text:
zero-width and soft-hyphen insertions, homoglyphs from other scripts inside Latin words, leetspeak inside words
(k1ll, h4te, Flüchtl1nge, h8; not 10h30, #COVID19 or MP3), letters spaced or dotted apart (k i l l, k.i.l.l),
runs of one letter (kiiiill), and emoji used as stand-ins for weapons and violence. Before all that it mends
mojibake: UTF-8 that was read as Windows-1252 on the way ("cafÃ©", "Ø§Ù†Ø§"), which leaves Arabic, Chinese or
Hindi unreadable to any model (`repair_mojibake`). The rules are versioned (`RULES`): weights trained with
earlier rules are reproduced by passing the version they read (models/build.py).
"""
from __future__ import annotations

import re
import unicodedata

from .romanise import romanise

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e]")
_SPACES = re.compile(r"\s+")

# Cyrillic and Greek letters that look like Latin ones; replaced only inside words that also hold Latin letters.
_HOMOGLYPHS = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ɡ": "g", "һ": "h", "к": "k", "м": "m", "н": "h", "т": "t", "в": "b",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X",
    "α": "a", "ο": "o", "ρ": "p", "ν": "v", "τ": "t", "ι": "i", "κ": "k", "υ": "u",
})
_LATIN_AND_OTHER = re.compile(r"\b(?=\w*[a-zA-Z])(?=\w*[\u0370-\u03ff\u0400-\u04ff\u0500-\u052f\u0261])\w+\b")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s",
                       "!": "i", "|": "l"})
_LEET_WORD = re.compile(r"(?<![\w@$!|])(?=[\w@$!|]*[a-zA-Z])(?=[\w@$!|]*[0-9@$!|])[a-zA-Z0-9@$!|]*[a-zA-Z0-9][a-zA-Z0-9@$!|]*")
# Rules 3: Latin letters with diacritics count as letters ("Flüchtl1nge", "Żyd0wie"); 8 and 9 are read from context.
LATIN_LETTERS = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"  # a regex class's inside: Latin with diacritics
_LATIN = LATIN_LETTERS
_LEET_3 = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i",
                         "|": "l"})
_LEET_WORD_3 = re.compile(f"(?<![\\w@$!|])(?=[\\w@$!|]*[{_LATIN}])(?=[\\w@$!|]*[0-9@$!|])"
                          f"[{_LATIN}0-9@$!|]*[{_LATIN}0-9][{_LATIN}0-9@$!|]*")
# Not leetspeak: a number with a unit or an ordinal ("10h30", "3D", "1er", "3ème", "1080p"), a name followed by a
# number ("COVID19", "#WorldCup2019", "@user2099"), an upper-case code ("MP3", "F1").
_UNITS = "ème|eme|ère|ere|min|hrs|kms|kgs|ter|ten|ste"  # ordinals and units of three letters; any of one or two
_NUMBERISH = re.compile(f"\\d+(?:[{_LATIN}]{{1,2}}|{_UNITS})\\d*|[{_LATIN}]+\\d{{2,}}", re.IGNORECASE)
_CODE = re.compile(r"[A-Z]{1,3}\d")
_EIGHT = re.compile(f"(?<=[{_LATIN}])8")  # h8, l8r, m8: "ate" ("at" before e: h8ers, sk8er)
_NINE = re.compile(f"(?<=[{_LATIN}])9(?=9*[{_LATIN}])|(?<=9)9(?=[{_LATIN}])")  # ni99a: g between letters
_SPACED = re.compile(r"(?<!\w)(?:\w[ .\-_*]){2,}\w(?!\w)")
_RUNS = re.compile(r"([^\W\d_])\1{2,}")  # letters only: "10000" is not "100"
_EMOJI = {"🔪": " knife ", "🗡": " knife ", "🔫": " gun ", "💣": " bomb ", "🧨": " bomb ", "💥": " explosion ",
          "🔥": " fire ", "☠": " death ", "💀": " death ", "⚰": " coffin ", "🪓": " axe ", "🩸": " blood ",
          "🐀": " rat ", "🐖": " pig ", "🐒": " monkey ", "🦍": " ape ", "🪳": " cockroach ", "🐍": " snake "}
_EMOJI_RE = re.compile("|".join(map(re.escape, _EMOJI)))


# Windows-1252 is Latin-1 except at 0x80-0x9F, where it has typographic characters ("€", "’", "–"); the five bytes
# it leaves undefined read as Latin-1's C1 controls, as lenient decoders read them.
_CP1252_OVER_LATIN1 = {chr(b): c for b in range(0x80, 0xA0) if (c := bytes([b]).decode("cp1252", errors="ignore"))}
_TO_CP1252 = str.maketrans(_CP1252_OVER_LATIN1)
_FROM_CP1252 = str.maketrans({c: latin for latin, c in _CP1252_OVER_LATIN1.items()})
# The characters Windows-1252 reads the bytes 0x80-0xFF as: a run of two or more of them may be UTF-8 bytes decoded
# with the wrong code page.
_CP1252_HIGH = "".join(map(chr, range(0x80, 0x100))).translate(_TO_CP1252)
_MOJIBAKE_RUN = re.compile(f"[{re.escape(_CP1252_HIGH)}]{{2,}}")
_OTHER_NON_ASCII = re.compile(f"[^\\x00-\\x7f{re.escape(_CP1252_HIGH)}]")


def read_as_windows_1252(data: bytes) -> str:
    """Bytes decoded as Windows-1252 (undefined bytes as Latin-1): how mojibake is made from UTF-8."""
    return data.decode("latin-1").translate(_TO_CP1252)


def _plausible(ch: str) -> bool:
    """A character mojibake could honestly have come from: a letter of the scripts whose UTF-8 is two bytes and
    which people type (Latin-1 and Latin Extended-A, Greek, Cyrillic, Armenian, Hebrew letters, Arabic) or anything
    from U+0800 on (Indic, CJK, typographic punctuation, emoji). Other two-byte results come from legitimate pairs
    of Windows-1252 characters: Turkish "FETÖ’nün" would read as a Hebrew accent, "KOÇ’un" as "ǒ", "ß…" as NKo."""
    return ("\u00a0" <= ch <= "\u017f" or "\u0370" <= ch <= "\u058f" or "\u05d0" <= ch <= "\u06ff"
            or ch >= "\u0800")


def _mend(m: re.Match[str]) -> str:
    run = m.group(0)
    try:
        fixed = run.translate(_FROM_CP1252).encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return run
    return fixed if all(_plausible(ch) for ch in fixed) else run


def repair_mojibake(text: str) -> str:
    """Each run of Windows-1252 high characters that is valid UTF-8 once written back as bytes, decoded as UTF-8:
    "cafÃ©" becomes "café". Only a text all of whose characters Windows-1252 could have produced is mended, as a
    text read with the wrong code page is; any other is returned as it is, and so is text that is not mojibake
    (a lone accented letter, or pairs such as "çã", are not valid UTF-8)."""
    if text.isascii() or _OTHER_NON_ASCII.search(text):
        return text
    return _MOJIBAKE_RUN.sub(_mend, text)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _ZERO_WIDTH.sub("", text)
    return _SPACES.sub(" ", text).strip().lower()


_EDGE = "@$!|"


def _edges(word: str) -> tuple[str, str, str]:
    """Symbols at a word's edges are punctuation and mentions ("day!", "@user"), not letters in disguise."""
    lead = len(word) - len(word.lstrip(_EDGE))
    trail = len(word) - len(word.rstrip(_EDGE))
    return word[:lead], word[lead:len(word) - trail], word[len(word) - trail:]


def _leet(m: re.Match[str]) -> str:
    word = m.group(0)
    if word.isdigit() or re.fullmatch(r"\d+(st|nd|rd|th|s|h|m|k|am|pm)", word.lower()):
        return word  # numbers, 1st, 10pm, 5k are not leetspeak
    lead, core, trail = _edges(word)
    return lead + core.translate(_LEET) + trail


def _leet_3(m: re.Match[str]) -> str:
    lead, core, trail = _edges(m.group(0))
    if core.isdigit() or _NUMBERISH.fullmatch(core) or _CODE.fullmatch(core):
        return m.group(0)
    core = _EIGHT.sub(lambda e: "at" if core[e.end():e.end() + 1] == "e" else "ate", core)
    core = _NINE.sub("g", core)
    return lead + core.translate(_LEET_3) + trail


# What each version of the rules added; a model records the version it was trained with (models/build.py), and the
# detectors serve the latest. 1: the rules until 2026.11.9. 2: mojibake mended first (2026.12.1). 3: leetspeak in
# words with accented letters, numbers, names with numbers and codes left alone, 8 and 9 read from context (2026.12.2).
RULES = 3


def deobfuscate(text: str, romanise_hindi: bool = True, rules: int = RULES) -> str:
    """The text as the models read it. `romanise_hindi=False` keeps Devanagari as it is written, for encoders that
    read it well (e5: a Hindi sentence in Devanagari sits at cosine ~0.9 from its English translation, in Latin
    letters ~0.8); USE was not trained on Hindi and reads the romanised form better. `rules` below `RULES` gives the
    text as an earlier version read it, for reproducing weights trained with it (models/build.py)."""
    text = unicodedata.normalize("NFKC", repair_mojibake(text) if rules >= 2 else text)
    text = _ZERO_WIDTH.sub("", text)
    if romanise_hindi:
        text = romanise(text)
    text = _EMOJI_RE.sub(lambda m: _EMOJI[m.group(0)], text)
    text = _LATIN_AND_OTHER.sub(lambda m: m.group(0).translate(_HOMOGLYPHS), text)
    text = _SPACED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group(0)), text)
    text = _LEET_WORD_3.sub(_leet_3, text) if rules >= 3 else _LEET_WORD.sub(_leet, text)
    text = _RUNS.sub(r"\1\1", text)
    return _SPACES.sub(" ", text).strip()
