-- The call-triage protocol (issue 16, item 1): each agency's decision tree
-- of screening questions, version by version. A new version is a new row;
-- none is ever changed, so a call's triage_version always names the
-- questions its answers were given to. The default protocol (in Go,
-- triage.Default) is saved as version 1 on an agency's first read, so it
-- is written once, in one place.
CREATE TABLE triage_protocols (
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	version INTEGER NOT NULL,
	body TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	created_by BIGINT REFERENCES users (id),
	PRIMARY KEY (agency_id, version)
);

-- A call's triage: the protocol version, the answers on the path taken
-- (JSON, question id to answer value), the recommended response and the
-- response chosen, with the reason when it is not the recommended one.
-- Empty for a call not triaged.
ALTER TABLE calls ADD COLUMN triage_version INTEGER;
ALTER TABLE calls ADD COLUMN triage_answers TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN recommended_response TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN response TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN response_reason TEXT NOT NULL DEFAULT '';
