"""The ingest use case against the in-memory fake unit of work."""
from dataclasses import replace

import pytest

from tests.fakes import FakeStore
from tocsin.decide.loader import load_policy
from tocsin.detect.lexical import LexicalDetector
from tocsin.domain import chain
from tocsin.domain.clock import ManualClock
from tocsin.engine import Engine
from tocsin.ingest.parse import Rejected, parse_item
from tocsin.ingest.service import ingest_batch


@pytest.fixture
def engine():
    return Engine([LexicalDetector()], load_policy(), ManualClock())


def items(*texts, prefix="p"):
    return [parse_item({"id": f"{prefix}{i}", "text": t, "author": {"id": "a1"}}) for i, t in enumerate(texts)]


def test_accepts_decides_and_commits_once(engine):
    store = FakeStore()
    result = ingest_batch(items("hello", "Immigrants are vermin and rats."), store, engine)
    assert result.summary() == "accepted=2 duplicates=0 rejected=0" and store.commits == 1
    verdicts = [o.decision.verdict for o in result.outcomes]
    assert verdicts[0] == "allow" and verdicts[1] in ("review", "remove")
    assert chain.verify(store.state.events).ok


def test_resending_is_idempotent_and_returns_the_stored_decision(engine):
    store = FakeStore()
    first = ingest_batch(items("hello", "world"), store, engine)
    again = ingest_batch(items("hello", "world"), store, engine)
    assert again.summary() == "accepted=0 duplicates=2 rejected=0"
    assert [o.decision.id for o in again.outcomes] == [o.decision.id for o in first.outcomes]
    assert store.uow().count_items() == (2, 2)


def test_an_edit_becomes_a_new_version(engine):
    store = FakeStore()
    ingest_batch(items("hello"), store, engine)
    (edited,) = items("hello, edited")
    result = ingest_batch([edited], store, engine)
    assert [(o.version, o.status) for o in result.outcomes] == [(2, "accepted")]
    assert store.uow().count_items() == (1, 2)


def test_same_id_twice_in_one_batch(engine):
    store = FakeStore()
    a, b = items("one"), items("two")
    result = ingest_batch([a[0], b[0], b[0]], store, engine)
    assert [(o.version, o.status) for o in result.outcomes] == [(1, "accepted"), (2, "accepted"), (2, "duplicate")]


def test_rejected_records_are_reported_and_nothing_else_changes(engine):
    store = FakeStore()
    result = ingest_batch([Rejected(3, None, "bad")], store, engine)
    assert result.summary() == "accepted=0 duplicates=0 rejected=1" and store.commits == 0


def test_a_failure_mid_batch_writes_nothing(engine):
    store = FakeStore()

    class Boom(Exception):
        pass

    calls = {"n": 0}
    real = engine.process

    def flaky(uow, item, h, sigs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise Boom()
        return real(uow, item, h, sigs)

    engine = replace(engine)
    engine.process = flaky  # type: ignore[method-assign]
    with pytest.raises(Boom):
        ingest_batch(items("a", "b", "c", "d"), store, engine)
    assert store.commits == 0 and store.state.events == [] and store.state.items == {}


def test_automated_removals_are_sampled_into_the_qa_queue():
    from dataclasses import replace as _replace

    from tocsin.detect.lexical import LexicalDetector

    policy = load_policy()
    always = _replace(policy, review=_replace(policy.review, qa_share=1.0))
    never = _replace(policy, review=_replace(policy.review, qa_share=0.0))
    text = "Patriots, take up arms and bring your rifles tonight, we defend our city ourselves."
    for pol, expected in ((always, ["qa"]), (never, [])):
        store = FakeStore()
        eng = Engine([LexicalDetector()], pol, ManualClock())
        (outcome,) = ingest_batch(items(text), store, eng).outcomes
        assert outcome.decision.verdict == "remove"
        assert [c.queue for c in store.uow().queue(None)] == expected
