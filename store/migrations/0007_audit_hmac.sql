-- The audit chain becomes an HMAC-SHA256 under a key kept outside the
-- database. Events already written keep their plain SHA-256 links and say
-- so in chain ('sha256'); every new event names the key it is chained with
-- ('hmac-sha256:<key id>'). A key cannot be applied to old rows in SQL (the
-- key is not here, and the rows are append-only), so instead of rewriting
-- them the first start with a key appends a keyed event whose HMAC covers
-- the last old hash: the old events are sealed, and verify accepts plain
-- SHA-256 only before that seal. audit_head.key_id remembers which key the
-- chain is written with, so a start with another key file is refused.
-- One file serves both engines: ADD COLUMN with a constant default fires no
-- row trigger on either, so the append-only guards stay in place.
ALTER TABLE audit_events ADD COLUMN chain TEXT NOT NULL DEFAULT 'sha256';
ALTER TABLE audit_head ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
