-- CIT contact reports (encounters) and their review, persons, crisis
-- plans, and referrals to the Mental Health Liaison.
-- call_id and assignment_id carry no foreign key: imported history (issue 6)
-- refers to calls that were never in citdesk. The store checks them when set.

CREATE TABLE persons (
	id @ID@,
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	first_name TEXT NOT NULL,
	last_name TEXT NOT NULL,
	dob TEXT NOT NULL DEFAULT '',
	aliases TEXT NOT NULL DEFAULT '[]',
	sex TEXT NOT NULL DEFAULT '',
	race_ethnicity TEXT NOT NULL DEFAULT '',
	veteran BOOLEAN,
	housing TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL DEFAULT '',
	address_key TEXT NOT NULL DEFAULT '',
	source TEXT NOT NULL DEFAULT 'citdesk',
	external_id TEXT,
	created_by BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1,
	UNIQUE (agency_id, id)
);
CREATE UNIQUE INDEX persons_external ON persons (agency_id, source, external_id);
CREATE INDEX persons_address ON persons (agency_id, address_key);

CREATE TABLE encounters (
	id @ID@,
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	officer_id BIGINT NOT NULL,
	officer_cit_certified BOOLEAN NOT NULL,
	call_id BIGINT,
	assignment_id BIGINT,
	person_id BIGINT,
	occurred_at BIGINT NOT NULL,
	address TEXT NOT NULL DEFAULT '',
	lat DOUBLE PRECISION,
	lon DOUBLE PRECISION,
	contact_start TEXT NOT NULL DEFAULT '',
	behaviors TEXT NOT NULL DEFAULT '[]',
	primary_problem TEXT NOT NULL DEFAULT '',
	suicide_related BOOLEAN NOT NULL DEFAULT FALSE,
	weapons TEXT NOT NULL DEFAULT 'none',
	weapon_type TEXT NOT NULL DEFAULT '',
	weapon_secured BOOLEAN NOT NULL DEFAULT FALSE,
	deescalation TEXT NOT NULL DEFAULT '[]',
	force_level TEXT NOT NULL DEFAULT 'none',
	injury_person TEXT NOT NULL DEFAULT 'none',
	injury_officer TEXT NOT NULL DEFAULT 'none',
	injury_other TEXT NOT NULL DEFAULT 'none',
	confirm_injury_without_force BOOLEAN NOT NULL DEFAULT FALSE,
	dispositions TEXT NOT NULL DEFAULT '[]',
	facility_kind TEXT NOT NULL DEFAULT '',
	facility TEXT NOT NULL DEFAULT '',
	arrest_offense TEXT NOT NULL DEFAULT '',
	citation_offense TEXT NOT NULL DEFAULT '',
	on_scene_minutes INTEGER,
	handover_minutes INTEGER,
	liaison_co_responded BOOLEAN NOT NULL DEFAULT FALSE,
	narrative TEXT NOT NULL DEFAULT '',
	cit_requested BOOLEAN,
	cit_dispatched BOOLEAN,
	cit_arrived BOOLEAN,
	veteran BOOLEAN,
	source TEXT NOT NULL DEFAULT 'citdesk',
	external_id TEXT,
	status TEXT NOT NULL,
	return_comment TEXT NOT NULL DEFAULT '',
	due_at BIGINT NOT NULL,
	submitted_at BIGINT,
	reviewed_at BIGINT,
	reviewed_by BIGINT,
	revision INTEGER NOT NULL DEFAULT 1,
	created_by BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1,
	UNIQUE (agency_id, id),
	FOREIGN KEY (agency_id, officer_id) REFERENCES officers (agency_id, id),
	FOREIGN KEY (agency_id, person_id) REFERENCES persons (agency_id, id),
	CHECK (status IN ('draft', 'submitted', 'returned', 'approved'))
);
-- One report per assignment; NULLs (officer-initiated reports) are distinct.
CREATE UNIQUE INDEX encounters_assignment ON encounters (agency_id, assignment_id);
CREATE UNIQUE INDEX encounters_external ON encounters (agency_id, source, external_id);
CREATE INDEX encounters_status ON encounters (agency_id, status, submitted_at);
CREATE INDEX encounters_person ON encounters (agency_id, person_id, occurred_at);
CREATE INDEX encounters_officer ON encounters (agency_id, officer_id, occurred_at);
CREATE INDEX encounters_call ON encounters (agency_id, call_id);
CREATE INDEX encounters_time ON encounters (agency_id, occurred_at);

-- The state of a report before each correction (data is the full JSON).
CREATE TABLE encounter_versions (
	id @ID@,
	agency_id BIGINT NOT NULL,
	encounter_id BIGINT NOT NULL,
	revision INTEGER NOT NULL,
	by_user_id BIGINT NOT NULL,
	by_name TEXT NOT NULL,
	reason TEXT NOT NULL,
	data TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	FOREIGN KEY (agency_id, encounter_id) REFERENCES encounters (agency_id, id),
	UNIQUE (encounter_id, revision)
);

-- Each step of a report's review: submit, return (with comment), approve, correct.
CREATE TABLE encounter_reviews (
	id @ID@,
	agency_id BIGINT NOT NULL,
	encounter_id BIGINT NOT NULL,
	action TEXT NOT NULL,
	by_user_id BIGINT NOT NULL,
	by_name TEXT NOT NULL,
	comment TEXT NOT NULL DEFAULT '',
	at BIGINT NOT NULL,
	FOREIGN KEY (agency_id, encounter_id) REFERENCES encounters (agency_id, id)
);
CREATE INDEX encounter_reviews_encounter ON encounter_reviews (agency_id, encounter_id);

CREATE TABLE crisis_plans (
	id @ID@,
	agency_id BIGINT NOT NULL,
	person_id BIGINT NOT NULL,
	address TEXT NOT NULL DEFAULT '',
	address_key TEXT NOT NULL DEFAULT '',
	what_helps TEXT NOT NULL DEFAULT '',
	what_to_avoid TEXT NOT NULL DEFAULT '',
	triggers TEXT NOT NULL DEFAULT '',
	medications TEXT NOT NULL DEFAULT '',
	contacts TEXT NOT NULL DEFAULT '',
	preferred_facility TEXT NOT NULL DEFAULT '',
	consent_date TEXT NOT NULL,
	consented_by TEXT NOT NULL,
	expires_on TEXT NOT NULL,
	created_by BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1,
	FOREIGN KEY (agency_id, person_id) REFERENCES persons (agency_id, id)
);
CREATE INDEX crisis_plans_person ON crisis_plans (agency_id, person_id);
CREATE INDEX crisis_plans_address ON crisis_plans (agency_id, address_key);

CREATE TABLE referrals (
	id @ID@,
	agency_id BIGINT NOT NULL,
	encounter_id BIGINT NOT NULL,
	person_id BIGINT NOT NULL,
	liaison_user_id BIGINT REFERENCES users (id),
	status TEXT NOT NULL,
	outcome TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	follow_up_due TEXT NOT NULL DEFAULT '',
	created_by BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	closed_at BIGINT,
	survey_respondent TEXT,
	survey_respect INTEGER,
	survey_safety INTEGER,
	survey_help INTEGER,
	survey_comment TEXT,
	survey_at BIGINT,
	survey_by BIGINT,
	version BIGINT NOT NULL DEFAULT 1,
	UNIQUE (agency_id, encounter_id),
	FOREIGN KEY (agency_id, encounter_id) REFERENCES encounters (agency_id, id),
	FOREIGN KEY (agency_id, person_id) REFERENCES persons (agency_id, id),
	CHECK (status IN ('open', 'contacted', 'connected_to_care', 'declined', 'unable_to_contact', 'closed'))
);
CREATE INDEX referrals_liaison ON referrals (agency_id, liaison_user_id, status);
CREATE INDEX referrals_person ON referrals (agency_id, person_id);

CREATE TABLE referral_notes (
	id @ID@,
	agency_id BIGINT NOT NULL,
	referral_id BIGINT NOT NULL REFERENCES referrals (id),
	by_user_id BIGINT NOT NULL,
	by_name TEXT NOT NULL,
	at BIGINT NOT NULL,
	status_from TEXT NOT NULL DEFAULT '',
	status_to TEXT NOT NULL DEFAULT '',
	text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX referral_notes_referral ON referral_notes (agency_id, referral_id);
