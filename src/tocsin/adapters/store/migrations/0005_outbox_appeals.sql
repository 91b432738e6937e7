-- Messages to the platform (notices to authors and reporters, action webhooks): written in the same transaction
-- as what they announce, delivered at least once by the webhook worker.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    recipient_id TEXT,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    delivered_at TEXT,
    last_error TEXT
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE delivered_at IS NULL;
CREATE INDEX outbox_subject ON outbox (subject_id);

CREATE TABLE appeals (
    id TEXT PRIMARY KEY,
    decision_id TEXT NOT NULL UNIQUE,
    subject_id TEXT NOT NULL,
    appellant_id TEXT NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT,
    outcome TEXT,
    reason TEXT
);
CREATE INDEX appeals_open ON appeals (status, created_at);
