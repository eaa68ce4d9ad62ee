package store

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/fips140"
	"crypto/rand"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestFieldSealingFIPSOnly runs the field sealing — key wrapping, text and
// byte seals, the keyed hashes — in a child process with
// GODEBUG=fips140=only, where Go refuses (errors or panics) any
// cryptography FIPS 140-3 does not approve.
func TestFieldSealingFIPSOnly(t *testing.T) {
	if os.Getenv("CITDESK_FIPS_CHILD") != "1" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFieldSealingFIPSOnly$", "-test.v")
		cmd.Env = append(os.Environ(), "GODEBUG=fips140=only", "CITDESK_FIPS_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "fips140=only: sealed and opened") {
			t.Fatalf("with GODEBUG=fips140=only: %v\n%s", err, out)
		}
		return
	}
	if !fips140.Enforced() {
		t.Fatal("the child runs without FIPS 140-3 enforcement")
	}
	kek, err := GenerateFieldKey()
	if err != nil {
		t.Fatal(err)
	}
	k := testRing(t, kek)
	s, err := k.sealText(colNarrative, "a narrative")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k.openText(colNarrative, s); err != nil || got != "a narrative" {
		t.Fatalf("open text: %q, %v", got, err)
	}
	b, err := k.sealBytes(colPlanPhoto, []byte("photo"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k.openBytes(colPlanPhoto, b); err != nil || string(got) != "photo" {
		t.Fatalf("open bytes: %q, %v", got, err)
	}
	if k.blind(colAddressKey, "1 main st") == "" {
		t.Fatal("no keyed hash")
	}
	t.Log("fips140=only: sealed and opened")
}

// testRing is a key ring with one data key and the index key, wrapped
// under kek and unwrapped again, as loadFieldKeys does.
func testRing(t testing.TB, kek *FieldKey) *fieldKeys {
	t.Helper()
	var rows []fieldKeyRow
	for id, purpose := range map[int64]string{1: "index", 2: "data"} {
		key := make([]byte, 32)
		rand.Read(key)
		w, err := wrapKey(kek, id, purpose, key)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, fieldKeyRow{id: id, purpose: purpose, wrapped: w, kekID: kek.ID(), current: purpose == "data"})
	}
	k := &fieldKeys{kek: kek}
	if err := k.install(rows); err != nil {
		t.Fatal(err)
	}
	return k
}

// TestSealOpensWhatNewGCMSealed: TOTP secrets and webhook keys sealed
// before the seal moved to NewGCMWithRandomNonce (a random nonce chosen
// outside the module, then cipher.NewGCM) still open.
func TestSealOpensWhatNewGCMSealed(t *testing.T) {
	key := make([]byte, 32)
	rand.Read(key)
	block, _ := aes.NewCipher(key)
	old, _ := cipher.NewGCM(block)
	nonce := make([]byte, 12)
	rand.Read(nonce)
	sealed := old.Seal(nonce, nonce, []byte("totp secret"), []byte("totp:7"))
	aead, err := newAEAD(key)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := openAEAD(aead, "totp:7", sealed); err != nil || !bytes.Equal(got, []byte("totp secret")) {
		t.Fatalf("open an old seal: %q, %v", got, err)
	}
	if _, err := openAEAD(aead, "totp:8", sealed); err == nil {
		t.Fatal("a seal opened under another label")
	}
}

// TestFIPSBuild: CI builds the tests with GOFIPS140=v1.0.0 and sets
// CITDESK_REQUIRE_FIPS=v1.0.0; the binary must then run in FIPS 140-3
// mode on that frozen, validated module.
func TestFIPSBuild(t *testing.T) {
	want := os.Getenv("CITDESK_REQUIRE_FIPS")
	if want == "" {
		t.Skip("set CITDESK_REQUIRE_FIPS=v1.0.0 with GOFIPS140=v1.0.0 to check the FIPS build")
	}
	if !fips140.Enabled() || fips140.Version() != want {
		t.Fatalf("FIPS 140-3 mode %v, module %s; want on, %s", fips140.Enabled(), fips140.Version(), want)
	}
}

// BenchmarkOpenText: opening one sealed name.
func BenchmarkOpenText(b *testing.B) {
	kek, _ := GenerateFieldKey()
	k := testRing(b, kek)
	s, _ := k.sealText(colPersonLast, "Quillfeather")
	for b.Loop() {
		if _, err := k.openText(colPersonLast, s); err != nil {
			b.Fatal(err)
		}
	}
}
