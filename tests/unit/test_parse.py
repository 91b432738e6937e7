import io
import json

import pytest

from tocsin.ingest.parse import ContentItem, Limits, RecordError, Rejected, content_hash, parse_item, read_jsonl

EXAMPLE = {"id": "evt-1", "type": "event", "title": "T", "text": "x", "lang": "EN",
           "author": {"id": "acct-9", "followers": 3000, "created_at": "2020-01-01T00:00:00Z"},
           "parent_id": "page-3", "created_at": "2020-08-25T16:00:00Z",
           "event": {"starts_at": "2020-08-25T23:00:00+02:00", "place": "Park"},
           "metrics": {"views": 5000, "members": 0, "rsvps": 300}}


def test_the_documented_item_shape_parses():
    it = parse_item(EXAMPLE)
    assert it.type == "event" and it.lang == "en" and it.author.followers == 3000
    assert it.event.starts_at == "2020-08-25T21:00:00.000Z"  # normalised to UTC
    assert it.reach == 5000


@pytest.mark.parametrize("patch,field", [
    ({"id": None}, "id"), ({"text": None}, "text"), ({"text": 5}, "text"), ({"type": "tweet"}, "type"),
    ({"author": {"followers": 3}}, "author.id"), ({"author": {"id": "a", "followers": -1}}, "author.followers"),
    ({"created_at": "yesterday"}, "created_at"), ({"created_at": "2020-01-01T00:00:00"}, "created_at"),
    ({"metrics": {"views": "many"}}, "metrics.views"), ({"metrics": {"karma": 1}}, "metrics.karma"),
    ({"event": {"starts_at": 7}}, "event.starts_at"), ({"id": "has space"}, "id"),
])
def test_each_bad_field_is_named(patch, field):
    rec = {**EXAMPLE, **patch}
    rec = {k: v for k, v in rec.items() if v is not None}
    with pytest.raises(RecordError) as exc:
        parse_item(rec)
    assert exc.value.field == field


def test_text_over_the_limit_is_rejected():
    with pytest.raises(RecordError, match="over the limit of 10"):
        parse_item({"id": "a", "text": "x" * 11}, Limits(max_text_chars=10))


def test_jsonl_reader_reports_line_numbers_and_keeps_good_lines():
    lines = [json.dumps({"id": "a", "text": "ok"}).encode(), b"{not json", b"",
             b'{"id": "b", "text": "\xff"}', json.dumps({"id": "c"}).encode(), json.dumps({"id": "d", "text": "ok"}).encode()]
    out = list(read_jsonl(io.BytesIO(b"\n".join(lines) + b"\n")))
    kinds = [(n, type(r).__name__) for n, r in out]
    assert kinds == [(1, "ContentItem"), (2, "Rejected"), (4, "Rejected"), (5, "Rejected"), (6, "ContentItem")]
    assert "invalid JSON" in out[1][1].reason and "UTF-8" in out[2][1].reason
    assert out[3][1] == Rejected(5, "c", "text: is required")


def test_content_hash_ignores_metrics_but_not_text():
    a = parse_item({"id": "a", "text": "x", "metrics": {"views": 1}})
    b = parse_item({"id": "a", "text": "x", "metrics": {"views": 99}})
    c = parse_item({"id": "a", "text": "y"})
    assert content_hash(a) == content_hash(b) != content_hash(c)
    assert isinstance(a, ContentItem)
