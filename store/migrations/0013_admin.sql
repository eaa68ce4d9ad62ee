-- The admin's pages (issue 15): when each user last signed in, for the
-- user list. NULL until their next sign-in. (Each agency's disposition
-- mapping is stored since 0005, in disposition_maps.)
ALTER TABLE users ADD COLUMN last_signin_at BIGINT;
