-- What the public pages say about the department (issue 15): its
-- non-emergency number and its address. Empty until an operator or the
-- agency's admin sets them; the public page then leaves them out.
ALTER TABLE agencies ADD COLUMN non_emergency_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE agencies ADD COLUMN address TEXT NOT NULL DEFAULT '';
