package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"citdesk"
	"citdesk/geo"
)

// NewMutualAidService returns the county mutual-aid service (issue 16,
// item 4): sharing agreements and requests between agencies. It is the one
// place in the store that reads two agencies' records for one actor, and
// what it reads of the other agency is only ever turned into the
// projections of citdesk's mutualaid.go.
func NewMutualAidService(db *DB) citdesk.MutualAidService {
	return mutualAid{db: db, lenders: &lenderCache{byAgency: map[int64]lenderEntry{}}}
}

type mutualAid struct {
	db      *DB
	lenders *lenderCache
}

// lenderCache keeps, per borrowing agency, the agencies that share with it,
// so a recommendation for an agency with no partners (or the same ones)
// reads no SQL, as the rest of a recommendation is answered from memory
// (dispatchmem.go). An entry is current while the generation of every
// agency's dispatch state is (dispatchMemory.all): SetSharing advances it
// (tx.dispatchChanged(0)), here and, through the dispatch notification, on
// every replica; a change to one agency's calls or officers does not. It is
// kept no longer than dispatchMaxAge, so a lender's new name shows within
// that.
type lenderCache struct {
	mu       sync.Mutex
	byAgency map[int64]lenderEntry
}

type lenderEntry struct {
	all     uint64 // the generation of every agency's dispatch state it was read at
	read    time.Time
	lenders []lender
}

// lendersOf returns the agencies that share with agencyID, from the cache
// when it is current, else read in a read transaction.
func (s mutualAid) lendersOf(ctx context.Context, agencyID int64) ([]lender, error) {
	keep := s.db.keepingDispatch()
	all, _ := s.db.dispatch.generation(agencyID)
	now := s.db.now()
	if keep {
		s.lenders.mu.Lock()
		e, ok := s.lenders.byAgency[agencyID]
		s.lenders.mu.Unlock()
		if ok && e.all == all && now.Sub(e.read) < dispatchMaxAge && !now.Before(e.read) {
			return e.lenders, nil
		}
	}
	var out []lender
	err := s.db.readTx(ctx, func(tx *Tx) (err error) {
		out, err = lendersTo(ctx, tx, agencyID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if keep {
		s.lenders.mu.Lock()
		s.lenders.byAgency[agencyID] = lenderEntry{all: all, read: now, lenders: out}
		s.lenders.mu.Unlock()
	}
	return out, nil
}

// sharing reads agency's agreements both ways.
func sharing(ctx context.Context, tx *Tx, agencyID int64) (*citdesk.PartnerSharing, error) {
	scan := func(row rowScanner) (citdesk.Partner, error) {
		var p citdesk.Partner
		err := row.Scan(&p.Slug, &p.Name, &p.ShowNames)
		return p, err
	}
	out := &citdesk.PartnerSharing{}
	var err error
	if out.SharesWith, err = queryAll(ctx, tx, "partners lent to", scan, `SELECT a.slug, a.name, m.show_names FROM mutual_aid_partners m
		JOIN agencies a ON a.id = m.partner_agency_id WHERE m.lender_agency_id = ? ORDER BY a.name, a.id`, agencyID); err != nil {
		return nil, err
	}
	if out.SharedWithUs, err = queryAll(ctx, tx, "partners borrowed from", scan, `SELECT a.slug, a.name, m.show_names FROM mutual_aid_partners m
		JOIN agencies a ON a.id = m.lender_agency_id WHERE m.partner_agency_id = ? ORDER BY a.name, a.id`, agencyID); err != nil {
		return nil, err
	}
	if out.SharesWith == nil {
		out.SharesWith = []citdesk.Partner{}
	}
	if out.SharedWithUs == nil {
		out.SharedWithUs = []citdesk.Partner{}
	}
	return out, nil
}

// Sharing implements citdesk.MutualAidService.
func (s mutualAid) Sharing(ctx context.Context) (*citdesk.PartnerSharing, error) {
	actor, err := citdesk.Require(ctx, citdesk.DispatchCalls)
	if err != nil {
		return nil, err
	}
	var out *citdesk.PartnerSharing
	err = s.db.readTx(ctx, func(tx *Tx) (err error) {
		out, err = sharing(ctx, tx, actor.AgencyID)
		return err
	})
	return out, err
}

// Candidates implements citdesk.MutualAidService.
func (s mutualAid) Candidates(ctx context.Context) ([]citdesk.Partner, error) {
	actor, err := citdesk.Require(ctx, citdesk.ManageAgency)
	if err != nil {
		return nil, err
	}
	var out []citdesk.Partner
	err = s.db.readTx(ctx, func(tx *Tx) (err error) {
		out, err = queryAll(ctx, tx, "list partner candidates", func(r rowScanner) (citdesk.Partner, error) {
			var p citdesk.Partner
			err := r.Scan(&p.Slug, &p.Name)
			return p, err
		}, `SELECT slug, name FROM agencies WHERE id <> ? ORDER BY name, id`, actor.AgencyID)
		return err
	})
	return out, err
}

// SetSharing implements citdesk.MutualAidService: the agreements named
// replace the agency's, in one transaction with one audit event saying
// which partners were added, removed or changed.
func (s mutualAid) SetSharing(ctx context.Context, shares []citdesk.PartnerShare) (*citdesk.PartnerSharing, error) {
	actor, err := citdesk.Require(ctx, citdesk.ManageAgency)
	if err != nil {
		return nil, err
	}
	var out *citdesk.PartnerSharing
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		want := map[int64]citdesk.PartnerShare{}
		slugs := map[int64]string{}
		for i, sh := range shares {
			field := "partners[" + strconv.Itoa(i) + "].slug"
			a, err := tx.findAgency(ctx, "slug = ?", strings.TrimSpace(sh.Slug))
			if citdesk.ErrorCode(err) == citdesk.ENOTFOUND {
				return citdesk.FieldErrorf(field, "No agency %q in this citdesk.", sh.Slug)
			} else if err != nil {
				return err
			}
			if a.ID == actor.AgencyID {
				return citdesk.FieldErrorf(field, "An agency does not share with itself.")
			}
			if _, dup := want[a.ID]; dup {
				return citdesk.FieldErrorf(field, "%s is named twice.", a.Slug)
			}
			want[a.ID], slugs[a.ID] = sh, a.Slug
		}
		type row struct {
			partner int64
			slug    string
			show    bool
		}
		have, err := queryAll(ctx, tx, "read agreements", func(r rowScanner) (row, error) {
			var x row
			err := r.Scan(&x.partner, &x.slug, &x.show)
			return x, err
		}, `SELECT m.partner_agency_id, a.slug, m.show_names FROM mutual_aid_partners m JOIN agencies a ON a.id = m.partner_agency_id WHERE m.lender_agency_id = ?`, actor.AgencyID)
		if err != nil {
			return err
		}
		var added, removed, changed []string
		held := map[int64]bool{}
		for _, h := range have {
			held[h.partner] = true
			sh, keep := want[h.partner]
			switch {
			case !keep:
				removed = append(removed, h.slug)
				if _, err := tx.ExecContext(ctx, `DELETE FROM mutual_aid_partners WHERE lender_agency_id = ? AND partner_agency_id = ?`, actor.AgencyID, h.partner); err != nil {
					return fmt.Errorf("remove agreement: %w", err)
				}
			case sh.ShowNames != h.show:
				changed = append(changed, h.slug)
				if _, err := tx.ExecContext(ctx, `UPDATE mutual_aid_partners SET show_names = ? WHERE lender_agency_id = ? AND partner_agency_id = ?`, sh.ShowNames, actor.AgencyID, h.partner); err != nil {
					return fmt.Errorf("change agreement: %w", err)
				}
			}
		}
		for id, sh := range want {
			if held[id] {
				continue
			}
			added = append(added, slugs[id])
			if _, err := tx.ExecContext(ctx, `INSERT INTO mutual_aid_partners (lender_agency_id, partner_agency_id, show_names, created_at, created_by) VALUES (?, ?, ?, ?, ?)`,
				actor.AgencyID, id, sh.ShowNames, micros(tx.now), nullID(actor.UserID)); err != nil {
				return fmt.Errorf("add agreement: %w", err)
			}
		}
		if len(added)+len(removed)+len(changed) > 0 {
			slices.Sort(added)
			slices.Sort(removed)
			slices.Sort(changed)
			detail := "added=" + strings.Join(added, ",") + " removed=" + strings.Join(removed, ",") + " changed=" + strings.Join(changed, ",")
			if err := tx.audit(ctx, actor, "mutual_aid.sharing", "agency", actor.AgencyID, detail); err != nil {
				return err
			}
		}
		// Every agency's partners may have changed: the lender cache of
		// each (here and on every replica) is read again.
		tx.dispatchChanged(0)
		out, err = sharing(ctx, tx, actor.AgencyID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// nullID is a user id for a column that is NULL for an operator.
func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// lender is an agency that shares with the actor's, with its agreement.
type lender struct {
	agency *citdesk.Agency
	share  citdesk.Partner
}

// lendersTo reads the agencies that share with agencyID.
func lendersTo(ctx context.Context, tx *Tx, agencyID int64) ([]lender, error) {
	ids, err := queryAll(ctx, tx, "read lenders", func(r rowScanner) (lender, error) {
		var l lender
		var id int64
		err := r.Scan(&id, &l.share.ShowNames)
		l.agency = &citdesk.Agency{ID: id}
		return l, err
	}, `SELECT lender_agency_id, show_names FROM mutual_aid_partners WHERE partner_agency_id = ? ORDER BY lender_agency_id`, agencyID)
	if err != nil {
		return nil, err
	}
	for i := range ids {
		if ids[i].agency, err = tx.findAgency(ctx, "id = ?", ids[i].agency.ID); err != nil {
			return nil, err
		}
		ids[i].share.Slug, ids[i].share.Name = ids[i].agency.Slug, ids[i].agency.Name
	}
	return ids, nil
}

// PartnerOfficers implements citdesk.MutualAidService. Each lender's
// officers come from its dispatch state (kept in memory where the
// database keeps it, read in one transaction otherwise), and only their
// projection leaves this function.
func (s mutualAid) PartnerOfficers(ctx context.Context, callID int64) ([]citdesk.PartnerOfficer, error) {
	actor, err := citdesk.Require(ctx, citdesk.DispatchCalls)
	if err != nil {
		return nil, err
	}
	lenders, err := s.lendersOf(ctx, actor.AgencyID)
	if err != nil || len(lenders) == 0 {
		return []citdesk.PartnerOfficer{}, err
	}
	call, err := s.callPoint(ctx, actor, callID)
	if err != nil {
		return nil, err
	}
	out := []citdesk.PartnerOfficer{}
	for _, l := range lenders {
		officers, err := s.lenderOfficers(ctx, l.agency.ID)
		if err != nil {
			return nil, err
		}
		for _, o := range officers {
			p := citdesk.PartnerOfficerFrom(l.agency, l.share, o)
			if !p.Lendable() {
				continue
			}
			if call.Lat != nil && call.Lon != nil && p.Lat != nil && p.Lon != nil {
				d := int(math.Round(geo.Distance(*call.Lat, *call.Lon, *p.Lat, *p.Lon)))
				p.DistanceM = &d
			}
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b citdesk.PartnerOfficer) int {
		switch {
		case a.DistanceM == nil && b.DistanceM == nil:
			return 0
		case a.DistanceM == nil:
			return 1
		case b.DistanceM == nil:
			return -1
		}
		return *a.DistanceM - *b.DistanceM
	})
	return out, nil
}

// callPoint returns the actor's call callID, for its point: an open call
// from the agency's dispatch state in memory, any other from the database.
func (s mutualAid) callPoint(ctx context.Context, actor *citdesk.Actor, callID int64) (*citdesk.Call, error) {
	if s.db.keepingDispatch() {
		snap, err := s.db.dispatchSnapshot(ctx, actor)
		if err != nil {
			return nil, err
		}
		if c := snap.st.Calls[callID]; c != nil {
			return c, nil
		}
	}
	var c *citdesk.Call
	err := s.db.readTx(ctx, func(tx *Tx) (err error) {
		c, err = tx.findCall(ctx, actor.AgencyID, callID, false)
		return err
	})
	return c, err
}

// lenderOfficers returns the on-duty officers of lender agency lenderID
// from its dispatch state. The state is read as the lender's own board
// reads it, by an actor of the lender with no roles: it holds no caller
// details and no plan flags.
func (s mutualAid) lenderOfficers(ctx context.Context, lenderID int64) ([]*citdesk.Officer, error) {
	as := &citdesk.Actor{AgencyID: lenderID, Username: "mutual-aid", Remote: "partner"}
	if s.db.keepingDispatch() {
		snap, err := s.db.dispatchSnapshot(ctx, as)
		if err != nil {
			return nil, err
		}
		return snap.st.Officers, nil
	}
	var officers []*citdesk.Officer
	err := s.db.readTx(ctx, func(tx *Tx) error {
		st, err := tx.dispatchState(ctx, as, false)
		if err == nil {
			officers = st.Officers
		}
		return err
	})
	return officers, err
}

// requestColumns are a request's columns, with both agencies' names.
const requestColumns = `m.id, m.agency_id, m.call_id, m.lender_agency_id, m.officer_id, m.officer_label, m.status, m.requested_at, m.decided_at, m.decline_reason,
	m.lender_call_id, m.assignment_id, b.slug, b.name, l.slug, l.name,
	c.nature, c.address, c.lat, c.lon, c.emergency, c.risk_weapons, c.risk_violence, c.risk_suicide, c.risk_substances, c.risk_medical
	FROM mutual_aid_requests m JOIN agencies b ON b.id = m.agency_id JOIN agencies l ON l.id = m.lender_agency_id
	JOIN calls c ON c.agency_id = m.agency_id AND c.id = m.call_id`

// aidRow is a request as read, before it is cut to one agency's view.
type aidRow struct {
	citdesk.MutualAidRequest
	borrowerID, lenderID, callID int64
	lenderCallID, assignmentID   sql.NullInt64
	call                         citdesk.MutualAidCall
}

func scanAidRow(r rowScanner) (*aidRow, error) {
	var (
		x                                      aidRow
		requested                              int64
		decided                                sql.NullInt64
		lat, lon                               sql.NullFloat64
		weapons, violence, suicide, subst, med string
	)
	err := r.Scan(&x.ID, &x.borrowerID, &x.callID, &x.lenderID, &x.OfficerID, &x.OfficerLabel, &x.Status, &requested, &decided, &x.DeclineReason,
		&x.lenderCallID, &x.assignmentID, &x.BorrowerSlug, &x.BorrowerName, &x.LenderSlug, &x.LenderName,
		&x.call.Nature, &x.call.Address, &lat, &lon, &x.call.Emergency, &weapons, &violence, &suicide, &subst, &med)
	if err != nil {
		return nil, err
	}
	x.RequestedAt = fromMicros(requested)
	if decided.Valid {
		t := fromMicros(decided.Int64)
		x.DecidedAt = &t
	}
	if lat.Valid && lon.Valid {
		x.call.Lat, x.call.Lon = &lat.Float64, &lon.Float64
	}
	x.call.Risk = citdesk.RiskScreen{Weapons: citdesk.Risk(weapons), Violence: citdesk.Risk(violence), SuicideRisk: citdesk.Risk(suicide),
		Substances: citdesk.Risk(subst), Medical: citdesk.Risk(med)}
	return &x, nil
}

// viewFor cuts the request to what agencyID may see of it (mutualaid.go
// in package citdesk says what crosses).
func (x *aidRow) viewFor(agencyID int64) *citdesk.MutualAidRequest {
	r := x.MutualAidRequest
	if agencyID == x.borrowerID {
		r.Direction = "outgoing"
		id := x.callID
		r.CallID = &id
		return &r
	}
	r.Direction = "incoming"
	if x.callShown() {
		call := x.call
		r.Call = &call
	}
	if x.lenderCallID.Valid {
		id := x.lenderCallID.Int64
		r.LenderCallID = &id
	}
	if x.assignmentID.Valid {
		id := x.assignmentID.Int64
		r.AssignmentID = &id
	}
	return &r
}

// callShown reports whether the lender is shown the borrower's call
// details (MutualAidCall): while the request waits for an answer, and once
// accepted, when its officer is on the way. A declined or cancelled request
// shows none of it. The details are read live from the borrower's call,
// so an edit of the call reaches the lender only while they are shown.
func (x *aidRow) callShown() bool {
	return x.Status == citdesk.AidRequested || x.Status == citdesk.AidAccepted
}

// partnerActor is who the borrower's audit trail names for what the
// lender did to or read of the borrower's call: the lending agency, not its
// user (who decided or read stays the lender's).
func (x *aidRow) partnerActor() *citdesk.Actor {
	return &citdesk.Actor{AgencyID: x.borrowerID, Username: "partner:" + x.LenderSlug, Remote: "mutual-aid"}
}

// auditCallShown records each read by the lender's actor of a borrower's
// call details (MutualAidCall) among rows, as every read of a call is
// audited: in the lender's agency, as the reader, naming the request and
// the borrower (not the borrower's call id, which does not cross); and in
// the borrower's agency, on its call, as the partner agency, so "who saw
// this call" finds it.
func auditCallShown(ctx context.Context, tx *Tx, actor *citdesk.Actor, rows []*aidRow) error {
	var events []*citdesk.AuditEvent
	for _, x := range rows {
		if x.lenderID != actor.AgencyID || !x.callShown() {
			continue
		}
		id := strconv.FormatInt(x.ID, 10)
		events = append(events, actorEvent(actor, "mutual_aid.call_view", "mutual_aid_request", id, "borrower="+x.BorrowerSlug),
			actorEvent(x.partnerActor(), "call.view", "call", strconv.FormatInt(x.callID, 10), "mutual_aid="+id))
	}
	if len(events) == 0 {
		return nil
	}
	return tx.appendAudits(ctx, events)
}

// findAid reads request id if agencyID is its borrower or its lender.
func findAid(ctx context.Context, tx *Tx, agencyID, id int64, lock bool) (*aidRow, error) {
	q := `SELECT ` + requestColumns + ` WHERE m.id = ? AND (m.agency_id = ? OR m.lender_agency_id = ?)`
	if lock && tx.db.dialect.forUpdate != "" {
		q += tx.db.dialect.forUpdate + " OF m"
	}
	x, err := scanAidRow(tx.QueryRowContext(ctx, q, id, agencyID, agencyID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, citdesk.Errorf(citdesk.ENOTFOUND, "Mutual-aid request not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find mutual-aid request: %w", err)
	}
	return x, nil
}

// Request implements citdesk.MutualAidService.
func (s mutualAid) Request(ctx context.Context, callID int64, lenderSlug string, officerID int64) (*citdesk.MutualAidRequest, error) {
	actor, err := citdesk.Require(ctx, citdesk.DispatchCalls)
	if err != nil {
		return nil, err
	}
	if officerID <= 0 {
		return nil, citdesk.FieldErrorf("officer_id", "Choose the partner's officer to ask for.")
	}
	var out *aidRow
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		call, err := tx.findCall(ctx, actor.AgencyID, callID, true)
		if err != nil {
			return err
		}
		if call.Status == citdesk.CallClosed {
			return citdesk.Errorf(citdesk.ECONFLICT, "This call is closed.")
		}
		lenders, err := lendersTo(ctx, tx, actor.AgencyID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(lenders, func(l lender) bool { return l.agency.Slug == strings.TrimSpace(lenderSlug) })
		if i < 0 {
			// The same answer whether the agency exists or not: an agency
			// that does not share with this one is not shown to it.
			return citdesk.FieldErrorf("lender", "No partner agency %q shares its CIT officers with you.", lenderSlug)
		}
		l := lenders[i]
		// The same answer for an officer id the lender does not have and
		// for one of its officers who is not lendable, so a borrower cannot
		// probe the lender's roster with made-up ids.
		unavailable := citdesk.Errorf(citdesk.ECONFLICT, "That officer is not an available CIT officer of %s; choose another.", l.agency.Name)
		o, err := tx.findOfficerDecorated(ctx, l.agency, officerID)
		if citdesk.ErrorCode(err) == citdesk.ENOTFOUND {
			return unavailable
		} else if err != nil {
			return err
		}
		p := citdesk.PartnerOfficerFrom(l.agency, l.share, o)
		if !o.Active || !p.Lendable() {
			return unavailable
		}
		id, err := tx.insert(ctx, `INSERT INTO mutual_aid_requests (agency_id, call_id, lender_agency_id, officer_id, officer_label, status, requested_at, requested_by)
			VALUES (?, ?, ?, ?, ?, 'requested', ?, ?)`, actor.AgencyID, call.ID, l.agency.ID, o.ID, p.Label, micros(tx.now), nullID(actor.UserID))
		if isUniqueViolation(err) {
			return citdesk.Errorf(citdesk.ECONFLICT, "A mutual-aid request for this call is already waiting for an answer; cancel it first.")
		} else if err != nil {
			return fmt.Errorf("insert mutual-aid request: %w", err)
		}
		detail := "call=" + strconv.FormatInt(call.ID, 10) + " lender=" + l.agency.Slug + " officer=" + strconv.FormatInt(o.ID, 10)
		if err := tx.audit(ctx, actor, "mutual_aid.request", "mutual_aid_request", id, detail); err != nil {
			return err
		}
		out, err = findAid(ctx, tx, actor.AgencyID, id, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.publish(ctx, out)
	return out.viewFor(actor.AgencyID), nil
}

// publish tells both agencies' boards that request x changed. The payload
// is the id and status only: each board reads its own view.
func (s mutualAid) publish(ctx context.Context, x *aidRow) {
	payload := map[string]any{"id": x.ID, "status": x.Status}
	s.db.publish(ctx, citdesk.EventMutualAid, x.borrowerID, x.ID, payload)
	s.db.publish(ctx, citdesk.EventMutualAid, x.lenderID, x.ID, payload)
}

// List implements citdesk.MutualAidService.
func (s mutualAid) List(ctx context.Context) ([]*citdesk.MutualAidRequest, error) {
	actor, err := citdesk.Require(ctx, citdesk.DispatchCalls)
	if err != nil {
		return nil, err
	}
	var rows []*aidRow
	err = s.db.readTx(ctx, func(tx *Tx) (err error) {
		rows, err = queryAll(ctx, tx, "list mutual-aid requests", scanAidRow, `SELECT `+requestColumns+`
			WHERE m.agency_id = ? OR m.lender_agency_id = ?
			ORDER BY CASE WHEN m.status = 'requested' THEN 0 ELSE 1 END, m.requested_at DESC, m.id DESC LIMIT 50`, actor.AgencyID, actor.AgencyID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if slices.ContainsFunc(rows, func(x *aidRow) bool { return x.lenderID == actor.AgencyID && x.callShown() }) {
		if err := s.db.writeTx(ctx, func(tx *Tx) error { return auditCallShown(ctx, tx, actor, rows) }); err != nil {
			return nil, err
		}
	}
	out := make([]*citdesk.MutualAidRequest, 0, len(rows))
	for _, x := range rows {
		out = append(out, x.viewFor(actor.AgencyID))
	}
	return out, nil
}

// decide moves open request id, of which the actor's agency must be the
// lender (or, for a cancel, the borrower), to status in one transaction;
// then runs in the same transaction before the request's row is written.
func (s mutualAid) decide(ctx context.Context, id int64, asLender bool, status citdesk.MutualAidStatus, reason string,
	then func(tx *Tx, actor *citdesk.Actor, x *aidRow) error) (*citdesk.MutualAidRequest, error) {
	actor, err := citdesk.Require(ctx, citdesk.DispatchCalls)
	if err != nil {
		return nil, err
	}
	if actor.Service {
		// A CAD's token may ask for aid, but a person decides it: sending
		// one agency's officer to another's call, or withdrawing the ask.
		return nil, citdesk.Errorf(citdesk.EFORBIDDEN, "A dispatcher accepts, declines or cancels a mutual-aid request; a service account cannot.")
	}
	var x *aidRow
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		// Lock order: the borrower's call, then the request, as Request
		// takes them (the call, then the open-request index).
		var err error
		if x, err = findAid(ctx, tx, actor.AgencyID, id, false); err != nil {
			return err
		}
		if _, err := tx.findCall(ctx, x.borrowerID, x.callID, true); err != nil {
			return err
		}
		if x, err = findAid(ctx, tx, actor.AgencyID, id, true); err != nil {
			return err
		}
		mine := x.lenderID == actor.AgencyID
		if !asLender {
			mine = x.borrowerID == actor.AgencyID
		}
		if !mine {
			if asLender {
				return citdesk.Errorf(citdesk.EFORBIDDEN, "Only the lending agency's dispatcher accepts or declines a request.")
			}
			return citdesk.Errorf(citdesk.EFORBIDDEN, "Only the requesting agency cancels its request.")
		}
		if !x.Open() {
			return citdesk.Errorf(citdesk.ECONFLICT, "This request was already %s.", strings.ToLower(x.Status.Label()))
		}
		if then != nil {
			if err := then(tx, actor, x); err != nil {
				return err
			}
		}
		x.Status, x.DeclineReason = status, reason
		now := tx.now
		x.DecidedAt = &now
		if _, err := tx.ExecContext(ctx, `UPDATE mutual_aid_requests SET status = ?, decided_at = ?, decided_by = ?, decline_reason = ?, lender_call_id = ?, assignment_id = ?
			WHERE id = ?`, string(status), micros(now), nullID(actor.UserID), reason, x.lenderCallID, x.assignmentID, x.ID); err != nil {
			return fmt.Errorf("decide mutual-aid request: %w", err)
		}
		detail := "status=" + string(status)
		if x.lenderCallID.Valid {
			detail += " lender_call=" + strconv.FormatInt(x.lenderCallID.Int64, 10)
		}
		// The borrower's board shows whether a partner is coming: its
		// dispatch state changes with the request.
		tx.dispatchChanged(x.borrowerID)
		if err := tx.audit(ctx, actor, "mutual_aid."+string(status), "mutual_aid_request", x.ID, detail); err != nil {
			return err
		}
		// The answer shows the lender the call's details again once
		// accepted.
		return auditCallShown(ctx, tx, actor, []*aidRow{x})
	})
	if err != nil {
		return nil, err
	}
	s.publish(ctx, x)
	return x.viewFor(actor.AgencyID), nil
}

// Decline implements citdesk.MutualAidService.
func (s mutualAid) Decline(ctx context.Context, id int64, reason string) (*citdesk.MutualAidRequest, error) {
	reason, err := citdesk.ValidateDeclineReason(reason)
	if err != nil {
		return nil, err
	}
	return s.decide(ctx, id, true, citdesk.AidDeclined, reason, nil)
}

// Cancel implements citdesk.MutualAidService.
func (s mutualAid) Cancel(ctx context.Context, id int64) (*citdesk.MutualAidRequest, error) {
	return s.decide(ctx, id, false, citdesk.AidCancelled, "", nil)
}

// Accept implements citdesk.MutualAidService. The lender's call is made
// from the crossed details only (mutualaid.go), as the lender's dispatcher
// would take it, with the note that it is mutual aid; the officer is sent
// to it as CreateAssignment sends one; and a pending borrower's call
// becomes dispatched, so its board shows that someone is coming. All in
// one transaction with the decision.
func (s mutualAid) Accept(ctx context.Context, id int64) (*citdesk.MutualAidRequest, error) {
	var (
		lenderCall *citdesk.Call
		borrowed   *citdesk.Call
		a          *citdesk.Assignment
		officer    *citdesk.Officer
		moved      bool
	)
	out, err := s.decide(ctx, id, true, citdesk.AidAccepted, "", func(tx *Tx, actor *citdesk.Actor, x *aidRow) error {
		var err error
		if borrowed, err = tx.findCall(ctx, x.borrowerID, x.callID, false); err != nil {
			return err
		}
		if borrowed.Status == citdesk.CallClosed {
			return citdesk.Errorf(citdesk.ECONFLICT, "The requesting agency has closed this call.")
		}
		agency, err := tx.findAgency(ctx, "id = ?", actor.AgencyID)
		if err != nil {
			return err
		}
		officer, err = tx.findOfficerDecorated(ctx, agency, x.OfficerID)
		if err != nil {
			return err
		}
		if !officer.Active || officer.Duty == nil || !officer.Duty.Status.OnDuty() {
			return citdesk.Errorf(citdesk.ECONFLICT, "%s is not on duty; decline the request instead.", officer.Name())
		}
		lenderCall = &citdesk.Call{Source: borrowed.Source, Emergency: x.call.Emergency, Nature: x.call.Nature, Address: x.call.Address,
			Lat: x.call.Lat, Lon: x.call.Lon, Risk: x.call.Risk, CITRequested: true,
			Notes: "Mutual aid for " + x.BorrowerName + " (their call " + strconv.FormatInt(x.callID, 10) + ")."}
		if err := lenderCall.Validate(tx.now); err != nil {
			return err
		}
		if err := insertCall(ctx, tx, actor, lenderCall); err != nil {
			return err
		}
		if err := enqueueCallEvent(ctx, tx, citdesk.HookCallCreated, lenderCall); err != nil {
			return err
		}
		a = &citdesk.Assignment{AgencyID: agency.ID, CallID: lenderCall.ID, OfficerID: officer.ID, Status: citdesk.AssignDispatched,
			DispatchedAt: tx.now, DispatchedBy: actor.UserID, Version: 1, OfficerName: officer.Name()}
		if officer.CIT != nil {
			a.CITStatus, a.CITCertified = officer.CIT.Status, officer.CIT.Status.Certified()
		}
		a.ID, err = tx.insert(ctx, `INSERT INTO assignments (agency_id, call_id, officer_id, status, dispatched_at, cit_status, cit_certified, no_cit_reason, no_cit_text, dispatched_by, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, '', '', ?, 1)`,
			agency.ID, lenderCall.ID, officer.ID, string(a.Status), micros(a.DispatchedAt), string(a.CITStatus), a.CITCertified, a.DispatchedBy)
		if isUniqueViolation(err) {
			return citdesk.Errorf(citdesk.ECONFLICT, "%s is already on another call; clear that assignment first or decline.", officer.Name())
		} else if err != nil {
			return fmt.Errorf("insert mutual-aid assignment: %w", err)
		}
		if err := tx.setStatus(ctx, actor, &citdesk.StatusChange{OfficerID: officer.ID, Status: citdesk.StatusDispatched}); err != nil {
			return err
		}
		lenderMoved, err := tx.setCallStatus(ctx, lenderCall, lenderCall.Status.AfterMove(citdesk.AssignDispatched, 1, false))
		if err != nil {
			return err
		}
		detail := "call=" + strconv.FormatInt(lenderCall.ID, 10) + " officer=" + strconv.FormatInt(officer.ID, 10) + " cit=" + string(a.CITStatus) + " mutual_aid=" + strconv.FormatInt(x.ID, 10)
		if err := tx.audit(ctx, actor, "assignment.create", "assignment", a.ID, detail); err != nil {
			return err
		}
		if err := enqueueAssignmentEvent(ctx, tx, citdesk.HookAssignmentCreated, a, lenderCall, lenderMoved); err != nil {
			return err
		}
		if borrowed.Status == citdesk.CallPending {
			if moved, err = tx.setCallStatus(ctx, borrowed, citdesk.CallDispatched); err != nil {
				return err
			}
			// The borrower's call changed: its audit trail says so, in the
			// borrower's agency and naming the request but not who decided
			// (that stays the lender's), and its CAD hears call.updated as
			// for any other change of the call.
			if err := tx.audit(ctx, x.partnerActor(), "call.update", "call", borrowed.ID, "status=dispatched mutual_aid="+strconv.FormatInt(x.ID, 10)); err != nil {
				return err
			}
			if err := enqueueCallEvent(ctx, tx, citdesk.HookCallUpdated, borrowed); err != nil {
				return err
			}
		}
		x.lenderCallID = sql.NullInt64{Int64: lenderCall.ID, Valid: true}
		x.assignmentID = sql.NullInt64{Int64: a.ID, Valid: true}
		officer, err = tx.findOfficerDecorated(ctx, agency, officer.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.db.publish(ctx, citdesk.EventCallCreated, lenderCall.AgencyID, lenderCall.ID, lenderCall.Summary())
	s.db.publish(ctx, citdesk.EventAssignment, lenderCall.AgencyID, a.ID, a)
	s.db.publish(ctx, citdesk.EventOfficerStatus, lenderCall.AgencyID, officer.ID, officer)
	if moved {
		s.db.publish(ctx, citdesk.EventCallUpdated, borrowed.AgencyID, borrowed.ID, borrowed.Summary())
	}
	return out, nil
}

// lentAssignments returns the assignments partners sent to the agency's
// call callID through accepted mutual aid, as the borrower's close rule
// (citdesk.PrepareClose) reads them: status, times and CIT standing only,
// with no officer or call of the lender's.
func lentAssignments(ctx context.Context, tx *Tx, agencyID, callID int64) ([]*citdesk.Assignment, error) {
	return queryAll(ctx, tx, "lent assignments", func(r rowScanner) (*citdesk.Assignment, error) {
		var (
			a                citdesk.Assignment
			status           string
			onScene, cleared sql.NullInt64
			dispatched       int64
		)
		err := r.Scan(&status, &dispatched, &onScene, &cleared, &a.CITCertified)
		a.Status, a.DispatchedAt = citdesk.AssignmentStatus(status), fromMicros(dispatched)
		if onScene.Valid {
			t := fromMicros(onScene.Int64)
			a.OnSceneAt = &t
		}
		if cleared.Valid {
			t := fromMicros(cleared.Int64)
			a.ClearedAt = &t
		}
		return &a, err
	}, `SELECT a.status, a.dispatched_at, a.on_scene_at, a.cleared_at, a.cit_certified FROM mutual_aid_requests m
		JOIN assignments a ON a.agency_id = m.lender_agency_id AND a.id = m.assignment_id
		WHERE m.agency_id = ? AND m.call_id = ? AND m.status = 'accepted'`, agencyID, callID)
}
