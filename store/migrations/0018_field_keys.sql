-- Encryption at rest of the fields that matter most (issue 14): the data
-- keys that seal narratives, crisis-plan text and photos, and caller and
-- person contact details, each wrapped (AES-256-GCM) by the key-encryption
-- key that lives outside the database (field.key or CITDESK_FIELD_KEY).
--
-- purpose 'data' keys seal fields; the one 'index' key makes the keyed
-- hashes (HMAC-SHA256) that equality lookups use instead of the value
-- (address_key). kek_id names the key-encryption key a row is wrapped
-- with; previous_* keeps the wrapping under the key before the last
-- rotation, so servers still running with that key keep working until
-- they restart with the new one (`citdesk keys rotate --finish` drops it).
CREATE TABLE field_keys (
	id BIGINT PRIMARY KEY,
	purpose TEXT NOT NULL CHECK (purpose IN ('data', 'index')),
	wrapped TEXT NOT NULL,
	kek_id TEXT NOT NULL,
	previous_wrapped TEXT NOT NULL DEFAULT '',
	previous_kek_id TEXT NOT NULL DEFAULT '',
	is_current BOOLEAN NOT NULL DEFAULT FALSE,
	created_at BIGINT NOT NULL
);

-- Whether rows written before this migration may still hold plaintext in
-- a sealed column: citdesk seals them at its first start on this schema,
-- in batches, and then clears the flag.
CREATE TABLE field_sealing (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	plaintext_left BOOLEAN NOT NULL
);
INSERT INTO field_sealing (id, plaintext_left) VALUES (1, TRUE);
