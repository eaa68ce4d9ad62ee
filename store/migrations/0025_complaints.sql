-- Complaints and commendations from the community about a crisis response
-- (issue 16, item 6): what "a significant decrease in community dissent"
-- is measured by. The public form on /cit writes one with source
-- public_form and no user; staff enter the others. contact_name, contact
-- and body are sealed at rest (store/fieldseal.go). call_id and
-- encounter_id link the record to what it is about once staff have found
-- it; they carry no foreign key, so the retention schedule can purge an
-- old call or report without touching the complaint (a link to a purged
-- record reads as no link). officer_ids is a JSON array of officer ids.
CREATE TABLE complaints (
	id @ID@,
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	kind TEXT NOT NULL,
	received_at BIGINT NOT NULL,
	source TEXT NOT NULL,
	contact_name TEXT NOT NULL DEFAULT '',
	contact TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL,
	call_id BIGINT,
	encounter_id BIGINT,
	officer_ids TEXT NOT NULL DEFAULT '[]',
	status TEXT NOT NULL,
	disposition TEXT NOT NULL DEFAULT '',
	entered_by BIGINT REFERENCES users (id),
	closed_by BIGINT REFERENCES users (id),
	closed_at BIGINT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1,
	CHECK (kind IN ('complaint', 'commendation')),
	CHECK (source IN ('public_form', 'phone', 'in_person', 'letter', 'email')),
	CHECK (status IN ('received', 'under_review', 'closed')),
	CHECK (disposition IN ('', 'sustained', 'not_sustained', 'unfounded', 'exonerated', 'commendation'))
);
CREATE INDEX complaints_received ON complaints (agency_id, received_at);
CREATE INDEX complaints_updated ON complaints (agency_id, updated_at);
CREATE INDEX complaints_encounter ON complaints (agency_id, encounter_id);
