-- The agency's own address list (issue 15): what the dispatcher's address
-- lookup searches until an OpenStreetMap extract is imported (issue 13).
-- "citdesk import addresses" replaces an agency's list as a whole.

CREATE TABLE addresses (
	id @ID@,
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	house_number TEXT NOT NULL DEFAULT '',
	street TEXT NOT NULL,
	place TEXT NOT NULL DEFAULT '',
	lat DOUBLE PRECISION NOT NULL,
	lon DOUBLE PRECISION NOT NULL,
	CHECK (lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180)
);
CREATE INDEX addresses_agency ON addresses (agency_id, id);

-- One row per agency with a list: version grows with each import, so each
-- replica's in-memory index knows when to reload.
CREATE TABLE address_lists (
	agency_id BIGINT PRIMARY KEY REFERENCES agencies (id),
	version BIGINT NOT NULL,
	address_count BIGINT NOT NULL,
	imported_at BIGINT NOT NULL
);
