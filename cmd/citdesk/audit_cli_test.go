package main

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// TestAuditCheckpointCLI: a checkpoint printed by "audit checkpoint"
// verifies while the trail extends it, and "audit verify --checkpoint"
// fails with a clear message once events below it are gone; "audit
// export" writes every event as a JSON line.
func TestAuditCheckpointCLI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		c := newCLI(t, e)
		c.ok("", "agency", "add", "desoto", "--name", "De Soto PD", "--timezone", "America/Chicago")
		c.ok("a long enough password\n", "user", "add", "--agency", "desoto", "--username", "amy", "--role", "analyst")
		out := c.ok("", "audit", "checkpoint", "--agency", "desoto")
		var cp citdesk.AuditCheckpoint
		if err := json.Unmarshal([]byte(out), &cp); err != nil || cp.Seq < 2 || cp.Hash == "" || cp.Sig == "" || cp.Agency != "desoto" || cp.At.IsZero() {
			t.Fatalf("checkpoint %q: %+v, %v", out, cp, err)
		}
		file := filepath.Join(t.TempDir(), "cp.json")
		if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
		c.ok("a long enough password\n", "user", "add", "--agency", "desoto", "--username", "bo", "--role", "analyst")
		if out := c.ok("", "audit", "verify", "--checkpoint", file); !strings.Contains(out, "extends the checkpoint") {
			t.Errorf("verify --checkpoint on an intact trail: %q", out)
		}

		out = c.ok("", "audit", "export", "--format", "jsonl", "--since", "1")
		sc := bufio.NewScanner(strings.NewReader(out))
		var seqs []int64
		for sc.Scan() {
			var ev citdesk.AuditEvent
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				t.Fatalf("export line %q: %v", sc.Text(), err)
			}
			if ev.Chain == "" || ev.Hash == "" {
				t.Errorf("exported event without its chain: %s", sc.Text())
			}
			seqs = append(seqs, ev.Seq)
		}
		if len(seqs) < 2 || seqs[0] != 2 || seqs[len(seqs)-1] <= cp.Seq {
			t.Errorf("exported seqs %v, want 2 up past the checkpoint's %d", seqs, cp.Seq)
		}
		if _, _, err := c.run("", "audit", "export", "--format", "csv"); err == nil {
			t.Error("export --format csv succeeded")
		}

		// An intruder deletes the newest events and rewrites the head.
		rdb := storetest.Raw(t, c.dsn)
		storetest.DropAuditGuard(t, rdb, e)
		keep := cp.Seq - 1
		mustExec(t, rdb, c.dsn, `DELETE FROM audit_events WHERE seq > ?`, keep)
		mustExec(t, rdb, c.dsn, `UPDATE audit_head SET seq = ?, hash = (SELECT hash FROM audit_events WHERE seq = ?) WHERE id = 1`, keep, keep)
		if out := c.ok("", "audit", "verify"); !strings.Contains(out, "intact") {
			t.Fatalf("without a checkpoint the truncated trail still links: %q", out)
		}
		out, _, err := c.run("", "audit", "verify", "--checkpoint", file)
		if err == nil || !strings.Contains(out, "truncated") {
			t.Errorf("verify --checkpoint after truncation: err %v, out %q; want a failure saying truncated", err, out)
		}

		// A different key file is refused at start.
		other := filepath.Join(t.TempDir(), "other.key")
		if _, _, err := c.run("", "audit", "verify", "--audit-key-file", other); err == nil || !strings.Contains(err.Error(), "written with audit key") {
			t.Errorf("verify with a new key file: %v, want refused", err)
		}
		if _, err := os.Stat(other); !os.IsNotExist(err) {
			t.Errorf("a refused new key file was left behind: %v", err)
		}
	})
}

// mustExec runs q, written with ? placeholders, on either engine.
func mustExec(t *testing.T, db *sql.DB, dsn, q string, args ...any) {
	t.Helper()
	if store.IsPostgres(dsn) {
		for i := range args {
			q = strings.Replace(q, "?", "$"+strconv.Itoa(i+1), 1)
		}
	}
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
}
