"""An in-memory unit of work for use-case unit tests: same port, no I/O, commit/rollback honoured."""
from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any, Iterator

from tocsin.domain import chain
from tocsin.domain.model import Action, ContentItem, Decision, LogEvent, Signal
from tocsin.domain.cases import Case
from tocsin.ports import (SessionRecord, UserRecord, AppealRow, Bank, BankEntry, CampaignItem, CampaignRow, ClusterStats, KeyRecord, OutboxMessage, ReportRow, ReportStats, Store, StoredDecision,
                          UnitOfWork)


class _State:
    def __init__(self) -> None:
        self.items: dict[tuple[str, int], ContentItem] = {}
        self.heads: dict[str, tuple[int, str]] = {}
        self.signals: dict[tuple[str, int], list[Signal]] = {}
        self.decisions: list[StoredDecision] = []
        self.actions: list[Action] = []
        self.events: list[LogEvent] = []
        self.keys: dict[str, tuple[str, KeyRecord]] = {}
        self.reports: dict[tuple[str, str], ReportRow] = {}
        self.cases: dict[str, Case] = {}
        self.ended: dict[str, str] = {}
        self.end_reasons: dict[str, str] = {}
        self.outbox: dict[str, OutboxMessage] = {}
        self.appeals: dict[str, AppealRow] = {}
        self.bank: dict[tuple[str, str], BankEntry] = {}
        self.banks: dict[str, Bank] = {}
        self.campaign_items: dict[str, CampaignItem] = {}
        self.campaigns: dict[str, CampaignRow] = {}
        self.users: dict[str, UserRecord] = {}
        self.sessions: dict[str, SessionRecord] = {}


class FakeUnitOfWork(UnitOfWork):
    def __init__(self, store: "FakeStore", write: bool):
        self._store, self.write = store, write
        self.s = copy.deepcopy(store.state)  # work on a copy; commit swaps it in
        self.committed = False

    def commit(self) -> None:
        self._store.state = self.s
        self._store.commits += 1
        self.committed = True

    def rollback(self) -> None:
        pass

    def item_head(self, item_id: str) -> tuple[int, str] | None:
        return self.s.heads.get(item_id)

    def add_item(self, item: ContentItem, content_hash: str, ingested_at: str) -> None:
        if (item.id, item.version) in self.s.items:
            raise ValueError("duplicate item version")
        self.s.items[(item.id, item.version)] = item
        self.s.heads[item.id] = (item.version, content_hash)

    def get_item(self, item_id: str, version: int | None = None) -> ContentItem | None:
        head = self.s.heads.get(item_id)
        if head is None:
            return None
        return self.s.items.get((item_id, version or head[0]))

    def latest_items(self, after_id: str = "", limit: int = 500) -> list[ContentItem]:
        ids = sorted(i for i in self.s.heads if i > after_id)[:limit]
        return [self.s.items[(i, self.s.heads[i][0])] for i in ids]

    def count_items(self) -> tuple[int, int]:
        return len(self.s.heads), len(self.s.items)

    def add_signals(self, item_id: str, version: int, signals: list[Signal], at: str) -> None:
        self.s.signals.setdefault((item_id, version), []).extend(signals)

    def signals_for(self, item_id: str, version: int) -> list[Signal]:
        return list(self.s.signals.get((item_id, version), []))

    def add_decision(self, decision: Decision, seq: int) -> None:
        self.s.decisions.append(StoredDecision(decision, seq))

    def decision_for(self, item_id: str, version: int) -> Decision | None:
        found = [d.decision for d in self.s.decisions
                 if d.decision.subject_id == item_id and d.decision.subject_version == version]
        return found[-1] if found else None

    def list_decisions(self, subject_id: str | None = None, after_seq: int = 0, limit: int = 100) -> list[StoredDecision]:
        rows = [d for d in self.s.decisions if d.seq > after_seq and subject_id in (None, d.decision.subject_id)]
        return rows[:limit]

    def add_action(self, action: Action) -> None:
        self.s.actions.append(action)

    def actions_for(self, subject_id: str) -> list[Action]:
        return [a for a in self.s.actions if a.subject_id == subject_id]

    def get_action(self, action_id: str):
        a = next((a for a in self.s.actions if a.id == action_id), None)
        return (a, self.s.ended.get(action_id)) if a else None

    def due_actions(self, now: str, limit: int = 500) -> list[Action]:
        return [a for a in self.s.actions if a.expires_at and a.expires_at <= now and a.id not in self.s.ended][:limit]

    def end_action(self, action_id: str, at: str, reason: str) -> bool:
        if action_id in self.s.ended:
            return False
        self.s.ended[action_id] = at
        self.s.end_reasons[action_id] = reason
        return True

    def account_restriction(self, account_id: str, now: str) -> Action | None:
        return next((a for a in reversed(self.s.actions) if a.subject_id == account_id and a.type in ("freeze", "suspend")
                     and a.id not in self.s.ended and (a.expires_at is None or a.expires_at > now)), None)

    def append_event(self, subject_id: str, kind: str, payload: dict[str, Any], at: str) -> LogEvent:
        assert self.write, "append_event needs a write unit of work"
        prev = (self.s.events[-1].seq, self.s.events[-1].hash) if self.s.events else None
        ev = chain.link(prev, subject_id, kind, payload, at)
        self.s.events.append(ev)
        return ev

    def events_for(self, subject_id: str, limit: int = 1000) -> list[LogEvent]:
        return [e for e in self.s.events if e.subject_id == subject_id][:limit]

    def iter_events(self, after_seq: int = 0, limit: int | None = None) -> Iterator[LogEvent]:
        rows = [e for e in self.s.events if e.seq > after_seq]
        return iter(rows if limit is None else rows[:limit])

    def chain_head(self) -> tuple[int, str]:
        return (self.s.events[-1].seq, self.s.events[-1].hash) if self.s.events else (0, chain.GENESIS)

    def add_report(self, row: ReportRow) -> bool:
        if (row.target_id, row.reporter_id) in self.s.reports:
            return False
        self.s.reports[(row.target_id, row.reporter_id)] = row
        return True

    def report_stats(self, target_id: str, hour_ago: str) -> ReportStats:
        rows = [r for (t, _), r in self.s.reports.items() if t == target_id]
        last = sum(r.created_at >= hour_ago for r in rows)
        reasons: dict[str, int] = {}
        for r in rows:
            reasons[r.reason] = reasons.get(r.reason, 0) + 1
        return ReportStats(len(rows), last, len(rows) - last, min((r.created_at for r in rows), default=None),
                           sum(r.trusted_flagger for r in rows), reasons)

    def open_case(self, subject_id: str) -> Case | None:
        return next((copy.deepcopy(c) for c in self.s.cases.values()
                     if c.subject_id == subject_id and c.status != "closed"), None)

    def get_case(self, case_id: str) -> Case | None:
        return copy.deepcopy(self.s.cases.get(case_id))

    def save_case(self, case: Case) -> None:
        self.s.cases[case.id] = copy.deepcopy(case)

    def queue(self, name: str | None, limit: int = 100) -> list[Case]:
        rows = [c for c in self.s.cases.values() if c.status != "closed" and name in (None, c.queue)]
        return sorted(rows, key=lambda c: (c.priority, c.sla_due, -c.risk, c.id))[:limit]

    def overdue_cases(self, now: str, limit: int = 500) -> list[Case]:
        return sorted((copy.deepcopy(c) for c in self.s.cases.values() if c.status != "closed" and c.sla_due <= now),
                      key=lambda c: (c.sla_due, c.id))[:limit]

    def strikes(self, author_id: str, since: str = "") -> int:
        own = {i for (i, v), it in self.s.items.items() if it.author and it.author.id == author_id}
        return sum(a.type == "remove" and a.subject_id in own and a.created_at >= since
                   and self.s.end_reasons.get(a.id) != "reversed" for a in self.s.actions)

    def reporters(self, target_id: str) -> list[str]:
        return [r.reporter_id for (t, _), r in self.s.reports.items() if t == target_id]

    def get_decision(self, decision_id: str) -> Decision | None:
        return next((d.decision for d in self.s.decisions if d.decision.id == decision_id), None)

    def actions_of_decision(self, decision_id: str):
        return [(a, self.s.ended.get(a.id)) for a in self.s.actions if a.decision_id == decision_id]

    def add_outbox(self, msg: OutboxMessage) -> None:
        self.s.outbox[msg.id] = msg

    def pending_outbox(self, now: str, limit: int = 100) -> list[OutboxMessage]:
        return [m for m in self.s.outbox.values() if m.delivered_at is None and (m.next_attempt_at or "") <= now][:limit]

    def outbox_for(self, subject_id: str) -> list[OutboxMessage]:
        return [m for m in self.s.outbox.values() if m.subject_id == subject_id]

    def mark_outbox(self, msg_id: str, delivered_at, next_attempt_at: str, error) -> None:
        from dataclasses import replace as _r
        m = self.s.outbox[msg_id]
        self.s.outbox[msg_id] = _r(m, attempts=m.attempts + 1, delivered_at=delivered_at,
                                    next_attempt_at=next_attempt_at, last_error=error)

    def add_appeal(self, appeal: AppealRow) -> bool:
        if any(a.decision_id == appeal.decision_id for a in self.s.appeals.values()):
            return False
        self.s.appeals[appeal.id] = copy.deepcopy(appeal)
        return True

    def get_appeal(self, appeal_id: str):
        return copy.deepcopy(self.s.appeals.get(appeal_id))

    def save_appeal(self, appeal: AppealRow) -> None:
        self.s.appeals[appeal.id] = copy.deepcopy(appeal)

    def upsert_bank_entry(self, entry: BankEntry, at: str) -> bool:
        old = self.s.bank.get((entry.bank, entry.id))
        if old is not None and not old.removed and replace(old, rev=0) == replace(entry, rev=0):
            return False
        rev = self.s.banks[entry.bank].revision + 1 if entry.bank in self.s.banks else 1
        self.s.bank[(entry.bank, entry.id)] = replace(entry, rev=rev, removed=False)
        return True

    def remove_bank_entry(self, bank: str, entry_id: str) -> bool:
        old = self.s.bank.get((bank, entry_id))
        if old is None or old.removed:
            return False
        rev = self.s.banks[bank].revision + 1 if bank in self.s.banks else 1
        self.s.bank[(bank, entry_id)] = replace(old, removed=True, rev=rev)
        return True

    def bank_entries(self, bank: str, include_disabled: bool = False, since_rev: int | None = None,
                     limit: int | None = None, after: str = ""):
        rows = sorted((e for (b, _), e in self.s.bank.items() if b == bank and e.id > after), key=lambda e: e.id)
        if since_rev is not None:
            rows = [e for e in rows if e.rev > since_rev]
        else:
            rows = [e for e in rows if not e.removed and (include_disabled or not e.disabled)]
        return rows[:limit] if limit is not None else rows

    def bank_entry(self, bank: str, entry_id: str):
        return self.s.bank.get((bank, entry_id))

    def count_bank_entries(self, bank: str) -> int:
        return sum(1 for (b, _), e in self.s.bank.items() if b == bank and not e.removed)

    def get_bank(self, name: str):
        return self.s.banks.get(name)

    def list_banks(self):
        return [self.s.banks[k] for k in sorted(self.s.banks)]

    def save_bank(self, bank: Bank, at: str) -> None:
        old = self.s.banks.get(bank.name)
        self.s.banks[bank.name] = replace(bank, revision=old.revision + 1 if old else 1)

    def bump_bank(self, name: str, at: str) -> int:
        if name not in self.s.banks:
            return 0
        self.s.banks[name] = replace(self.s.banks[name], revision=self.s.banks[name].revision + 1)
        return self.s.banks[name].revision

    def add_user(self, user: UserRecord) -> bool:
        if user.name in self.s.users:
            return False
        self.s.users[user.name] = user
        return True

    def find_user(self, name: str):
        return self.s.users.get(name)

    def list_users(self):
        return [self.s.users[k] for k in sorted(self.s.users)]

    def add_session(self, session: SessionRecord) -> None:
        self.s.sessions[session.token_hash] = session

    def get_session(self, token_hash: str):
        return self.s.sessions.get(token_hash)

    def delete_session(self, token_hash: str) -> None:
        self.s.sessions.pop(token_hash, None)

    def delete_expired_sessions(self, now: str) -> int:
        gone = [k for k, v in self.s.sessions.items() if v.expires_at <= now]
        for k in gone:
            del self.s.sessions[k]
        return len(gone)

    def add_campaign_item(self, row: CampaignItem) -> None:
        self.s.campaign_items.setdefault(row.item_id, row)

    def campaign_items(self, since: str):
        return sorted((c for c in self.s.campaign_items.values() if c.at >= since), key=lambda c: (c.at, c.item_id))

    def prune_campaign_items(self, before: str) -> int:
        keep = {c.cluster for c in self.s.campaigns.values()}
        gone = [k for k, c in self.s.campaign_items.items() if c.at < before and c.cluster not in keep]
        for k in gone:
            del self.s.campaign_items[k]
        return len(gone)

    def campaign_members(self, cluster: str, limit: int = 10_000):
        return sorted((c for c in self.s.campaign_items.values() if c.cluster == cluster),
                      key=lambda c: (c.at, c.item_id))[:limit]

    def cluster_stats(self, cluster: str, since: str) -> ClusterStats:
        m = self.campaign_members(cluster, 10 ** 9)
        return ClusterStats(len(m), len({c.author_id or c.item_id for c in m}),
                            len({c.author_id or c.item_id for c in m if c.at >= since}),
                            tuple(sorted({c.lang or "und" for c in m})), m[0].at if m else None,
                            m[-1].at if m else None)

    def get_campaign(self, campaign_id: str):
        return self.s.campaigns.get(campaign_id)

    def campaign_for_cluster(self, cluster: str):
        return next((c for c in self.s.campaigns.values() if c.cluster == cluster), None)

    def save_campaign(self, row: CampaignRow) -> None:
        self.s.campaigns[row.id] = row

    def list_campaigns(self, limit: int = 100):
        return sorted(self.s.campaigns.values(), key=lambda c: (c.last_seen, c.id), reverse=True)[:limit]

    def open_appeals(self, limit: int = 100):
        return [a for a in self.s.appeals.values() if a.status == "open"][:limit]

    def add_key(self, key_id: str, key_hash: str, role: str, label: str | None, at: str,
                team: str | None = None) -> None:
        self.s.keys[key_id] = (key_hash, KeyRecord(key_id, role, label, at, None, team))

    def find_key(self, key_hash: str) -> KeyRecord | None:
        return next((rec for h, rec in self.s.keys.values() if h == key_hash), None)

    def list_keys(self) -> list[KeyRecord]:
        return [rec for _, rec in self.s.keys.values()]

    def revoke_key(self, key_id: str, at: str) -> bool:
        if key_id not in self.s.keys or self.s.keys[key_id][1].revoked_at:
            return False
        h, rec = self.s.keys[key_id]
        self.s.keys[key_id] = (h, KeyRecord(rec.id, rec.role, rec.label, rec.created_at, at, rec.team))
        return True


class FakeStore(Store):
    url = "memory://"

    def __init__(self) -> None:
        self.state = _State()
        self.commits = 0

    def uow(self, write: bool = False) -> FakeUnitOfWork:
        return FakeUnitOfWork(self, write)

    def migrate(self) -> list[str]:
        return []
