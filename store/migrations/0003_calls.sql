-- Crisis calls and the officers assigned to them.

CREATE TABLE calls (
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
	closed_at BIGINT,
	created_by BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1,
	UNIQUE (agency_id, id),
	CHECK (status IN ('pending', 'dispatched', 'on_scene', 'closed')),
	CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
CREATE INDEX calls_status ON calls (agency_id, status, received_at);
CREATE INDEX calls_received ON calls (agency_id, received_at);

CREATE TABLE assignments (
	id @ID@,
	agency_id BIGINT NOT NULL,
	call_id BIGINT NOT NULL,
	officer_id BIGINT NOT NULL,
	status TEXT NOT NULL,
	dispatched_at BIGINT NOT NULL,
	en_route_at BIGINT,
	on_scene_at BIGINT,
	cleared_at BIGINT,
	cit_status TEXT NOT NULL,
	cit_certified BOOLEAN NOT NULL,
	no_cit_reason TEXT NOT NULL DEFAULT '',
	no_cit_text TEXT NOT NULL DEFAULT '',
	dispatched_by BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1,
	FOREIGN KEY (agency_id, call_id) REFERENCES calls (agency_id, id),
	FOREIGN KEY (agency_id, officer_id) REFERENCES officers (agency_id, id),
	CHECK (status IN ('dispatched', 'en_route', 'on_scene', 'cleared')),
	CHECK ((status = 'cleared') = (cleared_at IS NOT NULL))
);
-- An officer holds at most one active assignment. The database enforces
-- it, so two dispatchers sending the same officer at the same moment get
-- one success and one unique violation, never two assignments.
CREATE UNIQUE INDEX assignments_one_active ON assignments (officer_id) WHERE cleared_at IS NULL;
CREATE INDEX assignments_call ON assignments (agency_id, call_id);
CREATE INDEX assignments_officer ON assignments (agency_id, officer_id, dispatched_at);
CREATE INDEX assignments_time ON assignments (agency_id, dispatched_at);
