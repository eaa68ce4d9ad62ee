-- The optional photo on a crisis plan, re-encoded without metadata.
CREATE TABLE crisis_plan_photos (
	plan_id BIGINT PRIMARY KEY REFERENCES crisis_plans (id),
	agency_id BIGINT NOT NULL,
	data BLOB NOT NULL,
	created_by BIGINT NOT NULL,
	created_at BIGINT NOT NULL
);
