package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// TestKeysRotate: `citdesk keys rotate` writes a new field key, re-wraps
// the data keys and re-encrypts the fields while a server (a database
// handle opened before, on the old key) keeps reading and writing; the
// new key works from a file and from $CITDESK_FIELD_KEY; `--finish` makes
// the old key useless, and a start with it is refused by name.
func TestKeysRotate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		ctx := context.Background()
		c := newCLI(t, e)
		c.ok("", "agency", "add", "desoto", "--name", "De Soto PD", "--timezone", "America/Chicago")
		server := c.open()
		a, err := server.AgencyService().FindAgencyBySlug(ctx, "desoto")
		if err != nil {
			t.Fatal(err)
		}
		op := citdesk.NewContextWithActor(ctx, citdesk.OperatorActor(a.ID))
		p := &citdesk.Person{FirstName: "Quentin", LastName: "Rotateson", Phone: "636-555-0142"}
		if err := server.PersonService().CreatePerson(op, p); err != nil {
			t.Fatal(err)
		}
		oldID := storetest.FieldKey().ID()
		if out := c.ok("", "keys", "status"); !strings.Contains(out, "Field key in use: "+oldID) {
			t.Errorf("keys status: %q", out)
		}

		newFile := filepath.Join(t.TempDir(), "field-2.key")
		out := c.ok("", "keys", "rotate", "--new-key-file", newFile)
		if !strings.Contains(out, "Rotated") || !strings.Contains(out, "Re-encrypted 1 rows") || !strings.Contains(out, "keys rotate --finish") {
			t.Errorf("keys rotate: %q", out)
		}
		fi, err := os.Stat(newFile)
		if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != store.FieldKeySize {
			t.Fatalf("the new key file: %v, %v", fi, err)
		}
		next, _, err := store.LoadFieldKey(newFile)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.run("", "keys", "rotate", "--new-key-file", newFile); err == nil || !strings.Contains(err.Error(), "never overwritten") {
			t.Errorf("rotate onto an existing key file: %v", err)
		}
		// The server started before the rotation still reads and writes.
		if got, err := server.PersonService().FindPersonByID(op, p.ID); err != nil || got.LastName != "Rotateson" || got.Phone != p.Phone {
			t.Fatalf("the running server after the rotation: %+v, %v", got, err)
		}
		if err := server.PersonService().CreatePerson(op, &citdesk.Person{FirstName: "Una", LastName: "Afterwards"}); err != nil {
			t.Fatalf("the running server writes after the rotation: %v", err)
		}

		c2 := &cli{t: t, data: append([]string{}, c.data...), dsn: c.dsn}
		c2.data[5] = newFile
		if out := c2.ok("", "keys", "status"); !strings.Contains(out, "Field key in use: "+next.ID()) || !strings.Contains(out, "previous field key "+oldID) {
			t.Errorf("keys status with the new key: %q", out)
		}
		// The key itself in the environment, for deployments that keep
		// secrets there.
		t.Setenv("CITDESK_FIELD_KEY", next.Encode())
		if out, _, err := c.runRaw("", "keys", "status", c.data[0], c.data[1], "--audit-key-file", c.data[3]); err != nil || !strings.Contains(out, "Field key in use: "+next.ID()) {
			t.Errorf("keys status with $CITDESK_FIELD_KEY: %q, %v", out, err)
		}
		t.Setenv("CITDESK_FIELD_KEY", "not a key")
		if _, _, err := c.runRaw("", "keys", "status", c.data[0], c.data[1], "--audit-key-file", c.data[3]); err == nil || !strings.Contains(err.Error(), "CITDESK_FIELD_KEY") {
			t.Errorf("a malformed $CITDESK_FIELD_KEY: %v", err)
		}
		os.Unsetenv("CITDESK_FIELD_KEY")

		// A second rotation before the first is finished would strand the
		// servers still on the first key: refused, and its key file removed.
		third := filepath.Join(t.TempDir(), "field-3.key")
		if _, _, err := c2.run("", "keys", "rotate", "--new-key-file", third); err == nil || !strings.Contains(err.Error(), "not finished") {
			t.Errorf("rotate before the last rotation is finished: %v", err)
		}
		if _, err := os.Stat(third); !os.IsNotExist(err) {
			t.Errorf("a refused rotation left its key file: %v", err)
		}
		if out := c2.ok("", "keys", "reencrypt"); !strings.Contains(out, "Re-encrypted") {
			t.Errorf("keys reencrypt: %q", out)
		}
		c2.ok("", "keys", "rotate", "--finish")
		if _, _, err := c.run("", "keys", "status"); err == nil || !strings.Contains(err.Error(), "wrong field key") || !strings.Contains(err.Error(), next.ID()) {
			t.Errorf("the old key after --finish: %v", err)
		}
		db, err := store.Open(ctx, c.dsn, store.WithKeys(storetest.AuditKey(), next))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if got, err := db.PersonService().FindPersonByID(op, p.ID); err != nil || got.LastName != "Rotateson" {
			t.Errorf("the person under the new key: %+v, %v", got, err)
		}
		c3 := &cli{t: t, data: append([]string{}, c2.data...), dsn: c.dsn}
		c3.data[5] = third
		if out := c2.ok("", "keys", "rotate", "--new-key-file", third); !strings.Contains(out, "Rotated") {
			t.Errorf("a rotation after --finish: %q", out)
		}
		if got, err := db.PersonService().FindPersonByID(op, p.ID); err != nil || got.LastName != "Rotateson" {
			t.Errorf("after a second rotation, a server on the key before: %+v, %v", got, err)
		}
		if out := c3.ok("", "audit", "verify"); !strings.Contains(out, "intact") {
			t.Errorf("audit after the rotation: %q", out)
		}
	})
}

// TestVersionFIPS: a citdesk built with GOFIPS140 (CI sets
// CITDESK_REQUIRE_FIPS to the module version it builds with) says so.
func TestVersionFIPS(t *testing.T) {
	want := os.Getenv("CITDESK_REQUIRE_FIPS")
	if want == "" {
		t.Skip("set CITDESK_REQUIRE_FIPS=v1.0.0 with GOFIPS140=v1.0.0 to check the FIPS build")
	}
	c := &cli{t: t}
	if out, _, err := c.runRaw("", "version"); err != nil || !strings.Contains(out, "FIPS 140-3 mode, Go Cryptographic Module "+want) {
		t.Errorf("citdesk version in a FIPS build: %q, %v", out, err)
	}
}
