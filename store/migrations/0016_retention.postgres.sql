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
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
	IF TG_OP = 'DELETE' AND OLD.seq <= (SELECT COALESCE(MAX(seq), 0) FROM audit_seals) THEN
		RETURN OLD;
	END IF;
	RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE FUNCTION audit_seals_append_only() RETURNS trigger AS $$
BEGIN
	RAISE EXCEPTION 'audit seals are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_seals_no_change BEFORE UPDATE OR DELETE ON audit_seals
FOR EACH ROW EXECUTE FUNCTION audit_seals_append_only();

-- The purges find what is due through these.
CREATE INDEX calls_closed ON calls (agency_id, closed_at);
CREATE INDEX sessions_expires ON sessions (agency_id, expires_at);
CREATE INDEX persons_updated ON persons (agency_id, updated_at);
CREATE INDEX audit_events_at ON audit_events (at);
