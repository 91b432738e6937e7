"""What each console page shows, assembled from the store: plain dicts for the templates, no HTML here."""
from __future__ import annotations

from typing import Any

from ...bootstrap import Runtime
from ...detect.explain import highlight, occlusion
from ...domain.clock import parse_iso, plus
from ...domain.policy import is_bank_signal
from ...record.views import event_dict

PRIORITIES = ("P0", "P1", "P2", "P3")
SLA_FILTERS = {"overdue": 0, "15m": 900, "1h": 3600, "4h": 4 * 3600}


def sla_left_s(case: Any, now: str) -> float:
    return (parse_iso(case.sla_due) - parse_iso(now)).total_seconds()


def fmt_left(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    s = abs(int(seconds))
    return f"{sign}{s // 3600}h{(s % 3600) // 60:02d}m" if s >= 3600 else f"{sign}{s // 60}m"


def queue_page(rt: Runtime, f: dict[str, str], limit: int = 200) -> dict[str, Any]:
    now = rt.engine.clock.now()
    with rt.store.uow() as uow:
        cases = uow.queue(f.get("queue") or None, 1000)
        shown = [c for c in cases
                 if (not f.get("category") or c.category == f["category"])
                 and (not f.get("lang") or (c.lang or "und") == f["lang"])
                 and (not f.get("priority") or c.priority == f["priority"])
                 and (f.get("sla") not in SLA_FILTERS or sla_left_s(c, now) <= SLA_FILTERS[f["sla"]])]
        items = {c.subject_id: uow.get_item(c.subject_id) for c in shown[:limit]
                 if not c.subject_id.startswith("campaign:")}
    rows = []
    for c in shown[:limit]:
        left = sla_left_s(c, now)
        item = items.get(c.subject_id)
        rows.append({"case": c, "left": fmt_left(left), "overdue": left < 0,
                     "snippet": (item.full_text() if item else c.subject_id)[:140],
                     "type": item.type if item else "campaign"})
    queues = sorted({q.name for q in rt.engine.policy.review.queues} | {"qa", rt.engine.policy.campaigns.queue})
    return {"rows": rows, "total": len(shown), "filters": f, "queues": queues,
            "categories": sorted({c.category for c in cases if c.category}),
            "langs": sorted({c.lang or "und" for c in cases}), "priorities": PRIORITIES}


def _explain(rt: Runtime, text: str, category: str | None, signals: list, lang: str | None) -> list[dict]:
    spans: list[dict] = []
    for s in signals:
        if s.category == category and s.evidence.get("spans"):
            spans.extend(s.evidence["spans"])
    if spans or not category:
        return spans
    for det in rt.engine.detectors:
        if hasattr(det, "scores") and category in getattr(det, "categories", ()):
            return occlusion(det, text, category, lang=lang)  # type: ignore[arg-type]
    return []


def case_page(rt: Runtime, case_id: str, role: str) -> dict[str, Any] | None:
    now = rt.engine.clock.now()
    policy = rt.engine.policy
    with rt.store.uow() as uow:
        case = uow.get_case(case_id)
        if case is None:
            return None
        events = uow.events_for(case.subject_id)
        page: dict[str, Any] = {"case": case, "left": fmt_left(sla_left_s(case, now)),
                                "overdue": sla_left_s(case, now) < 0, "events": [event_dict(e) for e in events]}
        if case.subject_id.startswith("campaign:"):
            camp = uow.get_campaign(case.subject_id.split(":", 1)[1])
            members = uow.campaign_members(camp.cluster) if camp else []
            page.update(campaign=camp, members=[(m, uow.get_item(m.item_id)) for m in members[:200]])
            item = None
        else:
            item = uow.get_item(case.subject_id)
        signals = uow.signals_for(item.id, item.version) if item else []
        parent = uow.get_item(item.parent_id) if item and item.parent_id else None
        author = item.author.id if item and item.author else None
        author_info = None
        if author:
            author_info = {"id": author, "followers": item.author.followers,  # type: ignore[union-attr]
                           "strikes": uow.strikes(author, plus(now, -policy.review.strike_ttl_s)),
                           "restriction": uow.account_restriction(author, now),
                           "actions": uow.actions_for(author)[-10:]}
    text = item.full_text() if item else ""
    spans = _explain(rt, text, case.category, signals, item.lang) if item else []
    verdicts = [(v.name, v.severity) for v in sorted(policy.verdicts.values(), key=lambda v: v.severity)
                if not v.review and role in v.roles]
    page.update(
        item=item, parent=parent, author=author_info, text_parts=highlight(text, spans), spans=spans,
        classifier=sorted((s for s in signals if not is_bank_signal(s)), key=lambda s: -s.score),
        banked=[s for s in signals if is_bank_signal(s)],
        reports=[e for e in page["events"] if e["kind"] == "report.received"],
        parts=sorted(case.parts.items(), key=lambda kv: -kv[1]),
        verdicts=verdicts, rules=[r.id for r in policy.rules if r.category == case.category] or [r.id for r in policy.rules],
        graphic=case.category == "violence",
    )
    return page


def appeals_page(rt: Runtime) -> dict[str, Any]:
    with rt.store.uow() as uow:
        rows = []
        for a in uow.open_appeals(200):
            d = uow.get_decision(a.decision_id)
            item = uow.get_item(a.subject_id)
            rows.append({"appeal": a, "decision": d, "text": item.full_text()[:300] if item else ""})
    return {"rows": rows}


def banks_page(rt: Runtime) -> dict[str, Any]:
    with rt.store.uow() as uow:
        return {"banks": [(b, uow.count_bank_entries(b.name)) for b in uow.list_banks()],
                "campaigns": uow.list_campaigns(50)}


def bank_page(rt: Runtime, name: str, after: str = "") -> dict[str, Any] | None:
    with rt.store.uow() as uow:
        bank = uow.get_bank(name)
        if bank is None:
            return None
        entries = uow.bank_entries(name, include_disabled=True, limit=100, after=after)
        events = uow.events_for(f"bank:{name}")[-20:]
    return {"bank": bank, "entries": entries, "next": entries[-1].id if len(entries) == 100 else None,
            "events": [event_dict(e) for e in reversed(events)]}


def audit_page(rt: Runtime, after: int, limit: int = 100) -> dict[str, Any]:
    with rt.store.uow() as uow:
        events = list(uow.iter_events(after, limit))
        head = uow.chain_head()
    return {"events": [event_dict(e) for e in events], "next": events[-1].seq if len(events) == limit else None,
            "head": head, "after": after}
