"""The statement-of-reasons checker enforces the DSA Transparency Database's field rules."""
from tocsin.record.sor import check_statement

GOOD = {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"], "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": "Terms, rule hate.auto-remove", "incompatible_content_explanation": "hate 0.97",
        "category": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", "category_specification": ["KEYWORD_HATE_SPEECH"],
        "content_type": ["CONTENT_TYPE_TEXT"], "content_language": "EN", "content_date": "2026-11-01",
        "application_date": "2026-11-02", "decision_facts": "removed", "source_type": "SOURCE_VOLUNTARY",
        "automated_detection": "Yes", "automated_decision": "AUTOMATED_DECISION_FULLY", "puid": "tocsin:abc"}


def problems(**change):
    s = dict(GOOD)
    for k, v in change.items():
        if v is None:
            s.pop(k, None)
        else:
            s[k] = v
    return check_statement(s)


def test_a_complete_statement_passes():
    assert check_statement(GOOD) == []


def test_each_rule_is_enforced():
    assert problems(decision_visibility=None) == [
        "decision_visibility, decision_monetary, decision_provision or decision_account: one is required"]
    assert problems(decision_visibility=["DECISION_VISIBILITY_HIDDEN"])[0].startswith("decision_visibility:")
    assert problems(decision_visibility=["DECISION_VISIBILITY_OTHER"]) == ["decision_visibility_other: is required"]
    assert problems(incompatible_content_ground=None) == ["incompatible_content_ground: is required"]
    assert problems(decision_ground="DECISION_GROUND_ILLEGAL_CONTENT") == [
        "illegal_content_legal_ground: is required", "illegal_content_explanation: is required"]
    assert problems(category="STATEMENT_CATEGORY_HATE") == ["category: 'STATEMENT_CATEGORY_HATE' is not one of the allowed values"]
    assert problems(category_specification=["KEYWORD_OTHER"]) == ["category_specification_other: is required"]
    assert problems(content_type=[]) == ["content_type: must be a non-empty list of CONTENT_TYPE_* values"]
    assert problems(content_language="en") == ["content_language: must be an ISO 639-1 code in capitals, like EN"]
    assert problems(application_date="2026-10-01") == ["application_date: must not be before content_date"]
    assert problems(end_date_visibility_restriction="2026-11-01") == [
        "end_date_visibility_restriction: must not be before application_date"]
    assert problems(end_date_account_restriction="2026-12-01") == [
        "end_date_account_restriction: given without decision_account"]
    assert problems(decision_facts="x" * 5001) == ["decision_facts: must be a non-empty string of at most 5000 characters"]
    assert problems(source_identity="someone") == ["source_identity: must be empty for a voluntary (own-initiative) decision"]
    assert problems(automated_detection="yes") == ["automated_detection: 'yes' is not one of the allowed values"]
    assert problems(puid="has spaces") == ["puid: letters, digits and - _ . : @ / only"]
    assert problems(content_date="01/11/2026") == ["content_date: must be a date YYYY-MM-DD"]
