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
	secret, created, err := loadKeyFile(path, "audit key", citdesk.AuditKeySize)
	if err != nil {
		return nil, false, err
	}
	key, err = citdesk.NewAuditKey(secret)
	if err != nil {
		return nil, false, fmt.Errorf("audit key %s: %w", path, err)
	}
	return key, created, nil
}

// loadKeyFile reads the size-byte secret at path, or makes one there (mode
// 0600, its directory 0700) when no file exists, reporting whether it did.
// what ("audit key", "field key") names the key in errors. A file others
// may read or write, or of another size, is refused.
func loadKeyFile(path, what string, size int) (secret []byte, created bool, err error) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return createKeyFile(path, what, size)
	case err != nil:
		return nil, false, fmt.Errorf("%s: %w", what, err)
	case !fi.Mode().IsRegular():
		return nil, false, fmt.Errorf("%s %s is not a regular file", what, path)
	case fi.Mode().Perm()&0o077 != 0:
		return nil, false, fmt.Errorf("%s %s has mode %04o: only its owner may read it (chmod 600 %s)", what, path, fi.Mode().Perm(), path)
	case fi.Size() != int64(size):
		return nil, false, fmt.Errorf("%s %s is %d bytes, not %d: it is not a citdesk %s", what, path, fi.Size(), size, what)
	}
	secret, err = os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", what, err)
	}
	return secret, false, nil
}

func createKeyFile(path, what string, size int) ([]byte, bool, error) {
	secret := make([]byte, size)
	if _, err := rand.Read(secret); err != nil {
		return nil, false, fmt.Errorf("%s: %w", what, err)
	}
	err := writeKeyFile(path, what, secret)
	if errors.Is(err, fs.ErrExist) {
		// O_EXCL: two processes starting at once cannot both make a key.
		s, _, err := loadKeyFile(path, what, size)
		return s, false, err
	} else if err != nil {
		return nil, false, err
	}
	return secret, true, nil
}

// writeKeyFile writes secret to a new file at path (mode 0600, its
// directory 0700); an existing file is never overwritten (fs.ErrExist).
func writeKeyFile(path, what string, secret []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("%s directory: %w", what, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return err
	} else if err != nil {
		return fmt.Errorf("create %s: %w", what, err)
	}
	_, werr := f.Write(secret)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		// A half-written key must not be taken for the key next start.
		return fmt.Errorf("write %s: %w", what, errors.Join(err, os.Remove(path)))
	}
	return nil
}
