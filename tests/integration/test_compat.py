"""Perspective- and OpenAI-compatible routes: the same request and response shapes as the services they replace."""


def test_perspective_analyze_shape_and_key_in_query(client, keys):
    body = {"comment": {"text": "You are a pathetic idiot and I will find you and hurt you."}, "languages": ["en"],
            "requestedAttributes": {a: {} for a in ("TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "INSULT",
                                                     "PROFANITY", "THREAT")}, "clientToken": "c-1"}
    r = client.post(f"/v1alpha1/comments:analyze?key={keys['ingest']}", json=body)
    assert r.status_code == 200
    out = r.json()
    assert set(out["attributeScores"]) == set(body["requestedAttributes"])
    for attr in out["attributeScores"].values():
        summary = attr["summaryScore"]
        assert summary["type"] == "PROBABILITY" and 0 <= summary["value"] <= 1
        assert attr["spanScores"][0]["score"] == summary
    scores = {k: v["summaryScore"]["value"] for k, v in out["attributeScores"].items()}
    assert scores["TOXICITY"] >= max(scores["INSULT"], scores["THREAT"], scores["PROFANITY"], scores["IDENTITY_ATTACK"])
    assert out["languages"] == ["en"] and out["clientToken"] == "c-1"


def test_perspective_threshold_omits_low_scores_and_errors_look_like_perspective(client, keys):
    h = {"Authorization": f"Bearer {keys['admin']}"}
    r = client.post("/v1alpha1/comments:analyze", headers=h, json={
        "comment": {"text": "The library opens at nine."}, "requestedAttributes": {"THREAT": {"scoreThreshold": 0.99}}})
    assert r.status_code == 200 and r.json()["attributeScores"] == {}
    r = client.post("/v1alpha1/comments:analyze", headers=h, json={
        "comment": {"text": "x"}, "requestedAttributes": {"SARCASM": {}}})
    assert r.status_code == 400 and r.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert "SARCASM" in r.json()["error"]["message"]


def test_openai_moderations_shape(client, keys):
    h = {"Authorization": f"Bearer {keys['moderator']}"}
    r = client.post("/v1/moderations", headers=h, json={"input": [
        "Grab your rifles, tonight we take the streets back by force.", "The bakery sells fresh bread on Sundays."]})
    assert r.status_code == 200
    out = r.json()
    assert out["id"].startswith("modr-") and len(out["results"]) == 2
    first, second = out["results"]
    assert set(first["categories"]) == set(first["category_scores"]) >= {"hate", "harassment", "violence", "sexual"}
    assert first["categories"]["violence"] and first["flagged"]
    assert not second["flagged"] and first["category_scores"]["violence"] > second["category_scores"]["violence"]
    assert first["category_scores"]["sexual"] == 0.0  # not a category tocsin detects
    r = client.post("/v1/moderations", headers=h, json={"input": [{"type": "image_url", "image_url": {}}]})
    assert r.status_code == 400 and "text only" in r.json()["error"]["message"]


def test_openai_moderations_with_the_accurate_profile(store, clock, keys, store_url):
    """TOCSIN_DETECTORS=tocsin-accurate: the endpoints answer with that profile's scores and flag at its own
    dev-chosen thresholds (a URL is all a migrating client changes, whichever profile the server runs)."""
    from fastapi.testclient import TestClient

    from tocsin.adapters.api.app import create_app
    from tocsin.bootstrap import Runtime, build_engine
    from tocsin.detect.trained import AccurateDetector
    from tocsin.settings import Settings

    settings = Settings(env={}, db=store_url, tick_seconds=0, detectors="tocsin-accurate")
    engine = build_engine(settings, clock)
    assert [d.get_name() for d in engine.detectors] == ["tocsin-accurate"]
    texts = ["Grab your rifles, tonight we take the streets back by force.", "The bakery sells fresh bread on Sundays."]
    with TestClient(create_app(Runtime(settings, store, engine))) as c:
        r = c.post("/v1/moderations", headers={"Authorization": f"Bearer {keys['moderator']}"}, json={"input": texts})
    assert r.status_code == 200
    first, second = r.json()["results"]
    scores = AccurateDetector().scores(texts)
    assert abs(first["category_scores"]["violence"] - scores["violence"][0]) < 1e-3
    assert first["categories"]["violence"] and first["flagged"] and not second["flagged"]
