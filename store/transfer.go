package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"citdesk"
)

// NewTransferService returns the 988 / mobile crisis transfer service
// over db (issue 16, item 3). It is a function rather than a method so
// that DB keeps its method count.
func NewTransferService(db *DB) citdesk.TransferService { return transferService{db} }

type transferService struct{ db *DB }

// RecordTransfer implements citdesk.TransferService.
func (s transferService) RecordTransfer(ctx context.Context, t *citdesk.Transfer, version int64) (*citdesk.Call, error) {
	actor, err := citdesk.Require(ctx, citdesk.DispatchCalls)
	if err != nil {
		return nil, err
	}
	var c *citdesk.Call
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if c, err = tx.findCall(ctx, actor.AgencyID, t.CallID, true); err != nil {
			return err
		}
		if c.Version != version {
			return citdesk.Errorf(citdesk.EPRECONDITION, "Someone else changed this call since you loaded it; reload and try again.")
		}
		cur, err := findTransfer(ctx, tx, actor.AgencyID, c.ID)
		if err != nil {
			return err
		}
		if cur != nil && cur.Outcome == citdesk.TransferReturned {
			return citdesk.Errorf(citdesk.ECONFLICT, "This transfer was returned to 911; it can no longer be changed.")
		}
		if err := t.Validate(c, tx.now); err != nil {
			return err
		}
		t.TransferredAt = t.TransferredAt.UTC().Truncate(time.Microsecond)
		action := "call.transfer"
		if cur == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO call_transfers (agency_id, call_id, transferred_at, destination, destination_name, consent, outcome, recorded_by, recorded_at)
				VALUES (?, ?, ?, ?, ?, ?, 'accepted', ?, ?)`,
				actor.AgencyID, c.ID, micros(t.TransferredAt), string(t.Destination), t.DestinationName, string(t.Consent), actor.UserID, micros(tx.now))
		} else {
			action = "call.transfer_correct"
			_, err = tx.ExecContext(ctx, `UPDATE call_transfers SET transferred_at = ?, destination = ?, destination_name = ?, consent = ?, recorded_by = ?, recorded_at = ?
				WHERE agency_id = ? AND call_id = ?`,
				micros(t.TransferredAt), string(t.Destination), t.DestinationName, string(t.Consent), actor.UserID, micros(tx.now), actor.AgencyID, c.ID)
		}
		if err != nil {
			return fmt.Errorf("save transfer: %w", err)
		}
		// Neither the consent nor the service's name goes in the detail.
		return touchCall(ctx, tx, actor, c, action, "destination="+string(t.Destination))
	})
	if err != nil {
		return nil, err
	}
	s.db.publish(ctx, citdesk.EventCallUpdated, actor.AgencyID, c.ID, c.Summary())
	return c, nil
}

// ReturnTransfer implements citdesk.TransferService.
func (s transferService) ReturnTransfer(ctx context.Context, callID, version int64, r citdesk.TransferReturn) (*citdesk.Call, error) {
	actor, err := citdesk.Require(ctx, citdesk.DispatchCalls)
	if err != nil {
		return nil, err
	}
	var c *citdesk.Call
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if c, err = tx.findCall(ctx, actor.AgencyID, callID, true); err != nil {
			return err
		}
		if c.Version != version {
			return citdesk.Errorf(citdesk.EPRECONDITION, "Someone else changed this call since you loaded it; reload and try again.")
		}
		cur, err := findTransfer(ctx, tx, actor.AgencyID, c.ID)
		if err != nil {
			return err
		}
		if cur == nil {
			return citdesk.Errorf(citdesk.ENOTFOUND, "No transfer to 988 or mobile crisis is recorded on this call.")
		}
		if err := r.Validate(cur, tx.now); err != nil {
			return err
		}
		// The call needs police now: its response becomes the one chosen,
		// and the crisis line's reason is why it is not the recommended one.
		c.Response, c.ResponseReason = r.Response, r.Reason
		if err := c.CheckResponse(); err != nil {
			return err
		}
		at := r.ReturnedAt.UTC().Truncate(time.Microsecond)
		if _, err := tx.ExecContext(ctx, `UPDATE call_transfers SET outcome = 'returned', returned_at = ?, return_reason = ?, returned_by = ? WHERE agency_id = ? AND call_id = ?`,
			micros(at), r.Reason, actor.UserID, actor.AgencyID, c.ID); err != nil {
			return fmt.Errorf("return transfer: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE calls SET response = ?, response_reason = ? WHERE agency_id = ? AND id = ?`,
			string(c.Response), c.ResponseReason, actor.AgencyID, c.ID); err != nil {
			return fmt.Errorf("set response of returned call: %w", err)
		}
		return touchCall(ctx, tx, actor, c, "call.transfer_return", "response="+string(c.Response))
	})
	if err != nil {
		return nil, err
	}
	s.db.publish(ctx, citdesk.EventCallUpdated, actor.AgencyID, c.ID, c.Summary())
	return c, nil
}

// touchCall ends a change of call c's transfer in tx: the call's version
// and change time move on (so the board, the outcomes' change stamp and a
// client's If-Match all see it), the change is audited on the call, the
// CAD's webhook is queued, and c is filled with its transfer as saved.
func touchCall(ctx context.Context, tx *Tx, actor *citdesk.Actor, c *citdesk.Call, action, detail string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE calls SET updated_at = ?, version = version + 1 WHERE agency_id = ? AND id = ?`,
		micros(tx.now), actor.AgencyID, c.ID); err != nil {
		return fmt.Errorf("update call: %w", err)
	}
	c.Version++
	c.UpdatedAt = tx.now
	if err := loadTransfer(ctx, tx, c); err != nil {
		return err
	}
	if err := tx.audit(ctx, actor, action, "call", c.ID, detail); err != nil {
		return err
	}
	return enqueueCallEvent(ctx, tx, citdesk.HookCallUpdated, c)
}

// findTransfer reads call callID's transfer; nil when it has none.
func findTransfer(ctx context.Context, tx *Tx, agencyID, callID int64) (*citdesk.Transfer, error) {
	t := citdesk.Transfer{CallID: callID}
	var at, recorded int64
	var returned, returnedBy sql.NullInt64
	var dest, consent, outcome string
	err := tx.QueryRowContext(ctx, `SELECT transferred_at, destination, destination_name, consent, outcome, returned_at, return_reason, recorded_by, recorded_at, returned_by
		FROM call_transfers WHERE agency_id = ? AND call_id = ?`, agencyID, callID).
		Scan(&at, &dest, &t.DestinationName, &consent, &outcome, &returned, &t.ReturnReason, &t.RecordedBy, &recorded, &returnedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("find transfer: %w", err)
	}
	t.TransferredAt, t.RecordedAt, t.ReturnedAt = fromMicros(at), fromMicros(recorded), fromNullMicros(returned)
	t.Destination, t.Consent, t.Outcome = citdesk.TransferDestination(dest), citdesk.TransferConsent(consent), citdesk.TransferOutcome(outcome)
	if returnedBy.Valid {
		t.ReturnedBy = &returnedBy.Int64
	}
	return &t, nil
}

// loadTransfer fills c.Transfer with the call's transfer, if it has one,
// and whether a 911 call about the same person followed it.
func loadTransfer(ctx context.Context, tx *Tx, c *citdesk.Call) error {
	t, err := findTransfer(ctx, tx, c.AgencyID, c.ID)
	if err != nil || t == nil {
		c.Transfer = t
		return err
	}
	repeats, err := transferRepeats(ctx, tx, c.AgencyID, `c.id = ?`, []any{c.ID})
	if err != nil {
		return err
	}
	if id, ok := repeats[c.ID]; ok {
		t.Repeat911, t.RepeatCallID = true, &id
	}
	c.Transfer = t
	return nil
}

// transferRepeatQuery pairs each transferred call (c, with its transfer t)
// with the 911 calls (n) that came in after the transfer and within the
// repeat window (the second argument, in microseconds), saying for each
// pair whether each call's contact reports name a person and whether they
// name one in common. citdesk.SamePerson and citdesk.IsRepeat decide;
// the window here only narrows what is read (the calls_received index).
const transferRepeatQuery = `SELECT c.id, c.address, t.transferred_at, n.id, n.address, n.received_at,
	EXISTS (SELECT 1 FROM encounters e WHERE e.agency_id = c.agency_id AND e.call_id = c.id AND e.person_id IS NOT NULL),
	EXISTS (SELECT 1 FROM encounters e WHERE e.agency_id = n.agency_id AND e.call_id = n.id AND e.person_id IS NOT NULL),
	EXISTS (SELECT 1 FROM encounters e JOIN encounters f ON f.agency_id = e.agency_id AND f.person_id = e.person_id
		WHERE e.agency_id = c.agency_id AND e.call_id = c.id AND f.call_id = n.id)
FROM call_transfers t
JOIN calls c ON c.agency_id = t.agency_id AND c.id = t.call_id
JOIN calls n ON n.agency_id = t.agency_id AND n.source = '911' AND n.id <> t.call_id
	AND n.received_at > t.transferred_at AND n.received_at <= t.transferred_at + ?
WHERE t.agency_id = ?`

// transferRepeats finds, for the agency's transferred calls c that cond
// (on the calls table as c, with args) selects, the first 911 call about
// the same person that followed the transfer within 24 hours: call id →
// that call's id, for those that have one.
func transferRepeats(ctx context.Context, tx *Tx, agencyID int64, cond string, args []any) (map[int64]int64, error) {
	q := transferRepeatQuery
	if cond != "" {
		q += " AND " + cond
	}
	q += " ORDER BY c.id, n.received_at, n.id"
	rows, err := tx.QueryContext(ctx, q, append([]any{citdesk.RepeatWindow.Microseconds(), agencyID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("find repeat calls: %w", err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var id, nextID, at, received int64
		var address, nextAddress string
		var linked, nextLinked, shared bool
		if err := rows.Scan(&id, &address, &at, &nextID, &nextAddress, &received, &linked, &nextLinked, &shared); err != nil {
			return nil, fmt.Errorf("scan repeat call: %w", err)
		}
		if _, found := out[id]; found || !citdesk.IsRepeat(fromMicros(at), fromMicros(received)) {
			continue
		}
		if citdesk.SamePerson(citdesk.CallSubject{Linked: linked, Address: address}, citdesk.CallSubject{Linked: nextLinked, Address: nextAddress}, shared) {
			out[id] = nextID
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find repeat calls: %w", err)
	}
	return out, nil
}

// keepTransferredResponse refuses to change call cur's response away from
// 988 while the crisis line holds its transfer: only the crisis line's
// return (ReturnTransfer) puts such a call back to needing police, so
// the record says what happened.
func keepTransferredResponse(ctx context.Context, tx *Tx, cur, c *citdesk.Call) error {
	if cur.Response != citdesk.Response988 || c.Response == citdesk.Response988 {
		return nil
	}
	t, err := findTransfer(ctx, tx, cur.AgencyID, cur.ID)
	if err != nil || t == nil || t.Outcome != citdesk.TransferAccepted {
		return err
	}
	return &citdesk.Error{Code: citdesk.ECONFLICT, Field: "response", Message: "The crisis line accepted this call's transfer; record its return to 911 to choose another response."}
}
