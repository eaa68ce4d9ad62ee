package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"

	"citdesk"
)

// Encryption at rest, per field (issue 14). The key hierarchy has two
// levels:
//
//   - the key-encryption key (FieldKey) lives outside the database, in a
//     file (field.key, mode 0600) or the CITDESK_FIELD_KEY environment
//     variable, and never enters it;
//   - data keys, kept in the field_keys table wrapped (AES-256-GCM) by the
//     key-encryption key, seal the fields; each sealed value names the
//     data key it was sealed with, so rotation adds a data key and old
//     values still open. One index key makes the keyed hashes (HMAC-SHA256)
//     that equality lookups use instead of the value (address_key).
//
// Every seal in the store — these fields, and TOTP secrets and webhook keys
// under the MFA key (DB.seal) — is sealAEAD: AES-256-GCM with a random
// nonce and a label as authenticated data, so a sealed value copied to
// another column (or, for secrets, another row) does not open.

// FieldKeySize is the size of the key-encryption key: AES-256.
const FieldKeySize = 32

// FieldKeyFile is the name of the key-encryption key in the data directory,
// where an SQLite database keeps it unless told otherwise.
const FieldKeyFile = "field.key"

// FieldKey is the key-encryption key that wraps the database's data keys.
type FieldKey struct {
	secret []byte
	id     string
}

// NewFieldKey returns the key-encryption key made of secret
// (FieldKeySize bytes).
func NewFieldKey(secret []byte) (*FieldKey, error) {
	if len(secret) != FieldKeySize {
		return nil, fmt.Errorf("a field key is %d bytes, not %d", FieldKeySize, len(secret))
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("citdesk field key id"))
	return &FieldKey{secret: append([]byte(nil), secret...), id: hex.EncodeToString(m.Sum(nil))[:16]}, nil
}

// ID names the key without revealing it: the database records which key
// wrapped its data keys, so a wrong key is refused by name at start-up.
func (k *FieldKey) ID() string { return k.id }

// Encode returns the key as the CITDESK_FIELD_KEY environment variable
// holds it (standard base64).
func (k *FieldKey) Encode() string { return base64.StdEncoding.EncodeToString(k.secret) }

// GenerateFieldKey makes a new random key-encryption key.
func GenerateFieldKey() (*FieldKey, error) {
	b := make([]byte, FieldKeySize)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return NewFieldKey(b)
}

// ParseFieldKey reads a key-encryption key as CITDESK_FIELD_KEY holds it:
// 32 bytes in standard base64 (or 64 hexadecimal digits).
func ParseFieldKey(s string) (*FieldKey, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == FieldKeySize {
		return NewFieldKey(b)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != FieldKeySize {
		return nil, fmt.Errorf("a field key is %d bytes in base64 (44 characters) or hexadecimal (64 digits)", FieldKeySize)
	}
	return NewFieldKey(b)
}

// LoadFieldKey reads the key-encryption key at path, or makes one there
// (mode 0600, its directory 0700) when no file exists, reporting whether
// it did. A file others may read, or of the wrong size, is refused.
func LoadFieldKey(path string) (key *FieldKey, created bool, err error) {
	secret, created, err := loadKeyFile(path, "field key", FieldKeySize)
	if err != nil {
		return nil, false, err
	}
	key, err = NewFieldKey(secret)
	return key, created, err
}

// WriteFieldKey writes k to a new file at path (mode 0600); it never
// overwrites a file.
func WriteFieldKey(path string, k *FieldKey) error {
	err := writeKeyFile(path, "field key", k.secret)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists already: a field key is never overwritten (move it away first)", path)
	}
	return err
}

// WithFieldKey seals the database's sensitive fields under data keys
// wrapped by k. PostgreSQL needs it; SQLite without it uses field.key in
// the database's directory, making it on first use.
func WithFieldKey(k *FieldKey) Option {
	return func(o *openOptions) { o.fieldKey = k }
}

// WithKeys opens the database with both keys that live outside it: the
// audit key (WithAuditKey) and the field key (WithFieldKey).
func WithKeys(audit *citdesk.AuditKey, field *FieldKey) Option {
	return func(o *openOptions) { o.auditKey, o.fieldKey = audit, field }
}

// ErrWrongFieldKey is returned by Open when the key-encryption key given
// is not the one the database's data keys are wrapped with.
var ErrWrongFieldKey = errors.New("wrong field key")

// newAEAD returns AES-256-GCM under key, its 96-bit nonces drawn at
// random inside the Go Cryptographic Module: the form FIPS 140-3 approves
// (IG C.H, scenario 2), so sealing works in GODEBUG=fips140=only mode. A
// sealed value is the nonce, the ciphertext and the tag, as cipher.NewGCM
// with a random nonce wrote them, so values sealed before still open.
func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, errors.New("an AES-256 key is 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCMWithRandomNonce(block)
}

// sealAEAD encrypts plain under aead (newAEAD: a fresh random nonce each
// time), bound to label as authenticated data; the result is the nonce,
// the ciphertext and the tag.
func sealAEAD(aead cipher.AEAD, label string, plain []byte) ([]byte, error) {
	return aead.Seal(make([]byte, 0, len(plain)+aead.Overhead()), nil, plain, []byte(label)), nil
}

// openAEAD opens what sealAEAD made for label.
func openAEAD(aead cipher.AEAD, label string, sealed []byte) ([]byte, error) {
	if len(sealed) < aead.Overhead() {
		return nil, errors.New("too short")
	}
	return aead.Open(nil, nil, sealed, []byte(label))
}

// A sealed text field is textPrefix, the data key's id, ':' and the nonce
// and ciphertext in unpadded base64; a sealed byte field is bytesMagic,
// the id (8 bytes, big-endian), the nonce and the ciphertext. The empty
// value is stored as it is: that a field is empty is not a secret.
const textPrefix = "enc:v1:"

var bytesMagic = []byte("CDE1")

// sealedBytesOverhead is what sealing adds to a byte field: the magic, the
// key id, the GCM nonce and tag.
const sealedBytesOverhead = 4 + 8 + 12 + 16

// fieldKeys is the database's key ring: the key-encryption key and the
// data keys it unwrapped, by id.
type fieldKeys struct {
	read    *sql.DB // loads a data key another process added (rotation)
	dialect dialect

	mu      sync.RWMutex
	kek     *FieldKey
	data    map[int64]cipher.AEAD
	current int64
	index   []byte
}

// fieldKeyRow is a row of field_keys.
type fieldKeyRow struct {
	id                 int64
	purpose            string
	wrapped, kekID     string
	prevWrapped, prevK string
	current            bool
}

func wrapLabel(id int64, purpose string) string {
	return "field_key:" + strconv.FormatInt(id, 10) + ":" + purpose
}

func wrapKey(kek *FieldKey, id int64, purpose string, key []byte) (string, error) {
	aead, err := newAEAD(kek.secret)
	if err != nil {
		return "", err
	}
	sealed, err := sealAEAD(aead, wrapLabel(id, purpose), key)
	return base64.RawStdEncoding.EncodeToString(sealed), err
}

func unwrapKey(kek *FieldKey, id int64, purpose, wrapped string) ([]byte, error) {
	raw, err := base64.RawStdEncoding.DecodeString(wrapped)
	if err != nil {
		return nil, fmt.Errorf("data key %d is malformed", id)
	}
	aead, err := newAEAD(kek.secret)
	if err != nil {
		return nil, err
	}
	key, err := openAEAD(aead, wrapLabel(id, purpose), raw)
	if err != nil {
		return nil, fmt.Errorf("%w: data key %d does not open with field key %s", ErrWrongFieldKey, id, kek.ID())
	}
	return key, nil
}

func readFieldKeyRows(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, d dialect) ([]fieldKeyRow, error) {
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT id, purpose, wrapped, kek_id, previous_wrapped, previous_kek_id, is_current FROM field_keys ORDER BY id`))
	if err != nil {
		return nil, fmt.Errorf("read field keys: %w", err)
	}
	defer rows.Close()
	var out []fieldKeyRow
	for rows.Next() {
		var r fieldKeyRow
		if err := rows.Scan(&r.id, &r.purpose, &r.wrapped, &r.kekID, &r.prevWrapped, &r.prevK, &r.current); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// loadFieldKeys reads the data keys, making the first data key and the
// index key when the database has none, and unwraps them with kek. A kek
// that wraps none of them is refused with both key ids named.
func (db *DB) loadFieldKeys(ctx context.Context, kek *FieldKey) error {
	k := &fieldKeys{read: db.read, dialect: db.dialect, kek: kek}
	rows, err := readFieldKeyRows(ctx, db.write, db.dialect)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		if err := db.makeFirstFieldKeys(ctx, kek); err != nil {
			return err
		}
		if rows, err = readFieldKeyRows(ctx, db.write, db.dialect); err != nil {
			return err
		}
	}
	if err := k.install(rows); err != nil {
		return err
	}
	db.fields = k
	return nil
}

// makeFirstFieldKeys adds the index key (id 1) and the first data key
// (id 2). Two replicas starting at once both try; the primary key keeps
// one pair, and the loser reads it.
func (db *DB) makeFirstFieldKeys(ctx context.Context, kek *FieldKey) error {
	return db.writeTx(ctx, func(tx *Tx) error {
		for _, k := range []struct {
			id      int64
			purpose string
		}{{1, "index"}, {2, "data"}} {
			key := make([]byte, 32)
			if _, err := rand.Read(key); err != nil {
				return err
			}
			w, err := wrapKey(kek, k.id, k.purpose, key)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO field_keys (id, purpose, wrapped, kek_id, is_current, created_at) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (id) DO NOTHING`, k.id, k.purpose, w, kek.ID(), k.purpose == "data", micros(tx.now)); err != nil {
				return fmt.Errorf("make field key: %w", err)
			}
		}
		return nil
	})
}

// install unwraps rows into the ring, with its key-encryption key or, for
// a process started before the last rotation, the previous one.
func (k *fieldKeys) install(rows []fieldKeyRow) error {
	data := map[int64]cipher.AEAD{}
	var current int64
	var index []byte
	for _, r := range rows {
		wrapped := r.wrapped
		switch k.kek.ID() {
		case r.kekID:
		case r.prevK:
			wrapped = r.prevWrapped
		default:
			return fmt.Errorf("%w: this database's encrypted fields are under field key %s, and the key given is %s. Start citdesk with the key the data was encrypted with (--field-key-file, or CITDESK_FIELD_KEY); without it the encrypted fields cannot be read by anyone", ErrWrongFieldKey, r.kekID, k.kek.ID())
		}
		key, err := unwrapKey(k.kek, r.id, r.purpose, wrapped)
		if err != nil {
			return err
		}
		if r.purpose == "index" {
			index = key
			continue
		}
		if data[r.id], err = newAEAD(key); err != nil {
			return err
		}
		if r.current {
			current = r.id
		}
	}
	if index == nil || current == 0 {
		return errors.New("field_keys has no index key or no current data key")
	}
	k.mu.Lock()
	k.data, k.current, k.index = data, current, index
	k.mu.Unlock()
	return nil
}

// reload reads field_keys again: a value sealed with a data key this
// process has not seen was written after a rotation by another process.
func (k *fieldKeys) reload(ctx context.Context) error {
	rows, err := readFieldKeyRows(ctx, k.read, k.dialect)
	if err != nil {
		return err
	}
	return k.install(rows)
}

// aead returns data key id, reloading the ring once if it is unknown.
func (k *fieldKeys) aead(id int64) (cipher.AEAD, error) {
	k.mu.RLock()
	a := k.data[id]
	k.mu.RUnlock()
	if a != nil {
		return a, nil
	}
	if err := k.reload(context.Background()); err != nil {
		return nil, err
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	if a = k.data[id]; a == nil {
		return nil, fmt.Errorf("no data key %d", id)
	}
	return a, nil
}

func (k *fieldKeys) currentKey() (int64, cipher.AEAD) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.current, k.data[k.current]
}

// fieldLabel is the authenticated data of column col ("persons.phone").
func fieldLabel(col string) string { return "field:" + col }

// sealText seals s for column col under the current data key.
func (k *fieldKeys) sealText(col, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	id, aead := k.currentKey()
	sealed, err := sealAEAD(aead, fieldLabel(col), []byte(s))
	if err != nil {
		return "", err
	}
	return textPrefix + strconv.FormatInt(id, 10) + ":" + base64.RawStdEncoding.EncodeToString(sealed), nil
}

// textKeyID returns the data key a sealed text names; ok is false for a
// value that is not sealed text.
func textKeyID(s string) (id int64, body string, ok bool) {
	rest, ok := strings.CutPrefix(s, textPrefix)
	if !ok {
		return 0, "", false
	}
	n, body, ok := strings.Cut(rest, ":")
	if !ok {
		return 0, "", false
	}
	id, err := strconv.ParseInt(n, 10, 64)
	return id, body, err == nil
}

// openText opens what sealText made for col. A value that is not sealed
// is refused: every write seals, and start-up seals what an older citdesk
// wrote.
func (k *fieldKeys) openText(col, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	id, body, ok := textKeyID(s)
	if !ok {
		return "", fmt.Errorf("%s holds a value that is not encrypted", col)
	}
	raw, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil {
		return "", fmt.Errorf("%s holds a malformed encrypted value", col)
	}
	aead, err := k.aead(id)
	if err != nil {
		return "", fmt.Errorf("%s: %w", col, err)
	}
	plain, err := openAEAD(aead, fieldLabel(col), raw)
	if err != nil {
		return "", fmt.Errorf("%s does not open with data key %d (altered, or copied from another column)", col, id)
	}
	return string(plain), nil
}

// sealBytes seals b for column col under the current data key.
func (k *fieldKeys) sealBytes(col string, b []byte) ([]byte, error) {
	if len(b) == 0 {
		return b, nil
	}
	id, aead := k.currentKey()
	sealed, err := sealAEAD(aead, fieldLabel(col), b)
	if err != nil {
		return nil, err
	}
	out := append(append([]byte(nil), bytesMagic...), binary.BigEndian.AppendUint64(nil, uint64(id))...)
	return append(out, sealed...), nil
}

func bytesKeyID(b []byte) (int64, bool) {
	if len(b) < len(bytesMagic)+8 || string(b[:len(bytesMagic)]) != string(bytesMagic) {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(b[len(bytesMagic):])), true
}

// openBytes opens what sealBytes made for col.
func (k *fieldKeys) openBytes(col string, b []byte) ([]byte, error) {
	if len(b) == 0 {
		return b, nil
	}
	id, ok := bytesKeyID(b)
	if !ok {
		return nil, fmt.Errorf("%s holds a value that is not encrypted", col)
	}
	aead, err := k.aead(id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", col, err)
	}
	plain, err := openAEAD(aead, fieldLabel(col), b[len(bytesMagic)+8:])
	if err != nil {
		return nil, fmt.Errorf("%s does not open with data key %d (altered, or copied from another column)", col, id)
	}
	return plain, nil
}

// blind returns the keyed hash (HMAC-SHA256 under the index key) of a
// normalized value for an equality lookup in column col, so the database
// can match two equal values without holding either; "" stays "".
func (k *fieldKeys) blind(col, normalized string) string {
	if normalized == "" {
		return ""
	}
	k.mu.RLock()
	m := hmac.New(sha256.New, k.index)
	k.mu.RUnlock()
	m.Write([]byte(col))
	m.Write([]byte{0})
	m.Write([]byte(normalized))
	return "h1:" + hex.EncodeToString(m.Sum(nil))
}

// sealer seals the values of one write, keeping the first error, so an
// INSERT's argument list reads as the values it writes.
type sealer struct {
	k   *fieldKeys
	err error
}

func (k *fieldKeys) sealer() *sealer { return &sealer{k: k} }

// text returns s sealed for col.
func (s *sealer) text(col, v string) string {
	out, err := s.k.sealText(col, v)
	if err != nil && s.err == nil {
		s.err = fmt.Errorf("encrypt %s: %w", col, err)
	}
	return out
}

// openedText is a sql.Scanner that opens a sealed text column into dst.
type openedText struct {
	k   *fieldKeys
	col string
	dst *string
}

// text returns a scan destination that opens column col into dst.
func (k *fieldKeys) text(col string, dst *string) openedText {
	return openedText{k: k, col: col, dst: dst}
}

// Scan implements sql.Scanner.
func (o openedText) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("%s: unexpected %T", o.col, src)
	}
	plain, err := o.k.openText(o.col, s)
	if err != nil {
		return err
	}
	*o.dst = plain
	return nil
}
