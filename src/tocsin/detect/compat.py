"""Request and response shapes of the Perspective API (comments:analyze) and of OpenAI's moderation endpoint,
mapped onto tocsin's categories, so that a client migrating off either changes only a URL (and its key).

Perspective attribute  <- tocsin score
  TOXICITY             <- max(hate, harassment, profanity, violence)
  SEVERE_TOXICITY      <- max(hate, violence)
  IDENTITY_ATTACK      <- hate
  INSULT               <- harassment
  PROFANITY            <- profanity
  THREAT               <- violence
OpenAI category        <- tocsin score (categories tocsin does not detect are 0.0 and never flagged)
  hate, harassment, violence          <- the same category
  hate/threatening                    <- min(hate, violence)
  harassment/threatening              <- min(harassment, violence)
"""
from __future__ import annotations

import uuid
from typing import Any, Callable

PERSPECTIVE: dict[str, Callable[[dict[str, float]], float]] = {
    "TOXICITY": lambda s: max(s["hate"], s["harassment"], s["profanity"], s["violence"]),
    "SEVERE_TOXICITY": lambda s: max(s["hate"], s["violence"]),
    "IDENTITY_ATTACK": lambda s: s["hate"],
    "INSULT": lambda s: s["harassment"],
    "PROFANITY": lambda s: s["profanity"],
    "THREAT": lambda s: s["violence"],
}
OPENAI_CATEGORIES = ("harassment", "harassment/threatening", "hate", "hate/threatening", "illicit", "illicit/violent",
                     "self-harm", "self-harm/intent", "self-harm/instructions", "sexual", "sexual/minors", "violence",
                     "violence/graphic")
OPENAI_MODEL = "tocsin-moderation-2026.11"


class CompatError(ValueError):
    def __init__(self, message: str, status: str = "INVALID_ARGUMENT"):
        super().__init__(message)
        self.status = status


def parse_perspective(body: Any, max_chars: int) -> tuple[str, list[str], dict[str, float | None], list[str] | None, Any]:
    """(text, attributes, score thresholds, languages, clientToken) from an AnalyzeComment request."""
    if not isinstance(body, dict):
        raise CompatError("request must be a JSON object")
    comment = body.get("comment")
    text = comment.get("text") if isinstance(comment, dict) else None
    if not isinstance(text, str) or not text:
        raise CompatError("comment.text is required")
    if len(text) > max_chars:
        raise CompatError(f"comment.text is {len(text)} characters, over the limit of {max_chars}")
    requested = body.get("requestedAttributes")
    if not isinstance(requested, dict) or not requested:
        raise CompatError("requestedAttributes must name at least one attribute")
    thresholds: dict[str, float | None] = {}
    for name, opts in requested.items():
        if name not in PERSPECTIVE:
            raise CompatError(f"Attribute {name} does not exist; supported: {', '.join(PERSPECTIVE)}")
        t = opts.get("scoreThreshold") if isinstance(opts, dict) else None
        if t is not None and (not isinstance(t, (int, float)) or not 0 <= t <= 1):
            raise CompatError(f"requestedAttributes.{name}.scoreThreshold must be between 0 and 1")
        thresholds[name] = t
    langs = body.get("languages")
    if langs is not None and (not isinstance(langs, list) or not all(isinstance(x, str) for x in langs)):
        raise CompatError("languages must be a list of language codes")
    return text, list(requested), thresholds, langs, body.get("clientToken")


def perspective_response(scores: dict[str, float], attributes: list[str], thresholds: dict[str, float | None],
                         text: str, detected: str, langs: list[str] | None, client_token: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in attributes:
        value = round(float(PERSPECTIVE[name](scores)), 6)
        t = thresholds.get(name)
        if t is not None and value < t:
            continue  # Perspective omits attributes below the requested threshold
        score = {"value": value, "type": "PROBABILITY"}
        out[name] = {"spanScores": [{"begin": 0, "end": len(text), "score": score}], "summaryScore": score}
    resp: dict[str, Any] = {"attributeScores": out, "languages": langs or [detected], "detectedLanguages": [detected]}
    if client_token is not None:
        resp["clientToken"] = client_token
    return resp


def parse_openai(body: Any, max_chars: int, max_items: int) -> list[str]:
    if not isinstance(body, dict):
        raise CompatError("request must be a JSON object")
    inp = body.get("input")
    texts = [inp] if isinstance(inp, str) else inp
    if not isinstance(texts, list) or not texts:
        raise CompatError("input must be a string or a non-empty array of strings")
    if len(texts) > max_items:
        raise CompatError(f"input has {len(texts)} items; the limit is {max_items}")
    for i, t in enumerate(texts):
        if isinstance(t, dict) and t.get("type") == "text":
            t = t.get("text")
        if not isinstance(t, str):
            raise CompatError(f"input[{i}] must be a string (tocsin moderates text only)")
        if len(t) > max_chars:
            raise CompatError(f"input[{i}] is {len(t)} characters, over the limit of {max_chars}")
        texts[i] = t
    return texts


def openai_response(results: list[tuple[dict[str, float], dict[str, bool]]]) -> dict[str, Any]:
    out = []
    for scores, flags in results:
        cs = {c: 0.0 for c in OPENAI_CATEGORIES}
        cf = {c: False for c in OPENAI_CATEGORIES}
        for c in ("hate", "harassment", "violence"):
            cs[c], cf[c] = round(scores[c], 6), flags[c]
        cs["hate/threatening"] = round(min(scores["hate"], scores["violence"]), 6)
        cf["hate/threatening"] = flags["hate"] and flags["violence"]
        cs["harassment/threatening"] = round(min(scores["harassment"], scores["violence"]), 6)
        cf["harassment/threatening"] = flags["harassment"] and flags["violence"]
        out.append({"flagged": any(cf.values()), "categories": cf, "category_scores": cs,
                    "category_applied_input_types": {c: ["text"] for c in OPENAI_CATEGORIES}})
    return {"id": f"modr-{uuid.uuid4().hex}", "model": OPENAI_MODEL, "results": out}
