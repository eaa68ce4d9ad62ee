-- Fewer pages per write (issue 12). Each page a transaction changes is
-- written to the write-ahead log in full and synced at commit, so an index
-- that every write touches costs a page, its write and its share of the
-- sync, every commit.
--
-- audit_events was keyed "seq BIGINT PRIMARY KEY", which SQLite keeps as a
-- separate unique index beside the table's own rowid: two B-trees filled
-- in the same order for every event. "seq INTEGER PRIMARY KEY" makes seq
-- the rowid itself. SQLite cannot change a table's key, so the table is
-- rebuilt: the new one is filled (events keep their seq, chain and hashes
-- unchanged, so the chain verifies as before), the old one dropped and the
-- new one renamed in its place; its indexes and append-only triggers are
-- made again as 0001, 0007 and 0016 left them. No table refers to it.
CREATE TABLE audit_events_0031 (
	seq INTEGER PRIMARY KEY,
	agency_id BIGINT NOT NULL,
	user_id BIGINT NOT NULL,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	object_type TEXT NOT NULL,
	object_id TEXT NOT NULL,
	at BIGINT NOT NULL,
	remote TEXT NOT NULL,
	outcome TEXT NOT NULL,
	detail TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL,
	chain TEXT NOT NULL DEFAULT 'sha256'
);
INSERT INTO audit_events_0031 (seq, agency_id, user_id, actor, action, object_type, object_id, at, remote, outcome, detail, prev_hash, hash, chain)
	SELECT seq, agency_id, user_id, actor, action, object_type, object_id, at, remote, outcome, detail, prev_hash, hash, chain FROM audit_events ORDER BY seq;
DROP TABLE audit_events;
ALTER TABLE audit_events_0031 RENAME TO audit_events;
CREATE INDEX audit_events_object ON audit_events (agency_id, object_type, object_id);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN OLD.seq > (SELECT COALESCE(MAX(seq), 0) FROM audit_seals)
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;

-- The retention purge finds closed calls by when they closed; an open
-- call has no closed_at and no place in that index. Left out, creating a
-- call no longer writes to it, and closing one adds its entry instead of
-- moving it. "closed_at < ?" implies closed_at IS NOT NULL, so the purge's
-- query still uses it.
DROP INDEX calls_closed;
CREATE INDEX calls_closed ON calls (agency_id, closed_at) WHERE closed_at IS NOT NULL;
