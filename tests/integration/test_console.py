"""The reviewer console in-process, on both backends: login (password and key), sessions and CSRF, read-only
auditors, inert scripts in posts, and a decision that takes a case out of the queue."""
import re

import pytest

from tocsin.record.users import create_user

PASSWORD = "correct horse battery staple"
SCRIPT = '<script>document.title="pwned"</script><img src=x onerror="alert(1)">'


def csrf_of(html):
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(client, username, password):
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"csrf": token, "username": username, "password": password, "next": "/queue"},
                       follow_redirects=False)


@pytest.fixture
def users(store, clock):
    for name, role, team in (("mod", "moderator", None), ("aud", "auditor", None), ("spec", "moderator", "violence")):
        create_user(store, name, role, PASSWORD, clock.now(), team)


@pytest.fixture
def flagged(client, keys):
    items = [{"id": "evt-1", "type": "event", "title": "Defend the town", "lang": "en",
              "text": "Calling all armed citizens: the police have abandoned us. Gather tonight at Lincoln Square with "
                      "your rifles and defend our city.",
              "event": {"starts_at": "2026-11-20T20:00:00Z"}, "metrics": {"rsvps": 200},
              "author": {"id": "org-1", "followers": 900}},
             {"id": "xss-1", "lang": "en", "author": {"id": "troll"},
              "text": f"Look at what my neighbour wiped out of the garden today {SCRIPT}"}]
    r = client.post("/v1/content", json=items, headers={"Authorization": f"Bearer {keys['ingest']}"})
    assert r.status_code == 200 and r.json()["accepted"] == 2
    r = client.post("/v1/reports", json={"subject_id": "xss-1", "reporter_id": "u1", "reason": "harassment"},
                    headers={"Authorization": f"Bearer {keys['ingest']}"})
    assert r.status_code == 200


def test_login_needs_the_right_password_and_a_fresh_form(client, users):
    assert client.get("/queue", follow_redirects=False).headers["location"].startswith("/login")
    bad = login(client, "mod", "wrong password!!")
    assert bad.status_code == 401 and "wrong password" in bad.text
    stale = client.post("/login", data={"csrf": "forged", "username": "mod", "password": PASSWORD},
                        follow_redirects=False)
    assert stale.status_code == 403
    ok = login(client, "mod", PASSWORD)
    assert ok.status_code == 303 and ok.headers["location"] == "/queue"
    cookie = ok.headers["set-cookie"]
    assert "tocsin_session=" in cookie and "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert client.get("/queue").status_code == 200


def test_key_login_and_ingest_keys_are_refused(client, keys):
    assert login(client, "", keys["ingest"]).status_code == 401
    assert login(client, "", keys["moderator"]).status_code == 303
    assert "moderator" in client.get("/queue").text


def test_moderator_removes_the_top_case_with_a_reason_and_it_leaves_the_queue(client, users, flagged):
    login(client, "mod", PASSWORD)
    page = client.get("/queue").text
    first = re.search(r'data-href="/cases/([0-9a-f]+)"', page).group(1)
    case = client.get(f"/cases/{first}")
    assert "P0" in case.text and "event_soon" in case.text and "Lincoln Square" in case.text
    token = csrf_of(case.text)
    no_reason = client.post(f"/cases/{first}/decide", data={"csrf": token, "verdict": "remove", "reason": " "})
    assert no_reason.status_code == 422
    no_csrf = client.post(f"/cases/{first}/decide", data={"verdict": "remove", "reason": "incitement"})
    assert no_csrf.status_code == 403
    done = client.post(f"/cases/{first}/decide", data={"csrf": token, "verdict": "remove",
                                                      "reason": "call to armed violence", "rule": ""},
                       follow_redirects=False)
    assert done.status_code == 303
    assert f"/cases/{first}" not in client.get("/queue").text


def test_auditor_reads_but_cannot_act(client, users, flagged):
    login(client, "aud", PASSWORD)
    first = re.search(r'data-href="/cases/([0-9a-f]+)"', client.get("/queue").text).group(1)
    page = client.get(f"/cases/{first}").text
    assert "Read-only" in page and 'action="/cases/' not in page
    r = client.post(f"/cases/{first}/decide", data={"csrf": csrf_of(page), "verdict": "remove", "reason": "x"})
    assert r.status_code == 403
    assert client.get("/audit").status_code == 200


def test_a_script_inside_a_post_renders_inert(client, users, flagged):
    login(client, "mod", PASSWORD)
    queue = client.get("/queue")
    assert "<script>document" not in queue.text and "&lt;script&gt;" in queue.text
    case_id = re.search(r'data-href="/cases/([0-9a-f]+)"[^>]*>(?:(?!</tr>).)*xss', queue.text, re.S)
    pages = [client.get(f"/cases/{cid}") for cid in re.findall(r'data-href="/cases/([0-9a-f]+)"', queue.text)]
    xss = next(p for p in pages if "wiped out" in p.text)
    assert "<script>document" not in xss.text and "onerror=\"alert" not in xss.text and "&lt;img" in xss.text
    csp = xss.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    del case_id


def test_repeated_failed_logins_pause_that_name(client, users):
    for _ in range(5):
        assert login(client, "mod", "not the password").status_code == 401
    assert login(client, "mod", PASSWORD).status_code == 429  # even the right password waits
    assert login(client, "aud", PASSWORD).status_code == 303  # other names are not affected


def test_expired_sessions_are_forgotten_by_the_tick(client, users, store, clock):
    from tocsin.act.enforce import tick
    from tocsin.domain.clock import plus
    from tocsin.record.users import SESSION_TTL_S

    login(client, "mod", PASSWORD)
    later = plus(clock.now(), SESSION_TTL_S + 60)
    with store.uow(write=True) as uow:
        tick(uow, client.app.state.runtime.engine.policy, later)
        uow.commit()
    assert client.get("/queue", follow_redirects=False).status_code == 303
