"""Act before harm, through the HTTP API: the armed-gathering event reaches the violence specialists as P0
with interim protection before anyone reports it; reports escalate what the classifier misses; only
specialists can dismiss a P0 violence case, and it takes two of them."""
import pytest

from tocsin.domain.clock import plus as clock_plus
from tocsin.record.keys import create_key

NOW = "2026-11-20T12:00:00.000Z"


def event(eid, text, starts_at="2026-11-20T20:00:00Z", views=5000, rsvps=300):
    return {"id": eid, "type": "event", "title": "Community meeting", "text": text, "lang": "en",
            "author": {"id": "acct-organiser", "followers": 3000}, "parent_id": "page-town",
            "created_at": "2026-11-20T11:00:00Z", "event": {"starts_at": starts_at, "place": "Lincoln Square"},
            "metrics": {"views": views, "rsvps": rsvps}}


@pytest.fixture
def specialists(store, clock):
    return [create_key(store, "moderator", f"specialist-{i}", clock.now(), team="violence").key for i in (1, 2)]


def post(client, path, key, body):
    return client.post(path, json=body, headers={"Authorization": f"Bearer {key}"})


def get(client, path, key):
    return client.get(path, headers={"Authorization": f"Bearer {key}"})


def test_armed_gathering_is_p0_for_violence_specialists_with_interim_protection_on_ingest(client, keys):
    body = event("evt-defend", "Calling all armed citizens: the police have abandoned us. Gather tonight at "
                               "Lincoln Square with your rifles and defend our city.")
    r = post(client, "/v1/moderate", keys["ingest"], body)
    assert r.status_code == 200
    assert any(s["category"] == "violence" and s["score"] >= 0.5 for s in r.json()["signals"])
    cases = get(client, "/v1/queue?name=violence", keys["moderator"]).json()["cases"]
    assert [c["subject_id"] for c in cases] == ["evt-defend"]
    case = cases[0]
    assert case["priority"] == "P0" and case["queue"] == "violence"
    assert case["risk_parts"]["event_soon"] > 0 and any("starts in" in reason for reason in case["reasons"])
    status = get(client, "/v1/subjects/evt-defend", keys["moderator"]).json()["status"]
    active = {a["type"] for a in status["active_actions"]}
    assert {"limit_distribution", "hide_from_discovery", "pause_rsvps"} <= active
    assert [e["kind"] for e in get(client, "/v1/subjects/evt-defend", keys["moderator"]).json()["events"]].count(
        "case.opened") == 1


def test_reports_escalate_what_the_classifier_missed(client, keys, clock):
    body = event("evt-quiet", "Neighbourhood meeting at the square, everyone welcome. Bring a friend.",
                 starts_at="2026-11-23T18:00:00Z")  # three days away: no urgency from the date alone
    assert post(client, "/v1/moderate", keys["ingest"], body).json()["decision"]["verdict"] == "allow"
    assert get(client, "/v1/queue", keys["moderator"]).json()["cases"] == []

    def report(n):
        return post(client, "/v1/reports", keys["ingest"], {"subject_id": "evt-quiet", "reporter_id": f"u-{n}",
                                                           "reason": "violence", "text": "they are arming up"})

    first = report(1).json()["cases"][0]
    assert first["priority"] != "P0"
    clock.advance(60)
    second = report(2).json()["cases"][0]
    assert second["queue"] == "violence" and second["priority"] in ("P0", "P1")
    again = report(2).json()  # the same reporter again is not counted twice
    assert again["counted_for"] == [] and again["duplicate_for"] == ["evt-quiet"]
    for n in range(3, 11):
        clock.advance(120)
        out = report(n).json()["cases"][0]
    assert out["priority"] == "P0" and out["queue"] == "violence"
    assert any("report spike" in r for r in out["reasons"])


def test_a_report_on_a_comment_counts_for_its_event(client, keys):
    post(client, "/v1/content", keys["ingest"], [event("evt-x", "Fun run in the park, all ages."),
                                                 {"id": "cmt-x", "type": "comment", "text": "see you there",
                                                  "parent_id": "evt-x", "lang": "en"}])
    out = post(client, "/v1/reports", keys["ingest"], {"subject_id": "cmt-x", "reporter_id": "u-1",
                                                      "reason": "harassment", "text": ""}).json()
    assert out["counted_for"] == ["cmt-x", "evt-x"]
    assert post(client, "/v1/reports", keys["ingest"], {"subject_id": "nope", "reporter_id": "u-1",
                                                       "reason": "hate"}).status_code == 404
    assert post(client, "/v1/reports", keys["ingest"], {"subject_id": "cmt-x", "reporter_id": "u-1",
                                                       "reason": "rudeness"}).status_code == 422


def test_only_specialists_dismiss_a_p0_violence_case_and_it_takes_two(client, keys, specialists):
    post(client, "/v1/moderate", keys["ingest"], event(
        "evt-arms", "Armed patriots, bring your guns to Lincoln Square tonight, we will defend this town by force."))
    (case,) = get(client, "/v1/queue?name=violence", keys["moderator"]).json()["cases"]
    assert case["priority"] == "P0"
    decide = f"/v1/cases/{case['case_id']}/decide"
    outsider = post(client, decide, keys["moderator"], {"verdict": "dismiss", "reason": "looks fine"})
    assert outsider.status_code == 403 and "specialist" in outsider.json()["error"]["message"]
    assert post(client, decide, keys["auditor"], {"verdict": "dismiss", "reason": "x"}).status_code == 403
    assert post(client, decide, specialists[0], {"verdict": "dismiss", "reason": ""}).status_code == 422
    first = post(client, decide, specialists[0], {"verdict": "dismiss", "reason": "a re-enactment society"})
    assert first.status_code == 200 and first.json()["status"] == "pending_second"
    assert post(client, decide, specialists[0], {"verdict": "dismiss", "reason": "again"}).status_code == 409
    still = get(client, "/v1/subjects/evt-arms", keys["moderator"]).json()["status"]
    assert "limit_distribution" in {a["type"] for a in still["active_actions"]}  # protected until the second review
    second = post(client, decide, specialists[1], {"verdict": "dismiss", "reason": "confirmed: historical club"})
    assert second.json()["status"] == "closed" and second.json()["outcome"] == "allow"
    after = get(client, "/v1/subjects/evt-arms", keys["moderator"]).json()
    assert after["status"]["active_actions"] == [] and after["status"]["visibility"] == "visible"
    assert get(client, "/v1/queue?name=violence", keys["moderator"]).json()["cases"] == []


def test_specialist_removal_claims_and_locks(client, keys, specialists, clock):
    post(client, "/v1/moderate", keys["ingest"], event(
        "evt-rm", "Militia members, load your rifles and meet at the bridge tonight. Anyone crossing gets shot."))
    (case,) = get(client, "/v1/queue?name=violence", keys["moderator"]).json()["cases"]
    claim = post(client, f"/v1/cases/{case['case_id']}/claim", specialists[0], {})
    assert claim.status_code == 200 and claim.json()["claimed_by"]
    blocked = post(client, f"/v1/cases/{case['case_id']}/decide", specialists[1], {"verdict": "remove", "reason": "x"})
    assert blocked.status_code == 409
    clock.advance(16 * 60)  # the claim times out
    done = post(client, f"/v1/cases/{case['case_id']}/decide", specialists[1],
                {"verdict": "remove", "reason": "call to arms", "rule": "violence.incitement"})
    assert done.json()["status"] == "closed" and done.json()["outcome"] == "remove"
    status = get(client, "/v1/subjects/evt-rm", keys["moderator"]).json()["status"]
    assert status["visibility"] == "removed" and status["last_verdict"] == "remove"
    decisions = get(client, "/v1/decisions?subject_id=evt-rm", keys["auditor"]).json()["decisions"]
    human = [d for d in decisions if not d["automated"]]
    assert human and human[-1]["reviewer"].startswith("key:") and human[-1]["reasons"] == ["call to arms"]


def test_an_sla_breach_moves_a_case_up(client, keys, clock):
    post(client, "/v1/content", keys["ingest"], [{"id": "p-sla", "text": "a quiet post about gardening", "lang": "en"}])
    (case,) = post(client, "/v1/reports", keys["ingest"], {"subject_id": "p-sla", "reporter_id": "u-1",
                                                          "reason": "harassment"}).json()["cases"]
    sla = {"P3": 24 * 3600, "P2": 4 * 3600, "P1": 3600}
    assert case["priority"] in ("P3", "P2")
    clock.advance(sla[case["priority"]] - 60)
    assert post(client, "/v1/tick", keys["admin"], {}).json()["escalated"] == []
    clock.advance(60)
    (moved,) = post(client, "/v1/tick", keys["admin"], {}).json()["escalated"]
    up = {"P3": "P2", "P2": "P1"}[case["priority"]]
    assert moved["case_id"] == case["case_id"] and moved["priority"] == up
    assert "SLA breached" in moved["reasons"][-1] and moved["sla_due"] == clock_plus(clock.now(), sla[up])
