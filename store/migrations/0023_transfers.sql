-- 988 and mobile crisis transfers (issue 16, item 3): one row per call the
-- dispatcher sent to the 988 Lifeline centre, the county mobile crisis team
-- or another named crisis service, with the caller's consent and whether
-- the crisis line accepted it or returned it to 911 (when, why and who
-- recorded it). Whether a 911 call about the same person followed within
-- 24 hours is not stored: it depends on later calls, so it is worked out
-- when read (store/transfer.go).
CREATE TABLE call_transfers (
	agency_id BIGINT NOT NULL,
	call_id BIGINT NOT NULL,
	transferred_at BIGINT NOT NULL,
	destination TEXT NOT NULL,
	destination_name TEXT NOT NULL DEFAULT '',
	consent TEXT NOT NULL,
	outcome TEXT NOT NULL DEFAULT 'accepted',
	returned_at BIGINT,
	return_reason TEXT NOT NULL DEFAULT '',
	recorded_by BIGINT NOT NULL REFERENCES users (id),
	recorded_at BIGINT NOT NULL,
	returned_by BIGINT REFERENCES users (id),
	PRIMARY KEY (agency_id, call_id),
	FOREIGN KEY (agency_id, call_id) REFERENCES calls (agency_id, id),
	CHECK (destination IN ('988_lifeline', 'mobile_crisis', 'other')),
	CHECK (consent IN ('yes', 'no', 'not_asked')),
	CHECK (outcome IN ('accepted', 'returned')),
	CHECK ((outcome = 'returned') = (returned_at IS NOT NULL))
);
-- The repeat check and the outcomes' reload of recent transfers read by time.
CREATE INDEX call_transfers_time ON call_transfers (agency_id, transferred_at);
