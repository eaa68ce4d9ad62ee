package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"

	"citdesk"
	"citdesk/triage"
)

// TriageService returns the call-triage protocol service.
func (db *DB) TriageService() triage.Service { return triageService{db} }

type triageService struct{ db *DB }

// Current returns the agency's protocol in force, saving the default as
// version 1 on the agency's first read: the default is written once, in
// Go (triage.Default), and an agency made later gets it the same way.
func (s triageService) Current(ctx context.Context) (*triage.Version, error) {
	actor, err := citdesk.Require(ctx, citdesk.ReadTriage)
	if err != nil {
		return nil, err
	}
	var v *triage.Version
	err = s.db.readTx(ctx, func(tx *Tx) (err error) {
		v, err = latestProtocol(ctx, tx, actor.AgencyID)
		return err
	})
	if err != nil || v != nil {
		return v, err
	}
	err = s.db.writeTx(ctx, func(tx *Tx) (err error) {
		v, err = currentProtocol(ctx, tx, actor.AgencyID)
		return err
	})
	return v, err
}

// Replace saves p as the next version of the agency's protocol when
// version is current.
func (s triageService) Replace(ctx context.Context, p triage.Protocol, version int) (*triage.Version, error) {
	actor, err := citdesk.Require(ctx, citdesk.ManageTriage)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, triage.FieldError(err)
	}
	body, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode protocol: %w", err)
	}
	var v *triage.Version
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		cur, err := currentProtocol(ctx, tx, actor.AgencyID)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return citdesk.Errorf(citdesk.EPRECONDITION, "The triage protocol is at version %d, not %d: someone changed it since you loaded it; reload and try again.", cur.Version, version)
		}
		v = &triage.Version{Version: cur.Version + 1, CreatedAt: tx.now, CreatedBy: actor.UserID, Protocol: p}
		// The primary key is the arbiter of two admins saving at once.
		if _, err := tx.ExecContext(ctx, `INSERT INTO triage_protocols (agency_id, version, body, created_at, created_by) VALUES (?, ?, ?, ?, ?)`,
			actor.AgencyID, v.Version, string(body), micros(tx.now), sql.NullInt64{Int64: actor.UserID, Valid: actor.UserID != 0}); err != nil {
			return fmt.Errorf("save triage protocol: %w", err)
		}
		return tx.audit(ctx, actor, "triage.replace", "triage_protocol", int64(v.Version), "version="+strconv.Itoa(v.Version)+" questions="+strconv.Itoa(len(p.Questions)))
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// latestProtocol reads the agency's newest protocol version; nil when it
// has none yet.
func latestProtocol(ctx context.Context, tx *Tx, agencyID int64) (*triage.Version, error) {
	var v triage.Version
	var body string
	var at int64
	var by sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT version, body, created_at, created_by FROM triage_protocols WHERE agency_id = ? ORDER BY version DESC LIMIT 1`, agencyID).
		Scan(&v.Version, &body, &at, &by)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read triage protocol: %w", err)
	}
	if err := json.Unmarshal([]byte(body), &v.Protocol); err != nil {
		return nil, fmt.Errorf("triage protocol version %d: %w", v.Version, err)
	}
	v.CreatedAt, v.CreatedBy = fromMicros(at), by.Int64
	return &v, nil
}

// currentProtocol is the agency's protocol in force, saving the default as
// version 1 when it has none (in tx, a write transaction).
func currentProtocol(ctx context.Context, tx *Tx, agencyID int64) (*triage.Version, error) {
	v, err := latestProtocol(ctx, tx, agencyID)
	if err != nil || v != nil {
		return v, err
	}
	body, err := json.Marshal(triage.Default())
	if err != nil {
		return nil, fmt.Errorf("encode default protocol: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO triage_protocols (agency_id, version, body, created_at, created_by) VALUES (?, 1, ?, ?, NULL) ON CONFLICT DO NOTHING`,
		agencyID, string(body), micros(tx.now)); err != nil {
		return nil, fmt.Errorf("save default triage protocol: %w", err)
	}
	return latestProtocol(ctx, tx, agencyID)
}

// settleTriage evaluates call c's triage answers against the agency's
// protocol in force (triage.SettleCall). On an update (cur, the call as
// stored) the recommendation is the stored one unless the answers changed;
// answers left out keep the stored ones.
func settleTriage(ctx context.Context, tx *Tx, agencyID int64, c, cur *citdesk.Call) error {
	if cur != nil {
		c.TriageVersion, c.RecommendedResponse = cur.TriageVersion, cur.RecommendedResponse
		if len(c.TriageAnswers) == 0 || maps.Equal(c.TriageAnswers, cur.TriageAnswers) {
			c.TriageAnswers = cur.TriageAnswers
			return c.CheckResponse()
		}
	}
	if len(c.TriageAnswers) == 0 {
		return triage.SettleCall(c, nil)
	}
	v, err := currentProtocol(ctx, tx, agencyID)
	if err != nil {
		return err
	}
	return triage.SettleCall(c, v)
}

func nullTriageVersion(c *citdesk.Call) any {
	if c.TriageVersion == nil {
		return nil
	}
	return int64(*c.TriageVersion)
}

// triageAnswersJSON is the column value of c's answers: "" for none.
func triageAnswersJSON(c *citdesk.Call) string {
	if len(c.TriageAnswers) == 0 {
		return ""
	}
	b, _ := json.Marshal(c.TriageAnswers) // a map of strings always encodes
	return string(b)
}

// triageDetail is the audit detail of c's triage when it is new or
// changed from cur: the version and the responses, never the answers.
func triageDetail(c, cur *citdesk.Call) string {
	if c.Response == "" || cur != nil && cur.Response == c.Response && cur.RecommendedResponse == c.RecommendedResponse && cur.ResponseReason == c.ResponseReason {
		return ""
	}
	d := " response=" + string(c.Response)
	if c.RecommendedResponse != "" {
		d += " recommended=" + string(c.RecommendedResponse)
	}
	if c.TriageVersion != nil {
		d += " triage_version=" + strconv.Itoa(*c.TriageVersion)
	}
	return d
}
