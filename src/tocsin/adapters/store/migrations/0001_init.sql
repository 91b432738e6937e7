-- Portable SQL: the same file runs on SQLite and PostgreSQL. JSON is stored as canonical text.
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    followers BIGINT NOT NULL DEFAULT 0,
    created_at TEXT,
    updated_at TEXT NOT NULL
);

CREATE TABLE items (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    type TEXT NOT NULL,
    lang TEXT,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    author_id TEXT,
    parent_id TEXT,
    created_at TEXT,
    event_starts_at TEXT,
    event_place TEXT,
    metrics TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE INDEX items_parent ON items (parent_id);
CREATE INDEX items_author ON items (author_id);

CREATE TABLE item_heads (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL
);

CREATE TABLE signals (
    id TEXT PRIMARY KEY,
    item_id TEXT NOT NULL,
    item_version INTEGER NOT NULL,
    source TEXT NOT NULL,
    category TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    model TEXT NOT NULL,
    model_version TEXT NOT NULL,
    evidence TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX signals_item ON signals (item_id, item_version);

CREATE TABLE decisions (
    id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    subject_id TEXT NOT NULL,
    subject_version INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    category TEXT,
    rule TEXT,
    policy_name TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    automated INTEGER NOT NULL,
    reviewer TEXT,
    reasons TEXT NOT NULL,
    effects TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX decisions_subject ON decisions (subject_id, subject_version);
CREATE INDEX decisions_seq ON decisions (seq);

CREATE TABLE actions (
    id TEXT PRIMARY KEY,
    decision_id TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    type TEXT NOT NULL,
    label TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT
);
CREATE INDEX actions_subject ON actions (subject_id);

CREATE TABLE events (
    seq BIGINT PRIMARY KEY,
    subject_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX events_subject ON events (subject_id, seq);

-- The last link of the chain, so that cutting events off the end is detected too.
CREATE TABLE chain_head (
    id INTEGER PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    label TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
