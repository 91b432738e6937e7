"""The ingest use case: idempotent by item id and content, one transaction per batch.

Detection runs before the write transaction on the items that look new, so the writer lock is held
only for the writes; inside the transaction every head is checked again, so a race can never store
the same version twice.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence

from ..domain.model import ContentItem, Decision
from ..engine import Engine
from ..ports import Store
from .parse import Rejected, content_hash


@dataclass(frozen=True)
class Outcome:
    item_id: str
    version: int
    status: str  # "accepted" (a new item or a new version) | "duplicate"
    decision: Decision | None


@dataclass
class IngestResult:
    outcomes: list[Outcome] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(o.status == "accepted" for o in self.outcomes)

    @property
    def duplicates(self) -> int:
        return sum(o.status == "duplicate" for o in self.outcomes)

    def summary(self) -> str:
        return f"accepted={self.accepted} duplicates={self.duplicates} rejected={len(self.rejected)}"

    def merge(self, other: "IngestResult") -> None:
        self.outcomes.extend(other.outcomes)
        self.rejected.extend(other.rejected)


_RESTRICTED = {"freeze": "frozen", "suspend": "suspended"}


def ingest_batch(records: Sequence[ContentItem | Rejected], store: Store, engine: Engine,
                 positions: Sequence[int] | None = None) -> IngestResult:
    """`positions` give each record's place for error messages (file line numbers); the index by default."""
    result = IngestResult(rejected=[r for r in records if isinstance(r, Rejected)])
    where = [p for p, r in zip(positions or range(len(records)), records) if isinstance(r, ContentItem)]
    items = [r for r in records if isinstance(r, ContentItem)]
    if not items:
        return result
    hashes = [content_hash(i) for i in items]  # of what was sent, so a re-send is a duplicate
    items = engine.with_languages(items)
    if engine.banks is not None:
        engine.banks.refresh(store)
    with store.uow() as uow:
        heads = {i.id: uow.item_head(i.id) for i in items}
    looks_new = [k for k, i in enumerate(items) if heads[i.id] is None or heads[i.id][1] != hashes[k]]
    pre = dict(zip(looks_new, engine.detect([items[k] for k in looks_new])))
    accepted: list[ContentItem] = []
    with store.uow(write=True) as uow:
        for k, item in enumerate(items):
            head = uow.item_head(item.id)
            if head is not None and head[1] == hashes[k]:
                result.outcomes.append(Outcome(item.id, head[0], "duplicate", uow.decision_for(item.id, head[0])))
                continue
            restriction = uow.account_restriction(item.author.id, engine.clock.now()) if item.author else None
            if restriction is not None:  # a frozen or suspended account cannot post until the action ends
                state = _RESTRICTED.get(restriction.type, restriction.type)
                until = f" until {restriction.expires_at}" if restriction.expires_at else ""
                result.rejected.append(Rejected(where[k], item.id, f"author account {item.author.id} is {state}{until}"))
                uow.append_event(item.author.id, "post.refused", {"item_id": item.id, "action_id": restriction.id},
                                 engine.clock.now())
                continue
            item = replace(item, version=head[0] + 1 if head else 1)
            signals = pre[k] if k in pre else engine.detect([item])[0]
            decision = engine.process(uow, item, hashes[k], signals)
            result.outcomes.append(Outcome(item.id, item.version, "accepted", decision))
            accepted.append(item)
        engine.observe_campaigns(uow, accepted)
        uow.commit()
    return result
