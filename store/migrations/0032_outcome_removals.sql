-- What the outcome figures' change stamp could not see: a transaction that
-- deletes records the figures count (a person's erasure, a retention
-- purge) raises its agency's seq here, in the same transaction. Every
-- outcome service compares seq at each request and, when it moved, drops
-- its snapshot and reads the rows again, whichever process deleted them
-- (the command line beside a server on SQLite, a replica whose
-- notification was lost on PostgreSQL). No row reads as 0.
CREATE TABLE outcome_removals (
	agency_id BIGINT PRIMARY KEY REFERENCES agencies (id),
	seq BIGINT NOT NULL
);
