package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"citdesk"
)

// The columns sealed at rest, by table. Narratives, crisis-plan text and
// photos, the caller's and the person's names and contact details. What
// stays plain is what the database itself must compare, sort or count
// (dates, statuses, dispositions, the call's address the board maps);
// address_key, the normalized address that prior contacts and crisis
// plans are matched by, is a keyed hash (fieldKeys.blind).
const (
	colPersonFirst      = "persons.first_name"
	colPersonLast       = "persons.last_name"
	colPersonAliases    = "persons.aliases"
	colPersonPhone      = "persons.phone"
	colPersonAddress    = "persons.address"
	colCallerName       = "calls.caller_name"
	colCallerPhone      = "calls.caller_phone"
	colCallNotes        = "calls.notes"
	colNarrative        = "encounters.narrative"
	colEncounterVersion = "encounter_versions.data"
	colPlanAddress      = "crisis_plans.address"
	colPlanHelps        = "crisis_plans.what_helps"
	colPlanAvoid        = "crisis_plans.what_to_avoid"
	colPlanTriggers     = "crisis_plans.triggers"
	colPlanMedications  = "crisis_plans.medications"
	colPlanContacts     = "crisis_plans.contacts"
	colPlanFacility     = "crisis_plans.preferred_facility"
	colPlanConsentedBy  = "crisis_plans.consented_by"
	colPlanPhoto        = "crisis_plan_photos.data"
	colComplaintName    = "complaints.contact_name"
	colComplaintContact = "complaints.contact"
	colComplaintBody    = "complaints.body"
	// colAddressKey labels the keyed hash of a normalized address; persons
	// and crisis plans share it, so one address matches across both.
	colAddressKey = "address_key"
)

// sealedTable lists one table's sealed columns.
type sealedTable struct {
	table string
	key   string   // the primary key column
	text  []string // sealed text columns
	bytes string   // a sealed binary column
	// addressKey: the table's address_key is the keyed hash of its
	// address column, recomputed when plaintext is sealed.
	addressKey bool
}

var sealedTables = []sealedTable{
	{table: "persons", key: "id", text: []string{"first_name", "last_name", "aliases", "phone", "address"}, addressKey: true},
	{table: "calls", key: "id", text: []string{"caller_name", "caller_phone", "notes"}},
	{table: "encounters", key: "id", text: []string{"narrative"}},
	{table: "encounter_versions", key: "id", text: []string{"data"}},
	{table: "crisis_plans", key: "id", text: []string{"address", "what_helps", "what_to_avoid", "triggers", "medications", "contacts", "preferred_facility", "consented_by"}, addressKey: true},
	{table: "crisis_plan_photos", key: "plan_id", bytes: "data"},
	{table: "complaints", key: "id", text: []string{"contact_name", "contact", "body"}},
}

// addressKey returns the keyed hash that address is matched by.
func (k *fieldKeys) addressKey(address string) string {
	return k.blind(colAddressKey, citdesk.AddressKey(address))
}

// resealBatch is how many rows one transaction re-encrypts: small enough
// that writers waiting on SQLite's one writer wait milliseconds.
const resealBatch = 200

// FieldKeyAdmin manages the field key and the data keys it wraps:
// status, rotation and re-encryption (citdesk keys).
type FieldKeyAdmin struct{ db *DB }

// FieldKeyAdmin returns the field keys' administration.
func (db *DB) FieldKeyAdmin() FieldKeyAdmin { return FieldKeyAdmin{db} }

// sealPlaintext seals, in batches, the values an older citdesk wrote in
// plaintext into the columns now sealed, once (field_sealing records it).
func (db *DB) sealPlaintext(ctx context.Context) error {
	var left bool
	if err := db.write.QueryRowContext(ctx, `SELECT plaintext_left FROM field_sealing WHERE id = 1`).Scan(&left); err != nil {
		return fmt.Errorf("read field_sealing: %w", err)
	}
	if !left {
		return nil
	}
	if _, err := db.FieldKeyAdmin().reseal(ctx, true); err != nil {
		return err
	}
	_, err := db.write.ExecContext(ctx, db.dialect.rebind(`UPDATE field_sealing SET plaintext_left = ? WHERE id = 1`), false)
	return err
}

// Reencrypt re-seals, in batches of a few hundred rows (each its own
// transaction, so the server keeps serving), every field sealed with a
// data key other than the current one, and returns how many rows it
// changed. A row a writer changes meanwhile is left as the writer wrote it
// (every write seals with the current key already).
func (a FieldKeyAdmin) Reencrypt(ctx context.Context) (int, error) {
	return a.reseal(ctx, false)
}

// reseal walks every sealed table in batches; plaintext=true seals values
// that are not sealed yet (the upgrade), false re-seals values sealed with
// an older data key. Each row is written back only if it still holds what
// was read (compare and swap), so a concurrent write is never undone.
func (a FieldKeyAdmin) reseal(ctx context.Context, plaintext bool) (int, error) {
	db := a.db
	total := 0
	for _, t := range sealedTables {
		cols := append([]string{t.key}, t.text...)
		if t.bytes != "" {
			cols = append(cols, t.bytes)
		}
		var after int64 = -1 << 62
		for {
			var n, last int64
			var done bool
			err := db.writeTx(ctx, func(tx *Tx) error {
				var err error
				n, last, done, err = a.resealRows(ctx, tx, t, cols, after, plaintext)
				return err
			})
			if err != nil {
				return total, fmt.Errorf("%s: %w", t.table, err)
			}
			total += int(n)
			if done {
				break
			}
			after = last
		}
	}
	return total, nil
}

// resealRows re-seals one batch of t's rows with keys after after.
func (a FieldKeyAdmin) resealRows(ctx context.Context, tx *Tx, t sealedTable, cols []string, after int64, plaintext bool) (changed, last int64, done bool, err error) {
	db := a.db
	rows, err := tx.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+t.table+` WHERE `+t.key+` > ? ORDER BY `+t.key+` LIMIT ?`, after, resealBatch)
	if err != nil {
		return 0, 0, false, err
	}
	type row struct {
		key  int64
		text []string
		blob []byte
	}
	var batch []row
	for rows.Next() {
		r := row{text: make([]string, len(t.text))}
		dest := []any{&r.key}
		for i := range r.text {
			dest = append(dest, &r.text[i])
		}
		if t.bytes != "" {
			dest = append(dest, &r.blob)
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return 0, 0, false, err
		}
		batch = append(batch, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, false, err
	}
	if len(batch) == 0 {
		return 0, 0, true, nil
	}
	k := db.fields
	current, _ := k.currentKey()
	for _, r := range batch {
		var sets, conds []string
		var setArgs, condArgs []any
		for i, c := range t.text {
			v, col := r.text[i], t.table+"."+c
			if v == "" {
				continue
			}
			id, _, sealed := textKeyID(v)
			var plain string
			switch {
			case plaintext && !sealed:
				plain = v
				if c == "address" && t.addressKey {
					sets, setArgs = append(sets, "address_key = ?"), append(setArgs, k.addressKey(plain))
				}
			case !plaintext && sealed && id != current:
				if plain, err = k.openText(col, v); err != nil {
					return 0, 0, false, fmt.Errorf("%s %d: %w", t.table, r.key, err)
				}
			default:
				continue
			}
			nv, err := k.sealText(col, plain)
			if err != nil {
				return 0, 0, false, err
			}
			sets, setArgs = append(sets, c+" = ?"), append(setArgs, nv)
			conds, condArgs = append(conds, c+" = ?"), append(condArgs, v)
		}
		if t.bytes != "" && len(r.blob) > 0 {
			col := t.table + "." + t.bytes
			id, sealed := bytesKeyID(r.blob)
			var plain []byte
			switch {
			case plaintext && !sealed:
				plain = r.blob
			case !plaintext && sealed && id != current:
				if plain, err = k.openBytes(col, r.blob); err != nil {
					return 0, 0, false, fmt.Errorf("%s %d: %w", t.table, r.key, err)
				}
			}
			if plain != nil {
				nv, err := k.sealBytes(col, plain)
				if err != nil {
					return 0, 0, false, err
				}
				sets, setArgs = append(sets, t.bytes+" = ?"), append(setArgs, nv)
				conds, condArgs = append(conds, t.bytes+" = ?"), append(condArgs, r.blob)
			}
		}
		if len(sets) == 0 {
			continue
		}
		args := append(append(setArgs, r.key), condArgs...)
		res, err := tx.ExecContext(ctx, `UPDATE `+t.table+` SET `+strings.Join(sets, ", ")+` WHERE `+t.key+` = ? AND `+strings.Join(conds, " AND "), args...)
		if err != nil {
			return 0, 0, false, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			changed++
		}
	}
	return changed, batch[len(batch)-1].key, len(batch) < resealBatch, nil
}

// Rotate re-wraps every data key (and the index key) under next,
// and adds a new data key that every write seals with from now on; old
// data keys stay, so what they sealed still opens. It changes a few rows
// of field_keys in one transaction: servers keep serving. A server still
// running with the old key-encryption key keeps working (each row keeps
// its wrapping under the old key too, until FinishRotation), and
// learns of the new data key when it first meets a value sealed with it.
// The DB continues with next. Run Reencrypt afterwards to move
// existing values to the new data key.
func (a FieldKeyAdmin) Rotate(ctx context.Context, next *FieldKey) (newDataKey int64, err error) {
	db := a.db
	k := db.fields
	k.mu.RLock()
	prev := k.kek
	k.mu.RUnlock()
	if next.ID() == prev.ID() {
		return 0, errors.New("the new field key is the key in use: give a new one")
	}
	err = db.writeTx(ctx, func(tx *Tx) error {
		// Lock every row first: two rotations at once must not interleave.
		if _, err := tx.ExecContext(ctx, `UPDATE field_keys SET is_current = is_current`); err != nil {
			return err
		}
		rows, err := readFieldKeyRows(ctx, tx, db.dialect)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.prevK != "" {
				// Re-wrapping now would drop the wrapping that servers on
				// the key before the last one still use.
				return fmt.Errorf("the last rotation is not finished (data key %d is still wrapped with field key %s too): once every server runs with field key %s, run `citdesk keys rotate --finish`, then rotate again", r.id, r.prevK, r.kekID)
			}
			wrapped := r.wrapped
			if r.kekID != prev.ID() {
				if r.prevK != prev.ID() {
					return fmt.Errorf("%w: data key %d is wrapped with field key %s, not the one in use (%s)", ErrWrongFieldKey, r.id, r.kekID, prev.ID())
				}
				wrapped = r.prevWrapped
			}
			key, err := unwrapKey(prev, r.id, r.purpose, wrapped)
			if err != nil {
				return err
			}
			nw, err := wrapKey(next, r.id, r.purpose, key)
			if err != nil {
				return err
			}
			// The wrapping under the key in use stays as the previous one.
			ow, err := wrapKey(prev, r.id, r.purpose, key)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE field_keys SET wrapped = ?, kek_id = ?, previous_wrapped = ?, previous_kek_id = ?, is_current = ? WHERE id = ?`,
				nw, next.ID(), ow, prev.ID(), false, r.id); err != nil {
				return fmt.Errorf("re-wrap data key %d: %w", r.id, err)
			}
			newDataKey = max(newDataKey, r.id+1)
		}
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return err
		}
		nw, err := wrapKey(next, newDataKey, "data", key)
		if err != nil {
			return err
		}
		ow, err := wrapKey(prev, newDataKey, "data", key)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO field_keys (id, purpose, wrapped, kek_id, previous_wrapped, previous_kek_id, is_current, created_at) VALUES (?, 'data', ?, ?, ?, ?, ?, ?)`,
			newDataKey, nw, next.ID(), ow, prev.ID(), true, micros(tx.now)); err != nil {
			return fmt.Errorf("add data key: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	k.mu.Lock()
	k.kek = next
	k.mu.Unlock()
	return newDataKey, k.reload(ctx)
}

// FinishRotation drops the wrapping of every data key under the
// key-encryption key before the last rotation: after it, the old key file
// opens nothing. Run it once every server runs with the new key.
func (a FieldKeyAdmin) FinishRotation(ctx context.Context) error {
	db := a.db
	return db.writeTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE field_keys SET previous_wrapped = '', previous_kek_id = ''`)
		return err
	})
}

// FieldKeyStatus describes the key ring for `citdesk keys status`.
type FieldKeyStatus struct {
	KeyID       string // the key-encryption key in use
	PreviousIDs []string
	DataKeys    int
	CurrentKey  int64
}

// Status reports the key ring.
func (a FieldKeyAdmin) Status(ctx context.Context) (*FieldKeyStatus, error) {
	db := a.db
	rows, err := readFieldKeyRows(ctx, db.read, db.dialect)
	if err != nil {
		return nil, err
	}
	db.fields.mu.RLock()
	st := &FieldKeyStatus{KeyID: db.fields.kek.ID()}
	db.fields.mu.RUnlock()
	seen := map[string]bool{}
	for _, r := range rows {
		if r.purpose == "data" {
			st.DataKeys++
		}
		if r.current {
			st.CurrentKey = r.id
		}
		if r.prevK != "" && !seen[r.prevK] {
			seen[r.prevK] = true
			st.PreviousIDs = append(st.PreviousIDs, r.prevK)
		}
	}
	return st, nil
}
