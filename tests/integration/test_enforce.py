"""Enforcement with expiry, through the HTTP API, with the clock injected."""


def post(client, path, key, body):
    return client.post(path, json=body, headers={"Authorization": f"Bearer {key}"})


def get(client, path, key):
    return client.get(path, headers={"Authorization": f"Bearer {key}"})


def item(i, author="acct-9"):
    return {"id": f"p{i}", "text": f"an ordinary post number {i}", "lang": "en", "author": {"id": author}}


def test_a_24_hour_freeze_ends_at_24_hours_and_the_account_can_post_again(client, keys, clock):
    assert post(client, "/v1/content", keys["ingest"], [item(1)]).json()["accepted"] == 1
    r = post(client, "/v1/actions", keys["moderator"], {"subject_id": "acct-9", "type": "freeze", "duration": "24h",
                                                        "reason": "repeated threats", "rule": "violence.threats"})
    assert r.status_code == 200
    (freeze,) = r.json()["actions"]
    assert freeze["expires_at"] == "2026-11-21T12:00:00.000Z"

    refused = post(client, "/v1/content", keys["ingest"], [item(2)]).json()
    assert refused["accepted"] == 0
    assert refused["rejected"][0]["reason"] == "author account acct-9 is frozen until 2026-11-21T12:00:00.000Z"
    assert post(client, "/v1/content", keys["ingest"], [item(3, "acct-other")]).json()["accepted"] == 1

    clock.advance(24 * 3600 - 1)
    assert post(client, "/v1/tick", keys["admin"], {}).json()["ended"] == []
    assert get(client, "/v1/subjects/acct-9", keys["moderator"]).json()["status"]["visibility"] == "frozen"
    clock.advance(1)
    ended = post(client, "/v1/tick", keys["admin"], {}).json()["ended"]
    assert [a["id"] for a in ended] == [freeze["id"]]
    account = get(client, "/v1/subjects/acct-9", keys["moderator"]).json()
    assert account["status"]["visibility"] == "visible"
    kinds = [e["kind"] for e in account["events"]]
    assert "action.applied" in kinds and "action.expired" in kinds and kinds.index("action.applied") < kinds.index(
        "action.expired")
    assert post(client, "/v1/content", keys["ingest"], [item(2)]).json()["accepted"] == 1
    assert get(client, "/v1/audit/verify", keys["auditor"]).json()["ok"]


def test_every_action_can_be_reversed_and_the_reversal_is_logged(client, keys):
    post(client, "/v1/content", keys["ingest"], [item(1)])
    (removal,) = post(client, "/v1/actions", keys["moderator"], {"subject_id": "p1", "type": "remove",
                                                                 "reason": "spam"}).json()["actions"]
    assert get(client, "/v1/subjects/p1", keys["moderator"]).json()["status"]["visibility"] == "removed"
    assert post(client, f"/v1/actions/{removal['id']}/reverse", keys["moderator"], {"reason": ""}).status_code == 422
    r = post(client, f"/v1/actions/{removal['id']}/reverse", keys["moderator"], {"reason": "not spam after all"})
    assert r.status_code == 200
    subject = get(client, "/v1/subjects/p1", keys["moderator"]).json()
    assert subject["status"]["visibility"] == "visible"
    reversal = [e for e in subject["events"] if e["kind"] == "action.reversed"][0]["payload"]
    assert reversal["reason"] == "not spam after all" and reversal["by"].startswith("key:")
    assert post(client, f"/v1/actions/{removal['id']}/reverse", keys["moderator"], {"reason": "x"}).status_code == 409


def test_enforcement_permissions_and_validation(client, keys):
    post(client, "/v1/content", keys["ingest"], [item(1)])
    assert post(client, "/v1/actions", keys["moderator"], {"subject_id": "acct-9", "type": "suspend",
                                                           "reason": "x"}).status_code == 403
    assert post(client, "/v1/actions", keys["admin"], {"subject_id": "acct-9", "type": "suspend",
                                                       "reason": "ban evasion"}).status_code == 200
    assert post(client, "/v1/actions", keys["moderator"], {"subject_id": "p1", "type": "explode",
                                                           "reason": "x"}).status_code == 422
    assert post(client, "/v1/actions", keys["moderator"], {"subject_id": "p1", "type": "remove",
                                                           "reason": "x", "duration": "soon"}).status_code == 422
    assert post(client, "/v1/actions", keys["moderator"], {"subject_id": "nope", "type": "remove",
                                                           "reason": "x"}).status_code == 404
    assert post(client, "/v1/tick", keys["moderator"], {}).status_code == 403
