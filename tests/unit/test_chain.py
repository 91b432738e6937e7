from dataclasses import replace

from tocsin.domain import chain


def _events(n):
    out, prev = [], None
    for i in range(n):
        ev = chain.link(prev, f"s{i % 3}", "item.ingested", {"version": 1, "i": i, "score": 0.5 + i / 100}, f"2026-01-01T00:00:0{i % 10}.000Z")
        out.append(ev)
        prev = (ev.seq, ev.hash)
    return out


def test_a_clean_chain_verifies():
    report = chain.verify(_events(25))
    assert report.ok and report.checked == 25


def test_altered_payload_is_named_at_its_seq():
    evs = _events(10)
    evs[6] = replace(evs[6], payload={**evs[6].payload, "version": 2})
    report = chain.verify(evs)
    assert not report.ok
    assert report.broken_seq == 7 and report.broken_subject == evs[6].subject_id
    assert "altered" in report.describe()


def test_removed_event_breaks_the_chain():
    evs = _events(10)
    del evs[3]
    report = chain.verify(evs)
    assert not report.ok and report.broken_seq == 5


def test_rehashed_forgery_is_caught_by_the_next_link():
    evs = _events(10)
    forged = replace(evs[4], kind="decision.made")
    forged = replace(forged, hash=chain.event_hash(forged.seq, forged.subject_id, forged.kind, forged.payload,
                                                   forged.created_at, forged.prev_hash))
    evs[4] = forged
    report = chain.verify(evs)
    assert not report.ok and report.broken_seq == 6
