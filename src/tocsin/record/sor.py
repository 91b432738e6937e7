"""Statements of reasons in the EU DSA Transparency Database format (art. 17 and 24(5) DSA), built from the audit
log, with a checker for the database's field rules so that nothing invalid is exported.

Mapping: content actions give `decision_visibility` (remove: REMOVED, ban: DISABLED, demote and reduced
distribution: DEMOTED, label: LABELLED, paused RSVPs: INTERACTION_RESTRICTED); a freeze is a partial suspension
of the service (`decision_provision`), a suspension an account suspension (`decision_account`); timed actions
give the matching end dates. Decisions rest on the platform's terms (`DECISION_GROUND_INCOMPATIBLE_CONTENT`), the
ground naming the policy, its version and the rule. `source_type` is ARTICLE_16 when a user report came first,
TRUSTED_FLAGGER when a trusted flagger's did, else VOLUNTARY.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Iterable

from ..domain.model import LogEvent

VISIBILITY = {"remove": "DECISION_VISIBILITY_CONTENT_REMOVED", "ban": "DECISION_VISIBILITY_CONTENT_DISABLED",
              "demote": "DECISION_VISIBILITY_CONTENT_DEMOTED", "limit_distribution": "DECISION_VISIBILITY_CONTENT_DEMOTED",
              "hide_from_discovery": "DECISION_VISIBILITY_CONTENT_DEMOTED",
              "label": "DECISION_VISIBILITY_CONTENT_LABELLED",
              "pause_rsvps": "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED"}
CATEGORY = {"hate": ("STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", ["KEYWORD_HATE_SPEECH"]),
            "violence": ("STATEMENT_CATEGORY_VIOLENCE", ["KEYWORD_INCITEMENT_VIOLENCE_HATRED"]),
            "harassment": ("STATEMENT_CATEGORY_CYBER_VIOLENCE", ["KEYWORD_CYBER_HARASSMENT"]),
            "profanity": ("STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE", ["KEYWORD_OTHER"]),
            "misinformation": ("STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
                               ["KEYWORD_MISINFORMATION_DISINFORMATION"]),
            "spam": ("STATEMENT_CATEGORY_SCAMS_AND_FRAUD", ["KEYWORD_OTHER"]),
            "other": ("STATEMENT_CATEGORY_OTHER_VIOLATION_TC", [])}

DECISION_VISIBILITY = ("DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_VISIBILITY_CONTENT_DISABLED",
                       "DECISION_VISIBILITY_CONTENT_DEMOTED", "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
                       "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED", "DECISION_VISIBILITY_CONTENT_LABELLED",
                       "DECISION_VISIBILITY_OTHER")
DECISION_MONETARY = ("DECISION_MONETARY_SUSPENSION", "DECISION_MONETARY_TERMINATION", "DECISION_MONETARY_OTHER")
DECISION_PROVISION = ("DECISION_PROVISION_PARTIAL_SUSPENSION", "DECISION_PROVISION_TOTAL_SUSPENSION",
                      "DECISION_PROVISION_PARTIAL_TERMINATION", "DECISION_PROVISION_TOTAL_TERMINATION")
DECISION_ACCOUNT = ("DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED")
DECISION_GROUND = ("DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT")
SOURCE_TYPE = ("SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION", "SOURCE_VOLUNTARY")
AUTOMATED_DECISION = ("AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED")
CONTENT_TYPE = ("CONTENT_TYPE_APP", "CONTENT_TYPE_AUDIO", "CONTENT_TYPE_IMAGE", "CONTENT_TYPE_PRODUCT",
                "CONTENT_TYPE_SYNTHETIC_MEDIA", "CONTENT_TYPE_TEXT", "CONTENT_TYPE_VIDEO", "CONTENT_TYPE_OTHER")
CATEGORIES = tuple(sorted({c for c, _ in CATEGORY.values()} | {
    "STATEMENT_CATEGORY_ANIMAL_WELFARE", "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN", "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS", "STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR",
    "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE", "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT",
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS", "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    "STATEMENT_CATEGORY_SELF_HARM", "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS"}))
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LANG = re.compile(r"^[A-Z]{2}$")
_ENDS = {"decision_visibility": "end_date_visibility_restriction", "decision_monetary": "end_date_monetary_restriction",
         "decision_provision": "end_date_service_restriction", "decision_account": "end_date_account_restriction"}


def check_statement(s: dict[str, Any]) -> list[str]:
    """Problems with one statement under the Transparency Database's field rules ([] when it is valid)."""
    errs: list[str] = []

    def one_of(f: str, allowed: tuple[str, ...], required: bool = False) -> None:
        v = s.get(f)
        if v is None:
            if required:
                errs.append(f"{f}: is required")
        elif v not in allowed:
            errs.append(f"{f}: {v!r} is not one of the allowed values")

    def text(f: str, limit: int, required: bool = False) -> None:
        v = s.get(f)
        if v is None:
            if required:
                errs.append(f"{f}: is required")
        elif not isinstance(v, str) or not v.strip() or len(v) > limit:
            errs.append(f"{f}: must be a non-empty string of at most {limit} characters")

    def day(f: str, required: bool = False) -> date | None:
        v = s.get(f)
        if v is None:
            if required:
                errs.append(f"{f}: is required")
            return None
        if not isinstance(v, str) or not _DATE.match(v):
            errs.append(f"{f}: must be a date YYYY-MM-DD")
            return None
        return date.fromisoformat(v)

    vis = s.get("decision_visibility")
    if vis is not None and (not isinstance(vis, list) or not vis or any(v not in DECISION_VISIBILITY for v in vis)
                            or len(set(vis)) != len(vis)):
        errs.append("decision_visibility: must be a non-empty list of distinct DECISION_VISIBILITY_* values")
    if isinstance(vis, list) and "DECISION_VISIBILITY_OTHER" in vis:
        text("decision_visibility_other", 500, True)
    one_of("decision_monetary", DECISION_MONETARY)
    if s.get("decision_monetary") == "DECISION_MONETARY_OTHER":
        text("decision_monetary_other", 500, True)
    one_of("decision_provision", DECISION_PROVISION)
    one_of("decision_account", DECISION_ACCOUNT)
    if not any(s.get(f) for f in _ENDS):
        errs.append("decision_visibility, decision_monetary, decision_provision or decision_account: one is required")
    one_of("account_type", ("ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE"))
    one_of("decision_ground", DECISION_GROUND, True)
    if s.get("decision_ground") == "DECISION_GROUND_ILLEGAL_CONTENT":
        text("illegal_content_legal_ground", 500, True)
        text("illegal_content_explanation", 2000, True)
    if s.get("decision_ground") == "DECISION_GROUND_INCOMPATIBLE_CONTENT":
        text("incompatible_content_ground", 500, True)
        text("incompatible_content_explanation", 2000, True)
        one_of("incompatible_content_illegal", ("Yes", "No"))
    one_of("category", CATEGORIES, True)
    spec = s.get("category_specification")
    if spec is not None and (not isinstance(spec, list) or any(not str(k).startswith("KEYWORD_") for k in spec)):
        errs.append("category_specification: must be a list of KEYWORD_* values")
    if isinstance(spec, list) and "KEYWORD_OTHER" in spec:
        text("category_specification_other", 500, True)
    ct = s.get("content_type")
    if not isinstance(ct, list) or not ct or any(c not in CONTENT_TYPE for c in ct):
        errs.append("content_type: must be a non-empty list of CONTENT_TYPE_* values")
    if s.get("content_language") is not None and not _LANG.match(str(s["content_language"])):
        errs.append("content_language: must be an ISO 639-1 code in capitals, like EN")
    content, applied = day("content_date", True), day("application_date", True)
    if content and content < date(2000, 1, 1):
        errs.append("content_date: must be 2000-01-01 or later")
    if content and applied and applied < content:
        errs.append("application_date: must not be before content_date")
    for f, end in _ENDS.items():
        d = day(end)
        if d is not None and not s.get(f):
            errs.append(f"{end}: given without {f}")
        if d is not None and applied and d < applied:
            errs.append(f"{end}: must not be before application_date")
    text("decision_facts", 5000, True)
    one_of("source_type", SOURCE_TYPE, True)
    if s.get("source_type") == "SOURCE_VOLUNTARY" and s.get("source_identity"):
        errs.append("source_identity: must be empty for a voluntary (own-initiative) decision")
    one_of("automated_detection", ("Yes", "No"), True)
    one_of("automated_decision", AUTOMATED_DECISION, True)
    text("puid", 500, True)
    if isinstance(s.get("puid"), str) and not re.match(r"^[\w.:@/-]+$", s["puid"]):
        errs.append("puid: letters, digits and - _ . : @ / only")
    return errs


def _day(ts: str | None) -> str | None:
    return ts[:10] if ts else None


def statements(events: Iterable[LogEvent], since: str = "", until: str = "9999") -> list[dict[str, Any]]:
    """One statement per decision that restricted content or an account, from the log, in log order."""
    items: dict[str, dict[str, Any]] = {}
    reports: dict[str, dict[str, Any]] = {}
    signals: set[str] = set()
    decisions: dict[str, dict[str, Any]] = {}
    actions: dict[str, list[dict[str, Any]]] = {}
    order: list[str] = []
    for e in events:
        p = e.payload
        if e.kind == "item.ingested":
            items.setdefault(e.subject_id, {"at": e.created_at, "lang": p.get("lang"), "type": p.get("type")})
        elif e.kind == "signals.recorded":
            signals.add(e.subject_id)
        elif e.kind == "report.received":
            reports.setdefault(e.subject_id, {"at": e.created_at, "trusted": p.get("trusted_flagger")})
        elif e.kind == "decision.made":
            decisions[p["decision_id"]] = dict(p, subject_id=e.subject_id, at=e.created_at)
        elif e.kind == "action.applied" and p.get("decision_id") in decisions:
            if p["decision_id"] not in actions:
                order.append(p["decision_id"])
            actions.setdefault(p["decision_id"], []).append(p)
    out = []
    for did in order:
        d = decisions[did]
        if d.get("verdict") in ("interim",) or not since <= d["at"] < until:
            continue
        out.append(_statement(d, actions[did], items, reports, signals))
    return out


def _statement(d: dict, acts: list[dict], items: dict, reports: dict, signals: set) -> dict[str, Any]:
    item_id = acts[0].get("item_id") or d["subject_id"]
    item = items.get(item_id, {})
    s: dict[str, Any] = {}
    vis = [VISIBILITY[a["type"]] for a in acts if a["type"] in VISIBILITY]
    if vis:
        s["decision_visibility"] = list(dict.fromkeys(vis))
        ends = [a.get("expires_at") for a in acts if a["type"] in VISIBILITY]
        if all(ends):
            s["end_date_visibility_restriction"] = _day(max(ends))
    for a in acts:
        if a["type"] == "freeze":
            s["decision_provision"] = "DECISION_PROVISION_PARTIAL_SUSPENSION"
            if a.get("expires_at"):
                s["end_date_service_restriction"] = _day(a["expires_at"])
        elif a["type"] == "suspend":
            s["decision_account"] = "DECISION_ACCOUNT_SUSPENDED"
            if a.get("expires_at"):
                s["end_date_account_restriction"] = _day(a["expires_at"])
    category, keywords = CATEGORY.get(d.get("category") or "other", CATEGORY["other"])
    reasons = "; ".join(d.get("reasons") or []) or "no reason recorded"
    reported = reports.get(item_id)
    reported_first = reported is not None and reported["at"] <= d["at"]
    detected = item_id in signals and (d.get("automated") or not reported_first)
    s.update({
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": f"Terms of service, policy {d.get('policy')} {d.get('policy_version')}, "
                                       f"rule {d.get('rule') or 'reviewer decision'}"[:500],
        "incompatible_content_explanation": reasons[:2000],
        "category": category,
        "content_type": ["CONTENT_TYPE_TEXT"],
        "content_date": min(_day(item.get("at") or d["at"]), _day(d["at"])),  # type: ignore[type-var]
        "application_date": _day(d["at"]),
        "decision_facts": (f"{d.get('verdict')} of {item.get('type') or 'account'} {item_id}: {reasons}")[:5000],
        "source_type": ("SOURCE_TRUSTED_FLAGGER" if reported_first and reported.get("trusted")  # type: ignore[union-attr]
                        else "SOURCE_ARTICLE_16" if reported_first else "SOURCE_VOLUNTARY"),
        "automated_detection": "Yes" if detected else "No",
        "automated_decision": ("AUTOMATED_DECISION_FULLY" if d.get("automated") else
                               "AUTOMATED_DECISION_PARTIALLY" if detected else "AUTOMATED_DECISION_NOT_AUTOMATED"),
        "puid": f"tocsin:{d['decision_id']}",
    })
    if keywords:
        s["category_specification"] = keywords
        if "KEYWORD_OTHER" in keywords:
            s["category_specification_other"] = d.get("category") or "other"
    lang = (item.get("lang") or "").upper()
    if _LANG.match(lang):
        s["content_language"] = lang
    return s
