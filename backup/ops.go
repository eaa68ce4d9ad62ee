package backup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"citdesk"
	"citdesk/store"
)

// Options are what Create needs besides the database and the key.
type Options struct {
	// Version is the citdesk version written into the manifest.
	Version string
	// TempDir holds the plaintext snapshot while it is encrypted: the data
	// directory, never the backup destination (which may be a share).
	TempDir string
	// Remote names who asked, in the audit event: "cli" or "scheduler".
	Remote string
}

// Create writes an encrypted backup of db to the file to, which must not
// exist: a consistent snapshot taken while citdesk serves, checked with
// SQLite's integrity check, described by a manifest, compressed and
// encrypted with k. The file appears under its name only when complete;
// the backup is recorded in the audit trail.
func Create(ctx context.Context, db *store.DB, to string, k *Key, o Options) (*Manifest, error) {
	if db.Engine() != "sqlite" {
		return nil, store.ErrBackupPostgres
	}
	if _, err := os.Lstat(to); !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s already exists: a backup never overwrites a file", to)
	}
	tmp, err := os.MkdirTemp(o.TempDir, ".backup-")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmp)
	snap := filepath.Join(tmp, databaseName)
	if err := db.Snapshot(ctx, snap); err != nil {
		return nil, err
	}
	if err := store.CheckFile(ctx, snap); err != nil {
		return nil, fmt.Errorf("the snapshot fails its check, so no backup was written: %w", err)
	}
	inv, err := store.InspectFile(ctx, snap)
	if err != nil {
		return nil, err
	}
	m := &Manifest{CitdeskVersion: o.Version, Engine: "sqlite", Schema: inv.Schema(), Migrations: inv.Migrations,
		CreatedAt: db.Clock.Now().UTC(), AuditSeq: inv.AuditSeq, Tables: inv.Tables}
	if err := writeFile(to, func(f *os.File) error { return Write(f, k, m, snap) }); err != nil {
		return nil, err
	}
	err = db.AuditService().Record(ctx, &citdesk.AuditEvent{Actor: "operator", Remote: cmpOr(o.Remote, "cli"), Action: "backup.create", ObjectType: "backup",
		ObjectID: filepath.Base(to), Detail: fmt.Sprintf("audit_seq=%d schema=%s sha256=%s key=%s", m.AuditSeq, filepath.Base(m.Schema), m.SHA256, m.KeyID)})
	return m, err
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// writeFile writes path through a temporary name beside it, synced before
// it is renamed, so a crash never leaves a half-written file under path.
func writeFile(path string, fn func(f *os.File) error) error {
	partial := path + ".partial"
	f, err := os.OpenFile(partial, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	err = fn(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(partial, path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, errors.Join(err, os.Remove(partial)))
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Restored is what Restore did.
type Restored struct {
	Manifest *Manifest
	// Migrated are the migrations applied to a backup made by an older
	// citdesk.
	Migrated []string
	// AuditEvents is how many events of the restored trail verified.
	AuditEvents int64
}

// Restore restores the backup file from into dataDir, which must hold no
// database (key files may be there already). It decrypts and checks the
// file (key, authentication, checksum), runs SQLite's integrity and
// foreign key checks, compares every table's row count with the manifest,
// applies migrations when the backup is older than this citdesk (and
// refuses one from a newer citdesk), and verifies the whole audit chain
// with the audit key at auditKeyPath; the database's encrypted fields
// must open with fieldKey (the backup holds them encrypted, and never the
// key). Only then does the database appear in dataDir as citdesk.db; on
// any refusal dataDir is left as it was.
func Restore(ctx context.Context, from, dataDir string, k *Key, auditKeyPath string, fieldKey *store.FieldKey) (*Restored, error) {
	if err := checkEmpty(dataDir); err != nil {
		return nil, err
	}
	if fieldKey == nil {
		return nil, errors.New("the field key the database's encrypted fields are under is needed (--field-key-file or CITDESK_FIELD_KEY): a backup never holds it")
	}
	if _, err := os.Stat(auditKeyPath); err != nil {
		return nil, fmt.Errorf("the audit key the trail was chained with is needed to verify it (%v): put the audit.key you keep apart from the backups at %s, or give --audit-key-file", err, auditKeyPath)
	}
	auditKey, _, err := store.LoadAuditKey(auditKeyPath)
	if err != nil {
		return nil, err
	}
	in, err := os.Open(from)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer in.Close()
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	tmp, err := os.MkdirTemp(dataDir, ".restore-")
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(tmp)
	dbPath := filepath.Join(tmp, databaseName)
	var m *Manifest
	err = writeFile(dbPath, func(f *os.File) error {
		var err error
		m, err = Read(in, k, f)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("refused %s: %w", from, unwrapWrite(err))
	}
	if err := store.CheckFile(ctx, dbPath); err != nil {
		return nil, fmt.Errorf("refused %s: %w", from, err)
	}
	inv, err := store.InspectFile(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	if !maps.Equal(inv.Tables, m.Tables) || inv.AuditSeq != m.AuditSeq || inv.Schema() != m.Schema {
		return nil, fmt.Errorf("refused %s: the database copy does not hold what its manifest lists (tables, row counts, audit head or schema differ)", from)
	}
	res := &Restored{Manifest: m}
	if res.Migrated, err = store.PendingMigrations(ctx, dbPath); err != nil {
		return nil, fmt.Errorf("refused %s: %w", from, err)
	}
	db, err := store.Open(ctx, dbPath, store.WithKeys(auditKey, fieldKey))
	if err != nil {
		return nil, fmt.Errorf("refused %s: %w", from, err)
	}
	br, n, err := db.AuditService().VerifyAudit(ctx)
	if err == nil && br != nil {
		err = fmt.Errorf("refused %s: the restored audit trail breaks at event %d: %s", from, br.Seq, br.Reason)
	}
	if err == nil {
		res.AuditEvents = n
		err = db.AuditService().Record(ctx, &citdesk.AuditEvent{Actor: "operator", Remote: "cli", Action: "backup.restore", ObjectType: "backup",
			ObjectID: filepath.Base(from), Detail: fmt.Sprintf("audit_seq=%d schema=%s sha256=%s made=%s", m.AuditSeq, filepath.Base(m.Schema), m.SHA256, m.CreatedAt.Format(time.RFC3339))})
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	for _, suffix := range []string{"-wal", "-shm", ""} {
		src := dbPath + suffix
		if _, err := os.Stat(src); err != nil {
			continue
		}
		if err := os.Rename(src, filepath.Join(dataDir, databaseName+suffix)); err != nil {
			return nil, fmt.Errorf("restore: %w", err)
		}
	}
	return res, nil
}

// unwrapWrite drops writeFile's "write PATH:" prefix from a refusal of
// the file, which is about the backup rather than the file written.
func unwrapWrite(err error) error {
	for _, e := range []error{ErrWrongKey, ErrDamaged, ErrTruncated} {
		if errors.Is(err, e) {
			msg := err.Error()
			if i := strings.Index(msg, e.Error()); i >= 0 {
				return fmt.Errorf("%w%s", e, msg[i+len(e.Error()):])
			}
		}
	}
	return err
}

// checkEmpty refuses a data directory that holds anything but key files:
// a restore never replaces or mixes with a database.
func checkEmpty(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".key") {
			continue
		}
		return fmt.Errorf("%s is not empty (it holds %s): restore only into an empty directory (key files such as audit.key may be there); move the old data away first", dir, e.Name())
	}
	return nil
}

// FilePrefix and FileSuffix frame the names of scheduled backups:
// citdesk-20261206T020000.000Z.cdbk.
const (
	FilePrefix = "citdesk-"
	FileSuffix = ".cdbk"
)

// FileName is the name of a scheduled backup made at t; names sort by time.
func FileName(t time.Time) string {
	return FilePrefix + t.UTC().Format("20060102T150405.000Z") + FileSuffix
}

// Prune removes all but the newest keep scheduled backups in dir and
// returns the names removed. Other files are left alone.
func Prune(dir string, keep int) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); e.Type().IsRegular() && strings.HasPrefix(n, FilePrefix) && strings.HasSuffix(n, FileSuffix) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	if len(names) <= keep {
		return nil, nil
	}
	removed := names[:len(names)-keep]
	for _, n := range removed {
		if err := os.Remove(filepath.Join(dir, n)); err != nil {
			return nil, err
		}
	}
	return removed, nil
}

// Schedule is the backups serve makes by itself (--backup-every).
type Schedule struct {
	DB    *store.DB
	Key   *Key
	Dir   string        // where backups go
	Every time.Duration // how often
	Keep  int           // how many to keep, newest first
	Opts  Options
	Log   *slog.Logger
}

// Run makes a backup every s.Every until ctx ends, pruning to the newest
// s.Keep after each; a failed backup is logged and tried again next time.
func (s Schedule) Run(ctx context.Context) {
	t := time.NewTicker(s.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.Once(ctx); err != nil && ctx.Err() == nil {
			s.Log.Error("scheduled backup failed", "err", err)
		}
	}
}

// Once makes one scheduled backup and prunes the old ones.
func (s Schedule) Once(ctx context.Context) (string, error) {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(s.Dir, FileName(s.DB.Clock.Now()))
	o := s.Opts
	o.Remote = "scheduler"
	start := time.Now()
	m, err := Create(ctx, s.DB, path, s.Key, o)
	if err != nil {
		return "", err
	}
	removed, err := Prune(s.Dir, s.Keep)
	if err != nil {
		return path, fmt.Errorf("prune old backups: %w", err)
	}
	s.Log.Info("backup written", "file", path, "bytes_in_database", m.Size, "audit_seq", m.AuditSeq, "took", time.Since(start).Round(time.Millisecond).String(), "removed", len(removed))
	return path, nil
}
