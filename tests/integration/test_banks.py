"""Banks through the API and the CLI, on both backends: settings and entries, CSV and ClaimReview import,
suggest and auto thresholds on ingest, negative banks, fact-check labels, automatic banking of removed content,
and coordinated campaigns."""
import io
import json

from tests.fixtures.campaigns import campaign_posts, independent_posts
from tocsin.detect.banks import import_entries

BANNED = "Join us on Saturday to drive the invaders out of our town, bring bats and knives."


def h(key):
    return {"Authorization": f"Bearer {key}"}


def put_bank(client, key, name, **settings):
    r = client.put(f"/v1/banks/{name}", json=settings, headers=h(key))
    assert r.status_code == 200, r.text
    return r.json()


def moderate(client, keys, item):
    r = client.post("/v1/moderate", json=item, headers=h(keys["ingest"]))
    assert r.status_code == 200, r.text
    return r.json()


def bank_signals(result, bank=None):
    return [s for s in result["signals"] if s["source"].startswith("bank:") and bank in (None, s["source"][5:])]


def test_bank_settings_entries_and_roles(client, keys):
    b = put_bank(client, keys["admin"], "hate-posts", category="hate", suggest=0.6, auto=0.9, action="remove")
    assert (b["kind"], b["suggest"], b["auto"], b["matchers"]) == ("content", 0.6, 0.9, ["exact", "near-dup", "semantic"])
    bad = client.put("/v1/banks/hate-posts", json={"suggest": 0.95, "auto": 0.9}, headers=h(keys["admin"]))
    assert bad.status_code == 422 and "auto" in bad.json()["error"]["message"]
    bad = client.put("/v1/banks/hate-posts", json={"action": "obliterate"}, headers=h(keys["admin"]))
    assert bad.status_code == 422 and "action" in bad.json()["error"]["message"]
    # e5's cosine for unrelated texts is ~0.8: a semantic e5 bank at USE's 0.6 would send every post to a person
    bad = client.put("/v1/banks/hate-posts", json={"encoder": "e5"}, headers=h(keys["admin"]))
    assert bad.status_code == 422 and "suggest: 0.6 is below 0.8" in bad.json()["error"]["message"]
    ok = client.put("/v1/banks/hate-posts", json={"encoder": "e5", "matchers": ["exact", "near-dup"]},
                    headers=h(keys["admin"]))
    assert ok.status_code == 200, ok.text
    ok = client.put("/v1/banks/hate-posts", json={"encoder": "use", "matchers": ["exact", "near-dup", "semantic"]},
                    headers=h(keys["admin"]))
    assert ok.status_code == 200, ok.text
    assert client.put("/v1/banks/x", json={}, headers=h(keys["moderator"])).status_code == 403
    r = client.post("/v1/banks/hate-posts/entries", json={"entries": [{"id": "e1", "text": BANNED},
                                                                      {"id": "e2", "text": ""}]},
                    headers=h(keys["moderator"]))
    assert r.status_code == 422 and "entries[1].text" in r.json()["error"]["message"]
    r = client.post("/v1/banks/hate-posts/entries", json={"entries": [{"id": "e1", "text": BANNED}]},
                    headers=h(keys["moderator"]))
    assert r.json() == {"added": 1, "unchanged": 0}
    listed = client.get("/v1/banks", headers=h(keys["auditor"])).json()["banks"]
    assert [(b["name"], b["entries"]) for b in listed] == [("hate-posts", 1)]
    assert client.post("/v1/banks/hate-posts/entries", json={"entries": [{"id": "e9", "text": "x"}]},
                       headers=h(keys["auditor"])).status_code == 403
    found = client.post("/v1/banks/hate-posts/match", json={"texts": [BANNED.upper(), "Lovely weather today"]},
                        headers=h(keys["auditor"])).json()["results"]
    assert found[0][0]["entry_id"] == "e1" and found[0][0]["score"] == 1.0
    assert all(m["score"] < 0.6 for m in found[1])


def test_auto_and_suggest_thresholds_decide_on_ingest_and_removal_stops_matching(client, keys):
    put_bank(client, keys["admin"], "hate-posts", category="hate", suggest=0.6, auto=0.95, action="remove")
    client.post("/v1/banks/hate-posts/entries", json={"entries": [{"id": "e1", "text": BANNED}]},
                headers=h(keys["admin"]))
    exact = moderate(client, keys, {"id": "p1", "text": BANNED + "!!", "author": {"id": "a1"}})
    (sig,) = bank_signals(exact)
    assert sig["evidence"]["level"] == "auto" and exact["decision"]["verdict"] == "remove"
    assert any("hate-posts/e1" in reason for reason in exact["decision"]["reasons"])
    german = moderate(client, keys, {"id": "p2", "lang": "de", "author": {"id": "a2"},
                                     "text": "Kommt am Samstag, um die Eindringlinge aus unserer Stadt zu jagen, "
                                             "bringt Schläger und Messer mit."})
    (sig,) = bank_signals(german, "hate-posts")
    assert sig["evidence"]["level"] == "suggest" and 0.6 <= sig["score"] < 0.95
    queue = client.get("/v1/queue", headers=h(keys["moderator"])).json()["cases"]
    p2 = next(c for c in queue if c["subject_id"] == "p2")
    assert p2["risk_parts"]["bank_match"] >= 6.0
    assert client.request("DELETE", "/v1/banks/hate-posts/entries/e1", json={"reason": "mistake"},
                          headers=h(keys["moderator"])).status_code == 200
    again = moderate(client, keys, {"id": "p3", "text": BANNED, "author": {"id": "a3"}})
    assert bank_signals(again, "hate-posts") == [] and not any("hate-posts" in reason for reason in again["decision"]["reasons"])
    events = client.get("/v1/subjects/bank:hate-posts", headers=h(keys["auditor"])).json()["events"]
    assert [e["kind"] for e in events][-1] == "bank.entry_removed"


def test_negative_bank_suppresses_matches(client, keys):
    put_bank(client, keys["admin"], "hate-posts", category="hate", suggest=0.6, auto=0.9)
    put_bank(client, keys["admin"], "benign", kind="negative", suggest=0.9)
    quote = "Quoting to report it: " + BANNED
    client.post("/v1/banks/hate-posts/entries", json={"entries": [{"id": "e1", "text": BANNED}]}, headers=h(keys["admin"]))
    assert bank_signals(moderate(client, keys, {"id": "q0", "text": BANNED, "author": {"id": "a0"}}), "hate-posts")
    client.post("/v1/banks/benign/entries", json={"entries": [{"id": "n1", "text": quote}]}, headers=h(keys["admin"]))
    assert bank_signals(moderate(client, keys, {"id": "q1", "text": quote, "author": {"id": "a1"}})) == []


CLAIMREVIEW = [
    {"@context": "https://schema.org", "@type": "ClaimReview", "url": "https://factcheck.example/bleach",
     "claimReviewed": "Drinking diluted bleach cures the flu in two days.", "inLanguage": "en",
     "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "Viral post"}},
     "author": {"@type": "Organization", "name": "Example Checks"},
     "reviewRating": {"@type": "Rating", "ratingValue": 1, "bestRating": 5, "worstRating": 1, "alternateName": "False"}},
    {"@context": "https://schema.org", "@type": "ClaimReview", "url": "https://factcheck.example/vote-by-text",
     "claimReviewed": "You can vote in the national election by texting your choice to 55555.", "inLanguage": "en",
     "reviewRating": {"@type": "Rating", "alternateName": "Pants on Fire"}},
    {"@type": "ClaimReview", "url": "https://factcheck.example/parks", "claimReviewed": "The city opened three new parks.",
     "reviewRating": {"@type": "Rating", "alternateName": "True"}},
    {"@type": "ClaimReview", "url": "https://factcheck.example/broken"},
]


def test_claimreview_import_labels_false_claims_with_the_fact_check_and_removes_voting_claims(client, keys, store):
    r = client.post("/v1/banks/factchecks/import?format=claimreview", content=json.dumps(CLAIMREVIEW).encode(),
                    headers=h(keys["admin"]))
    assert r.status_code == 404  # a bank is created first, with its settings
    put_bank(client, keys["admin"], "factchecks", kind="claims", suggest=0.7, auto=0.8)
    r = client.post("/v1/banks/factchecks/import?format=claimreview", content=json.dumps(CLAIMREVIEW).encode(),
                    headers=h(keys["admin"]))
    body = r.json()
    assert body["added"] == 3 and body["rejected"] == [{"line": 4, "reason": "claimReviewed: is required"}]
    with store.uow() as uow:
        voting = uow.bank_entry("factchecks", "https://factcheck.example/vote-by-text")
        uow.upsert_bank_entry(voting.__class__(**{**voting.__dict__, "labels": {**voting.labels, "topic": "voting"}}),
                              "2026-11-20T12:00:00.000Z")
        uow.bump_bank("factchecks", "2026-11-20T12:00:00.000Z")
        uow.commit()
    out = moderate(client, keys, {"id": "m1", "text": "drinking diluted bleach cures the flu in two days",
                                  "author": {"id": "a1"}})
    (sig,) = bank_signals(out)
    assert sig["category"] == "misinformation" and sig["evidence"]["url"] == "https://factcheck.example/bleach"
    assert out["decision"]["verdict"] == "fact_check" and "https://factcheck.example/bleach" in out["decision"]["reasons"][0]
    status = client.get("/v1/subjects/m1", headers=h(keys["moderator"])).json()["status"]
    actions = {a["type"]: a for a in status["active_actions"]}
    assert actions["label"]["label"] == "fact-check: https://factcheck.example/bleach" and "demote" in actions
    vote = moderate(client, keys, {"id": "m2", "author": {"id": "a2"},
                                   "text": "You can vote in the national election by texting your choice to 55555"})
    assert vote["decision"]["verdict"] == "remove"
    true_claim = moderate(client, keys, {"id": "m3", "text": "The city opened three new parks.", "author": {"id": "a3"}})
    assert bank_signals(true_claim) == []


def test_claims_matcher_on_ingest_labels_a_retelling_and_sends_a_cross_language_match_to_a_person(client, keys):
    from tocsin.detect.claim_match import ClaimMatcher

    put_bank(client, keys["admin"], "checks", kind="claims", suggest=0.5, auto=0.6,
             matchers=["exact", "near-dup", "claims"])
    entries = [{"id": eid, "text": text, "lang": "en", "rating": "False", "url": f"https://factcheck.example/{eid}"}
               for eid, text in ClaimMatcher.examples()[0].bank]
    assert client.post("/v1/banks/checks/entries", json={"entries": entries},
                       headers=h(keys["admin"])).json()["added"] == len(entries)
    retold = moderate(client, keys, {"id": "r1", "lang": "en", "author": {"id": "a1"},
                                     "text": "so soros pays the kavanaugh protesters now?? who is surprised"})
    (sig,) = bank_signals(retold, "checks")
    assert sig["category"] == "misinformation" and sig["evidence"]["matcher"] == "claims"
    assert sig["evidence"]["entry_id"] == "c1" and sig["evidence"]["level"] == "auto"
    assert retold["decision"]["verdict"] == "fact_check"
    german = moderate(client, keys, {"id": "r2", "lang": "de", "author": {"id": "a2"},
                                     "text": "Soros bezahlt also die Demonstranten bei der Kavanaugh-Anhörung?? "
                                             "Wen wundert das"})
    (sig,) = bank_signals(german, "checks")  # scored above auto, but across languages: a person decides
    assert sig["evidence"]["entry_id"] == "c1" and sig["score"] >= 0.6
    assert sig["evidence"]["level"] == "suggest" and sig["evidence"]["across_languages"] == "de->en"
    assert german["decision"]["verdict"] != "fact_check"


def test_csv_import_reports_bad_rows_with_their_line(store):
    data = ("id,text,category,lang,labels\n"
            "c1,Polling stations close at noon this year,misinformation,en,\"{\"\"topic\"\": \"\"voting\"\"}\"\n"
            ",no id here,,en,\n"
            "c3,A third text,notacategory,en,\n").encode()
    result = import_entries(store, "csvbank", io.BytesIO(data), "2026-11-20T12:00:00.000Z", "csv")
    assert result.added == 1
    assert result.rejected == [(3, "id: is required and must be a non-empty string"),
                               (4, "category: 'notacategory' is not one of hate, violence, harassment, profanity, "
                                   "misinformation, spam, other")]
    with store.uow() as uow:
        (e,) = uow.bank_entries("csvbank")
    assert e.labels == {"topic": "voting"} and e.lang == "en"


def test_duplicate_entries_are_kept_but_matches_name_the_first(store, client, keys):
    claim = 'U.S. President Donald Trump "crashed" a wedding and "groped" the bride.'
    data = "\n".join(json.dumps(r) for r in [
        {"id": "735", "text": claim}, {"id": "12", "text": "Polling stations close at noon this year."},
        {"id": "9854", "text": claim.replace('"', "'").upper()}]).encode()
    result = import_entries(store, "claims", io.BytesIO(data), "2026-11-20T12:00:00.000Z")
    assert (result.added, result.duplicates) == (3, 1)
    with store.uow() as uow:
        dup = uow.bank_entry("claims", "9854")
    assert dup.labels == {"duplicate_of": "735"}
    # a later import of the same text does not take the match from the earlier entry either
    later = json.dumps({"id": "0001", "text": claim.lower()}).encode()
    assert import_entries(store, "claims", io.BytesIO(later), "2026-11-20T12:01:00.000Z").added == 1
    ask = {"texts": ["Trump crashed a wedding and groped the bride"], "top": 5}
    found = client.post("/v1/banks/claims/match", json=ask, headers=h(keys["auditor"])).json()["results"][0]
    assert [m["entry_id"] for m in found][:1] == ["735"] and {"9854", "0001"}.isdisjoint(m["entry_id"] for m in found)
    r = client.delete("/v1/banks/claims/entries/735", params={"reason": "merged"}, headers=h(keys["moderator"]))
    assert r.status_code in (200, 204), r.text
    found = client.post("/v1/banks/claims/match", json=ask, headers=h(keys["auditor"])).json()["results"][0]
    assert found[0]["entry_id"] == "9854" and "0001" not in [m["entry_id"] for m in found]


def test_removed_content_is_banked_and_its_translation_is_caught_on_ingest(client, keys):
    post = {"id": "orig", "text": "All the refugees in this town should be rounded up and thrown into the river.",
            "author": {"id": "a1"}, "lang": "en"}
    moderate(client, keys, post)
    r = client.post("/v1/actions", json={"subject_id": "orig", "type": "remove", "reason": "incitement"},
                    headers=h(keys["moderator"]))
    assert r.status_code == 200, r.text
    entries = client.get("/v1/banks/actioned/entries", headers=h(keys["auditor"])).json()["entries"]
    assert [e["id"] for e in entries] == ["orig@1"] and entries[0]["action"] == "remove"
    french = moderate(client, keys, {"id": "fr1", "lang": "fr", "author": {"id": "a2"},
                                     "text": "Tous les réfugiés de cette ville devraient être rassemblés et jetés "
                                             "dans la rivière."})
    (sig,) = bank_signals(french)
    assert sig["evidence"]["bank"] == "actioned" and sig["evidence"]["entry_id"] == "orig@1"
    assert french["decision"]["verdict"] != "allow"


def test_fifty_accounts_in_four_languages_form_one_campaign_and_independent_posts_do_not(client, keys):
    for i in range(0, 50, 10):
        r = client.post("/v1/content", json=independent_posts()[i:i + 10], headers=h(keys["ingest"]))
        assert r.json()["accepted"] == 10
    assert client.get("/v1/campaigns", headers=h(keys["moderator"])).json()["campaigns"] == []
    posts = campaign_posts()
    for i in range(0, 50, 7):  # in several requests, as they arrive
        assert client.post("/v1/content", json=posts[i:i + 7], headers=h(keys["ingest"])).status_code == 200
    (camp,) = client.get("/v1/campaigns", headers=h(keys["moderator"])).json()["campaigns"]
    assert camp["members"] == 50 and camp["accounts"] == 50 and camp["langs"] == ["de", "en", "es", "fr"]
    full = client.get(f"/v1/campaigns/{camp['id']}", headers=h(keys["moderator"])).json()
    assert {m["item_id"] for m in full["members"]} == {p["id"] for p in posts}
    case = full["case"]
    assert case["queue"] == "campaigns" and case["subject_id"] == f"campaign:{camp['id']}"
    r = client.post(f"/v1/cases/{case['case_id']}/decide", json={"verdict": "remove", "reason": "coordinated spam"},
                    headers=h(keys["moderator"]))
    assert r.status_code == 200, r.text
    removed = [client.get(f"/v1/subjects/{p['id']}", headers=h(keys["auditor"])).json()["status"] for p in posts]
    assert all(any(a["type"] == "remove" for a in s["active_actions"]) for s in removed)
