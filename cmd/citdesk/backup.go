package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"citdesk/backup"
	"citdesk/store"
)

const backupUsage = "usage: citdesk backup --to FILE [--backup-key-file FILE] | citdesk backup keygen --out FILE | citdesk restore --from FILE --data DIR [--backup-key-file FILE] [--audit-key-file FILE] [--field-key-file FILE]"

// backupKeyFlag registers --backup-key-file; the key may instead come, as
// base64, from CITDESK_BACKUP_KEY.
func backupKeyFlag(fs *flag.FlagSet, path *string) {
	fs.StringVar(path, "backup-key-file", "", "file holding the 32-byte backup key (make one with `citdesk backup keygen`); without it, $"+backup.EnvKey+" holds the key in base64")
}

func loadBackupKey(path string) (*backup.Key, error) {
	return backup.LoadKey(path, os.Getenv(backup.EnvKey))
}

// runBackup is "citdesk backup --to FILE": an encrypted, consistent backup
// of the SQLite database, safe to run while citdesk serves; and "citdesk
// backup keygen --out FILE", which makes a backup key.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "keygen" {
		fs := flag.NewFlagSet("backup keygen", flag.ContinueOnError)
		fs.SetOutput(stderr)
		out := fs.String("out", "", "file to write the new backup key to (mode 0600; never overwritten)")
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		if *out == "" || fs.NArg() != 0 {
			return errors.New(backupUsage)
		}
		k, err := backup.MakeKeyFile(*out)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Backup key %s written to %s. Keep a copy apart from the backups and the server: without it no backup can be restored.\n", k.ID(), *out)
		return nil
	}
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var d dataFlags
	d.register(fs)
	var to, keyFile string
	fs.StringVar(&to, "to", "", "the backup file to write (it must not exist)")
	backupKeyFlag(fs, &keyFile)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if to == "" || fs.NArg() != 0 {
		return errors.New(backupUsage)
	}
	if store.IsPostgres(d.dsn()) {
		return store.ErrBackupPostgres
	}
	k, err := loadBackupKey(keyFile)
	if err != nil {
		return err
	}
	db, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := backup.Create(ctx, db, to, k, backup.Options{Version: version, TempDir: d.data, Remote: "cli"})
	if err != nil {
		return err
	}
	var rows int64
	for _, n := range m.Tables {
		rows += n
	}
	fmt.Fprintf(stdout, "Backup written to %s: schema %s, %d tables, %d rows, %d audit events, database %d bytes, SHA-256 %s, backup key %s.\n",
		to, strings.TrimPrefix(m.Schema, "migrations/"), len(m.Tables), rows, m.AuditSeq, m.Size, m.SHA256, m.KeyID)
	return nil
}

// runRestore is "citdesk restore --from FILE --data DIR".
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var d dataFlags
	d.register(fs)
	var from, keyFile string
	fs.StringVar(&from, "from", "", "the backup file to restore")
	backupKeyFlag(fs, &keyFile)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if from == "" || fs.NArg() != 0 {
		return errors.New(backupUsage)
	}
	if d.db != "" {
		return store.ErrBackupPostgres
	}
	k, err := loadBackupKey(keyFile)
	if err != nil {
		return err
	}
	fkey, created, err := d.loadFieldKey()
	if created != "" {
		// A new key opens nothing a backup holds.
		err = errors.Join(fmt.Errorf("no field key at %s: restore needs the field.key the backed-up server used (kept apart from the backups), or $%s", created, fieldKeyEnv), os.Remove(created))
	}
	if err != nil {
		return err
	}
	res, err := backup.Restore(ctx, from, d.data, k, d.auditKeyFile(), fkey)
	if err != nil {
		return err
	}
	// The outcome snapshots describe the database that was replaced.
	if err := os.RemoveAll(d.outcomeDir()); err != nil {
		return fmt.Errorf("remove the outcome snapshots of the replaced database: %w", err)
	}
	m := res.Manifest
	fmt.Fprintf(stdout, "Restored %s (made %s by citdesk %s, schema %s) into %s: integrity check ok, %d tables with the row counts of the manifest, audit trail intact (%d events verified).\n",
		from, m.CreatedAt.Format("2006-01-02 15:04:05Z"), m.CitdeskVersion, strings.TrimPrefix(m.Schema, "migrations/"), d.data, len(m.Tables), res.AuditEvents)
	if len(res.Migrated) > 0 {
		fmt.Fprintf(stdout, "The backup was made by an older citdesk; %d migrations were applied.\n", len(res.Migrated))
	}
	fmt.Fprintln(stdout, "Put the mfa.key the server used beside it (or give --mfa-key-file), or authenticator apps will not work.")
	where := d.fieldKeyFile()
	if _, ok := os.LookupEnv(fieldKeyEnv); ok && d.fieldKey == "" {
		where = "$" + fieldKeyEnv
	}
	fmt.Fprintf(stdout, "Start citdesk with the field key the restore used (%s): without it the encrypted fields cannot be read.\n", where)
	return nil
}
