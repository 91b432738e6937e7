-- Bank settings (kind, thresholds, matchers) with a revision that every change bumps, so that a matching process
-- knows when its index is stale; entries remember the revision that last changed them.
CREATE TABLE banks (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    category TEXT,
    action TEXT,
    suggest DOUBLE PRECISION NOT NULL,
    auto DOUBLE PRECISION,
    matchers TEXT NOT NULL,
    encoder TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    description TEXT NOT NULL,
    revision INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO banks (name, kind, category, action, suggest, auto, matchers, encoder, enabled, description, revision,
                   created_at, updated_at)
    SELECT bank, 'content', NULL, NULL, 0.6, NULL, 'exact,near-dup,semantic', 'use', 1, '', 1, MIN(added_at),
           MIN(added_at) FROM bank_entries GROUP BY bank;
ALTER TABLE bank_entries ADD COLUMN rev INTEGER NOT NULL DEFAULT 1;
ALTER TABLE bank_entries ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX bank_entries_rev ON bank_entries (bank, rev);

-- Coordinated campaigns: a short-lived window of item vectors, each item's cluster, and the clusters that
-- became campaigns (a campaign is also a subject, campaign:<id>, with its own events and case).
CREATE TABLE campaign_items (
    item_id TEXT PRIMARY KEY,
    author_id TEXT,
    lang TEXT,
    at TEXT NOT NULL,
    cluster TEXT NOT NULL,
    vec TEXT NOT NULL
);
CREATE INDEX campaign_items_at ON campaign_items (at);
CREATE INDEX campaign_items_cluster ON campaign_items (cluster);
CREATE TABLE campaigns (
    id TEXT PRIMARY KEY,
    cluster TEXT NOT NULL UNIQUE,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    members INTEGER NOT NULL,
    accounts INTEGER NOT NULL,
    langs TEXT NOT NULL,
    created_at TEXT NOT NULL
)
