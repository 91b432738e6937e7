-- Actions end: by expiry (tick) or by reversal. Ended actions stay; their events say how they ended.
ALTER TABLE actions ADD COLUMN ended_at TEXT;
ALTER TABLE actions ADD COLUMN end_reason TEXT;
CREATE INDEX actions_due ON actions (expires_at) WHERE ended_at IS NULL AND expires_at IS NOT NULL;
