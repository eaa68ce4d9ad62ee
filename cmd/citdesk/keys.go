package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"citdesk"
	"citdesk/store"
)

const keysUsage = "usage: citdesk keys status | citdesk keys rotate --new-key-file FILE [--no-reencrypt] | citdesk keys rotate --finish | citdesk keys reencrypt   (with --field-key-file or $CITDESK_FIELD_KEY naming the key in use)"

// runKeys is "citdesk keys …": the field encryption keys (issue 14).
//
//	keys status                          the key in use and the data keys
//	keys rotate --new-key-file FILE      a new key-encryption key, written
//	                                     to FILE (0600, never overwritten),
//	                                     re-wraps every data key and adds a
//	                                     new data key; then re-encrypts the
//	                                     fields in batches while citdesk serves
//	keys rotate --finish                 once every server runs with the new
//	                                     key: the old key opens nothing more
//	keys reencrypt                       moves what is still sealed with an
//	                                     older data key to the current one
func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(keysUsage)
	}
	fs := flag.NewFlagSet("keys "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var d dataFlags
	d.register(fs)
	var newKeyFile string
	var finish, noReencrypt bool
	if args[0] == "rotate" {
		fs.StringVar(&newKeyFile, "new-key-file", "", "where to write the new field key (must not exist; mode 0600)")
		fs.BoolVar(&finish, "finish", false, "drop the data keys' wrapping under the key before the last rotation (run with the new key, once every server uses it)")
		fs.BoolVar(&noReencrypt, "no-reencrypt", false, "only re-wrap the keys; leave the fields under their data keys (`citdesk keys reencrypt` moves them later)")
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errors.New(keysUsage)
	}
	switch {
	case args[0] == "status":
		db, err := d.open(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		st, err := db.FieldKeyAdmin().Status(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Field key in use: %s. %d data keys; new values are sealed with data key %d.\n", st.KeyID, st.DataKeys, st.CurrentKey)
		if len(st.PreviousIDs) > 0 {
			fmt.Fprintf(stdout, "The data keys are also wrapped with the previous field key %s: run `citdesk keys rotate --finish` once every server uses the new key.\n", strings.Join(st.PreviousIDs, ", "))
		}
		return nil
	case args[0] == "rotate" && finish:
		if newKeyFile != "" {
			return errors.New("--finish and --new-key-file are two steps: rotate first, restart the servers with the new key, then --finish with --field-key-file naming the new key")
		}
		db, err := d.open(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.FieldKeyAdmin().FinishRotation(ctx); err != nil {
			return err
		}
		if err := recordKeyEvent(ctx, db, "keys.rotate_finish", "", "previous field key dropped"); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "Done: only the field key in use opens the data keys now. Destroy every copy of the old key file.")
		return nil
	case args[0] == "rotate":
		return rotateKeys(ctx, d, newKeyFile, !noReencrypt, stdout)
	case args[0] == "reencrypt":
		db, err := d.open(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		start := time.Now()
		n, err := db.FieldKeyAdmin().Reencrypt(ctx)
		if err != nil {
			return err
		}
		st, err := db.FieldKeyAdmin().Status(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Re-encrypted %d rows with data key %d in %s.\n", n, st.CurrentKey, time.Since(start).Round(time.Millisecond))
		return nil
	}
	return errors.New(keysUsage)
}

// rotateKeys writes a new field key to newKeyFile, re-wraps the data keys
// with it and adds a new data key, then (reencrypt) moves every field to
// the new data key in batches. The key file is written first, so nothing
// is ever wrapped with a key that is not on disk.
func rotateKeys(ctx context.Context, d dataFlags, newKeyFile string, reencrypt bool, stdout io.Writer) error {
	if newKeyFile == "" {
		return errors.New("keys rotate needs --new-key-file FILE: where the new field key is written (keep it, and a copy apart from the backups)")
	}
	if _, err := os.Stat(newKeyFile); err == nil {
		return fmt.Errorf("%s exists already: a field key is never overwritten (give a new path)", newKeyFile)
	}
	db, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	next, err := store.GenerateFieldKey()
	if err != nil {
		return err
	}
	if err := store.WriteFieldKey(newKeyFile, next); err != nil {
		return err
	}
	id, err := db.FieldKeyAdmin().Rotate(ctx, next)
	if err != nil {
		// Nothing was wrapped with the new key: it is of no use.
		return errors.Join(err, os.Remove(newKeyFile))
	}
	fmt.Fprintf(stdout, "Rotated: the data keys are wrapped with the new field key %s (written to %s); new values are sealed with data key %d.\n", next.ID(), newKeyFile, id)
	n := 0
	if reencrypt {
		start := time.Now()
		if n, err = db.FieldKeyAdmin().Reencrypt(ctx); err != nil {
			return fmt.Errorf("re-encrypt (the rotation itself is done; run `citdesk keys reencrypt` to finish re-encrypting): %w", err)
		}
		fmt.Fprintf(stdout, "Re-encrypted %d rows with data key %d in %s.\n", n, id, time.Since(start).Round(time.Millisecond))
	}
	if err := recordKeyEvent(ctx, db, "keys.rotate", strconv.FormatInt(id, 10), fmt.Sprintf("field key %s; %d rows re-encrypted", next.ID(), n)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Next: put %s where the servers read their field key (or its base64 in $%s), restart them one at a time (until then they keep working with the old key), then run `citdesk keys reencrypt` and `citdesk keys rotate --finish`, both with --field-key-file %s.\n", newKeyFile, fieldKeyEnv, newKeyFile)
	return nil
}

// recordKeyEvent leaves an audit event for an operator's key change.
func recordKeyEvent(ctx context.Context, db *store.DB, action, id, detail string) error {
	return db.AuditService().Record(ctx, &citdesk.AuditEvent{Actor: "operator", Remote: "cli", Action: action, ObjectType: "field_key", ObjectID: id, Detail: detail})
}
