-- County mutual aid (issue 16, item 4). A sharing agreement lets partner
-- see lender's CIT officers' availability (duty status, position, CIT
-- standing, and a label); it is one-directional and made by the lender,
-- so partner sharing back is a second row.
CREATE TABLE mutual_aid_partners (
	lender_agency_id BIGINT NOT NULL REFERENCES agencies (id),
	partner_agency_id BIGINT NOT NULL REFERENCES agencies (id),
	show_names BOOLEAN NOT NULL DEFAULT FALSE,
	created_at BIGINT NOT NULL,
	created_by BIGINT REFERENCES users (id),
	PRIMARY KEY (lender_agency_id, partner_agency_id),
	CHECK (lender_agency_id <> partner_agency_id)
);
CREATE INDEX mutual_aid_partners_partner ON mutual_aid_partners (partner_agency_id);

-- A request from the borrowing agency (agency_id, its call call_id) for
-- one officer of the lending agency. Accepted, it names the lender's own
-- call (lender_call_id, made from the crossed call details) and the
-- assignment on it, both the lender's. decided_by is a user of the lender
-- (or of the borrower for a cancel) and never shown to the other agency.
-- At most one request per call is open at a time (the partial unique
-- index decides a race between two dispatchers). The calls and the
-- assignment carry no foreign key: each agency's retention schedule purges
-- its own calls (a borrower's purge takes its requests with it; a lender's
-- leaves a link that reads as none).
CREATE TABLE mutual_aid_requests (
	id @ID@,
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	call_id BIGINT NOT NULL,
	lender_agency_id BIGINT NOT NULL REFERENCES agencies (id),
	officer_id BIGINT NOT NULL REFERENCES officers (id),
	officer_label TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'requested',
	requested_at BIGINT NOT NULL,
	requested_by BIGINT REFERENCES users (id),
	decided_at BIGINT,
	decided_by BIGINT REFERENCES users (id),
	decline_reason TEXT NOT NULL DEFAULT '',
	lender_call_id BIGINT,
	assignment_id BIGINT,
	CHECK (status IN ('requested', 'accepted', 'declined', 'cancelled')),
	CHECK ((status = 'requested') = (decided_at IS NULL)),
	CHECK ((status = 'accepted') = (assignment_id IS NOT NULL))
);
CREATE INDEX mutual_aid_requests_borrower ON mutual_aid_requests (agency_id, call_id);
CREATE INDEX mutual_aid_requests_lender ON mutual_aid_requests (lender_agency_id, status);
CREATE UNIQUE INDEX mutual_aid_requests_open ON mutual_aid_requests (call_id) WHERE status = 'requested';
