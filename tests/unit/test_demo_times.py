"""The demo's story happens whenever it is loaded: its armed event always starts within the risk model's 12-hour
urgency window, so the demo's top case is P0 at any hour (shifted by whole days, it fell to P1 before 11:00 UTC)."""
from __future__ import annotations

import json
from importlib import resources

import pytest

from tocsin.adapters.cli.commands import _shift_demo
from tocsin.domain.clock import parse_iso

RAW = resources.files("tocsin.demo").joinpath("items.jsonl").read_bytes()


@pytest.mark.parametrize("now", ["2026-11-30T00:30:00Z", "2026-11-30T06:00:00Z", "2026-11-30T10:59:59Z",
                                 "2026-11-30T18:00:00Z", "2027-03-01T23:59:00Z"])
def test_the_armed_event_is_hours_away_and_nothing_is_in_the_future(now):
    rows = [json.loads(line) for line in _shift_demo(RAW, now).decode().splitlines()]
    t = parse_iso(now)
    event = next(r for r in rows if r["id"] == "evt-armed-defense")
    assert 0 < (parse_iso(event["event"]["starts_at"]) - t).total_seconds() <= 12 * 3600
    created = [parse_iso(r["created_at"]) for r in rows if r.get("created_at")]
    assert max(created) <= t and (t - max(created)).total_seconds() < 3600


def test_loading_again_within_the_hour_changes_nothing_and_later_moves_the_story():
    assert _shift_demo(RAW, "2026-11-30T06:01:00Z") == _shift_demo(RAW, "2026-11-30T06:59:00Z")
    assert _shift_demo(RAW, "2026-11-30T06:59:00Z") != _shift_demo(RAW, "2026-11-30T07:00:00Z")
