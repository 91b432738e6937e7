"""Transparency reports, computed from the audit log alone (so anyone holding the log can recompute them).

For a period [from, to] (dates, both days included):
- items processed (`item.ingested`);
- actioned items (the first enforcement action on each item in the period) by category, language, content type
  and source; an item is *reported* when a report on it came before that action, else *proactive*, and the
  proactive rate is the share of actioned items found before anyone reported them (as Meta's enforcement reports
  define it); enforcement actions by type; interim protections counted apart;
- time to action: from an item's first signal (its ingestion) or first report, whichever came first, to its first
  enforcement action, median and 90th percentile; and from the first report to action for reported items (the
  DSA, art. 15, asks for the median time to act on notices);
- appeals filed and decided, and the overturn rate;
- automated and human decisions (decisions with an enforcing verdict);
- prevalence: the share of a fixed-seed random sample of the period's items that ended up actioned, with a Wilson
  95% confidence interval.
"""
from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any, Iterable

import numpy as np

from ..domain.clock import parse_iso
from ..domain.model import LogEvent
from ..ports import Store

ENFORCEMENT = ("remove", "ban", "suspend", "freeze", "demote", "label")
INTERIM = ("limit_distribution", "hide_from_discovery", "pause_rsvps")
NON_FINAL_VERDICTS = ("allow", "review", "interim")
SAMPLE_SIZE = 400


class ReportError(ValueError):
    pass


@dataclass
class Report:
    period_from: str
    period_to: str
    items_processed: int = 0
    actioned_items: int = 0
    actioned_by_category: dict[str, int] = field(default_factory=dict)
    actioned_by_language: dict[str, int] = field(default_factory=dict)
    actioned_by_content_type: dict[str, int] = field(default_factory=dict)
    actioned_by_source: dict[str, int] = field(default_factory=dict)
    proactive_rate: float | None = None
    actions_by_type: dict[str, int] = field(default_factory=dict)
    interim_actions: int = 0
    time_to_action_s: dict[str, float | None] = field(default_factory=dict)
    notice_to_action_s: dict[str, float | None] = field(default_factory=dict)
    appeals_filed: int = 0
    appeals_decided: int = 0
    appeals_overturned: int = 0
    overturn_rate: float | None = None
    decisions_automated: int = 0
    decisions_human: int = 0
    prevalence: dict[str, Any] = field(default_factory=dict)
    events_read: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ReportError(f"{name}: {value!r} is not a date like 2026-11-01") from None


def _pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, 100 * q)), 3) if values else None


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


def sample_ids(ids: Iterable[str], size: int, seed: str) -> list[str]:
    """A fixed-seed uniform sample: the `size` ids with the smallest keyed hash."""
    return sorted(ids, key=lambda i: hashlib.sha256(f"{seed}:{i}".encode()).hexdigest())[:size]


def all_events(store: Store, page: int = 5000) -> Iterable[LogEvent]:
    after = 0
    while True:
        with store.uow() as uow:
            batch = list(uow.iter_events(after, page))
        yield from batch
        if len(batch) < page:
            return
        after = batch[-1].seq


def build_report(events: Iterable[LogEvent], period_from: str, period_to: str) -> Report:
    start, end = parse_day(period_from, "from"), parse_day(period_to, "to")
    if end < start:
        raise ReportError(f"to: {period_to} is before from: {period_from}")
    lo, hi = f"{start.isoformat()}T00:00:00", f"{(end + timedelta(days=1)).isoformat()}T00:00:00"
    rep = Report(start.isoformat(), end.isoformat())
    items: dict[str, dict[str, Any]] = {}  # item id -> first ingestion in or before the period: lang, type, at
    first_report: dict[str, str] = {}
    decisions: dict[str, dict[str, Any]] = {}
    actioned: dict[str, dict[str, Any]] = {}
    ingested_in_period: set[str] = set()
    for e in events:
        rep.events_read += 1
        if e.created_at >= hi:
            continue
        p, at, inside = e.payload, e.created_at, e.created_at >= lo
        if e.kind == "item.ingested":
            items.setdefault(e.subject_id, {"at": at})
            items[e.subject_id].update(lang=p.get("lang") or "und", type=p.get("type") or "post")
            if inside:
                rep.items_processed += 1
                ingested_in_period.add(e.subject_id)
        elif e.kind == "report.received":
            first_report.setdefault(e.subject_id, at)
        elif e.kind == "decision.made":
            decisions[p["decision_id"]] = p
            if inside and p.get("verdict") not in NON_FINAL_VERDICTS:
                if p.get("automated"):
                    rep.decisions_automated += 1
                else:
                    rep.decisions_human += 1
        elif e.kind == "action.applied" and inside:
            t = p.get("type")
            if t in INTERIM:
                rep.interim_actions += 1
                continue
            if t not in ENFORCEMENT:
                continue
            rep.actions_by_type[t] = rep.actions_by_type.get(t, 0) + 1
            item_id = p.get("item_id") or e.subject_id
            if item_id not in actioned:
                actioned[item_id] = {"at": at, "decision": decisions.get(p.get("decision_id"), {})}
        elif e.kind == "appeal.filed" and inside:
            rep.appeals_filed += 1
        elif e.kind == "appeal.decided" and inside:
            rep.appeals_decided += 1
            rep.appeals_overturned += p.get("outcome") == "overturned"
    cats, langs, types, sources = Counter(), Counter(), Counter(), Counter()
    to_action, notice_to_action = [], []
    for item_id, a in actioned.items():
        info = items.get(item_id, {})
        cats[a["decision"].get("category") or "none"] += 1
        langs[info.get("lang", "und")] += 1
        types[info.get("type", "account" if item_id not in items else "post")] += 1
        reported_at = first_report.get(item_id)
        reported = reported_at is not None and reported_at <= a["at"]
        sources["reported" if reported else "proactive"] += 1
        starts = [t for t in (info.get("at"), reported_at if reported else None) if t]
        if starts:
            to_action.append((parse_iso(a["at"]) - parse_iso(min(starts))).total_seconds())
        if reported:
            notice_to_action.append((parse_iso(a["at"]) - parse_iso(reported_at)).total_seconds())  # type: ignore[arg-type]
    rep.actioned_items = len(actioned)
    rep.actioned_by_category, rep.actioned_by_language = dict(cats.most_common()), dict(langs.most_common())
    rep.actioned_by_content_type, rep.actioned_by_source = dict(types.most_common()), dict(sources.most_common())
    rep.proactive_rate = round(sources["proactive"] / len(actioned), 4) if actioned else None
    rep.time_to_action_s = {"median": _pct(to_action, 0.5), "p90": _pct(to_action, 0.9), "n": len(to_action)}
    rep.notice_to_action_s = {"median": _pct(notice_to_action, 0.5), "p90": _pct(notice_to_action, 0.9),
                              "n": len(notice_to_action)}
    rep.overturn_rate = round(rep.appeals_overturned / rep.appeals_decided, 4) if rep.appeals_decided else None
    sample = sample_ids(ingested_in_period, SAMPLE_SIZE, f"{rep.period_from}/{rep.period_to}")
    hits = sum(1 for i in sample if i in actioned)
    rep.prevalence = {"sample": len(sample), "actioned": hits,
                      "estimate": round(hits / len(sample), 4) if sample else None,
                      "ci95": list(wilson(hits, len(sample))) if sample else None,
                      "method": "share of a fixed-seed random sample of the period's items actioned by the end of "
                                "the period, Wilson 95% interval"}
    return rep


def report_from_store(store: Store, period_from: str, period_to: str) -> Report:
    return build_report(all_events(store), period_from, period_to)


def to_csv_rows(rep: Report) -> list[tuple[str, str, Any]]:
    rows: list[tuple[str, str, Any]] = []
    for k, v in rep.to_dict().items():
        if isinstance(v, dict):
            rows.extend((k, str(kk), vv if not isinstance(vv, list) else " - ".join(map(str, vv))) for kk, vv in v.items())
        else:
            rows.append((k, "", v))
    return rows
