-- Failure behaviour (issue 14): /readyz writes and deletes one row here,
-- in one transaction, to learn whether the database takes writes (a full
-- disk fails it as it fails a real write).
CREATE TABLE storage_probe (
	id BIGINT PRIMARY KEY,
	filler BYTEA NOT NULL
);
