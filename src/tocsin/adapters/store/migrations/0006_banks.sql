-- Banks of known content (actioned posts, fact-checked claims, known-benign texts) and their entries.
CREATE TABLE bank_entries (
    bank TEXT NOT NULL,
    id TEXT NOT NULL,
    text TEXT NOT NULL,
    category TEXT,
    action TEXT,
    source TEXT,
    lang TEXT,
    labels TEXT NOT NULL,
    disabled INTEGER NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (bank, id)
);
