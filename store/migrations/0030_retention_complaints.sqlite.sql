-- Retention of complaints and commendations: "complaints" becomes a kind
-- of record a schedule applies to (closed ones, by when they were closed).
--
-- SQLite cannot change a CHECK constraint, so the table is rebuilt: the new
-- one is filled, the old one dropped and the new one renamed in its place.
-- No table refers to it.
CREATE TABLE retention_schedules_0030 (
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	kind TEXT NOT NULL,
	years INTEGER NOT NULL DEFAULT 0,
	days INTEGER NOT NULL DEFAULT 0,
	updated_by TEXT NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (agency_id, kind),
	CHECK (kind IN ('calls', 'reports', 'persons', 'crisis_plans', 'complaints', 'sessions', 'audit')),
	CHECK (years >= 0 AND days >= 0 AND years + days > 0),
	CHECK (kind <> 'audit' OR years >= 1 OR days >= 366)
);
INSERT INTO retention_schedules_0030 (agency_id, kind, years, days, updated_by, updated_at)
	SELECT agency_id, kind, years, days, updated_by, updated_at FROM retention_schedules;
DROP TABLE retention_schedules;
ALTER TABLE retention_schedules_0030 RENAME TO retention_schedules;
