// Package backup reads and writes citdesk's backup files: a manifest and a
// copy of the SQLite database, in a gzip-compressed tar, encrypted with
// AES-256-GCM under the agency's backup key in authenticated chunks, so a
// wrong key, an altered byte or a truncated file is refused before any of
// it is used.
package backup

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length in bytes of a backup key.
const KeySize = 32

// EnvKey is the environment variable that may hold the backup key itself,
// base64-encoded, instead of a key file.
const EnvKey = "CITDESK_BACKUP_KEY"

// Key is the secret backups are encrypted with. It is kept apart from the
// database and from the backups, so a stolen backup alone reveals nothing.
type Key struct {
	secret []byte
	id     string
}

// NewKey returns the key made from secret, which must be KeySize bytes.
func NewKey(secret []byte) (*Key, error) {
	if len(secret) != KeySize {
		return nil, fmt.Errorf("a backup key is %d bytes, not %d", KeySize, len(secret))
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("citdesk backup key id v1"))
	return &Key{secret: append([]byte(nil), secret...), id: hex.EncodeToString(m.Sum(nil)[:8])}, nil
}

// ID names the key without revealing it; every backup file carries the
// ID of the key it was made with, so a wrong key is named as such.
func (k *Key) ID() string { return k.id }

// LoadKey returns the backup key from the file at path, or, when path is
// "", from the base64 value of env (normally CITDESK_BACKUP_KEY). A key
// file others may read is refused.
func LoadKey(path, env string) (*Key, error) {
	if path == "" {
		v := strings.TrimSpace(env)
		if v == "" {
			return nil, errors.New("no backup key: give --backup-key-file FILE or set " + EnvKey + " (make one with `citdesk backup keygen --out FILE`)")
		}
		secret, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, fmt.Errorf("%s is not base64: %w", EnvKey, err)
		}
		k, err := NewKey(secret)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvKey, err)
		}
		return k, nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("backup key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("backup key %s has mode %04o: only its owner may read it (chmod 600 %s)", path, fi.Mode().Perm(), path)
	}
	secret, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("backup key: %w", err)
	}
	k, err := NewKey(secret)
	if err != nil {
		return nil, fmt.Errorf("backup key %s: %w", path, err)
	}
	return k, nil
}

// MakeKeyFile writes a new random backup key to path (mode 0600), which
// must not exist, and returns it.
func MakeKeyFile(path string) (*Key, error) {
	secret := make([]byte, KeySize)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("backup key directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("%s already exists: a backup key is never overwritten (the backups made with it would be lost)", path)
	} else if err != nil {
		return nil, fmt.Errorf("create backup key: %w", err)
	}
	_, werr := f.Write(secret)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return nil, fmt.Errorf("write backup key: %w", errors.Join(err, os.Remove(path)))
	}
	return NewKey(secret)
}
