"""Text normalisation shared by detectors: lower-case, drop zero-width and control characters,
collapse runs of whitespace. Kept length-preserving where it can be so evidence spans stay readable."""
from __future__ import annotations

import re
import unicodedata

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _ZERO_WIDTH.sub("", text)
    return _SPACES.sub(" ", text).strip().lower()
