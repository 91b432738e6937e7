"""The store on both backends: migrations, versions, the chain, tamper detection, no partial writes."""
import pytest

from tocsin.adapters.store import open_store
from tocsin.domain.model import Author, ContentItem, Signal
from tocsin.record.views import verify_chain


def _item(i, text="hello", version=1):
    return ContentItem(f"i{i}", "post", text, author=Author("a1", 10), version=version, metrics={"views": 3})


def test_migrations_are_idempotent(store, store_url):
    again = open_store(store_url)
    try:
        assert again.migrate() == []
    finally:
        again.close()


def test_items_versions_signals_roundtrip(store):
    with store.uow(write=True) as uow:
        uow.add_item(_item(1), "h1", "2026-01-01T00:00:00.000Z")
        uow.add_item(_item(1, "edited", 2), "h2", "2026-01-01T00:00:01.000Z")
        uow.add_signals("i1", 2, [Signal("lexical", "hate", 0.5, "m", "1", {"matches": ["x"]})], "t")
        uow.commit()
    with store.uow() as uow:
        assert uow.item_head("i1") == (2, "h2")
        assert uow.get_item("i1").text == "edited" and uow.get_item("i1", 1).text == "hello"
        assert uow.get_item("i1").author.followers == 10 and uow.get_item("i1").metrics == {"views": 3}
        assert uow.signals_for("i1", 2)[0].evidence == {"matches": ["x"]}
        assert uow.count_items() == (1, 2)


def test_leaving_without_commit_rolls_everything_back(store):
    with store.uow(write=True) as uow:
        uow.add_item(_item(1), "h1", "t")
        uow.append_event("i1", "item.ingested", {"version": 1}, "t")
    with store.uow() as uow:
        assert uow.item_head("i1") is None and uow.chain_head()[0] == 0


def test_an_error_inside_a_write_leaves_no_partial_write(store):
    with pytest.raises(Exception):
        with store.uow(write=True) as uow:
            uow.add_item(_item(1), "h1", "t")
            uow.append_event("i1", "item.ingested", {"version": 1}, "t")
            uow.add_item(_item(1), "h1", "t")  # primary key violation
            uow.commit()
    with store.uow() as uow:
        assert uow.item_head("i1") is None and list(uow.iter_events()) == []


def _append(store, n):
    with store.uow(write=True) as uow:
        for i in range(n):
            uow.append_event(f"s{i}", "item.ingested", {"version": 1, "i": i}, "2026-01-01T00:00:00.000Z")
        uow.commit()


def test_chain_spans_transactions_and_verifies(store):
    _append(store, 3)
    _append(store, 4)
    report = verify_chain(store)
    assert report.ok and report.checked == 7


def _raw(store, sql, params):
    with store.uow(write=True) as uow:
        uow._x(sql, params)
        uow.commit()


def test_editing_a_stored_event_by_hand_is_named(store):
    _append(store, 6)
    _raw(store, "UPDATE events SET payload = ? WHERE seq = ?", ('{"i":99,"version":1}', 4))
    report = verify_chain(store)
    assert not report.ok and report.broken_seq == 4 and report.broken_subject == "s3"


def test_cutting_events_off_the_end_is_detected(store):
    _append(store, 5)
    _raw(store, "DELETE FROM events WHERE seq = ?", (5,))
    report = verify_chain(store)
    assert not report.ok and "head" in report.problem


def test_keys_are_stored_hashed_and_revocable(store):
    from tocsin.record.keys import authenticate, create_key, revoke_key

    new = create_key(store, "auditor", "ops", "2026-01-01T00:00:00.000Z")
    with store.uow() as uow:
        stored = uow._x("SELECT key_hash FROM api_keys").fetchone()[0]
    assert new.key not in stored and len(stored) == 64
    assert authenticate(store, new.key).role == "auditor"
    assert revoke_key(store, new.id, "2026-01-02T00:00:00.000Z")
    assert authenticate(store, new.key) is None and not revoke_key(store, new.id, "t")
