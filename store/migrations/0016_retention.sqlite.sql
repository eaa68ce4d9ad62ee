-- Retention (issue 14): how long each agency keeps each kind of record,
-- and the seals that let the oldest audit events be purged without
-- breaking the chain.

CREATE TABLE retention_schedules (
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	kind TEXT NOT NULL,
	years INTEGER NOT NULL DEFAULT 0,
	days INTEGER NOT NULL DEFAULT 0,
	updated_by TEXT NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (agency_id, kind),
	CHECK (kind IN ('calls', 'reports', 'persons', 'crisis_plans', 'sessions', 'audit')),
	CHECK (years >= 0 AND days >= 0 AND years + days > 0),
	CHECK (kind <> 'audit' OR years >= 1 OR days >= 366)
);

-- A seal is a checkpoint of the chain (event seq had hash), signed with the
-- audit key, written in the transaction that purges events 1 to seq. The
-- trail then verifies from the newest seal: its signature proves the
-- purged prefix ended there, and no one without the key can make one.
CREATE TABLE audit_seals (
	seq BIGINT PRIMARY KEY,
	hash TEXT NOT NULL,
	at BIGINT NOT NULL,
	sig TEXT NOT NULL,
	purged BIGINT NOT NULL
);

-- Audit events stay append-only, except that events a seal covers may be
-- deleted (by the purge, in the seal's transaction).
DROP TRIGGER IF EXISTS audit_events_no_delete;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN OLD.seq > (SELECT COALESCE(MAX(seq), 0) FROM audit_seals)
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_seals_no_change BEFORE UPDATE ON audit_seals
BEGIN SELECT RAISE(ABORT, 'audit seals are append-only'); END;
CREATE TRIGGER audit_seals_no_delete BEFORE DELETE ON audit_seals
BEGIN SELECT RAISE(ABORT, 'audit seals are append-only'); END;

-- The purges find what is due through these.
CREATE INDEX calls_closed ON calls (agency_id, closed_at);
CREATE INDEX sessions_expires ON sessions (agency_id, expires_at);
CREATE INDEX persons_updated ON persons (agency_id, updated_at);
CREATE INDEX audit_events_at ON audit_events (at);
