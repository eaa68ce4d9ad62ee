-- Imported history (issue 11, item 6): how precisely a record's time is
-- known, and the dispositions it is known not to have ended in.
--
-- occurred_precision: the finest part of occurred_at the source gave. An
-- open-data file that gives only the year and month is stored at the
-- first of the month with 'month'; the figures by day leave it out.
-- Every existing row is a whole timestamp ('full').
ALTER TABLE encounters ADD COLUMN occurred_precision TEXT NOT NULL DEFAULT 'full'
	CHECK (occurred_precision IN ('year', 'month', 'day', 'hour', 'minute', 'full'));

-- dispositions_no: NULL when dispositions is the whole answer (citdesk's
-- own reports, an imported list of dispositions: every disposition not
-- listed did not happen). A JSON list when the source answers only some
-- dispositions, one yes/no column each: dispositions holds those answered
-- yes, this list those answered no (known negatives, which count in the
-- outcome denominators), and any other disposition is unknown.
ALTER TABLE encounters ADD COLUMN dispositions_no TEXT;
