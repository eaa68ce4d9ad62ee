package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/eido"
	"citdesk/store/storetest"
)

// TestExportEIDO: "export --format eido" writes one valid EIDO per call
// received in the period (the agency's days, both included), and no other.
func TestExportEIDO(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		c := newCLI(t, e)
		c.ok("", "agency", "add", "desoto", "--name", "De Soto PD", "--city", "De Soto", "--timezone", "America/Chicago")
		db := c.open()
		a, err := db.AgencyService().FindAgencyBySlug(context.Background(), "desoto")
		if err != nil {
			t.Fatal(err)
		}
		op := citdesk.NewContextWithActor(context.Background(), citdesk.OperatorActor(a.ID))
		loc := a.Location()
		for _, at := range []time.Time{
			time.Date(2026, 3, 1, 0, 30, 0, 0, loc),   // in
			time.Date(2026, 3, 31, 23, 30, 0, 0, loc), // in: the last day is included
			time.Date(2026, 4, 1, 0, 10, 0, 0, loc),   // out
			time.Date(2026, 2, 28, 23, 59, 0, 0, loc), // out
		} {
			call := &citdesk.Call{ReceivedAt: at, Nature: "Welfare check", Address: "12 Elm St", CallerName: "Pat", CallerPhone: "636-555-0100"}
			if err := db.CallService().CreateCall(op, call); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
		out := filepath.Join(t.TempDir(), "calls.jsonl")
		c.ok("", "export", "--format", "eido", "--agency", "desoto", "--from", "2026-03-01", "--to", "2026-03-31", "--out", out)
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		n := 0
		for sc.Scan() {
			n++
			if err := eido.Validate(sc.Bytes()); err != nil {
				t.Errorf("line %d is not a valid EIDO: %v", n, err)
			}
			// Calls 1 and 2 are March's, in the agency's days (call 2 is
			// April 1 in UTC).
			if want := fmt.Sprintf(`"$id":"%s"`, eido.OwnIncidentID("desoto", int64(n))); !strings.Contains(sc.Text(), want) {
				t.Errorf("line %d is not call %d: %.200s", n, n, sc.Text())
			}
		}
		if n != 2 {
			t.Errorf("%d documents, want the 2 calls of March", n)
		}
		if _, _, err := c.run("", "export", "--format", "csv", "--agency", "desoto", "--from", "2026-03-01", "--to", "2026-03-31"); err == nil {
			t.Error("export --format csv succeeded")
		}
	})
}
