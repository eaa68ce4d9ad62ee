-- The Mental Health Liaison as a resource (issue 16, item 2): whether each
-- liaison can go to a call now, and where they are, as officers' duty
-- status and position are kept (officer_duty). One row per liaison, made
-- the first time they set a status; no row reads as off duty.
CREATE TABLE liaison_duty (
	user_id BIGINT PRIMARY KEY REFERENCES users (id),
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	status TEXT NOT NULL,
	lat DOUBLE PRECISION,
	lon DOUBLE PRECISION,
	position_at BIGINT,
	updated_at BIGINT NOT NULL,
	CHECK (status IN ('available', 'busy', 'off_duty'))
);

-- A liaison sent to a call with a CIT officer (a co-response), with the
-- times they were assigned, en route, on scene and cleared, as an
-- officer's assignment keeps them.
CREATE TABLE call_liaisons (
	id @ID@,
	agency_id BIGINT NOT NULL,
	call_id BIGINT NOT NULL,
	user_id BIGINT NOT NULL REFERENCES users (id),
	status TEXT NOT NULL,
	assigned_at BIGINT NOT NULL,
	en_route_at BIGINT,
	on_scene_at BIGINT,
	cleared_at BIGINT,
	assigned_by BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1,
	FOREIGN KEY (agency_id, call_id) REFERENCES calls (agency_id, id),
	CHECK (status IN ('assigned', 'en_route', 'on_scene', 'cleared')),
	CHECK ((status = 'cleared') = (cleared_at IS NOT NULL))
);
-- A liaison is on at most one call at a time: the database decides, so two
-- dispatchers sending the same liaison at once get one success.
CREATE UNIQUE INDEX call_liaisons_one_active ON call_liaisons (user_id) WHERE cleared_at IS NULL;
CREATE INDEX call_liaisons_call ON call_liaisons (agency_id, call_id);
