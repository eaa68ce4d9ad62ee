package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// fixtureRow is one row written with the SQL of an earlier schema: since
// is the number of the migration that made its table and columns, so the
// row is written into every database built at that version or later.
type fixtureRow struct {
	since string
	table string
	cols  string // comma-separated
	vals  []any
}

// fixtureT is the time the fixture rows were written (UTC microseconds).
const fixtureT = int64(1767225600000000) // 2026-01-01T00:00:00Z

const hour = int64(3600_000_000)

// fixtures are representative rows of every table, as each schema version
// wrote them. They refer to one another (agency 1, officer 1, user 1, call
// 1, person 1, encounter 1, plan 1), as real data does.
var fixtures = []fixtureRow{
	{"0001", "agencies", "id, slug, name, timezone, lat, lon, policy, created_at", []any{1, "upgrade", "Upgrade PD", "America/Chicago", 38.1395, -90.5551, `{"refresher_hours":8,"refresher_months":24,"session_idle":1800000000000}`, fixtureT}},
	{"0001", "officers", "id, agency_id, badge, first_name, last_name, rank, call_sign, shift, phone, active, created_at, updated_at, version", []any{1, 1, "101", "Ann", "Avery", "Ofc.", "1A1", "day", "636-555-0101", true, fixtureT, fixtureT, 2}},
	{"0001", "users", "id, agency_id, username, display_name, roles, officer_id, password_hash, failed_logins, disabled, created_at", []any{1, 1, "ann", "Ann Avery", "officer,coordinator", 1, "$argon2id$v=19$fixture", 2, false, fixtureT}},
	{"0001", "sessions", "id, agency_id, user_id, kind, secret_hash, created_at, last_seen, expires_at, remote", []any{1, 1, 1, "browser", "session-hash-1", fixtureT, fixtureT, fixtureT + hour, "192.0.2.1"}},
	{"0001", "training_records", "id, agency_id, officer_id, kind, title, completed, hours, provider, created_at", []any{1, 1, 1, "cit_basic", "CIT 40-hour course", "2025-03-01", 40.0, "Missouri POST", fixtureT}},
	{"0001", "status_changes", "id, agency_id, officer_id, status, lat, lon, at, by_user_id", []any{1, 1, 1, "available", 38.14, -90.55, fixtureT, 1}},
	{"0001", "officer_duty", "officer_id, agency_id, status, since, lat, lon, position_at", []any{1, 1, "available", fixtureT, 38.14, -90.55, fixtureT}},
	{"0003", "calls", "id, agency_id, received_at, source, emergency, nature, address, caller_name, caller_phone, caller_relationship, risk_weapons, cit_requested, notes, status, mental_health, closed_at, created_by, created_at, updated_at, version",
		[]any{1, 1, fixtureT, "911", true, "welfare check", "1 Main St", "Jo Caller", "636-555-0000", "sister", "no", true, "stopped medication", "closed", true, fixtureT + hour, 1, fixtureT, fixtureT + hour, 3}},
	{"0003", "assignments", "id, agency_id, call_id, officer_id, status, dispatched_at, on_scene_at, cleared_at, cit_status, cit_certified, dispatched_by, version", []any{1, 1, 1, 1, "cleared", fixtureT, fixtureT + hour/6, fixtureT + hour/2, "certified", true, 1, 3}},
	{"0004", "persons", "id, agency_id, first_name, last_name, dob, aliases, sex, race_ethnicity, housing, address, address_key, created_by, created_at, updated_at", []any{1, 1, "Sam", "Sample", "1980-02-03", `["Sammy"]`, "male", "white", "housed", "5 Elm St", "5 elm st", 1, fixtureT, fixtureT}},
	{"0004", "encounters", "id, agency_id, officer_id, officer_cit_certified, call_id, assignment_id, person_id, occurred_at, address, behaviors, primary_problem, deescalation, dispositions, on_scene_minutes, narrative, status, due_at, submitted_at, reviewed_at, reviewed_by, created_by, created_at, updated_at",
		[]any{1, 1, 1, true, 1, 1, 1, fixtureT, "1 Main St", `["anxious"]`, "mental_illness", `["active_listening"]`, `["resolved_on_scene"]`, 40, "Talked with Sam for an hour; he agreed to see his doctor.", "approved", fixtureT + 24*hour, fixtureT + hour, fixtureT + 2*hour, 1, 1, fixtureT, fixtureT + 2*hour}},
	{"0004", "encounter_versions", "id, agency_id, encounter_id, revision, by_user_id, by_name, reason, data, created_at", []any{1, 1, 1, 1, 1, "Ann Avery", "typo in the address", `{"address":"1 Mian St"}`, fixtureT}},
	{"0004", "encounter_reviews", "id, agency_id, encounter_id, action, by_user_id, by_name, comment, at", []any{1, 1, 1, "approve", 1, "Ann Avery", "good report", fixtureT + 2*hour}},
	{"0004", "crisis_plans", "id, agency_id, person_id, address, address_key, what_helps, what_to_avoid, contacts, consent_date, consented_by, expires_on, created_by, created_at, updated_at", []any{1, 1, 1, "5 Elm St", "5 elm st", "a quiet voice", "sirens", "sister 636-555-0000", "2026-01-01", "Sam Sample", "2027-01-01", 1, fixtureT, fixtureT}},
	{"0004", "referrals", "id, agency_id, encounter_id, person_id, liaison_user_id, status, follow_up_due, created_by, created_at, updated_at, survey_respondent, survey_respect", []any{1, 1, 1, 1, 1, "connected_to_care", "2026-01-15", 1, fixtureT, fixtureT, "person", 5}},
	{"0004", "referral_notes", "id, agency_id, referral_id, by_user_id, by_name, at, status_from, status_to, text", []any{1, 1, 1, 1, "Ann Avery", fixtureT, "open", "connected_to_care", "appointment on the 15th"}},
	{"0005", "encounters", "id, agency_id, officer_id, officer_cit_certified, occurred_at, dispositions, narrative, source, external_id, status, due_at, created_by, created_at, updated_at, occurred_known, officer_cit_known, external_officer, import_hash",
		[]any{2, 1, 1, false, 0, `["arrest"]`, "", "seattle-crisis", "S-1", "approved", 0, 1, fixtureT, fixtureT, false, false, "X9", "h-import"}},
	{"0005", "disposition_maps", "agency_id, source, source_value, disposition, updated_at", []any{1, "seattle-crisis", "Resolved", "resolved_on_scene", fixtureT}},
	{"0006", "crisis_plan_photos", "plan_id, agency_id, data, created_by, created_at", []any{1, 1, []byte{0xff, 0xd8, 0xff, 0x00, 0x01}, 1, fixtureT}},
	{"0008", "agencies", "id, slug, name, timezone, policy, created_at, city", []any{2, "upgrade2", "Second PD", "America/Chicago", `{"mfa":"optional"}`, fixtureT, "Hillsboro"}},
	{"0009", "mfa_totp", "user_id, agency_id, secret, last_step, confirmed_at, updated_at", []any{1, 1, "sealed-secret", 5, fixtureT, fixtureT}},
	{"0009", "mfa_recovery_codes", "id, agency_id, user_id, code_hash, created_at", []any{1, 1, 1, "recovery-hash", fixtureT}},
	{"0009", "mfa_passkeys", "id, agency_id, user_id, credential_id, name, credential, created_at", []any{1, 1, 1, "cred-1", "laptop", `{"id":"cred-1"}`, fixtureT}},
	{"0009", "mfa_challenges", "id, agency_id, user_id, secret_hash, purpose, created_at, expires_at", []any{1, 1, 1, "challenge-hash", "signin", fixtureT, fixtureT + hour}},
	{"0009", "session_step_ups", "session_id, at", []any{1, fixtureT}},
	{"0010", "calls", "id, agency_id, received_at, source, nature, status, no_cit_reason, no_cit_text, created_by, created_at, updated_at", []any{2, 1, fixtureT, "non_emergency", "noise", "cleared", "none_available", "all CIT officers busy", 1, fixtureT, fixtureT}},
	{"0011", "agencies", "id, slug, name, timezone, policy, created_at, city, non_emergency_phone, address", []any{3, "upgrade3", "Third PD", "America/Chicago", `{}`, fixtureT, "Festus", "636-555-1234", "1 Police Plaza"}},
	{"0012", "officers", "id, agency_id, badge, first_name, last_name, created_at, updated_at, supervisor_user_id", []any{2, 1, "102", "Bo", "Baker", fixtureT, fixtureT, 1}},
	{"0012", "persons", "id, agency_id, first_name, last_name, address_key, created_by, created_at, updated_at, phone", []any{2, 1, "Lee", "Lane", "", 1, fixtureT, fixtureT, "636-555-0199"}},
	{"0013", "users", "id, agency_id, username, display_name, roles, password_hash, created_at, last_signin_at", []any{2, 1, "sgt", "Sgt. Stone", "supervisor", "$argon2id$v=19$fixture", fixtureT, fixtureT + hour}},
	{"0014", "addresses", "id, agency_id, house_number, street, place, lat, lon", []any{1, 1, "12", "N Main St", "De Soto", 38.1397, -90.5551}},
	{"0014", "address_lists", "agency_id, version, address_count, imported_at", []any{1, 1, 1, fixtureT}},
	{"0015", "users", "id, agency_id, username, display_name, roles, password_hash, created_at", []any{3, 1, "svc-cad", "county CAD", "", "", fixtureT}},
	{"0015", "service_accounts", "user_id, agency_id, name, scopes, created_at", []any{3, 1, "cad", "calls:write,calls:read", fixtureT}},
	{"0015", "service_tokens", "id, agency_id, account_id, secret_hash, hint, created_at, last_used_at", []any{1, 1, 3, "service-token-hash", "cdsa_ab", fixtureT, fixtureT + hour}},
	{"0015", "cad_incidents", "agency_id, incident_id, call_id, first_received_at, last_received_at", []any{1, "urn:emergency:uid:incidentid:cad1:upgrade", 1, fixtureT, fixtureT}},
	{"0015", "webhooks", "id, agency_id, url, events, secret, created_at, created_by", []any{1, 1, "https://cad.invalid/hook", "call.created", "sealed", fixtureT, 1}},
	{"0015", "webhook_deliveries", "id, agency_id, webhook_id, event, idempotency_key, body, created_at, attempts, delivered_at", []any{1, 1, 1, "call.created", "key-1", `{"event":"call.created"}`, fixtureT, 1, fixtureT}},
	{"0016", "retention_schedules", "agency_id, kind, years, days, updated_by, updated_at", []any{1, "crisis_plans", 0, 30, "operator", fixtureT}},
	{"0016", "retention_schedules", "agency_id, kind, years, days, updated_by, updated_at", []any{1, "audit", 7, 0, "operator", fixtureT}},
	{"0017", "encounters", "id, agency_id, officer_id, officer_cit_certified, occurred_at, dispositions, narrative, source, external_id, status, due_at, created_by, created_at, updated_at, occurred_known, officer_cit_known, import_hash, occurred_precision, dispositions_no",
		[]any{3, 1, 1, false, fixtureT, `["emergency_detention"]`, "", "open-data", "OD-1", "approved", 0, 1, fixtureT, fixtureT, true, false, "h-od", "month", `["arrest"]`}},
	{"0019", "storage_probe", "id, filler", []any{7, []byte{0x00, 0x01}}},
	{"0019", "legal_holds", "agency_id, person_id, reason, set_by, set_at", []any{1, 2, "subpoena 2026-114", "operator", fixtureT}},
	{"0022", "triage_protocols", "agency_id, version, body, created_at, created_by", []any{1, 1, `{"start":"a","questions":[{"id":"a","text":"Safe?","answers":[{"value":"yes","label":"Yes","response":"988"},{"value":"no","label":"No","response":"cit"}]}]}`, fixtureT, 1}},
	{"0022", "calls", "id, agency_id, received_at, source, nature, status, closed_at, created_by, created_at, updated_at, triage_version, triage_answers, recommended_response, response, response_reason",
		[]any{3, 1, fixtureT, "911", "person in crisis", "closed", fixtureT + hour, 1, fixtureT, fixtureT, 1, `{"a":"yes"}`, "988", "cit", "caller asked for an officer"}},
	{"0023", "calls", "id, agency_id, received_at, source, nature, address, status, created_by, created_at, updated_at, recommended_response, response", []any{4, 1, fixtureT, "911", "person in crisis", "5 Elm St", "pending", 1, fixtureT, fixtureT, "988", "988"}},
	{"0023", "call_transfers", "agency_id, call_id, transferred_at, destination, destination_name, consent, outcome, returned_at, return_reason, recorded_by, recorded_at, returned_by",
		[]any{1, 4, fixtureT + hour/12, "mobile_crisis", "", "yes", "returned", fixtureT + hour/6, "team out of county", 1, fixtureT + hour/12, 1}},
	{"0024", "mutual_aid_partners", "lender_agency_id, partner_agency_id, show_names, created_at, created_by", []any{2, 1, true, fixtureT, 1}},
	{"0024", "mutual_aid_requests", "id, agency_id, call_id, lender_agency_id, officer_id, officer_label, status, requested_at, requested_by, decided_at, decided_by, decline_reason",
		[]any{1, 1, 1, 2, 2, "2B2", "declined", fixtureT, 1, fixtureT + hour/12, 1, "no CIT officer free"}},
	{"0025", "complaints", "id, agency_id, kind, received_at, source, contact_name, contact, body, call_id, encounter_id, officer_ids, status, disposition, entered_by, closed_by, closed_at, created_at, updated_at, version",
		[]any{1, 1, "complaint", fixtureT, "phone", "Jo Caller", "636-555-0000", "The officer was rough with my sister.", 1, 1, "[1]", "closed", "not_sustained", 1, 1, fixtureT + hour, fixtureT, fixtureT + hour, 2}},
	{"0026", "liaison_duty", "user_id, agency_id, status, lat, lon, position_at, updated_at", []any{2, 1, "available", 38.14, -90.55, fixtureT, fixtureT}},
	{"0026", "call_liaisons", "id, agency_id, call_id, user_id, status, assigned_at, on_scene_at, cleared_at, assigned_by, version", []any{1, 1, 3, 2, "cleared", fixtureT, fixtureT + hour/6, fixtureT + hour, 1, 3}},
	{"0030", "retention_schedules", "agency_id, kind, years, days, updated_by, updated_at", []any{1, "complaints", 3, 0, "operator", fixtureT}},
}

// migrationNumber is the NNNN of migrations/NNNN_name.sql.
func migrationNumber(name string) string { return filepath.Base(name)[:4] }

// buildAt makes, at dsn, the database a citdesk of schema version k (its
// first k migrations) would have, filled with every fixture row of that
// version and an audit trail written as that version wrote it. It returns
// the rows and events written.
func buildAt(t *testing.T, e storetest.Engine, dsn string, k int) ([]fixtureRow, []*citdesk.AuditEvent) {
	t.Helper()
	ctx := context.Background()
	if err := store.MigrateTo(ctx, dsn, k); err != nil {
		t.Fatalf("migrate to version %d: %v", k, err)
	}
	version := migrationNumber(store.Migrations(string(e))[k-1])
	raw := storetest.Raw(t, dsn)
	var rows []fixtureRow
	for _, f := range fixtures {
		if f.since > version {
			continue
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(f.vals)), ", ")
		if _, err := raw.Exec(rebind(e, `INSERT INTO `+f.table+` (`+f.cols+`) VALUES (`+marks+`)`), f.vals...); err != nil {
			t.Fatalf("version %s: insert into %s: %v", version, f.table, err)
		}
		rows = append(rows, f)
	}
	if e == storetest.Postgres {
		// Explicit ids leave the identity sequences behind; advance them
		// as the rows' own inserts would have.
		// Every table whose rows were given an id has one.
		seen := map[string]bool{}
		for _, f := range rows {
			if strings.HasPrefix(f.cols, "id,") && !seen[f.table] {
				seen[f.table] = true
				mustExecRaw(t, raw, `SELECT setval(pg_get_serial_sequence('`+f.table+`', 'id'), (SELECT MAX(id) FROM `+f.table+`))`)
			}
		}
	}
	return rows, writeAudit(t, e, raw, version)
}

// writeAudit appends events as a citdesk of version wrote them: plain
// SHA-256 links before migration 0007, HMAC links with the tests' key
// from then on.
func writeAudit(t *testing.T, e storetest.Engine, raw *sql.DB, version string) []*citdesk.AuditEvent {
	t.Helper()
	keyed := version >= "0007"
	key := storetest.AuditKey()
	var events []*citdesk.AuditEvent
	prev := ""
	at := time.UnixMicro(fixtureT).UTC()
	for i, a := range []struct{ action, typ, id string }{{"user.create", "user", "1"}, {"call.read", "call", "1"}, {"person.read", "person", "1"}} {
		ev := &citdesk.AuditEvent{Seq: int64(i + 1), AgencyID: 1, UserID: 1, Actor: "ann", Action: a.action, ObjectType: a.typ, ObjectID: a.id,
			At: at.Add(time.Duration(i) * time.Second), Remote: "192.0.2.1", Outcome: citdesk.OutcomeSuccess, PrevHash: prev}
		cols := `seq, agency_id, user_id, actor, action, object_type, object_id, at, remote, outcome, detail, prev_hash, hash`
		vals := []any{ev.Seq, ev.AgencyID, ev.UserID, ev.Actor, ev.Action, ev.ObjectType, ev.ObjectID, ev.At.UnixMicro(), ev.Remote, ev.Outcome, ev.Detail, ev.PrevHash}
		if keyed {
			ev.Chain = key.Chain()
			ev.Hash = key.Link(ev, prev)
			cols += `, chain`
			vals = append(vals, ev.Hash, ev.Chain)
		} else {
			ev.Chain = citdesk.ChainSHA256
			ev.Hash = ev.ComputeHash(prev)
			vals = append(vals, ev.Hash)
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")
		mustExecRaw(t, raw, rebind(e, `INSERT INTO audit_events (`+cols+`) VALUES (`+marks+`)`), vals...)
		events = append(events, ev)
		prev = ev.Hash
	}
	mustExecRaw(t, raw, rebind(e, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`), len(events), prev)
	if keyed {
		mustExecRaw(t, raw, rebind(e, `UPDATE audit_head SET key_id = ? WHERE id = 1`), key.ID())
	}
	return events
}

// TestUpgradeFromEverySchema builds a database at every earlier schema
// version (the first k embedded migrations, k = 1 … n-1), fills it with
// rows written with that version's SQL and an audit trail chained as that
// version chained it, upgrades it to the current version by opening it,
// and checks that every row is still there with every value, that the
// audit chain verifies (older plain SHA-256 trails sealed by the first
// keyed start), that the current code reads the old rows, and that it
// writes new ones.
func TestUpgradeFromEverySchema(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		all := store.Migrations(string(e))
		for k := 1; k < len(all); k++ {
			t.Run(strings.TrimSuffix(filepath.Base(all[k-1]), ".sql"), func(t *testing.T) {
				ctx := context.Background()
				dsn := storetest.EmptyDSN(t, e)
				rows, events := buildAt(t, e, dsn, k)
				pending, err := store.PendingMigrations(ctx, dsn)
				if err != nil || !slices.Equal(pending, all[k:]) {
					t.Fatalf("pending migrations %v, %v; want %v", pending, err, all[k:])
				}
				db := openDSN(t, dsn)
				if pending, err := store.PendingMigrations(ctx, dsn); err != nil || len(pending) != 0 {
					t.Fatalf("after the upgrade, pending %v, %v", pending, err)
				}
				raw := storetest.Raw(t, dsn)
				for _, f := range rows {
					if n := countMatching(t, e, raw, db, f); n != 1 {
						t.Errorf("%s row %v written at %s: %d rows match after the upgrade", f.table, f.vals[:2], f.since, n)
					}
				}
				for _, ev := range events {
					var hash, chain string
					if err := raw.QueryRow(rebind(e, `SELECT hash, chain FROM audit_events WHERE seq = ?`), ev.Seq).Scan(&hash, &chain); err != nil || hash != ev.Hash || chain != ev.Chain {
						t.Errorf("audit event %d after the upgrade: %s %s, %v", ev.Seq, chain, hash, err)
					}
				}
				// Every report written before 0017 has a whole timestamp and
				// its list of dispositions as the whole answer.
				for _, f := range rows {
					if f.table != "encounters" || f.since >= "0017" {
						continue
					}
					var prec string
					var no sql.NullString
					if err := raw.QueryRow(rebind(e, `SELECT occurred_precision, dispositions_no FROM encounters WHERE id = ?`), f.vals[0]).Scan(&prec, &no); err != nil || prec != "full" || no.Valid {
						t.Errorf("encounter %v after the upgrade: precision %q, dispositions_no %v, %v", f.vals[0], prec, no, err)
					}
				}
				br, n, err := db.AuditService().VerifyAudit(ctx)
				if err != nil || br != nil || n < int64(len(events)) {
					t.Fatalf("audit chain after upgrading from %s: break %+v after %d events, %v", all[k-1], br, n, err)
				}

				// The current code reads the old rows and writes new ones.
				a, err := db.AgencyService().FindAgencyBySlug(ctx, "upgrade")
				if err != nil || a.Name != "Upgrade PD" || a.Policy.RefresherHours != 8 {
					t.Fatalf("agency after the upgrade: %+v, %v", a, err)
				}
				op := citdesk.NewContextWithActor(ctx, citdesk.OperatorActor(a.ID))
				_, disp := storetest.User(t, db, op, "newdisp", citdesk.RoleDispatcher)
				if migrationNumber(all[k-1]) >= "0003" {
					c, err := db.CallService().FindCallByID(disp, 1)
					if err != nil || c.Nature != "welfare check" || c.CallerName != "Jo Caller" {
						t.Errorf("old call after the upgrade: %+v, %v", c, err)
					}
				}
				if migrationNumber(all[k-1]) >= "0016" {
					rules, err := db.Retention().Schedules(ctx, a.ID)
					want := []citdesk.RetentionRule{{Kind: citdesk.KindCrisisPlans, Days: 30}, {Kind: citdesk.KindAudit, Years: 7}}
					if migrationNumber(all[k-1]) >= "0030" {
						want = slices.Insert(want, 1, citdesk.RetentionRule{Kind: citdesk.KindComplaints, Years: 3})
					}
					if err != nil || !slices.Equal(rules, want) {
						t.Errorf("retention schedules after the upgrade: %+v, %v; want %+v", rules, err, want)
					}
				}
				// The readiness probe writes beside the old rows.
				if err := db.Ready(ctx); err != nil {
					t.Errorf("readiness after the upgrade: %v", err)
				}
				c := &citdesk.Call{Nature: "new call after the upgrade", Address: "2 Main St"}
				if err := db.CallService().CreateCall(disp, c); err != nil {
					t.Fatalf("new call after the upgrade: %v", err)
				}
				if br, _, err := db.AuditService().VerifyAudit(ctx); err != nil || br != nil {
					t.Errorf("audit chain after new writes: %+v, %v", br, err)
				}
			})
		}
	})
}

// TestNewerSchemaRefused: a database that a newer citdesk migrated (it
// records a migration this binary does not have) is refused at start with
// a message that says so, and nothing is written to it: not the pending
// migrations, not the audit chain's key.
func TestNewerSchemaRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		ctx := context.Background()
		all := store.Migrations(string(e))
		dsn := storetest.EmptyDSN(t, e)
		buildAt(t, e, dsn, len(all)-1)
		raw := storetest.Raw(t, dsn)
		mustExecRaw(t, raw, rebind(e, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`), "migrations/9999_from_the_future.sql", fixtureT)
		_, err := store.Open(ctx, dsn, storetest.KeyOption())
		if !errors.Is(err, store.ErrSchemaNewer) || !strings.Contains(err.Error(), "9999_from_the_future.sql") || !strings.Contains(err.Error(), "newer citdesk") {
			t.Fatalf("open a database from a newer citdesk: %v", err)
		}
		var n int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(all) {
			t.Errorf("schema_migrations has %d rows after the refusal, want %d (nothing applied): %v", n, len(all), err)
		}
		if _, err := store.PendingMigrations(ctx, dsn); !errors.Is(err, store.ErrSchemaNewer) {
			t.Errorf("dry run on a newer database: %v", err)
		}
	})
}

// countMatching counts the rows of f's table whose every column of f
// equals f's value (NULL for nil). A column sealed at rest must hold
// ciphertext that opens to f's value, never the value itself, and an
// address_key the keyed hash of f's address.
func countMatching(t *testing.T, e storetest.Engine, raw *sql.DB, db *store.DB, f fixtureRow) int {
	t.Helper()
	sealed := store.SealedColumns()[f.table]
	var conds, checked []string
	var args, want []any
	var address string
	for i, c := range strings.Split(f.cols, ",") {
		c = strings.TrimSpace(c)
		if c == "address" {
			address, _ = f.vals[i].(string)
		}
		if slices.Contains(sealed, c) || (c == "address_key" && sealed != nil) {
			checked, want = append(checked, c), append(want, f.vals[i])
			continue
		}
		if f.vals[i] == nil {
			conds = append(conds, c+" IS NULL")
			continue
		}
		conds = append(conds, c+" = ?")
		args = append(args, f.vals[i])
	}
	if len(checked) == 0 {
		var n int
		if err := raw.QueryRow(rebind(e, `SELECT COUNT(*) FROM `+f.table+` WHERE `+strings.Join(conds, " AND ")), args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", f.table, err)
		}
		return n
	}
	rows, err := raw.Query(rebind(e, `SELECT `+strings.Join(checked, ", ")+` FROM `+f.table+` WHERE `+strings.Join(conds, " AND ")), args...)
	if err != nil {
		t.Fatalf("%s: %v", f.table, err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		got := make([]any, len(checked))
		ptrs := make([]any, len(checked))
		for i := range got {
			ptrs[i] = &got[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("%s: %v", f.table, err)
		}
		match := true
		for i, c := range checked {
			if c == "address_key" {
				if key := asString(got[i]); key != db.AddressKeyOf(address) || (address != "" && key == want[i]) {
					t.Errorf("%s.address_key after the upgrade is %q, not the keyed hash of the address", f.table, key)
					match = false
				}
				continue
			}
			if w := asString(want[i]); w != "" && asString(got[i]) == w {
				t.Errorf("%s.%s holds its value in plaintext after the upgrade", f.table, c)
				match = false
				continue
			}
			plain, err := db.OpenSealed(f.table, c, got[i])
			if err != nil || asString(plain) != asString(want[i]) {
				t.Errorf("%s.%s after the upgrade opens to %q, %v; want %q", f.table, c, asString(plain), err, asString(want[i]))
				match = false
			}
		}
		if match {
			n++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// asString returns a text or byte value as a string ("" for nil).
func asString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func rebind(e storetest.Engine, q string) string { return store.Rebind(e == storetest.Postgres, q) }

func mustExecRaw(t *testing.T, raw *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := raw.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestUpgradeSealsPlaintextFields upgrades a database of the last earlier
// schema, whose narratives, crisis plans, photo, names and phones an
// older citdesk wrote in plaintext: the first start seals every one of
// them (the raw rows hold none of the values), the services read each
// back as written, person search finds the person by name, a crisis plan
// and prior contacts are still matched to a call at the person's address
// by its keyed hash, and a second start changes nothing.
func TestUpgradeSealsPlaintextFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		ctx := context.Background()
		all := store.Migrations(string(e))
		dsn := storetest.EmptyDSN(t, e)
		// The last schema before sealing (0018): what an older citdesk wrote.
		before := slices.IndexFunc(all, func(name string) bool { return migrationNumber(name) == "0018" })
		buildAt(t, e, dsn, before)
		raw := storetest.Raw(t, dsn)
		plain := []string{"Talked with Sam", "a quiet voice", "sirens", "sister 636-555-0000", "Jo Caller", "636-555-0000", "stopped medication",
			"Sample", "Sammy", "5 Elm St", "5 elm st", "636-555-0199", "Lane", "1 Mian St"}
		found := func() []string {
			var out []string
			for table, vals := range dumpAll(t, e, raw) {
				for _, v := range vals {
					for _, s := range plain {
						if strings.Contains(v, s) && table != "audit_events" {
							out = append(out, table+": "+s)
						}
					}
				}
			}
			return out
		}
		if len(found()) == 0 {
			t.Fatal("the fixture rows hold none of the values: the test would prove nothing")
		}
		db := openDSN(t, dsn)
		if left := found(); len(left) > 0 {
			t.Errorf("in plaintext after the upgrade: %v", left)
		}
		var narrative string
		if err := raw.QueryRow(`SELECT narrative FROM encounters WHERE id = 1`).Scan(&narrative); err != nil {
			t.Fatal(err)
		}

		a, err := db.AgencyService().FindAgencyBySlug(ctx, "upgrade")
		if err != nil {
			t.Fatal(err)
		}
		op := citdesk.NewContextWithActor(ctx, citdesk.OperatorActor(a.ID))
		p, err := db.PersonService().FindPersonByID(op, 1)
		if err != nil || p.FirstName != "Sam" || p.LastName != "Sample" || p.Address != "5 Elm St" || !slices.Equal(p.Aliases, []string{"Sammy"}) {
			t.Errorf("person 1 after the upgrade: %+v, %v", p, err)
		}
		if p2, err := db.PersonService().FindPersonByID(op, 2); err != nil || p2.Phone != "636-555-0199" || p2.LastName != "Lane" {
			t.Errorf("person 2 after the upgrade: %+v, %v", p2, err)
		}
		if ms, err := db.PersonService().MatchPersons(op, citdesk.PersonQuery{FirstName: "Sammy", LastName: "Sampel"}); err != nil || len(ms) == 0 || ms[0].Person.ID != 1 {
			t.Errorf("person search after the upgrade: %+v, %v", ms, err)
		}
		if enc, err := db.EncounterService().FindEncounterByID(op, 1); err != nil || enc.Narrative != "Talked with Sam for an hour; he agreed to see his doctor." {
			t.Errorf("narrative after the upgrade: %+v, %v", enc, err)
		}
		if plan, err := db.CrisisPlanService().FindCrisisPlanByID(op, 1); err != nil || plan.WhatHelps != "a quiet voice" || plan.Contacts != "sister 636-555-0000" || plan.Address != "5 Elm St" {
			t.Errorf("crisis plan after the upgrade: %+v, %v", plan, err)
		}
		if photo, err := db.CrisisPlanService().PlanPhoto(op, 1); err != nil || string(photo) != "\xff\xd8\xff\x00\x01" {
			t.Errorf("photo after the upgrade: %q, %v", photo, err)
		}
		_, disp := storetest.User(t, db, op, "newdisp", citdesk.RoleDispatcher)
		if c, err := db.CallService().FindCallByID(disp, 1); err != nil || c.CallerName != "Jo Caller" || c.CallerPhone != "636-555-0000" || c.Notes != "stopped medication" {
			t.Errorf("call after the upgrade: %+v, %v", c, err)
		}
		there := &citdesk.Call{Nature: "welfare check", Address: "5 elm street"}
		if err := db.CallService().CreateCall(disp, there); err != nil {
			t.Fatal(err)
		}
		if plans, err := db.CrisisPlanService().PlansForCall(disp, there.ID); err != nil || len(plans) != 1 || plans[0].ID != 1 {
			t.Errorf("crisis plans for a call at the address after the upgrade: %+v, %v", plans, err)
		}
		if prior, err := db.EncounterService().PriorContactOfficers(disp, there.ID); err != nil || !slices.Equal(prior, []int64{1}) {
			t.Errorf("prior contact officers at the address after the upgrade: %v, %v", prior, err)
		}

		// A second start finds nothing left to seal.
		db.Close()
		openDSN(t, dsn)
		var again string
		if err := raw.QueryRow(`SELECT narrative FROM encounters WHERE id = 1`).Scan(&again); err != nil || again != narrative {
			t.Errorf("the second start re-sealed the narrative: %v", err)
		}
	})
}
