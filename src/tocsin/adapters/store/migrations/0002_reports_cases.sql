-- Reports, review cases, and reviewer teams on keys (issue: act before harm).
ALTER TABLE api_keys ADD COLUMN team TEXT;

-- One row per (target, reporter): a report on a comment also counts for the page, group or event above it.
CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    target_id TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    reporter_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    text TEXT NOT NULL,
    trusted_flagger INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE UNIQUE INDEX reports_once ON reports (target_id, reporter_id);
CREATE INDEX reports_target_time ON reports (target_id, created_at);

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL,
    status TEXT NOT NULL,
    queue TEXT NOT NULL,
    priority TEXT NOT NULL,
    risk DOUBLE PRECISION NOT NULL,
    parts TEXT NOT NULL,
    reasons TEXT NOT NULL,
    category TEXT,
    lang TEXT,
    opened_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sla_due TEXT NOT NULL,
    claimed_by TEXT,
    claim_until TEXT,
    dismissed_by TEXT NOT NULL,
    closed_at TEXT,
    outcome TEXT,
    interim TEXT NOT NULL
);
CREATE UNIQUE INDEX cases_one_open ON cases (subject_id) WHERE status <> 'closed';
CREATE INDEX cases_queue_order ON cases (status, priority, sla_due, risk);
