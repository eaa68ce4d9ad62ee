package backup

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testKey(t *testing.T) *Key {
	t.Helper()
	secret := make([]byte, KeySize)
	rand.Read(secret)
	k, err := NewKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// writeBackup makes a backup of a file of size random bytes (random, so
// gzip cannot shrink it and it spans several chunks).
func writeBackup(t *testing.T, k *Key, size int) ([]byte, []byte) {
	t.Helper()
	data := make([]byte, size)
	rand.Read(data)
	path := filepath.Join(t.TempDir(), "db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	m := &Manifest{CitdeskVersion: "test", Engine: "sqlite", Schema: "migrations/0001_x.sql", CreatedAt: time.Now().UTC(), Tables: map[string]int64{"calls": 3}}
	if err := Write(&out, k, m, path); err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), data
}

func TestRoundTrip(t *testing.T) {
	k := testKey(t)
	for _, size := range []int{0, 1, chunkData - 600, chunkData, 3*chunkSize + 17} {
		file, data := writeBackup(t, k, size)
		if (len(file)-headerLen)%(chunkSize+tagSize) != 0 {
			t.Fatalf("size %d: %d bytes of chunks, not whole chunks", size, len(file)-headerLen)
		}
		if bytes.Contains(file, []byte("calls")) || bytes.Contains(file, []byte("manifest")) {
			t.Fatalf("size %d: plaintext in the file", size)
		}
		var got bytes.Buffer
		m, err := Read(bytes.NewReader(file), k, &got)
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if !bytes.Equal(got.Bytes(), data) || m.Size != int64(size) || m.Tables["calls"] != 3 || m.KeyID != k.ID() || m.Format != Format {
			t.Fatalf("size %d: read back %d bytes, manifest %+v", size, got.Len(), m)
		}
	}
}

func TestRefusals(t *testing.T) {
	k := testKey(t)
	file, _ := writeBackup(t, k, 3*chunkSize+17)
	read := func(b []byte, key *Key) error {
		_, err := Read(bytes.NewReader(b), key, new(bytes.Buffer))
		return err
	}
	if err := read(file, testKey(t)); !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), k.ID()) {
		t.Errorf("wrong key: %v", err)
	}
	// Every byte flipped, one at a time (in steps, to keep it quick), is refused.
	for i := 0; i < len(file); i += 997 {
		b := bytes.Clone(file)
		b[i] ^= 0x40
		err := read(b, k)
		if err == nil {
			t.Fatalf("byte %d flipped: accepted", i)
		}
		if i >= headerLen && !errors.Is(err, ErrDamaged) {
			t.Errorf("byte %d flipped: %v, want ErrDamaged", i, err)
		}
	}
	// Cut anywhere: inside the header, at a chunk boundary, inside a chunk.
	for _, n := range []int{0, 10, headerLen, headerLen + chunkSize + tagSize, headerLen + 2*(chunkSize+tagSize), len(file) - 1, len(file) - 100} {
		if err := read(file[:n], k); !errors.Is(err, ErrTruncated) {
			t.Errorf("cut at %d of %d: %v, want ErrTruncated", n, len(file), err)
		}
	}
	// A chunk dropped from the middle, or chunks swapped.
	c := chunkSize + tagSize
	dropped := append(bytes.Clone(file[:headerLen+c]), file[headerLen+2*c:]...)
	if err := read(dropped, k); !errors.Is(err, ErrDamaged) {
		t.Errorf("chunk dropped: %v", err)
	}
	swapped := bytes.Clone(file)
	copy(swapped[headerLen:], file[headerLen+c:headerLen+2*c])
	copy(swapped[headerLen+c:], file[headerLen:headerLen+c])
	if err := read(swapped, k); !errors.Is(err, ErrDamaged) {
		t.Errorf("chunks swapped: %v", err)
	}
	// Appending a copy of the last chunk.
	if err := read(append(bytes.Clone(file), file[len(file)-c:]...), k); !errors.Is(err, ErrDamaged) {
		t.Errorf("chunk appended: %v", err)
	}
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "backup.key")
	k, err := MakeKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := MakeKeyFile(path); err == nil {
		t.Error("MakeKeyFile overwrote a key")
	}
	got, err := LoadKey(path, "")
	if err != nil || got.ID() != k.ID() {
		t.Fatalf("LoadKey: %v, %v", got, err)
	}
	secret, _ := os.ReadFile(path)
	if got, err := LoadKey("", base64.StdEncoding.EncodeToString(secret)); err != nil || got.ID() != k.ID() {
		t.Errorf("key from the environment: %v", err)
	}
	if _, err := LoadKey("", ""); err == nil || !strings.Contains(err.Error(), EnvKey) {
		t.Errorf("no key: %v", err)
	}
	if _, err := LoadKey("", "c2hvcnQ="); err == nil {
		t.Error("a short key from the environment was accepted")
	}
	os.Chmod(path, 0o644)
	if _, err := LoadKey(path, ""); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a key others may read: %v", err)
	}
}
