package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// The values the at-rest tests write: each is looked for, case-folded, in
// every column of every table afterwards.
var atRestSecrets = []string{"Marguerite", "Quillfeather", "Daisyquill", "636-555-0142", "Juniper", "Rosalind", "636-555-0199", "lithium",
	"zephyrine", "marigold", "clozapine", "636-555-0177", "Comtrea", "photo-secret-pixels", "bridgewater", "Consentwell"}

// TestSealedFieldsAtRest writes every kind of sealed field through the
// services, reads each back equal, finds the person by name (with typos,
// as the matcher allows), and then reads every table of the database
// directly: no narrative, crisis-plan text, photo, name or phone is there
// in plaintext, not even the normalized address.
func TestSealedFieldsAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		r := newReportEnv(t, e)
		p := &citdesk.Person{FirstName: "Marguerite", LastName: "Quillfeather", Aliases: []string{"Daisyquill"}, Phone: "636-555-0142", Address: "77 Juniper Lane"}
		must(t, r.persons.CreatePerson(r.coord, p))
		call := &citdesk.Call{Nature: "Welfare check", Address: "12 Main St", CallerName: "Rosalind Caller", CallerPhone: "636-555-0199", Notes: "brother stopped his lithium"}
		must(t, r.db.CallService().CreateCall(r.dispatch, call))
		enc := r.draft(t, r.officer)
		complete(enc)
		enc.Narrative, enc.PersonID = "He spoke of zephyrine and the river; we talked for an hour.", &p.ID
		must(t, r.encounters.UpdateEncounter(r.officer, enc))
		enc, err := r.encounters.SubmitEncounter(r.officer, enc.ID, enc.Version)
		must(t, err)
		enc, err = r.encounters.ApproveEncounter(r.coord, enc.ID, enc.Version)
		must(t, err)
		corrected := *enc
		corrected.Narrative = "He spoke of bridgewater; we talked for an hour."
		must(t, r.encounters.CorrectEncounter(r.coord, &corrected, "wrong place name"))
		today := citdesk.DateOf(r.clock.Now(), time.UTC).AddDate(0, 0, -1)
		plan := &citdesk.CrisisPlan{PersonID: p.ID, WhatHelps: "Hum softly; marigold tea.", WhatToAvoid: "Flashing lights", Triggers: "Loud radios",
			Medications: "clozapine 200 mg", Contacts: "Aunt 636-555-0177", PreferredFacility: "Comtrea", ConsentDate: today, ConsentedBy: "Bea Consentwell (aunt)"}
		must(t, r.plans.CreateCrisisPlan(r.coord, plan))
		photo := []byte("\xff\xd8\xff photo-secret-pixels \xff\xd9")
		must(t, r.plans.SetPlanPhoto(r.coord, plan.ID, photo))

		// Read back equal.
		gotP, err := r.persons.FindPersonByID(r.coord, p.ID)
		must(t, err)
		if gotP.FirstName != p.FirstName || gotP.LastName != p.LastName || gotP.Phone != p.Phone || gotP.Address != p.Address || !slices.Equal(gotP.Aliases, p.Aliases) {
			t.Errorf("person read back %+v, wrote %+v", gotP, p)
		}
		gotC, err := r.db.CallService().FindCallByID(r.dispatch, call.ID)
		must(t, err)
		if gotC.CallerName != call.CallerName || gotC.CallerPhone != call.CallerPhone || gotC.Notes != call.Notes {
			t.Errorf("call read back %q %q %q", gotC.CallerName, gotC.CallerPhone, gotC.Notes)
		}
		gotE, err := r.encounters.FindEncounterByID(r.coord, enc.ID)
		must(t, err)
		if gotE.Narrative != corrected.Narrative {
			t.Errorf("narrative read back %q", gotE.Narrative)
		}
		versions, err := r.encounters.ListEncounterVersions(r.coord, enc.ID)
		must(t, err)
		if len(versions) != 1 || versions[0].Old.Narrative != enc.Narrative {
			t.Errorf("corrected report's earlier version: %+v", versions)
		}
		gotPlan, err := r.plans.FindCrisisPlanByID(r.coord, plan.ID)
		must(t, err)
		if gotPlan.WhatHelps != plan.WhatHelps || gotPlan.WhatToAvoid != plan.WhatToAvoid || gotPlan.Triggers != plan.Triggers || gotPlan.Medications != plan.Medications ||
			gotPlan.Contacts != plan.Contacts || gotPlan.PreferredFacility != plan.PreferredFacility || gotPlan.ConsentedBy != plan.ConsentedBy || gotPlan.Address != p.Address || gotPlan.PersonName != "Marguerite Quillfeather" {
			t.Errorf("plan read back %+v", gotPlan)
		}
		gotPhoto, err := r.plans.PlanPhoto(r.coord, plan.ID)
		must(t, err)
		if !bytes.Equal(gotPhoto, photo) {
			t.Errorf("photo read back %q", gotPhoto)
		}

		// The records-request export opens the sealed fields and leaves
		// out the keyed hash.
		agency, err := r.db.AgencyService().FindAgencyBySlug(context.Background(), "desoto")
		must(t, err)
		rec, err := r.db.Retention().ExportPerson(r.op, agency.ID, p.ID)
		must(t, err)
		if rec.Person["last_name"] != "Quillfeather" || rec.Person["phone"] != p.Phone || rec.Person["aliases"] != `["Daisyquill"]` || rec.Person["address_key"] != nil {
			t.Errorf("exported person: %v", rec.Person)
		}
		if len(rec.CrisisPlans) != 1 || rec.CrisisPlans[0]["medications"] != plan.Medications || fmt.Sprint(rec.CrisisPlans[0]["photo_bytes"]) != fmt.Sprint(len(photo)) {
			t.Errorf("exported plans: %v", rec.CrisisPlans)
		}
		if len(rec.Corrections) != 1 || !strings.Contains(fmt.Sprint(rec.Corrections[0]["data"]), "zephyrine") || len(rec.Reports) != 1 || rec.Reports[0]["narrative"] != corrected.Narrative {
			t.Errorf("exported reports %v, corrections %v", rec.Reports, rec.Corrections)
		}

		// Person search by name keeps working: exact, with typos, swapped,
		// by alias; an officer sees the name only.
		for _, q := range []citdesk.PersonQuery{
			{FirstName: "Marguerite", LastName: "Quillfeather"},
			{FirstName: "Margarite", LastName: "Quilfeather"},
			{FirstName: "Quillfeather", LastName: "Marguerite"},
			{LastName: "Daisyquill"},
		} {
			for _, ctx := range []context.Context{r.coord, r.officer} {
				ms, err := r.persons.MatchPersons(ctx, q)
				must(t, err)
				if len(ms) == 0 || ms[0].Person.ID != p.ID || ms[0].Person.LastName != "Quillfeather" {
					t.Errorf("match %+v: %d matches, first %+v", q, len(ms), ms)
				}
			}
		}
		// Nothing of it is in the database in plaintext.
		raw := storetest.Raw(t, r.db.TestDSN())
		for table, vals := range dumpAll(t, e, raw) {
			for _, v := range vals {
				for _, s := range atRestSecrets {
					if strings.Contains(strings.ToLower(v), strings.ToLower(s)) {
						t.Errorf("table %s holds %q in plaintext: %.80q", table, s, v)
					}
				}
			}
		}
		// Prior contacts and crisis plans are matched to a call's address
		// by the keyed hash, written differently (a call's
		// address is not sealed: the board maps it).
		there := &citdesk.Call{Nature: "Welfare check", Address: "77 juniper lane"}
		must(t, r.db.CallService().CreateCall(r.dispatch, there))
		plans, err := r.plans.PlansForCall(r.dispatch, there.ID)
		must(t, err)
		if len(plans) != 1 || plans[0].ID != plan.ID || plans[0].WhatHelps != plan.WhatHelps {
			t.Errorf("plans for a call at the person's address: %+v", plans)
		}
		prior, err := r.encounters.PriorContactOfficers(r.dispatch, there.ID)
		must(t, err)
		if len(prior) != 1 || prior[0] != *r.officerUser.OfficerID {
			t.Errorf("prior contact officers at the address: %v", prior)
		}

	})
}

// dumpAll returns every value of every table, as text.
func dumpAll(t *testing.T, e storetest.Engine, raw *sql.DB) map[string][]string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if e == storetest.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`
	}
	rows, err := raw.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	out := map[string][]string{}
	for _, table := range tables {
		rows, err := raw.Query(`SELECT * FROM ` + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				out[table] = append(out[table], asString(v))
			}
		}
		rows.Close()
	}
	if len(out["persons"]) == 0 || len(out["crisis_plan_photos"]) == 0 {
		t.Fatalf("the dump found no persons or photos: %d tables", len(out))
	}
	return out
}

// TestWrongFieldKeyRefused: a database opened with another field key is
// refused at start-up, saying which key it needs and what is at stake; on
// SQLite, a field.key made beside the database for the attempt is removed.
func TestWrongFieldKeyRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		r := newReportEnv(t, e)
		r.person(t, r.coord, "Ann", "Doe", citdesk.Date{}, "12 Elm St")
		other, err := store.NewFieldKey([]byte(strings.Repeat("x", 32)))
		must(t, err)
		_, err = store.Open(context.Background(), r.db.TestDSN(), store.WithKeys(storetest.AuditKey(), other))
		if !errors.Is(err, store.ErrWrongFieldKey) || !strings.Contains(err.Error(), storetest.FieldKey().ID()) || !strings.Contains(err.Error(), other.ID()) ||
			!strings.Contains(err.Error(), "cannot be read") {
			t.Fatalf("open with another field key: %v", err)
		}
		if e == storetest.SQLite {
			beside := filepath.Join(filepath.Dir(r.db.TestDSN()), store.FieldKeyFile)
			_, err := store.Open(context.Background(), r.db.TestDSN(), store.WithAuditKey(storetest.AuditKey()))
			if !errors.Is(err, store.ErrWrongFieldKey) {
				t.Fatalf("open with a new field.key beside the database: %v", err)
			}
			if _, err := os.Stat(beside); !os.IsNotExist(err) {
				t.Errorf("the field.key made for the refused start was left behind: %v", err)
			}
		}
	})
}

// TestFieldKeyRotationUnderWrites rotates the field key with a second
// process (the operator's `citdesk keys rotate`) while the server writes
// persons and calls: old ciphertext still opens under the new key, the
// server (still on the old key) reads what was re-encrypted under the new
// data key, nothing written is lost or changed, and once the rotation is
// finished the old key opens nothing.
func TestFieldKeyRotationUnderWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		ctx := context.Background()
		server, _ := storetest.Open(t, e)
		_, op := storetest.Agency(t, server, "desoto")
		_, coord := storetest.User(t, server, op, "coord", citdesk.RoleCoordinator)
		_, disp := storetest.User(t, server, op, "disp", citdesk.RoleDispatcher)
		dsn := server.TestDSN()
		before := &citdesk.Person{FirstName: "Olive", LastName: "Beforerotation", Phone: "636-555-0001"}
		must(t, server.PersonService().CreatePerson(coord, before))

		var (
			mu      sync.Mutex
			persons = map[int64]*citdesk.Person{before.ID: before}
			calls   = map[int64]string{}
			stop    atomic.Bool
			writes  atomic.Int64
			wg      sync.WaitGroup
			werr    error
			once    sync.Once
		)
		for w := range 3 {
			wg.Go(func() {
				for i := 0; !stop.Load(); i++ {
					p := &citdesk.Person{FirstName: fmt.Sprintf("W%d", w), LastName: fmt.Sprintf("Writer%d", i), Phone: fmt.Sprintf("636-555-%04d", i)}
					err := server.PersonService().CreatePerson(coord, p)
					if err == nil && i%2 == 0 {
						p.Phone = fmt.Sprintf("314-555-%04d", i) // an update racing the re-encryption
						err = server.PersonService().UpdatePerson(coord, p)
					}
					c := &citdesk.Call{Nature: "check", Address: "1 Main St", CallerName: fmt.Sprintf("Caller %d/%d", w, i)}
					if err == nil {
						err = server.CallService().CreateCall(disp, c)
					}
					if err != nil {
						once.Do(func() { werr = err })
						return
					}
					mu.Lock()
					persons[p.ID], calls[c.ID] = p, c.CallerName
					mu.Unlock()
					writes.Add(1)
				}
			})
		}
		waitWrites := func(n int64) {
			for deadline := time.Now().Add(30 * time.Second); writes.Load() < n && werr == nil && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
		}
		waitWrites(20)

		// The operator's process rotates (re-wrap and a new data key)...
		operator, err := store.Open(ctx, dsn, storetest.KeyOption())
		must(t, err)
		defer operator.Close()
		next, err := store.GenerateFieldKey()
		must(t, err)
		newData, err := operator.FieldKeyAdmin().Rotate(ctx, next)
		must(t, err)
		// ... and a server started with the new key opens what the old
		// data key sealed.
		newServer, err := store.Open(ctx, dsn, store.WithKeys(storetest.AuditKey(), next))
		must(t, err)
		defer newServer.Close()
		raw := storetest.Raw(t, dsn)
		var rawLast string
		must(t, raw.QueryRow(rebind(e, `SELECT last_name FROM persons WHERE id = ?`), before.ID).Scan(&rawLast))
		if store.DataKeyOf(rawLast) == newData || store.DataKeyOf(rawLast) == 0 {
			t.Fatalf("the person written before the rotation is under data key %d", store.DataKeyOf(rawLast))
		}
		if got, err := newServer.PersonService().FindPersonByID(coord, before.ID); err != nil || got.LastName != "Beforerotation" {
			t.Fatalf("old ciphertext under the new field key: %+v, %v", got, err)
		}
		// The re-encryption runs in batches while the server writes.
		n, err := operator.FieldKeyAdmin().Reencrypt(ctx)
		must(t, err)
		waitWrites(writes.Load() + 20)
		stop.Store(true)
		wg.Wait()
		if werr != nil {
			t.Fatalf("a write failed during the rotation: %v", werr)
		}
		t.Logf("%d writes, %d rows re-encrypted during them", writes.Load(), n)

		check := func(who string, db *store.DB) {
			t.Helper()
			for id, want := range persons {
				got, err := db.PersonService().FindPersonByID(coord, id)
				if err != nil || got.FirstName != want.FirstName || got.LastName != want.LastName || got.Phone != want.Phone {
					t.Fatalf("%s: person %d is %+v, %v; wrote %+v", who, id, got, err, want)
				}
			}
			for id, want := range calls {
				got, err := db.CallService().FindCallByID(disp, id)
				if err != nil || got.CallerName != want {
					t.Fatalf("%s: call %d caller %q, %v; wrote %q", who, id, got.CallerName, err, want)
				}
			}
		}
		check("server on the new key", newServer)
		check("server still on the old key", server)

		// Once re-encrypted again (what the server wrote with the old data
		// key meanwhile), every sealed value is under the new data key.
		_, err = newServer.FieldKeyAdmin().Reencrypt(ctx)
		must(t, err)
		for _, q := range []string{`SELECT first_name FROM persons`, `SELECT last_name FROM persons`, `SELECT phone FROM persons`, `SELECT caller_name FROM calls`} {
			rows, err := raw.Query(q)
			must(t, err)
			for rows.Next() {
				var v string
				must(t, rows.Scan(&v))
				if v != "" && store.DataKeyOf(v) != newData {
					t.Errorf("%s: a value under data key %d after re-encryption", q, store.DataKeyOf(v))
				}
			}
			rows.Close()
		}
		check("after the last re-encryption", newServer)

		must(t, newServer.FieldKeyAdmin().FinishRotation(ctx))
		if _, err := store.Open(ctx, dsn, storetest.KeyOption()); !errors.Is(err, store.ErrWrongFieldKey) {
			t.Fatalf("the old field key after the rotation was finished: %v", err)
		}
	})
}

// BenchmarkMatchPersonsSealed: person search scores every record of the
// agency in memory, so it opens every name first: the cost of sealed names
// at 5,000 persons.
func BenchmarkMatchPersonsSealed(b *testing.B) {
	db, _ := storetest.Open(b, storetest.SQLite)
	_, op := storetest.Agency(b, db, "desoto")
	_, coord := storetest.User(b, db, op, "coord", citdesk.RoleCoordinator)
	for i := range 5000 {
		p := &citdesk.Person{FirstName: fmt.Sprintf("First%d", i), LastName: fmt.Sprintf("Last%d", i), Aliases: []string{"Alias"}, Phone: "636-555-0100"}
		if err := db.PersonService().CreatePerson(coord, p); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, err := db.PersonService().MatchPersons(coord, citdesk.PersonQuery{FirstName: "First42", LastName: "Last42"}); err != nil {
			b.Fatal(err)
		}
	}
}
