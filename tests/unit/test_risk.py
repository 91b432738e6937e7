"""The risk score is a sum of visible parts; priorities, specialist routing and spikes follow from them."""
from tocsin.domain.cases import Case, Conflict, NotAllowed, Reviewer, check_dismiss
from tocsin.domain.risk import ReviewConfig, RiskInput, assess

import pytest


def risk(**kw):
    base = dict(category=None, confidence=0.0, reporters=0, reports_last_hour=0, reports_baseline_per_hour=0.0,
                trusted_reporters=0, category_reporters=0, reach=0, content_type="post", event_starts_in_s=None,
                prior_strikes=0)
    base.update(kw)
    return assess(RiskInput(**base))


def test_parts_add_up_and_are_explained():
    a = risk(category="hate", confidence=0.8, reporters=3, reports_last_hour=1, reach=999)
    assert a.risk == pytest.approx(sum(a.parts.values()), abs=0.05)
    assert a.parts["severity"] == 24 and a.parts["confidence"] == 20 and a.parts["reports"] == 10
    assert a.reasons[0].startswith(f"risk {a.risk:.0f} (severity 24")


def test_an_armed_event_starting_soon_is_p0_for_the_specialists():
    a = risk(category="violence", confidence=0.7, content_type="event", event_starts_in_s=6 * 3600, reach=5000)
    assert (a.priority, a.queue) == ("P0", "violence") and a.parts["event_soon"] == 25
    later = risk(category="violence", confidence=0.7, content_type="event", event_starts_in_s=30 * 86400, reach=5000)
    assert later.parts["event_soon"] == 0 and later.priority != "P0"


def test_spikes_and_specialist_reports():
    assert risk(category="other", reports_last_hour=10, reporters=10).priority == "P0"
    assert risk(category="other", reports_last_hour=4, reporters=5, reports_baseline_per_hour=0.5).priority == "P0"
    two = risk(category="violence", reporters=2, category_reporters=2, reports_last_hour=2)
    assert two.queue == "violence" and two.priority in ("P0", "P1")


def test_thresholds_come_from_config():
    cfg = ReviewConfig(p0=10, p1=5, p2=1)
    assert assess(RiskInput("spam", 0.5, 0, 0, 0, 0, 0, 0, "post", None, 0), cfg).priority == "P0"


def case(priority="P0", queue="violence", dismissed=()):
    return Case("c1", "s1", "open", queue, priority, 80, {}, [], "violence", "en", "t", "t", "t",
                dismissed_by=list(dismissed))


def test_dismissal_rules():
    outsider, s1, s2 = Reviewer("a", "moderator", None), Reviewer("b", "moderator", "violence"), \
        Reviewer("c", "admin", "violence")
    with pytest.raises(NotAllowed):
        check_dismiss(case(), outsider, "violence")
    assert check_dismiss(case(), s1, "violence") == "pending_second"
    with pytest.raises(Conflict):
        check_dismiss(case(dismissed=["b"]), s1, "violence")
    assert check_dismiss(case(dismissed=["b"]), s2, "violence") == "closed"
    assert check_dismiss(case(priority="P2"), outsider, "violence") == "closed"
    with pytest.raises(NotAllowed):  # an admin outside the team is still outside it
        check_dismiss(case(), Reviewer("d", "admin", None), "violence")
