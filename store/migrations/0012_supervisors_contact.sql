-- Supervisors and the liaison's way to reach the person (issue 15).
--
-- An officer's supervisor is a user of the agency with the supervisor
-- role; the supervisor reviews that officer's contact reports. NULL: the
-- officer has none, and only coordinators review their reports.
ALTER TABLE officers ADD COLUMN supervisor_user_id BIGINT REFERENCES users (id);
CREATE INDEX officers_supervisor ON officers (agency_id, supervisor_user_id);

-- The person's phone, beside the last known address persons already keep,
-- so the liaison can reach them.
ALTER TABLE persons ADD COLUMN phone TEXT NOT NULL DEFAULT '';

-- Whether the caller was the person's family, as the report says: then the
-- liaison may see the caller's name and phone from the call. NULL: not said.
ALTER TABLE encounters ADD COLUMN caller_family BOOLEAN;
