-- Fewer index writes per call (issue 12): the retention purge finds closed
-- calls by when they closed, and an open call has no closed_at and no
-- place in that index. Left out, creating a call no longer writes to it.
-- "closed_at < $1" implies closed_at IS NOT NULL, so the purge's query
-- still uses it. (audit_events needs no change here: PostgreSQL keeps one
-- index for its key, as SQLite now does after its 0031.)
DROP INDEX calls_closed;
CREATE INDEX calls_closed ON calls (agency_id, closed_at) WHERE closed_at IS NOT NULL;
