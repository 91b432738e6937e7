"""Appeal -> overturn: the removed post is restored, the strike removed, the author and the reporter told (by a
signed webhook, retried until it lands), every step in the audit chain."""
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from fastapi.testclient import TestClient

from tocsin.adapters.api.app import create_app
from tocsin.adapters.webhooks import verify
from tocsin.bootstrap import Runtime
from tocsin.record.keys import create_key
from tocsin.settings import Settings

SECRET = "test-secret-0123456789"


class Receiver:
    """A platform's webhook endpoint on loopback: checks signatures, dedupes on Idempotency-Key, fails once."""

    def __init__(self, fail_first: int = 1):
        self.seen: dict[str, dict] = {}
        self.requests = 0
        self.bad_signatures = 0
        self.fail_first = fail_first
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests += 1
                if not verify(SECRET, self.headers.get("X-Tocsin-Signature", ""), body):
                    outer.bad_signatures += 1
                    self.send_response(401)
                elif outer.requests <= outer.fail_first:
                    self.send_response(503)
                else:
                    outer.seen[self.headers["Idempotency-Key"]] = json.loads(body)
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def hooked(store, engine, store_url, receiver):
    settings = Settings(env={}, db=store_url, tick_seconds=0, webhook_url=receiver.url, webhook_secret=SECRET)
    with TestClient(create_app(Runtime(settings, store, engine))) as c:
        yield c


def post(client, path, key, body):
    return client.post(path, json=body, headers={"Authorization": f"Bearer {key}"})


def get(client, path, key):
    return client.get(path, headers={"Authorization": f"Bearer {key}"})


def test_appeal_overturn_restores_removes_strike_notifies_and_chains(hooked, keys, store, clock, receiver):
    c = hooked
    other_moderator = create_key(store, "moderator", "second", clock.now()).key
    post(c, "/v1/content", keys["ingest"], [{"id": "p-1", "text": "My honest review of the new bakery.",
                                             "lang": "en", "author": {"id": "acct-5"}}])
    post(c, "/v1/reports", keys["ingest"], {"subject_id": "p-1", "reporter_id": "u-7", "reason": "spam"})
    (removal,) = post(c, "/v1/actions", keys["moderator"], {"subject_id": "p-1", "type": "remove",
                                                            "reason": "paid promotion", "rule": "spam.paid"}).json()["actions"]
    assert get(c, "/v1/accounts/acct-5", keys["moderator"]).json()["strikes"] == 1
    outbox = get(c, "/v1/outbox?subject_id=p-1", keys["moderator"]).json()["messages"]
    sor = [m for m in outbox if m["kind"] == "notice.statement_of_reasons"][0]
    assert sor["recipient_id"] == "acct-5" and sor["payload"]["why"] == ["paid promotion"]
    assert sor["payload"]["rule"] == "spam.paid" and sor["payload"]["automated_decision"] is False
    assert sor["payload"]["how_to_appeal"]["until"] == "2026-12-04T12:00:00.000Z"

    assert post(c, "/v1/appeals", keys["ingest"], {"decision_id": removal["decision_id"], "appellant_id": "acct-x",
                                                  "text": "not mine"}).status_code == 403
    appeal = post(c, "/v1/appeals", keys["ingest"], {"decision_id": removal["decision_id"], "appellant_id": "acct-5",
                                                    "text": "I paid for my own bread"}).json()
    assert post(c, "/v1/appeals", keys["ingest"], {"decision_id": removal["decision_id"],
                                                  "appellant_id": "acct-5"}).status_code == 409
    same = post(c, f"/v1/appeals/{appeal['id']}/decide", keys["moderator"], {"outcome": "overturn", "reason": "x"})
    assert same.status_code == 403 and "different reviewer" in same.json()["error"]["message"]
    done = post(c, f"/v1/appeals/{appeal['id']}/decide", other_moderator,
                {"outcome": "overturn", "reason": "an ordinary customer review"})
    assert done.status_code == 200 and done.json()["outcome"] == "overturned"

    subject = get(c, "/v1/subjects/p-1", keys["moderator"]).json()
    assert subject["status"]["visibility"] == "visible"
    assert get(c, "/v1/accounts/acct-5", keys["moderator"]).json()["strikes"] == 0
    kinds = [e["kind"] for e in subject["events"]]
    for kind in ("report.received", "action.applied", "notice.queued", "appeal.filed", "action.reversed",
                 "appeal.decided"):
        assert kind in kinds, kind
    assert kinds.index("appeal.filed") < kinds.index("action.reversed") < kinds.index("appeal.decided")

    first = post(c, "/v1/outbox/deliver", keys["admin"], {}).json()
    assert first["failed"] >= 1  # the platform was down for the first request
    clock.advance(3600)
    post(c, "/v1/outbox/deliver", keys["admin"], {})
    delivered = {m["kind"]: m for m in receiver.seen.values()}
    assert delivered["notice.appeal_outcome"]["recipient_id"] == "acct-5"
    assert delivered["notice.appeal_outcome"]["payload"]["outcome"] == "overturned"
    assert delivered["notice.report_outcome"]["recipient_id"] == "u-7"
    assert {"notice.statement_of_reasons", "action.applied", "action.reversed"} <= set(delivered)
    assert receiver.bad_signatures == 0
    pending = [m for m in get(c, "/v1/outbox?subject_id=p-1", keys["moderator"]).json()["messages"]
               if m["delivered_at"] is None]
    assert pending == []
    assert get(c, "/v1/audit/verify", keys["auditor"]).json()["ok"]


def test_appeal_window_and_nothing_to_appeal(client, keys, clock):
    post(client, "/v1/content", keys["ingest"], [{"id": "p-2", "text": "hello there", "author": {"id": "acct-6"}}])
    allow = get(client, "/v1/decisions?subject_id=p-2", keys["auditor"]).json()["decisions"][0]
    r = post(client, "/v1/appeals", keys["ingest"], {"decision_id": allow["id"], "appellant_id": "acct-6"})
    assert r.status_code == 422 and "nothing to appeal" in r.json()["error"]["message"]
    (label,) = post(client, "/v1/actions", keys["moderator"], {"subject_id": "p-2", "type": "label",
                                                               "label": "misleading", "reason": "r"}).json()["actions"]
    clock.advance(15 * 86400)
    late = post(client, "/v1/appeals", keys["ingest"], {"decision_id": label["decision_id"], "appellant_id": "acct-6"})
    assert late.status_code == 422 and "window" in late.json()["error"]["message"]
