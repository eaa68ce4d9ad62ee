-- Service accounts (issue 11, item 1): machine users of an agency (the
-- county CAD, the AVL feed) with scopes instead of roles. Each is a users
-- row (no roles, no password: it cannot sign in on a page or with a
-- password) so the audit trail and every user_id column name it; this
-- table holds its name and scopes, service_tokens its bearer tokens.
CREATE TABLE service_accounts (
	user_id BIGINT PRIMARY KEY REFERENCES users (id),
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	name TEXT NOT NULL,
	scopes TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	revoked_at BIGINT,
	UNIQUE (agency_id, name)
);

-- Tokens live apart from sessions: a CAD link is quiet for hours at night,
-- so a person's idle timeout must not end it; rotation and revocation end
-- one.
CREATE TABLE service_tokens (
	id @ID@,
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	account_id BIGINT NOT NULL REFERENCES service_accounts (user_id),
	secret_hash TEXT NOT NULL UNIQUE,
	hint TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	last_used_at BIGINT,
	revoked_at BIGINT
);
CREATE INDEX service_tokens_account ON service_tokens (account_id);

-- EIDO in (issue 11, item 2): the CAD's incident id of each call an EIDO
-- created, so the same incident sent again updates that call. The primary
-- key is the arbiter when two sendings of a new incident race.
CREATE TABLE cad_incidents (
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	incident_id TEXT NOT NULL,
	call_id BIGINT NOT NULL REFERENCES calls (id),
	first_received_at BIGINT NOT NULL,
	last_received_at BIGINT NOT NULL,
	PRIMARY KEY (agency_id, incident_id),
	UNIQUE (agency_id, call_id)
);

-- Webhooks (issue 11, item 4): an agency's subscriptions, and the outbox
-- of deliveries, written in the transaction of the change they report.
-- The secret is sealed with the --mfa-key-file key (AES-GCM), as TOTP
-- secrets are: the receiver's HMAC key must be readable to sign with.
CREATE TABLE webhooks (
	id @ID@,
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	url TEXT NOT NULL,
	events TEXT NOT NULL,
	secret TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	created_by BIGINT NOT NULL,
	deleted_at BIGINT
);
CREATE INDEX webhooks_agency ON webhooks (agency_id);

CREATE TABLE webhook_deliveries (
	id @ID@,
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	webhook_id BIGINT NOT NULL REFERENCES webhooks (id),
	event TEXT NOT NULL,
	idempotency_key TEXT NOT NULL UNIQUE,
	body TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at BIGINT,
	claimed_until BIGINT,
	last_status INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	delivered_at BIGINT,
	dead_at BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at);
CREATE INDEX webhook_deliveries_agency ON webhook_deliveries (agency_id, id);
