from tocsin.domain import chain
from tocsin.domain import status as st


def log(*entries):
    out, prev = [], None
    for kind, payload in entries:
        ev = chain.link(prev, "s1", kind, payload, "2026-01-01T00:00:00.000Z")
        out.append(ev)
        prev = (ev.seq, ev.hash)
    return out


def test_status_is_derived_from_events():
    events = log(
        (st.ITEM_INGESTED, {"version": 1}),
        (st.SIGNALS_RECORDED, {"version": 1, "signals": [{"category": "hate", "score": 0.7}]}),
        (st.DECISION_MADE, {"decision_id": "d1", "verdict": "review", "automated": True}),
        (st.REVIEW_REQUESTED, {"decision_id": "d1"}),
    )
    s = st.derive_status("s1", events, "2026-01-02T00:00:00.000Z")
    assert (s.latest_version, s.visibility, s.review, s.last_verdict) == (1, "visible", "pending", "review")
    assert s.max_scores == {"hate": 0.7}


def test_most_restrictive_active_action_sets_visibility_and_reversal_undoes_it():
    base = [(st.ITEM_INGESTED, {"version": 1}),
            (st.ACTION_APPLIED, {"action_id": "a1", "type": "label", "label": "sensitive"}),
            (st.ACTION_APPLIED, {"action_id": "a2", "type": "remove"})]
    s = st.derive_status("s1", log(*base), "2026-01-02T00:00:00.000Z")
    assert s.visibility == "removed" and s.labels == ["sensitive"]
    s = st.derive_status("s1", log(*base, (st.ACTION_REVERSED, {"action_id": "a2"})), "2026-01-02T00:00:00.000Z")
    assert s.visibility == "visible" and s.labels == ["sensitive"]


def test_timed_action_stops_counting_at_expiry():
    events = log((st.ACTION_APPLIED, {"action_id": "f1", "type": "freeze", "expires_at": "2026-01-02T00:00:00.000Z"}))
    assert st.derive_status("s1", events, "2026-01-01T23:59:59.999Z").visibility == "frozen"
    assert st.derive_status("s1", events, "2026-01-02T00:00:00.000Z").visibility == "visible"


def test_a_new_version_resets_scores():
    events = log((st.ITEM_INGESTED, {"version": 1}),
                 (st.SIGNALS_RECORDED, {"version": 1, "signals": [{"category": "hate", "score": 0.9}]}),
                 (st.ITEM_INGESTED, {"version": 2}))
    s = st.derive_status("s1", events, "2026-01-02T00:00:00.000Z")
    assert s.latest_version == 2 and s.max_scores == {}
