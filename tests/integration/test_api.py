"""The HTTP API in-process, on both backends: auth on every route, limits, ingest, read models."""
import json

import pytest

from tocsin.adapters.api.auth import ROUTE_ROLES
from tocsin.domain.model import ROLES

ROUTES = [
    ("POST", "/v1/content", "content:write", []),
    ("POST", "/v1/moderate", "content:write", {"id": "m1", "text": "hi"}),
    ("GET", "/v1/subjects/anything", "decisions:read", None),
    ("GET", "/v1/decisions", "decisions:read", None),
    ("GET", "/v1/audit", "audit:read", None),
    ("GET", "/v1/audit/verify", "audit:read", None),
    ("POST", "/v1/moderations", "classify", {"input": "hello"}),
    ("POST", "/v1/reports", "reports:write", {"subject_id": "nothing", "reporter_id": "u", "reason": "hate"}),
    ("GET", "/v1/queue", "decisions:read", None),
    ("GET", "/v1/cases/anything", "decisions:read", None),
    ("POST", "/v1/cases/anything/claim", "cases:act", {}),
    ("POST", "/v1/cases/anything/decide", "cases:act", {"verdict": "dismiss", "reason": "x"}),
    ("POST", "/v1/actions", "cases:act", {"subject_id": "nothing", "type": "remove", "reason": "x"}),
    ("POST", "/v1/actions/anything/reverse", "cases:act", {"reason": "x"}),
    ("POST", "/v1/tick", "admin", {}),
    ("POST", "/v1/appeals", "reports:write", {"decision_id": "none", "appellant_id": "a"}),
    ("GET", "/v1/appeals", "decisions:read", None),
    ("POST", "/v1/appeals/anything/decide", "cases:act", {"outcome": "uphold", "reason": "x"}),
    ("GET", "/v1/accounts/anything", "decisions:read", None),
    ("GET", "/v1/outbox?subject_id=x", "decisions:read", None),
    ("POST", "/v1/outbox/deliver", "admin", {}),
    ("GET", "/v1/banks", "banks:read", None),
    ("GET", "/v1/banks/anything", "banks:read", None),
    ("PUT", "/v1/banks/anything", "admin", {}),
    ("GET", "/v1/banks/anything/entries", "banks:read", None),
    ("POST", "/v1/banks/anything/entries", "banks:write", {"entries": []}),
    ("POST", "/v1/banks/anything/import", "banks:write", None),
    ("DELETE", "/v1/banks/anything/entries/anything", "banks:write", None),
    ("POST", "/v1/banks/anything/entries/anything/disable", "banks:write", {}),
    ("POST", "/v1/banks/anything/entries/anything/enable", "banks:write", {}),
    ("POST", "/v1/banks/anything/match", "banks:read", {"texts": ["x"]}),
    ("GET", "/v1/campaigns", "decisions:read", None),
    ("GET", "/v1/campaigns/anything", "decisions:read", None),
    ("POST", "/v1alpha1/comments:analyze", "classify", {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}}),
]


def call(client, method, path, body=None, key=None):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.request(method, path, json=body, headers=headers)


def test_every_api_route_is_in_this_table(client):
    paths = {r.path for r in client.app.routes if r.path.startswith("/v1")}
    tested = {p.replace("subjects/anything", "subjects/{subject_id}").replace("cases/anything", "cases/{case_id}")
              .replace("actions/anything", "actions/{action_id}").replace("appeals/anything", "appeals/{appeal_id}")
              .replace("accounts/anything", "accounts/{account_id}")
              .replace("banks/anything/entries/anything", "banks/{name}/entries/{entry_id}")
              .replace("banks/anything", "banks/{name}").replace("campaigns/anything", "campaigns/{campaign_id}").split("?")[0]
              for _, p, _, _ in ROUTES}
    assert paths == tested


@pytest.mark.parametrize("method,path,perm,body", ROUTES, ids=[p for _, p, _, _ in ROUTES])
def test_401_without_or_with_a_bad_key_and_403_for_other_roles(client, keys, method, path, perm, body):
    assert call(client, method, path, body).status_code == 401
    assert call(client, method, path, body, "tsk_not-a-real-key").status_code == 401
    r = client.request(method, path, json=body, headers={"Authorization": "Basic abc"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    for role in ROLES:
        status = call(client, method, path, body, keys[role]).status_code
        if role in ROUTE_ROLES[perm]:
            assert status not in (401, 403), (role, path, status)
        else:
            assert status == 403, (role, path, status)


def test_health_needs_no_key(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_revoked_key_is_refused(client, keys, store):
    from tocsin.record.keys import revoke_key

    with store.uow() as uow:
        kid = next(k.id for k in uow.list_keys() if k.role == "auditor")
    revoke_key(store, kid, "2026-11-20T12:00:00.000Z")
    assert call(client, "GET", "/v1/audit", key=keys["auditor"]).status_code == 401


def test_a_thousand_items_each_get_a_decision(client, keys):
    items = [{"id": f"p{i}", "text": f"post {i}" if i % 10 else "Immigrants are vermin and rats.", "lang": "en",
              "author": {"id": f"a{i % 13}", "followers": i}} for i in range(1000)]
    r = call(client, "POST", "/v1/content", items, keys["ingest"])
    body = r.json()
    assert r.status_code == 200 and (body["accepted"], body["duplicates"], body["rejected"]) == (1000, 0, [])
    assert [x["id"] for x in body["results"]] == [f"p{i}" for i in range(1000)]
    assert all(x["decision"]["verdict"] for x in body["results"])
    assert {x["decision"]["verdict"] for x in body["results"][::10]} <= {"review", "remove"}
    again = call(client, "POST", "/v1/content", items, keys["ingest"]).json()
    assert (again["accepted"], again["duplicates"]) == (0, 1000)
    assert [x["decision"]["id"] for x in again["results"]] == [x["decision"]["id"] for x in body["results"]]


def test_bad_records_are_rejected_by_index_and_good_ones_kept(client, keys):
    r = call(client, "POST", "/v1/content", [{"id": "ok1", "text": "fine"}, {"id": "bad"}, "nope",
                                             {"id": "ok2", "text": "fine too"}], keys["admin"])
    body = r.json()
    assert body["accepted"] == 2
    assert [(x["index"], x["id"]) for x in body["rejected"]] == [(1, "bad"), (2, None)]
    assert "text: is required" in body["rejected"][0]["reason"]


def test_body_errors_are_clear_json(client, keys):
    h = {"Authorization": f"Bearer {keys['ingest']}"}
    r = client.post("/v1/content", content=b"[{", headers=h)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"
    r = client.post("/v1/content", content=json.dumps({"id": "x", "text": "y"}), headers=h)
    assert r.status_code == 400 and "array" in r.json()["error"]["message"]
    r = client.post("/v1/moderate", content=json.dumps({"id": "x"}), headers=h)
    assert r.status_code == 422 and r.json()["error"]["message"] == "text: is required"


def test_size_limits(client, keys, runtime):
    h = {"Authorization": f"Bearer {keys['ingest']}"}
    limit = runtime.settings.max_body_bytes
    r = client.post("/v1/content", content=b"[" + b" " * limit + b"]", headers=h)
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"

    def chunks():
        yield b"["
        for _ in range(limit // 1000 + 1):
            yield b" " * 1000
        yield b"]"

    r = client.post("/v1/content", content=chunks(), headers=h)  # no Content-Length: counted as it streams
    assert r.status_code == 413
    many = [{"id": f"x{i}", "text": "t"} for i in range(runtime.settings.max_batch_items + 1)]
    r = client.post("/v1/content", json=many, headers=h)
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_many_items"


def test_moderate_subject_decisions_and_audit(client, keys):
    event = {"id": "evt-1", "type": "event", "title": "Armed patrol tonight",
             "text": "Take up arms and bring your rifles tonight, we defend our city.", "lang": "en",
             "author": {"id": "acct-9", "followers": 3000}, "parent_id": "page-3", "created_at": "2020-08-25T16:00:00Z",
             "event": {"starts_at": "2020-08-25T23:00:00Z", "place": "park"}, "metrics": {"views": 5000, "rsvps": 300}}
    r = call(client, "POST", "/v1/moderate", event, keys["ingest"])
    body = r.json()
    assert r.status_code == 200 and body["status"] == "accepted"
    assert body["decision"]["category"] == "violence" and body["decision"]["verdict"] in ("review", "remove")
    assert body["decision"]["policy_version"] and any(s["category"] == "violence" for s in body["signals"])

    subj = call(client, "GET", "/v1/subjects/evt-1", key=keys["moderator"]).json()
    kinds = [e["kind"] for e in subj["events"]]
    assert kinds[:3] == ["item.ingested", "signals.recorded", "decision.made"]
    assert subj["status"]["last_verdict"] == body["decision"]["verdict"]
    assert call(client, "GET", "/v1/subjects/nobody", key=keys["moderator"]).status_code == 404

    for i in range(5):
        call(client, "POST", "/v1/content", [{"id": f"q{i}", "text": "hello"}], keys["ingest"])
    page1 = call(client, "GET", "/v1/decisions?limit=4", key=keys["auditor"]).json()
    page2 = call(client, "GET", f"/v1/decisions?limit=4&after={page1['next']}", key=keys["auditor"]).json()
    ids = [d["subject_id"] for d in page1["decisions"] + page2["decisions"]]
    assert ids == ["evt-1", "q0", "q1", "q2", "q3", "q4"]
    only = call(client, "GET", "/v1/decisions?subject_id=q3", key=keys["auditor"]).json()["decisions"]
    assert [d["subject_id"] for d in only] == ["q3"]

    audit = call(client, "GET", "/v1/audit?limit=3", key=keys["auditor"]).json()
    assert [e["seq"] for e in audit["events"]] == [1, 2, 3] and audit["head"]["seq"] >= 3
    assert audit["events"][1]["prev_hash"] == audit["events"][0]["hash"]
    assert call(client, "GET", "/v1/audit/verify", key=keys["admin"]).json()["ok"] is True


def test_openapi_is_served(client):
    spec = client.get("/openapi.json").json()
    assert "/v1/content" in spec["paths"] and client.get("/docs").status_code == 200
