"""Acceptance checks against a real `tocsin serve` process, as a platform would use it."""
from __future__ import annotations

import json
import threading

import httpx2 as httpx
import pytest

from tests.acceptance.server import Server, tocsin
from tocsin.adapters.store import open_store


@pytest.fixture
def server_db(tmp_path):
    return str(tmp_path / "var" / "tocsin.db")


def _items(start: int, n: int) -> list[dict]:
    return [{"id": f"item-{i}", "type": "post", "text": f"post {i}: the council meets on thursday", "lang": "en",
             "author": {"id": f"acct-{i % 997}", "followers": i % 5000}} for i in range(start, start + n)]


def test_demo_server_with_a_printed_key_decides_a_thousand_items(tmp_path, server_db):
    """What `make run` does: demo data, an admin key printed last, then a JSONL of 1,000 items posted."""
    assert "accepted=" in tocsin("demo", "load", "--db", server_db).stdout
    key = tocsin("keys", "create", "--role", "admin", "--db", server_db).stdout.strip().splitlines()[-1]
    jsonl = tmp_path / "batch.jsonl"
    jsonl.write_text("".join(json.dumps(it) + "\n" for it in _items(0, 1000)))
    srv = Server(server_db, tmp_path / "server.log").start()
    try:
        body = [json.loads(line) for line in jsonl.read_text().splitlines()]
        r = httpx.post(f"{srv.url}/v1/content", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=120)
        assert r.status_code == 200
        results = r.json()["results"]
        assert len(results) == 1000 and all(x["decision"] and x["decision"]["verdict"] for x in results)
        console = httpx.get(f"{srv.url}/", follow_redirects=True)
        assert console.status_code == 200 and "Log in" in console.text
    finally:
        srv.stop()


@pytest.mark.slow
def test_kill_9_during_a_100k_ingest_loses_and_duplicates_nothing(tmp_path, server_db):
    total, batch = 100_000, 1000
    key = tocsin("keys", "create", "--role", "ingest", "--db", server_db).stdout.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {key}"}
    batches = [_items(b, batch) for b in range(0, total, batch)]
    srv = Server(server_db, tmp_path / "server.log").start()
    accepted_before, killed_at = 0, None
    with httpx.Client(timeout=120) as client:
        for n, body in enumerate(batches):
            if n == 30:  # kill the server while batch 30 is being written
                killer = threading.Timer(0.05, srv.kill9)
                killer.start()
            try:
                r = client.post(f"{srv.url}/v1/content", json=body, headers=headers)
            except httpx.HTTPError:
                killed_at = n
                break
            assert r.status_code == 200
            accepted_before += r.json()["accepted"]
    assert killed_at is not None, "the server was not killed mid-ingest"
    store = open_store(server_db)
    try:
        with store.uow() as uow:
            stored, versions = uow.count_items()
    finally:
        store.close()
    assert stored == versions and stored % batch == 0, "a batch was half-written"
    assert stored >= accepted_before  # everything acknowledged survived the crash

    srv = Server(server_db, tmp_path / "server.log").start()
    accepted_after = duplicates_after = 0
    try:
        with httpx.Client(timeout=120) as client:
            for body in batches:  # the platform re-sends everything it is unsure of
                r = client.post(f"{srv.url}/v1/content", json=body, headers=headers)
                assert r.status_code == 200
                accepted_after += r.json()["accepted"]
                duplicates_after += r.json()["duplicates"]
    finally:
        srv.stop()
    assert accepted_after + duplicates_after == total and duplicates_after == stored
    store = open_store(server_db)
    try:
        with store.uow() as uow:
            assert uow.count_items() == (total, total)  # every item exactly once
    finally:
        store.close()
    verify = tocsin("audit", "verify", "--db", server_db, check=False)
    assert verify.returncode == 0 and "audit chain ok" in verify.stdout
