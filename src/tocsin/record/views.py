"""Read models: what the API and CLI show about subjects, decisions and the audit log."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ..domain import chain
from ..domain.model import Decision, LogEvent
from ..domain.status import derive_status
from ..ports import Store


def decision_dict(d: Decision | None) -> dict[str, Any] | None:
    if d is None:
        return None
    out = asdict(d)
    out["reasons"] = list(d.reasons)
    out["effects"] = [asdict(e) for e in d.effects]
    return out


def event_dict(e: LogEvent) -> dict[str, Any]:
    return asdict(e)


def subject_view(store: Store, subject_id: str, now: str) -> dict[str, Any] | None:
    with store.uow() as uow:
        events = uow.events_for(subject_id, limit=10_000)
        if not events:
            return None
        item = uow.get_item(subject_id)
        actions = uow.actions_for(subject_id)
    status = derive_status(subject_id, events, now)
    return {"subject_id": subject_id, "status": status.to_dict(),
            "item": asdict(item) if item else None,
            "actions": [asdict(a) for a in actions],
            "events": [event_dict(e) for e in events]}


def verify_chain(store: Store) -> chain.ChainReport:
    """Recompute the whole chain inside one read transaction, then check the stored head matches its end."""
    with store.uow() as uow:
        report = chain.verify(uow.iter_events())
        if not report.ok:
            return report
        head_seq, head_hash = uow.chain_head()
        last = next(iter(uow.iter_events(after_seq=report.checked - 1, limit=1)), None) if report.checked else None
    if head_seq != report.checked or (last is not None and last.hash != head_hash):
        return chain.ChainReport(False, report.checked, head_seq, None,
                                 f"the chain head says seq={head_seq} but the log ends at seq={report.checked}: "
                                 "events were removed from the end or the head was altered")
    return report
