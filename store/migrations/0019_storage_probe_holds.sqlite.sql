-- Failure behaviour (issue 14): /readyz writes and deletes one row here,
-- in one transaction, to learn whether the database takes writes (a full
-- disk fails it as it fails a real write).
CREATE TABLE storage_probe (
	id INTEGER PRIMARY KEY,
	filler BLOB NOT NULL
);

-- Legal holds (issue 14, retention): a person whose records must be kept
-- whatever the schedules say (litigation, an investigation). Neither the
-- nightly purge nor an erasure touches a held person or their reports and
-- plans until the hold is released.
CREATE TABLE legal_holds (
	agency_id BIGINT NOT NULL,
	person_id BIGINT NOT NULL,
	reason TEXT NOT NULL,
	set_by TEXT NOT NULL,
	set_at BIGINT NOT NULL,
	PRIMARY KEY (agency_id, person_id),
	FOREIGN KEY (agency_id, person_id) REFERENCES persons (agency_id, id)
);
