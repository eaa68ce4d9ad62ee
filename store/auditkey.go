package store

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"citdesk"
)

// AuditKeyFile is the name of the audit key in the data directory, where
// an SQLite database keeps it unless told otherwise.
const AuditKeyFile = "audit.key"

// LoadAuditKey reads the audit key at path, or makes one there (mode 0600,
// its directory 0700) when no file exists, reporting whether it did. It
// refuses a key file that others may read or write, or that is not
// citdesk.AuditKeySize bytes: such a key cannot be trusted to be secret,
// or is not the key the chain was written with.
func LoadAuditKey(path string) (key *citdesk.AuditKey, created bool, err error) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return createAuditKey(path)
	case err != nil:
		return nil, false, fmt.Errorf("audit key: %w", err)
	case !fi.Mode().IsRegular():
		return nil, false, fmt.Errorf("audit key %s is not a regular file", path)
	case fi.Mode().Perm()&0o077 != 0:
		return nil, false, fmt.Errorf("audit key %s has mode %04o: only its owner may read it (chmod 600 %s)", path, fi.Mode().Perm(), path)
	case fi.Size() != citdesk.AuditKeySize:
		return nil, false, fmt.Errorf("audit key %s is %d bytes, not %d: it is not an audit key", path, fi.Size(), citdesk.AuditKeySize)
	}
	secret, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("audit key: %w", err)
	}
	key, err = citdesk.NewAuditKey(secret)
	if err != nil {
		return nil, false, fmt.Errorf("audit key %s: %w", path, err)
	}
	return key, false, nil
}

func createAuditKey(path string) (*citdesk.AuditKey, bool, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("audit key directory: %w", err)
	}
	secret := make([]byte, citdesk.AuditKeySize)
	if _, err := rand.Read(secret); err != nil {
		return nil, false, fmt.Errorf("audit key: %w", err)
	}
	// O_EXCL: two processes starting at once cannot both make a key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		k, _, err := LoadAuditKey(path)
		return k, false, err
	} else if err != nil {
		return nil, false, fmt.Errorf("create audit key: %w", err)
	}
	_, werr := f.Write(secret)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		// A half-written key must not be taken for the key next start.
		return nil, false, fmt.Errorf("write audit key: %w", errors.Join(err, os.Remove(path)))
	}
	key, err := citdesk.NewAuditKey(secret)
	return key, true, err
}
