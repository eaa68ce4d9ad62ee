package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"citdesk/store/storetest"
)

// TestBackupRestoreCLI: "backup keygen", "backup --to" while serve runs
// on the same data directory, "restore" into an empty directory, and the
// refusals an operator meets: a wrong key, a cut file, a directory that
// holds a database, PostgreSQL.
func TestBackupRestoreCLI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		c := newCLI(t, e)
		keyFile := filepath.Join(t.TempDir(), "backup.key")
		if out, _, err := c.runRaw("", "backup", "keygen", "--out", keyFile); err != nil || !strings.Contains(out, "Backup key") {
			t.Fatalf("keygen: %q, %v", out, err)
		}
		if _, _, err := c.runRaw("", "backup", "keygen", "--out", keyFile); err == nil || !strings.Contains(err.Error(), "never overwritten") {
			t.Errorf("keygen over a key: %v", err)
		}
		file := filepath.Join(t.TempDir(), "b.cdbk")
		if e == storetest.Postgres {
			_, _, err := c.run("", "backup", "--to", file, "--backup-key-file", keyFile)
			if err == nil || !strings.Contains(err.Error(), "pg_dump") {
				t.Errorf("backup on PostgreSQL: %v", err)
			}
			_, _, err = c.run("", "serve", "--backup-every", "24h", "--backup-key-file", keyFile)
			if err == nil || !strings.Contains(err.Error(), "pg_dump") {
				t.Errorf("serve --backup-every on PostgreSQL: %v", err)
			}
			return
		}
		c.ok("", "agency", "add", "desoto", "--name", "De Soto PD", "--timezone", "America/Chicago")
		c.ok("a long enough password\n", "user", "add", "--agency", "desoto", "--username", "amy", "--role", "analyst")
		s := startServe(t, c.data...)
		if _, _, err := c.run("", "backup", "--to", file); err == nil || !strings.Contains(err.Error(), "CITDESK_BACKUP_KEY") {
			t.Errorf("backup without a key: %v", err)
		}
		out := c.ok("", "backup", "--to", file, "--backup-key-file", keyFile)
		if !strings.Contains(out, "Backup written to "+file) || !strings.Contains(out, "SHA-256") {
			t.Errorf("backup: %q", out)
		}
		if err := s.stop(t); err != nil {
			t.Fatal(err)
		}

		auditKey, fieldKey := c.data[3], c.data[5] // newCLI: --data DIR --audit-key-file KEY --field-key-file KEY
		restore := func(dir string, extra ...string) (string, error) {
			out, _, err := c.runRaw("", append([]string{"restore", "--from", file, "--data", dir, "--audit-key-file", auditKey, "--field-key-file", fieldKey}, extra...)...)
			return out, err
		}
		dir := filepath.Join(t.TempDir(), "restored")
		// The backup holds the encrypted fields, never the field key.
		if _, _, err := c.runRaw("", "restore", "--from", file, "--data", dir, "--audit-key-file", auditKey, "--backup-key-file", keyFile); err == nil || !strings.Contains(err.Error(), "no field key") {
			t.Errorf("restore without the field key: %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "field.key")); !os.IsNotExist(err) {
			t.Errorf("a refused restore left a field.key: %v", err)
		}
		other := filepath.Join(t.TempDir(), "other.key")
		if _, _, err := c.runRaw("", "backup", "keygen", "--out", other); err != nil {
			t.Fatal(err)
		}
		if _, err := restore(dir, "--backup-key-file", other); err == nil || !strings.Contains(err.Error(), "wrong backup key") {
			t.Errorf("restore with another key: %v", err)
		}
		b, _ := os.ReadFile(file)
		cut := filepath.Join(t.TempDir(), "cut.cdbk")
		os.WriteFile(cut, b[:len(b)-100], 0o600)
		if _, _, err := c.runRaw("", "restore", "--from", cut, "--data", dir, "--audit-key-file", auditKey, "--field-key-file", fieldKey, "--backup-key-file", keyFile); err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("restore of a cut file: %v", err)
		}
		t.Setenv("CITDESK_BACKUP_KEY", base64Of(t, keyFile))
		out, err := restore(dir)
		if err != nil || !strings.Contains(out, "audit trail intact") || !strings.Contains(out, "integrity check ok") || !strings.Contains(out, "field key the restore used ("+fieldKey+")") {
			t.Fatalf("restore: %v\n%s", err, out)
		}
		if _, err := restore(dir); err == nil || !strings.Contains(err.Error(), "not empty") {
			t.Errorf("restore over the restored database: %v", err)
		}
		r := &cli{t: t, data: []string{"--data", dir, "--audit-key-file", auditKey, "--field-key-file", fieldKey}, dsn: filepath.Join(dir, "citdesk.db")}
		if out := r.ok("", "audit", "verify"); !strings.Contains(out, "intact") {
			t.Errorf("verify the restored trail: %q", out)
		}
		r.ok("", "user", "unlock", "--agency", "desoto", "--username", "amy") // the user is there
	})
}

// TestServeScheduledBackups: serve --backup-every makes backups by itself
// and keeps only the newest --backup-keep.
func TestServeScheduledBackups(t *testing.T) {
	c := newCLI(t, storetest.SQLite)
	keyFile := filepath.Join(t.TempDir(), "backup.key")
	if _, _, err := c.runRaw("", "backup", "keygen", "--out", keyFile); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.run("", "serve", "--backup-every", "24h"); err == nil || !strings.Contains(err.Error(), "no backup key") {
		t.Errorf("serve --backup-every without a key: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "backups")
	s := startServe(t, append(append([]string{}, c.data...), "--backup-every", "1s", "--backup-keep", "2", "--backup-dir", dir, "--backup-key-file", keyFile)...)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(s.stderr.String(), "removed=1") {
		if time.Now().After(deadline) {
			t.Fatalf("no backup pruned after 30s; log:\n%s", s.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 || !strings.HasSuffix(names[0], ".cdbk") || !strings.HasSuffix(names[1], ".cdbk") {
		t.Errorf("backup directory holds %v, want the 2 newest backups", names)
	}
}

// TestMigrateDryRun: --dry-run lists what would run and changes nothing.
func TestMigrateDryRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		c := newCLI(t, e)
		if e == storetest.SQLite {
			out := c.ok("", "migrate", "--dry-run")
			if !strings.Contains(out, "migrations would run") || !strings.Contains(out, "0001_foundation.sql") {
				t.Errorf("dry run on an empty directory: %q", out)
			}
			if _, err := os.Stat(c.dsn); !os.IsNotExist(err) {
				t.Errorf("a dry run made the database: %v", err)
			}
		}
		c.ok("", "migrate")
		if out := c.ok("", "migrate", "--dry-run"); !strings.Contains(out, "no migration would run") {
			t.Errorf("dry run on a migrated database: %q", out)
		}

		// A newer citdesk migrated it: this one refuses to start, saying why.
		raw := storetest.Raw(t, c.dsn)
		q := `INSERT INTO schema_migrations (name, applied_at) VALUES ('migrations/9999_next.sql', 0)`
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"serve"}, {"migrate"}, {"migrate", "--dry-run"}} {
			_, _, err := c.run("", args...)
			if err == nil || !strings.Contains(err.Error(), "newer than this citdesk") || !strings.Contains(err.Error(), "9999_next.sql") {
				t.Errorf("citdesk %s on a newer database: %v", strings.Join(args, " "), err)
			}
		}
	})
}

// runRaw runs citdesk with args as given, without the CLI's data flags.
func (c *cli) runRaw(stdin string, args ...string) (stdout, stderr string, err error) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func base64Of(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}
