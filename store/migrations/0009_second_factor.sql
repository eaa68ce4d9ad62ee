-- Second factors (issue 10, item 3): TOTP with recovery codes, passkeys,
-- the second step of a browser sign-in, and step-up times.
-- Existing agencies keep their policy JSON as it is: one without "mfa"
-- reads as "required" (citdesk.Policy.MFAMandatory), the safe default.

-- A user's TOTP secret, AES-GCM encrypted under a key kept outside the
-- database (--mfa-key-file). secret is '' until a code from pending, the
-- secret on offer, is confirmed. last_step refuses a code used before.
CREATE TABLE mfa_totp (
	user_id BIGINT PRIMARY KEY REFERENCES users (id),
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	secret TEXT NOT NULL DEFAULT '',
	pending TEXT NOT NULL DEFAULT '',
	last_step BIGINT NOT NULL DEFAULT 0,
	confirmed_at BIGINT,
	updated_at BIGINT NOT NULL
);

-- One-time recovery codes: SHA-256 of the normalized code (each has about
-- 59 random bits, so a fast hash is enough); used_at is set on use.
CREATE TABLE mfa_recovery_codes (
	id @ID@,
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	user_id BIGINT NOT NULL REFERENCES users (id),
	code_hash TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	used_at BIGINT
);
CREATE INDEX mfa_recovery_codes_user ON mfa_recovery_codes (user_id);

-- WebAuthn credentials: credential_id is base64url; credential is the
-- library's record (public key, sign count, flags) as JSON.
CREATE TABLE mfa_passkeys (
	id @ID@,
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	user_id BIGINT NOT NULL REFERENCES users (id),
	credential_id TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	credential TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	last_used_at BIGINT
);
CREATE INDEX mfa_passkeys_user ON mfa_passkeys (user_id);

-- A sign-in whose password was right and which still owes a second factor
-- (purpose 'signin'), or a signed-in user's WebAuthn ceremony in progress
-- (purpose 'ceremony'). Only a hash of the secret is stored.
CREATE TABLE mfa_challenges (
	id @ID@,
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	user_id BIGINT NOT NULL REFERENCES users (id),
	secret_hash TEXT NOT NULL UNIQUE,
	purpose TEXT NOT NULL,
	enrol BOOLEAN NOT NULL DEFAULT FALSE,
	data TEXT NOT NULL DEFAULT '',
	attempts INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	ended_at BIGINT
);

-- When a session last stepped up (password and second factor again); its
-- sign-in counts as one too.
CREATE TABLE session_step_ups (
	session_id BIGINT PRIMARY KEY REFERENCES sessions (id),
	at BIGINT NOT NULL
);
