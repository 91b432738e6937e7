"""The port every storage adapter implements: a unit of work over the repositories the use cases need.

Use cases take `(command, uow)` and call `uow.commit()` once; leaving the `with` block without a commit
rolls everything back, so a failure never leaves half an item, half a decision or half a chain behind.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Iterator

from .domain.cases import Case
from .domain.model import Action, ContentItem, Decision, LogEvent, Signal


@dataclass(frozen=True)
class KeyRecord:
    id: str
    role: str
    label: str | None
    created_at: str
    revoked_at: str | None = None
    team: str | None = None


@dataclass(frozen=True)
class ReportRow:
    id: str
    target_id: str  # the subject the report counts for (the reported item, or a page/group/event above it)
    subject_id: str  # the item actually reported
    reporter_id: str
    reason: str
    text: str
    trusted_flagger: bool
    created_at: str
    received_at: str


@dataclass(frozen=True)
class OutboxMessage:
    id: str
    kind: str  # notice.statement_of_reasons | notice.report_outcome | notice.appeal_outcome | action.applied | ...
    subject_id: str
    recipient_id: str | None
    payload: dict
    created_at: str
    attempts: int = 0
    next_attempt_at: str = ""
    delivered_at: str | None = None
    last_error: str | None = None


@dataclass
class AppealRow:
    id: str
    decision_id: str
    subject_id: str
    appellant_id: str
    text: str
    status: str  # open | decided
    created_at: str
    decided_at: str | None = None
    decided_by: str | None = None
    outcome: str | None = None  # upheld | overturned
    reason: str | None = None


@dataclass(frozen=True)
class BankEntry:
    bank: str
    id: str
    text: str
    category: str | None = None
    action: str | None = None
    source: str | None = None
    lang: str | None = None
    labels: dict = field(default_factory=dict)  # e.g. {"url": ..., "rating": ..., "claimant": ...} for fact-checks
    disabled: bool = False
    rev: int = 0  # the bank revision that last changed this entry (set by the store)
    removed: bool = False


@dataclass(frozen=True)
class UserRecord:
    id: str
    name: str
    role: str
    team: str | None
    password_hash: str
    created_at: str
    disabled: bool = False


@dataclass(frozen=True)
class SessionRecord:
    token_hash: str
    principal: str  # "user:<id>" or "key:<id>"
    role: str
    team: str | None
    csrf: str
    created_at: str
    expires_at: str


BANK_KINDS = ("content", "claims", "negative")


@dataclass(frozen=True)
class Bank:
    """A named bank's settings. `suggest`: the similarity at which a match goes to a person; `auto`: the one at
    which the bank's action applies by itself (None: never). A negative bank's matches suppress the others."""

    name: str
    kind: str = "content"  # content | claims (fact-checks) | negative (known-benign)
    category: str | None = None
    action: str | None = None  # the policy verdict applied at `auto` (an entry's own action wins)
    suggest: float = 0.6
    auto: float | None = 0.9
    matchers: tuple[str, ...] = ("exact", "near-dup", "semantic")
    encoder: str = "use"
    enabled: bool = True
    description: str = ""
    revision: int = 0


@dataclass(frozen=True)
class CampaignItem:
    item_id: str
    author_id: str | None
    lang: str | None
    at: str
    cluster: str
    vec: str  # base64 of float16, so that the same column type serves SQLite and PostgreSQL


@dataclass(frozen=True)
class ClusterStats:
    members: int
    accounts: int
    recent_accounts: int  # distinct accounts at or after `since`
    langs: tuple[str, ...]
    first_seen: str | None
    last_seen: str | None


@dataclass(frozen=True)
class CampaignRow:
    id: str
    cluster: str
    first_seen: str
    last_seen: str
    members: int
    accounts: int
    langs: tuple[str, ...]
    created_at: str


@dataclass(frozen=True)
class ReportStats:
    reporters: int
    last_hour: int
    before_last_hour: int
    first_at: str | None
    trusted: int
    by_reason: dict[str, int]


@dataclass(frozen=True)
class StoredDecision:
    decision: Decision
    seq: int  # position in the audit log: a stable cursor for listing


class UnitOfWork(ABC):
    def __enter__(self) -> "UnitOfWork":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.rollback()
        self.close()

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def rollback(self) -> None: ...

    def close(self) -> None:
        pass

    # items ---------------------------------------------------------------------------------------
    @abstractmethod
    def item_head(self, item_id: str) -> tuple[int, str] | None:
        """(latest version, its content hash), or None for an unknown id."""

    @abstractmethod
    def add_item(self, item: ContentItem, content_hash: str, ingested_at: str) -> None: ...

    @abstractmethod
    def get_item(self, item_id: str, version: int | None = None) -> ContentItem | None: ...

    @abstractmethod
    def latest_items(self, after_id: str = "", limit: int = 500) -> list[ContentItem]:
        """Latest version of each item, ordered by id, after `after_id` (for paging through everything)."""

    @abstractmethod
    def count_items(self) -> tuple[int, int]:
        """(distinct items, stored versions)."""

    # signals and decisions -----------------------------------------------------------------------
    @abstractmethod
    def add_signals(self, item_id: str, version: int, signals: list[Signal], at: str) -> None: ...

    @abstractmethod
    def signals_for(self, item_id: str, version: int) -> list[Signal]: ...

    @abstractmethod
    def add_decision(self, decision: Decision, seq: int) -> None: ...

    @abstractmethod
    def decision_for(self, item_id: str, version: int) -> Decision | None:
        """The latest decision about that version of the item."""

    @abstractmethod
    def list_decisions(self, subject_id: str | None = None, after_seq: int = 0,
                       limit: int = 100) -> list[StoredDecision]: ...

    # actions ------------------------------------------------------------------------------------
    @abstractmethod
    def add_action(self, action: Action) -> None: ...

    @abstractmethod
    def actions_for(self, subject_id: str) -> list[Action]: ...

    @abstractmethod
    def get_action(self, action_id: str) -> tuple[Action, str | None] | None:
        """The action and when it ended (None while it runs)."""

    @abstractmethod
    def due_actions(self, now: str, limit: int = 500) -> list[Action]:
        """Running timed actions whose expiry has come."""

    @abstractmethod
    def end_action(self, action_id: str, at: str, reason: str) -> bool:
        """Mark a running action ended; False if it had already ended."""

    @abstractmethod
    def account_restriction(self, account_id: str, now: str) -> Action | None:
        """A running freeze or suspension of the account, if any."""

    # the audit log -------------------------------------------------------------------------------
    @abstractmethod
    def append_event(self, subject_id: str, kind: str, payload: dict[str, Any], at: str) -> LogEvent:
        """Append to the hash chain. Only valid inside a write unit of work."""

    @abstractmethod
    def events_for(self, subject_id: str, limit: int = 1000) -> list[LogEvent]: ...

    @abstractmethod
    def iter_events(self, after_seq: int = 0, limit: int | None = None) -> Iterator[LogEvent]: ...

    @abstractmethod
    def chain_head(self) -> tuple[int, str]: ...

    # reports and cases -------------------------------------------------------------------------
    @abstractmethod
    def add_report(self, row: ReportRow) -> bool:
        """False when this reporter already reported this target (deduplicated)."""

    @abstractmethod
    def report_stats(self, target_id: str, hour_ago: str) -> ReportStats: ...

    @abstractmethod
    def open_case(self, subject_id: str) -> Case | None: ...

    @abstractmethod
    def get_case(self, case_id: str) -> Case | None: ...

    @abstractmethod
    def save_case(self, case: Case) -> None: ...

    @abstractmethod
    def queue(self, name: str | None, limit: int = 100) -> list[Case]:
        """Open cases by urgency: priority, then SLA due time, then risk."""

    @abstractmethod
    def overdue_cases(self, now: str, limit: int = 500) -> list[Case]:
        """Open cases whose SLA is due."""

    @abstractmethod
    def strikes(self, author_id: str, since: str = "") -> int:
        """Removals of the author's content since `since` that were not reversed (a strike expires with age)."""

    @abstractmethod
    def reporters(self, target_id: str) -> list[str]: ...

    @abstractmethod
    def get_decision(self, decision_id: str) -> Decision | None: ...

    @abstractmethod
    def actions_of_decision(self, decision_id: str) -> list[tuple[Action, str | None]]: ...

    # outbox and appeals --------------------------------------------------------------------------
    @abstractmethod
    def add_outbox(self, msg: OutboxMessage) -> None: ...

    @abstractmethod
    def pending_outbox(self, now: str, limit: int = 100) -> list[OutboxMessage]: ...

    @abstractmethod
    def outbox_for(self, subject_id: str) -> list[OutboxMessage]: ...

    @abstractmethod
    def mark_outbox(self, msg_id: str, delivered_at: str | None, next_attempt_at: str, error: str | None) -> None: ...

    @abstractmethod
    def add_appeal(self, appeal: AppealRow) -> bool:
        """False if that decision was already appealed."""

    @abstractmethod
    def get_appeal(self, appeal_id: str) -> AppealRow | None: ...

    @abstractmethod
    def save_appeal(self, appeal: AppealRow) -> None: ...

    @abstractmethod
    def open_appeals(self, limit: int = 100) -> list[AppealRow]: ...

    # banks of known content ------------------------------------------------------------------
    @abstractmethod
    def upsert_bank_entry(self, entry: BankEntry, at: str) -> bool:
        """True when the entry is new or changed."""

    @abstractmethod
    def bank_entries(self, bank: str, include_disabled: bool = False, since_rev: int | None = None,
                     limit: int | None = None, after: str = "") -> list[BankEntry]:
        """Entries by id. `since_rev`: those changed after that revision, removed ones included."""

    @abstractmethod
    def bank_entry(self, bank: str, entry_id: str) -> BankEntry | None: ...

    @abstractmethod
    def remove_bank_entry(self, bank: str, entry_id: str) -> bool:
        """Marks the entry removed (kept for the record); False if it was not there."""

    @abstractmethod
    def count_bank_entries(self, bank: str) -> int: ...

    @abstractmethod
    def get_bank(self, name: str) -> Bank | None: ...

    @abstractmethod
    def list_banks(self) -> list[Bank]: ...

    @abstractmethod
    def save_bank(self, bank: Bank, at: str) -> None:
        """Insert or update a bank's settings; bumps its revision."""

    @abstractmethod
    def bump_bank(self, name: str, at: str) -> int:
        """Closes a batch of entry changes: the bank's revision becomes the one its changed entries carry."""

    # coordinated campaigns ----------------------------------------------------------------------
    @abstractmethod
    def add_campaign_item(self, row: CampaignItem) -> None: ...

    @abstractmethod
    def campaign_items(self, since: str) -> list[CampaignItem]:
        """The window: every clustered item at or after `since`, oldest first."""

    @abstractmethod
    def prune_campaign_items(self, before: str) -> int: ...

    @abstractmethod
    def get_campaign(self, campaign_id: str) -> CampaignRow | None: ...

    @abstractmethod
    def campaign_for_cluster(self, cluster: str) -> CampaignRow | None: ...

    @abstractmethod
    def save_campaign(self, row: CampaignRow) -> None: ...

    @abstractmethod
    def list_campaigns(self, limit: int = 100) -> list[CampaignRow]: ...

    @abstractmethod
    def campaign_members(self, cluster: str, limit: int = 10_000) -> list[CampaignItem]: ...

    @abstractmethod
    def cluster_stats(self, cluster: str, since: str) -> ClusterStats: ...

    # console users and sessions ------------------------------------------------------------------
    @abstractmethod
    def add_user(self, user: UserRecord) -> bool:
        """False if the name is taken."""

    @abstractmethod
    def find_user(self, name: str) -> UserRecord | None: ...

    @abstractmethod
    def list_users(self) -> list[UserRecord]: ...

    @abstractmethod
    def add_session(self, session: SessionRecord) -> None: ...

    @abstractmethod
    def get_session(self, token_hash: str) -> SessionRecord | None: ...

    @abstractmethod
    def delete_session(self, token_hash: str) -> None: ...

    @abstractmethod
    def delete_expired_sessions(self, now: str) -> int: ...

    # API keys ----------------------------------------------------------------------------------
    @abstractmethod
    def add_key(self, key_id: str, key_hash: str, role: str, label: str | None, at: str,
                team: str | None = None) -> None: ...

    @abstractmethod
    def find_key(self, key_hash: str) -> KeyRecord | None: ...

    @abstractmethod
    def list_keys(self) -> list[KeyRecord]: ...

    @abstractmethod
    def revoke_key(self, key_id: str, at: str) -> bool: ...


class Store(ABC):
    """A configured storage backend; hands out units of work."""

    url: str

    @abstractmethod
    def uow(self, write: bool = False) -> UnitOfWork: ...

    @abstractmethod
    def migrate(self) -> list[str]:
        """Apply pending schema migrations; returns the names applied."""

    def close(self) -> None:
        pass
