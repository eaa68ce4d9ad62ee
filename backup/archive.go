package backup

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Format is the version of the backup format this package writes.
const Format = 1

// Manifest describes a backup: what made it, the schema, how many rows
// each table held, and the checksum of the database copy.
type Manifest struct {
	Format         int              `json:"format"`
	CitdeskVersion string           `json:"citdesk_version"`
	Engine         string           `json:"engine"`
	Schema         string           `json:"schema"`     // the last migration applied
	Migrations     []string         `json:"migrations"` // every migration applied, in order
	CreatedAt      time.Time        `json:"created_at"`
	KeyID          string           `json:"key_id"`
	AuditSeq       int64            `json:"audit_seq"` // the audit chain's head in the copy
	Tables         map[string]int64 `json:"tables"`    // rows per table
	Size           int64            `json:"size"`      // bytes of the database copy
	SHA256         string           `json:"sha256"`    // of the database copy
}

const (
	manifestName = "manifest.json"
	databaseName = "citdesk.db"
	maxManifest  = 1 << 20
)

// Write writes a backup of the SQLite file at dbPath, described by m, to
// w, encrypted with k. It fills m's Format, KeyID, Size and SHA256.
func Write(w io.Writer, k *Key, m *Manifest, dbPath string) error {
	f, err := os.Open(dbPath)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("checksum: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	m.Format, m.KeyID, m.Size, m.SHA256 = Format, k.ID(), size, hex.EncodeToString(h.Sum(nil))
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	enc, err := newEncryptWriter(w, k)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(enc, gzip.DefaultCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(zw)
	mod := m.CreatedAt
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(manifest)), ModTime: mod}); err != nil {
		return err
	}
	if _, err := tw.Write(manifest); err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: databaseName, Mode: 0o600, Size: size, ModTime: mod}); err != nil {
		return err
	}
	if n, err := io.Copy(tw, f); err != nil {
		return fmt.Errorf("write database copy: %w", err)
	} else if n != size {
		return fmt.Errorf("the database copy changed while it was written (%d bytes, then %d)", size, n)
	}
	return errors.Join(tw.Close(), zw.Close(), enc.Close())
}

// Read decrypts the backup in r with k, writes its database copy to db and
// returns its manifest. It returns an error wrapping ErrWrongKey,
// ErrDamaged or ErrTruncated when the file is refused, and checks the
// copy's size and SHA-256 against the manifest; what it wrote to db must
// be thrown away unless it returns nil.
func Read(r io.Reader, k *Key, db io.Writer) (*Manifest, error) {
	dec, err := newDecryptReader(r, k)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(dec)
	if err != nil {
		return nil, wrapFormat(err)
	}
	tr := tar.NewReader(zr)
	hdr, err := tr.Next()
	if err != nil {
		return nil, wrapFormat(err)
	}
	if hdr.Name != manifestName || hdr.Size > maxManifest {
		return nil, fmt.Errorf("%w: it does not start with a manifest", ErrDamaged)
	}
	var m Manifest
	if err := json.NewDecoder(io.LimitReader(tr, maxManifest)).Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: manifest: %v", ErrDamaged, err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("backup format %d: this citdesk reads format %d", m.Format, Format)
	}
	if hdr, err = tr.Next(); err != nil {
		return nil, wrapFormat(err)
	}
	if hdr.Name != databaseName || hdr.Size != m.Size {
		return nil, fmt.Errorf("%w: the database copy is missing or not the size the manifest says", ErrDamaged)
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(db, h), tr); err != nil {
		return nil, wrapFormat(err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != m.SHA256 {
		return nil, fmt.Errorf("%w: the database copy's SHA-256 is %s, the manifest says %s", ErrDamaged, got, m.SHA256)
	}
	if _, err := tr.Next(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: unexpected content after the database copy", ErrDamaged)
	}
	// Read to the end, so the last chunk is authenticated too.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return nil, wrapFormat(err)
	}
	if _, err := io.Copy(io.Discard, dec); err != nil {
		return nil, wrapFormat(err)
	}
	return &m, nil
}

// wrapFormat passes on the refusals of the decrypting reader and calls
// anything else (bad gzip or tar inside authenticated chunks) damage.
func wrapFormat(err error) error {
	if errors.Is(err, ErrTruncated) || errors.Is(err, ErrDamaged) || errors.Is(err, ErrWrongKey) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrDamaged, err)
}
