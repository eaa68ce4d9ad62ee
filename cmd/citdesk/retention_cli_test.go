package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/store/storetest"
)

// TestRetentionCLI: schedules set and shown from the command line, with
// clear refusals; purge --dry-run; a person's record exported as JSON.
func TestRetentionCLI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		c := newCLI(t, e)
		c.ok("", "agency", "add", "desoto", "--name", "De Soto PD", "--timezone", "America/Chicago")
		out := c.ok("", "retention", "set", "--agency", "desoto", "--kind", "calls", "--keep", "7y")
		if !strings.Contains(out, "calls         7y") || !strings.Contains(out, "audit         for ever") {
			t.Errorf("retention set: %q", out)
		}
		for _, bad := range []struct{ kind, keep, want string }{
			{"audit", "200d", "at least one year"},
			{"tickets", "1y", "not a kind of record"},
			{"calls", "seven years", "not a period"},
		} {
			if _, _, err := c.run("", "retention", "set", "--agency", "desoto", "--kind", bad.kind, "--keep", bad.keep); err == nil || !strings.Contains(err.Error(), bad.want) {
				t.Errorf("retention set %s %s: %v, want %q", bad.kind, bad.keep, err, bad.want)
			}
		}
		c.ok("", "retention", "set", "--agency", "desoto", "--kind", "audit", "--keep", "2y")
		c.ok("", "retention", "set", "--agency", "desoto", "--kind", "calls", "--keep", "forever")
		if out := c.ok("", "retention", "show", "--agency", "desoto"); !strings.Contains(out, "calls         for ever") || !strings.Contains(out, "audit         2y") {
			t.Errorf("retention show: %q", out)
		}
		if out := c.ok("", "purge", "--dry-run"); !strings.Contains(out, "(all agencies) audit before") || !strings.Contains(out, "nothing due") {
			t.Errorf("purge --dry-run: %q", out)
		}

		db := c.open()
		a, err := db.AgencyService().FindAgencyBySlug(context.Background(), "desoto")
		if err != nil {
			t.Fatal(err)
		}
		op := citdesk.NewContextWithActor(context.Background(), citdesk.OperatorActor(a.ID))
		_, coord := storetest.User(t, db, op, "coord", citdesk.RoleCoordinator)
		p := &citdesk.Person{FirstName: "Carl", LastName: "Moe", Address: "3 Elm St"}
		if err := db.PersonService().CreatePerson(coord, p); err != nil {
			t.Fatal(err)
		}
		db.Close()
		out = c.ok("", "person", "export", "--agency", "desoto", "--id", strconv.FormatInt(p.ID, 10))
		var rec struct {
			Agency    string            `json:"agency"`
			Person    map[string]any    `json:"person"`
			AccessLog []json.RawMessage `json:"access_log"`
			Reports   []json.RawMessage `json:"reports"`
		}
		if err := json.Unmarshal([]byte(out), &rec); err != nil || rec.Person["last_name"] != "Moe" || rec.Agency != "desoto" || rec.Reports == nil {
			t.Errorf("person export: %v\n%s", err, out)
		}
		if _, _, err := c.run("", "person", "export", "--agency", "desoto", "--id", "99999"); err == nil || !strings.Contains(err.Error(), "No person 99999") {
			t.Errorf("export of a missing person: %v", err)
		}

		// Erasure: refused under a legal hold, done once it is released.
		pid := strconv.FormatInt(p.ID, 10)
		if _, _, err := c.run("", "person", "hold", "--agency", "desoto", "--person", pid); err == nil || !strings.Contains(err.Error(), "--reason") {
			t.Errorf("hold without a reason: %v", err)
		}
		if out := c.ok("", "person", "hold", "--agency", "desoto", "--person", pid, "--reason", "subpoena 2026-114"); !strings.Contains(out, "under a legal hold") {
			t.Errorf("person hold: %q", out)
		}
		if _, _, err := c.run("", "person", "erase", "--agency", "desoto", "--person", pid); err == nil || !strings.Contains(err.Error(), "legal hold (subpoena 2026-114)") {
			t.Errorf("erase under a legal hold: %v", err)
		}
		c.ok("", "person", "release", "--agency", "desoto", "--person", pid)
		if out := c.ok("", "person", "erase", "--agency", "desoto", "--person", pid); !strings.Contains(out, "Erased person "+pid+" of desoto: deleted 1 persons") {
			t.Errorf("person erase: %q", out)
		}
		if _, _, err := c.run("", "person", "export", "--agency", "desoto", "--person", pid); err == nil || !strings.Contains(err.Error(), "No person "+pid) {
			t.Errorf("export after the erasure: %v", err)
		}
		if _, _, err := c.run("", "person", "forget", "--agency", "desoto", "--person", pid); err == nil || !strings.Contains(err.Error(), "citdesk person erase") {
			t.Errorf("unknown person sub-command: %v", err)
		}
	})
}

func TestNextPurge(t *testing.T) {
	day := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		now  time.Time
		want time.Time
	}{
		{day.Add(2 * time.Hour), day.Add(3 * time.Hour)},
		{day.Add(3 * time.Hour), day.Add(27 * time.Hour)},
		{day.Add(23 * time.Hour), day.Add(27 * time.Hour)},
	} {
		if got := nextPurge(tc.now, "03:00"); !got.Equal(tc.want) {
			t.Errorf("nextPurge(%s) = %s, want %s", tc.now, got, tc.want)
		}
	}
}
