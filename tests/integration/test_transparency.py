"""Transparency reports and statements of reasons from the demo data, on both backends. The report's numbers are
recomputed here, independently, from the audit log as GET /v1/audit serves it."""
import csv
import io
import json

import pytest

from tocsin.adapters.cli.main import main as cli
from tocsin.record.report_html import render_html
from tocsin.record.sor import check_statement, statements
from tocsin.record.transparency import all_events, report_from_store

ENFORCE = {"remove", "ban", "suspend", "freeze", "demote", "label"}


@pytest.fixture
def demo(store_url, store, capsys):
    assert cli(["demo", "load", "--db", store_url]) == 0
    capsys.readouterr()
    return store_url


def audit_events(client, key):
    events, after = [], 0
    while True:
        page = client.get(f"/v1/audit?after={after}&limit=500", headers={"Authorization": f"Bearer {key}"}).json()
        events += page["events"]
        if not page["events"]:
            return events
        after = page["next"]


def recompute(events, day_from, day_to):
    lo, hi = day_from + "T00:00:00", day_to + "T99"
    inside = [e for e in events if lo <= e["created_at"] < hi]
    decisions = {e["payload"]["decision_id"]: e["payload"] for e in events if e["kind"] == "decision.made"}
    first_action = {}
    for e in inside:
        if e["kind"] == "action.applied" and e["payload"]["type"] in ENFORCE:
            first_action.setdefault(e["payload"]["item_id"], e)
    reported = {e["subject_id"]: e["created_at"] for e in reversed(events) if e["kind"] == "report.received"}
    by_cat = {}
    for item, e in first_action.items():
        cat = decisions[e["payload"]["decision_id"]].get("category") or "none"
        by_cat[cat] = by_cat.get(cat, 0) + 1
    proactive = sum(1 for item, e in first_action.items() if not (item in reported and reported[item] <= e["created_at"]))
    final = [e for e in inside if e["kind"] == "decision.made" and e["payload"]["verdict"] not in ("allow", "review", "interim")]
    return {"items_processed": sum(e["kind"] == "item.ingested" for e in inside),
            "actioned_items": len(first_action), "actioned_by_category": by_cat,
            "proactive": proactive,
            "appeals_filed": sum(e["kind"] == "appeal.filed" for e in inside),
            "appeals_overturned": sum(e["kind"] == "appeal.decided" and e["payload"]["outcome"] == "overturned"
                                      for e in inside),
            "decisions_automated": sum(bool(e["payload"]["automated"]) for e in final),
            "decisions_human": sum(not e["payload"]["automated"] for e in final)}


def test_report_numbers_match_a_recount_from_the_audit_log(demo, store, client, keys):
    day = "2099-12-31"  # the demo is loaded with the system clock
    events = audit_events(client, keys["auditor"])
    expected = recompute(events, "2026-01-01", day)
    rep = report_from_store(store, "2026-01-01", day)
    got = {k: getattr(rep, k) for k in expected if k != "proactive"}
    got["proactive"] = rep.actioned_by_source.get("proactive", 0)
    assert got == expected
    assert expected["actioned_items"] >= 3 and expected["appeals_filed"] == 2 and expected["appeals_overturned"] == 1
    assert expected["decisions_human"] >= 3 and expected["decisions_automated"] >= 1
    assert rep.prevalence["sample"] == expected["items_processed"]
    lo, hi = rep.prevalence["ci95"]
    assert lo <= rep.prevalence["estimate"] <= hi
    html = render_html(rep)
    assert html.count("<svg") >= 6 and "<script" not in html
    assert f'<tr data-metric="items_processed"><th scope="row">Items processed</th><td>{expected["items_processed"]}</td>' in html
    assert f'<tr data-metric="appeals_overturned"><th scope="row">Decisions overturned on appeal</th><td>1</td>' in html
    empty = report_from_store(store, "2020-01-01", "2020-01-31")
    assert empty.items_processed == 0 and empty.actioned_items == 0 and empty.proactive_rate is None


def test_transparency_cli_formats_and_errors(demo, capsys):
    day = "2099-12-31"
    assert cli(["transparency", "--from", "2026-01-01", "--to", day, "--format", "json", "--db", demo]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["items_processed"] >= 27
    assert cli(["transparency", "--from", "2026-01-01", "--to", day, "--format", "csv", "--db", demo]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["metric", "key", "value"] and ["items_processed", "", str(data["items_processed"])] in rows
    assert cli(["transparency", "--from", "yesterday", "--to", day, "--db", demo]) == 2
    assert "from: 'yesterday' is not a date" in capsys.readouterr().err


def test_statements_of_reasons_for_a_removal_a_timed_freeze_and_a_label_pass_the_field_rules(demo, store, tmp_path,
                                                                                             client, keys):
    h = {"Authorization": f"Bearer {keys['moderator']}"}
    r = client.post("/v1/actions", json={"subject_id": "post-profane", "type": "label", "label": "strong language",
                                         "reason": "profanity in a public post"}, headers=h)
    assert r.status_code == 200, r.text
    out = tmp_path / "sor.json"
    assert cli(["export", "sor", "--output", str(out), "--db", demo]) == 0
    found = json.loads(out.read_text())
    assert found and all(check_statement(s) == [] for s in found)
    removal = next(s for s in found if s.get("decision_visibility") == ["DECISION_VISIBILITY_CONTENT_REMOVED"])
    freeze = next(s for s in found if s.get("decision_provision") == "DECISION_PROVISION_PARTIAL_SUSPENSION")
    label = next(s for s in found if s.get("decision_visibility") == ["DECISION_VISIBILITY_CONTENT_LABELLED"])
    assert freeze["end_date_service_restriction"] > freeze["application_date"]
    assert label["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED" or label["automated_detection"] == "Yes"
    assert {s["source_type"] for s in found} <= {"SOURCE_VOLUNTARY", "SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER"}
    reported = [s for s in found if s["source_type"] != "SOURCE_VOLUNTARY"]
    assert reported and removal["category"].startswith("STATEMENT_CATEGORY_")
    assert len({s["puid"] for s in found}) == len(found)
    assert statements(all_events(store)) == found
