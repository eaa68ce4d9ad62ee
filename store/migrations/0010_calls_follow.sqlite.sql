-- Calls follow their assignments (issue 15): a call whose officers have all
-- cleared is "cleared" until the dispatcher closes it, and a CIT-requested
-- call that no CIT officer reached records why at close.
--
-- SQLite cannot change a CHECK constraint, so the table is rebuilt: the new
-- one is filled, the old one dropped and the new one renamed in its place.
-- The assignments' foreign key names "calls" and so points at the new table
-- once renamed; deferring foreign keys lets the drop leave them dangling
-- until then.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE calls_0010 (
	id @ID@,
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	received_at BIGINT NOT NULL,
	source TEXT NOT NULL,
	emergency BOOLEAN NOT NULL DEFAULT FALSE,
	nature TEXT NOT NULL,
	address TEXT NOT NULL DEFAULT '',
	lat DOUBLE PRECISION,
	lon DOUBLE PRECISION,
	caller_name TEXT NOT NULL DEFAULT '',
	caller_phone TEXT NOT NULL DEFAULT '',
	caller_relationship TEXT NOT NULL DEFAULT '',
	subject_description TEXT NOT NULL DEFAULT '',
	risk_weapons TEXT NOT NULL DEFAULT 'unknown',
	risk_violence TEXT NOT NULL DEFAULT 'unknown',
	risk_suicide TEXT NOT NULL DEFAULT 'unknown',
	risk_substances TEXT NOT NULL DEFAULT 'unknown',
	risk_medical TEXT NOT NULL DEFAULT 'unknown',
	cit_requested BOOLEAN NOT NULL DEFAULT FALSE,
	notes TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'pending',
	mental_health BOOLEAN,
	no_cit_reason TEXT NOT NULL DEFAULT '',
	no_cit_text TEXT NOT NULL DEFAULT '',
	closed_at BIGINT,
	created_by BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1,
	UNIQUE (agency_id, id),
	CHECK (status IN ('pending', 'dispatched', 'on_scene', 'cleared', 'closed')),
	CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
INSERT INTO calls_0010 (id, agency_id, received_at, source, emergency, nature, address, lat, lon, caller_name, caller_phone, caller_relationship, subject_description,
	risk_weapons, risk_violence, risk_suicide, risk_substances, risk_medical, cit_requested, notes, status, mental_health, closed_at, created_by, created_at, updated_at, version)
SELECT id, agency_id, received_at, source, emergency, nature, address, lat, lon, caller_name, caller_phone, caller_relationship, subject_description,
	risk_weapons, risk_violence, risk_suicide, risk_substances, risk_medical, cit_requested, notes, status, mental_health, closed_at, created_by, created_at, updated_at, version
FROM calls;
DROP TABLE calls;
ALTER TABLE calls_0010 RENAME TO calls;
CREATE INDEX calls_status ON calls (agency_id, status, received_at);
CREATE INDEX calls_received ON calls (agency_id, received_at);
CREATE INDEX calls_updated ON calls (agency_id, updated_at, version);
