-- Accounts (issue 10, item 4): the agency's city, which passwords may not
-- be, and an index for "has this user signed in from this address before",
-- which lets the right password through a sign-in throttle.
ALTER TABLE agencies ADD COLUMN city TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_user_remote ON sessions (user_id, remote);
