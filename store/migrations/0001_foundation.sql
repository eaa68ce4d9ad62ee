-- Agencies, users, sessions and the audit trail.
-- Times are UTC microseconds since the Unix epoch (BIGINT) on both engines;
-- calendar dates are TEXT 'YYYY-MM-DD'.

CREATE TABLE agencies (
	id @ID@,
	slug TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	timezone TEXT NOT NULL,
	lat DOUBLE PRECISION NOT NULL DEFAULT 0,
	lon DOUBLE PRECISION NOT NULL DEFAULT 0,
	policy TEXT NOT NULL,
	created_at BIGINT NOT NULL
);

CREATE TABLE officers (
	id @ID@,
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	badge TEXT NOT NULL,
	first_name TEXT NOT NULL,
	last_name TEXT NOT NULL,
	rank TEXT NOT NULL DEFAULT '',
	call_sign TEXT NOT NULL DEFAULT '',
	shift TEXT NOT NULL DEFAULT '',
	phone TEXT NOT NULL DEFAULT '',
	active BOOLEAN NOT NULL DEFAULT TRUE,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1,
	UNIQUE (agency_id, badge),
	UNIQUE (agency_id, id)
);

CREATE TABLE users (
	id @ID@,
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	username TEXT NOT NULL UNIQUE,
	display_name TEXT NOT NULL DEFAULT '',
	roles TEXT NOT NULL,
	officer_id BIGINT,
	password_hash TEXT NOT NULL,
	failed_logins INTEGER NOT NULL DEFAULT 0,
	locked_until BIGINT,
	disabled BOOLEAN NOT NULL DEFAULT FALSE,
	created_at BIGINT NOT NULL,
	FOREIGN KEY (agency_id, officer_id) REFERENCES officers (agency_id, id)
);

CREATE TABLE sessions (
	id @ID@,
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	user_id BIGINT NOT NULL REFERENCES users (id),
	kind TEXT NOT NULL,
	secret_hash TEXT NOT NULL UNIQUE,
	created_at BIGINT NOT NULL,
	last_seen BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	ended_at BIGINT,
	remote TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

-- The audit trail: append-only and hash-chained. audit_head holds the
-- chain's last link; writers lock it, so events get gap-free numbers in
-- commit order.
CREATE TABLE audit_events (
	seq BIGINT PRIMARY KEY,
	agency_id BIGINT NOT NULL,
	user_id BIGINT NOT NULL,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	object_type TEXT NOT NULL,
	object_id TEXT NOT NULL,
	at BIGINT NOT NULL,
	remote TEXT NOT NULL,
	outcome TEXT NOT NULL,
	detail TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE INDEX audit_events_object ON audit_events (agency_id, object_type, object_id);

CREATE TABLE audit_head (
	id INTEGER PRIMARY KEY,
	seq BIGINT NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE training_records (
	id @ID@,
	agency_id BIGINT NOT NULL,
	officer_id BIGINT NOT NULL,
	kind TEXT NOT NULL,
	title TEXT NOT NULL,
	completed TEXT NOT NULL,
	hours DOUBLE PRECISION NOT NULL,
	provider TEXT NOT NULL DEFAULT '',
	certificate TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	FOREIGN KEY (agency_id, officer_id) REFERENCES officers (agency_id, id)
);
CREATE INDEX training_records_officer ON training_records (agency_id, officer_id);

-- Duty status history; officer_duty holds each officer's latest state so
-- the board reads one row per officer.
CREATE TABLE status_changes (
	id @ID@,
	agency_id BIGINT NOT NULL,
	officer_id BIGINT NOT NULL,
	status TEXT NOT NULL,
	lat DOUBLE PRECISION,
	lon DOUBLE PRECISION,
	at BIGINT NOT NULL,
	by_user_id BIGINT NOT NULL,
	FOREIGN KEY (agency_id, officer_id) REFERENCES officers (agency_id, id)
);
CREATE INDEX status_changes_time ON status_changes (agency_id, at);
CREATE INDEX status_changes_officer ON status_changes (agency_id, officer_id, at);

CREATE TABLE officer_duty (
	officer_id BIGINT PRIMARY KEY,
	agency_id BIGINT NOT NULL,
	status TEXT NOT NULL,
	since BIGINT NOT NULL,
	lat DOUBLE PRECISION,
	lon DOUBLE PRECISION,
	position_at BIGINT,
	FOREIGN KEY (agency_id, officer_id) REFERENCES officers (agency_id, id)
);
