package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"citdesk"
)

// NewComplaintService returns the complaints and commendations service
// over db (a plain function: store.DB has all the methods it may have).
func NewComplaintService(db *DB) citdesk.ComplaintService { return complaintService{db} }

type complaintService struct{ db *DB }

var errComplaintNotFound = citdesk.Errorf(citdesk.ENOTFOUND, "No such complaint or commendation.")

// complaintColumns are read by scanComplaint, in its order.
const complaintColumns = `id, agency_id, kind, received_at, source, contact_name, contact, body, call_id, encounter_id, officer_ids,
	status, disposition, entered_by, closed_by, closed_at, updated_at, version`

// scanComplaint reads one row of complaintColumns, opening the sealed
// fields.
func scanComplaint(k *fieldKeys) func(rowScanner) (*citdesk.Complaint, error) {
	return func(row rowScanner) (*citdesk.Complaint, error) {
		c := &citdesk.Complaint{}
		var kind, source, status, disposition, officers string
		var received, updated int64
		var call, enc, entered, closedBy, closedAt sql.NullInt64
		if err := row.Scan(&c.ID, &c.AgencyID, &kind, &received, &source, k.text(colComplaintName, &c.ContactName), k.text(colComplaintContact, &c.Contact),
			k.text(colComplaintBody, &c.Text), &call, &enc, &officers, &status, &disposition, &entered, &closedBy, &closedAt, &updated, &c.Version); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil, errComplaintNotFound
			}
			return nil, fmt.Errorf("scan complaint: %w", err)
		}
		c.Kind, c.Source, c.Status, c.Disposition = citdesk.ComplaintKind(kind), citdesk.ComplaintSource(source), citdesk.ComplaintStatus(status), citdesk.ComplaintDisposition(disposition)
		c.ReceivedAt, c.UpdatedAt = fromMicros(received), fromMicros(updated)
		c.CallID, c.EncounterID, c.EnteredBy, c.ClosedBy = call.Int64, enc.Int64, entered.Int64, closedBy.Int64
		if closedAt.Valid {
			t := fromMicros(closedAt.Int64)
			c.ClosedAt = &t
		}
		if err := json.Unmarshal([]byte(officers), &c.OfficerIDs); err != nil {
			return nil, fmt.Errorf("complaint %d officer_ids: %w", c.ID, err)
		}
		if c.OfficerIDs == nil {
			c.OfficerIDs = []int64{}
		}
		return c, nil
	}
}

// CreatePublicComplaint records what the public form took. It needs no
// sign-in; the audit trail names the actor "public" with the address the
// form came from, and records nothing of what was written.
func (s complaintService) CreatePublicComplaint(ctx context.Context, agencyID int64, f *citdesk.PublicComplaint) error {
	if errs := f.Validate(); len(errs) > 0 {
		for _, field := range []string{"kind", "what", "when_where", "name", "contact"} {
			if msg, ok := errs[field]; ok {
				return &citdesk.Error{Code: citdesk.EINVALID, Field: field, Message: msg}
			}
		}
	}
	actor := &citdesk.Actor{AgencyID: agencyID, Username: "public"}
	if a := citdesk.ActorFromContext(ctx); a != nil {
		actor.Remote = a.Remote
	}
	c := f.Complaint()
	return s.db.writeTx(ctx, func(tx *Tx) error { return insertComplaint(ctx, tx, actor, c) })
}

// CreateComplaint records one that staff entered.
func (s complaintService) CreateComplaint(ctx context.Context, c *citdesk.Complaint) error {
	actor, err := citdesk.Require(ctx, citdesk.ManageComplaints)
	if err != nil {
		return err
	}
	if err := c.ValidateNew(s.db.now()); err != nil {
		return err
	}
	c.Status, c.Disposition, c.CallID, c.EncounterID, c.OfficerIDs = citdesk.ComplaintReceived, "", 0, 0, nil
	return s.db.writeTx(ctx, func(tx *Tx) error { return insertComplaint(ctx, tx, actor, c) })
}

// insertComplaint inserts c for the actor's agency, sealed, and audits it.
func insertComplaint(ctx context.Context, tx *Tx, actor *citdesk.Actor, c *citdesk.Complaint) error {
	if c.ReceivedAt.IsZero() {
		c.ReceivedAt = tx.now
	}
	c.ReceivedAt = c.ReceivedAt.UTC().Truncate(time.Microsecond)
	c.AgencyID, c.EnteredBy, c.UpdatedAt, c.Version = actor.AgencyID, actor.UserID, tx.now, 1
	if c.OfficerIDs == nil {
		c.OfficerIDs = []int64{}
	}
	seal := tx.db.fields.sealer()
	name, contact, body := seal.text(colComplaintName, c.ContactName), seal.text(colComplaintContact, c.Contact), seal.text(colComplaintBody, c.Text)
	if seal.err != nil {
		return seal.err
	}
	id, err := tx.insert(ctx, `INSERT INTO complaints (agency_id, kind, received_at, source, contact_name, contact, body, officer_ids, status, disposition, entered_by, created_at, updated_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, '[]', ?, '', ?, ?, ?, 1)`,
		c.AgencyID, string(c.Kind), micros(c.ReceivedAt), string(c.Source), name, contact, body, string(c.Status),
		sql.NullInt64{Int64: actor.UserID, Valid: actor.UserID != 0}, micros(tx.now), micros(tx.now))
	if err != nil {
		return fmt.Errorf("insert complaint: %w", err)
	}
	c.ID = id
	return tx.audit(ctx, actor, "complaint.create", "complaint", id, "kind="+string(c.Kind)+" source="+string(c.Source))
}

// ListComplaints lists the agency's records, newest first, one audit
// event per record listed.
func (s complaintService) ListComplaints(ctx context.Context, f citdesk.ComplaintFilter) ([]*citdesk.Complaint, error) {
	actor, err := citdesk.Require(ctx, citdesk.ReadComplaints)
	if err != nil {
		return nil, err
	}
	switch f.Status {
	case "", citdesk.ComplaintReceived, citdesk.ComplaintUnderReview, citdesk.ComplaintClosed:
	default:
		return nil, citdesk.FieldErrorf("status", "status must be received, under_review or closed.")
	}
	if f.Kind != "" && f.Kind != citdesk.KindComplaint && f.Kind != citdesk.KindCommendation {
		return nil, citdesk.FieldErrorf("kind", "kind must be complaint or commendation.")
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	q := `SELECT ` + complaintColumns + ` FROM complaints WHERE agency_id = ?`
	args := []any{actor.AgencyID}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, string(f.Status))
	}
	if f.Kind != "" {
		q += ` AND kind = ?`
		args = append(args, string(f.Kind))
	}
	q += ` ORDER BY received_at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	var out []*citdesk.Complaint
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if out, err = queryAll(ctx, tx, "list complaints", scanComplaint(tx.db.fields), q, args...); err != nil {
			return err
		}
		read := newAuditRead(actor, "complaint.list")
		for _, c := range out {
			read.record("complaint", c.ID, "")
		}
		return read.write(ctx, tx)
	})
	if out == nil {
		out = []*citdesk.Complaint{}
	}
	return out, err
}

// findComplaint reads one of the agency's records in tx.
func findComplaint(ctx context.Context, tx *Tx, agencyID, id int64) (*citdesk.Complaint, error) {
	return scanComplaint(tx.db.fields)(tx.QueryRowContext(ctx, `SELECT `+complaintColumns+` FROM complaints WHERE agency_id = ? AND id = ?`, agencyID, id))
}

// FindComplaint returns one record, audited as a view.
func (s complaintService) FindComplaint(ctx context.Context, id int64) (*citdesk.Complaint, error) {
	actor, err := citdesk.Require(ctx, citdesk.ReadComplaints)
	if err != nil {
		return nil, err
	}
	var c *citdesk.Complaint
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if c, err = findComplaint(ctx, tx, actor.AgencyID, id); err != nil {
			return err
		}
		return tx.audit(ctx, actor, "complaint.view", "complaint", id, "")
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// UpdateComplaint applies a change in one transaction. The links are
// checked against the agency's own records (another agency's id is "not
// found", naming the field); linking a report links its call and, when no
// officer is named yet, names the report's officer.
func (s complaintService) UpdateComplaint(ctx context.Context, id int64, ch citdesk.ComplaintChange) (*citdesk.Complaint, error) {
	actor, err := citdesk.Require(ctx, citdesk.ManageComplaints)
	if err != nil {
		return nil, err
	}
	var c *citdesk.Complaint
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if c, err = findComplaint(ctx, tx, actor.AgencyID, id); err != nil {
			return err
		}
		if ch.Version != c.Version {
			return citdesk.Errorf(citdesk.EPRECONDITION, "Someone else changed this record since you loaded it; reload and try again.")
		}
		from := c.Status
		if err := citdesk.ApplyComplaintChange(c, ch); err != nil {
			return err
		}
		if ch.EncounterID != nil && c.EncounterID != 0 {
			var officer, call sql.NullInt64
			err := tx.QueryRowContext(ctx, `SELECT officer_id, call_id FROM encounters WHERE agency_id = ? AND id = ?`, actor.AgencyID, c.EncounterID).Scan(&officer, &call)
			if errors.Is(err, sql.ErrNoRows) {
				return citdesk.FieldErrorf("encounter_id", "There is no contact report %d.", c.EncounterID)
			} else if err != nil {
				return fmt.Errorf("find linked report: %w", err)
			}
			if ch.CallID == nil && call.Valid {
				c.CallID = call.Int64
			}
			if ch.OfficerIDs == nil && len(c.OfficerIDs) == 0 && officer.Valid {
				c.OfficerIDs = []int64{officer.Int64}
			}
		}
		if c.CallID != 0 && (ch.CallID != nil || ch.EncounterID != nil) {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM calls WHERE agency_id = ? AND id = ?`, actor.AgencyID, c.CallID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return citdesk.FieldErrorf("call_id", "There is no call %d.", c.CallID)
			} else if err != nil {
				return fmt.Errorf("find linked call: %w", err)
			}
		}
		for _, oid := range c.OfficerIDs {
			if ch.OfficerIDs == nil {
				break
			}
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM officers WHERE agency_id = ? AND id = ?`, actor.AgencyID, oid).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return citdesk.FieldErrorf("officer_ids", "There is no officer %d.", oid)
			} else if err != nil {
				return fmt.Errorf("find officer: %w", err)
			}
		}
		officers, _ := json.Marshal(c.OfficerIDs)
		var closedBy, closedAt sql.NullInt64
		if c.Status == citdesk.ComplaintClosed {
			closedBy, closedAt = sql.NullInt64{Int64: actor.UserID, Valid: actor.UserID != 0}, sql.NullInt64{Int64: micros(tx.now), Valid: true}
			closed := tx.now
			c.ClosedBy, c.ClosedAt = actor.UserID, &closed
		}
		res, err := tx.ExecContext(ctx, `UPDATE complaints SET call_id = ?, encounter_id = ?, officer_ids = ?, status = ?, disposition = ?, closed_by = ?, closed_at = ?,
			updated_at = ?, version = version + 1 WHERE agency_id = ? AND id = ? AND version = ?`,
			sql.NullInt64{Int64: c.CallID, Valid: c.CallID != 0}, sql.NullInt64{Int64: c.EncounterID, Valid: c.EncounterID != 0}, string(officers),
			string(c.Status), string(c.Disposition), closedBy, closedAt, micros(tx.now), actor.AgencyID, id, ch.Version)
		if err != nil {
			return fmt.Errorf("update complaint: %w", err)
		}
		// The version in the WHERE clause decides between two changes
		// that both read the same version (PostgreSQL takes no lock on
		// the read).
		if n, _ := res.RowsAffected(); n != 1 {
			return citdesk.Errorf(citdesk.EPRECONDITION, "Someone else changed this record since you loaded it; reload and try again.")
		}
		c.UpdatedAt, c.Version = tx.now, c.Version+1
		return tx.audit(ctx, actor, "complaint.update", "complaint", id, complaintChangeDetail(from, c))
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// complaintChangeDetail says what a change left, for the audit trail: the
// status, disposition and links, never the text or the contact.
func complaintChangeDetail(from citdesk.ComplaintStatus, c *citdesk.Complaint) string {
	ids := make([]string, len(c.OfficerIDs))
	for i, id := range c.OfficerIDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	return fmt.Sprintf("status=%s->%s disposition=%s call=%d encounter=%d officers=%s", from, c.Status, c.Disposition, c.CallID, c.EncounterID, strings.Join(ids, ","))
}
