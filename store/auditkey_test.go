package store_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"citdesk"
	"citdesk/store"
)

func TestLoadAuditKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "audit.key")
	k1, created, err := store.LoadAuditKey(path)
	if err != nil || !created {
		t.Fatalf("first load: created %v, err %v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || fi.Size() != citdesk.AuditKeySize {
		t.Fatalf("key file mode %o, %d bytes; want 0600, %d", fi.Mode().Perm(), fi.Size(), citdesk.AuditKeySize)
	}
	k2, created, err := store.LoadAuditKey(path)
	if err != nil || created || k2.ID() != k1.ID() {
		t.Fatalf("second load: created %v, err %v, same key %v", created, err, k2 != nil && k2.ID() == k1.ID())
	}

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.LoadAuditKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable key: %v, want refused", err)
	}
	short := filepath.Join(dir, "short.key")
	if err := os.WriteFile(short, bytes.Repeat([]byte{1}, 16), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.LoadAuditKey(short); err == nil || !strings.Contains(err.Error(), "16 bytes") {
		t.Errorf("16-byte key: %v, want refused", err)
	}
}
