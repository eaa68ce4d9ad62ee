-- Outcomes (issue 6): imported history, each agency's disposition
-- mappings, and indexes for loading an agency's records and noticing what
-- changed since.

-- What imported history may not know. occurred_known FALSE: the date is
-- unknown (a placeholder in the source); occurred_at then holds the report
-- date, or 0, so lists still sort, and the measures treat it as undated.
-- officer_cit_known FALSE: the source does not say whether the officer was
-- CIT certified (officer_cit_certified is then FALSE and means nothing).
-- external_officer is the officer's id in the source; import_hash is a
-- fingerprint of the imported values, so a re-import rewrites only what
-- changed.
ALTER TABLE encounters ADD COLUMN occurred_known BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE encounters ADD COLUMN officer_cit_known BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE encounters ADD COLUMN external_officer TEXT;
ALTER TABLE encounters ADD COLUMN import_hash TEXT;

-- How an agency maps a source's dispositions (as the source spells them)
-- to citdesk's; disposition '' means "known, and no citdesk disposition
-- fits". Seeded from the importer's defaults on the first import.
CREATE TABLE disposition_maps (
	agency_id BIGINT NOT NULL REFERENCES agencies (id),
	source TEXT NOT NULL,
	source_value TEXT NOT NULL,
	disposition TEXT NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (agency_id, source, source_value)
);

-- The outcome snapshot asks what changed since it last loaded: how many
-- rows and the sum of their versions (version in the index answers that
-- from the index alone), and which rows.
CREATE INDEX encounters_updated ON encounters (agency_id, updated_at, version);
CREATE INDEX referrals_updated ON referrals (agency_id, updated_at, version);
CREATE INDEX calls_updated ON calls (agency_id, updated_at, version);
