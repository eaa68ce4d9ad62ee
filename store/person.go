package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"citdesk"
)

// PersonService returns the person records service.
func (db *DB) PersonService() citdesk.PersonService { return personService{db} }

type personService struct{ db *DB }

const personColumns = `id, agency_id, first_name, last_name, dob, aliases, sex, race_ethnicity, veteran, housing, address, source, external_id, created_by, created_at, updated_at, version, phone`

// scanPerson reads a row of personColumns, opening the sealed fields.
func (k *fieldKeys) scanPerson(row rowScanner) (*citdesk.Person, error) {
	var p citdesk.Person
	var dob, aliases string
	var veteran sql.NullBool
	var external sql.NullString
	var created, updated int64
	if err := row.Scan(&p.ID, &p.AgencyID, k.text(colPersonFirst, &p.FirstName), k.text(colPersonLast, &p.LastName), &dob, k.text(colPersonAliases, &aliases),
		&p.Sex, &p.RaceEthnicity, &veteran, &p.Housing, k.text(colPersonAddress, &p.Address),
		&p.Source, &external, &p.CreatedBy, &created, &updated, &p.Version, k.text(colPersonPhone, &p.Phone)); err != nil {
		return nil, err
	}
	if dob != "" {
		d, err := citdesk.ParseDate(dob)
		if err != nil {
			return nil, fmt.Errorf("person %d: bad date of birth", p.ID) // not the value: errors are logged
		}
		p.DOB = d
	}
	if err := unmarshalSet(aliases, &p.Aliases); err != nil {
		return nil, fmt.Errorf("person %d aliases: %w", p.ID, err)
	}
	p.Veteran, p.ExternalID = fromNullBool(veteran), external.String
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &p, nil
}

func (tx *Tx) findPerson(ctx context.Context, agencyID, id int64, lock bool) (*citdesk.Person, error) {
	q := `SELECT ` + personColumns + ` FROM persons WHERE agency_id = ? AND id = ?`
	if lock {
		q += tx.db.dialect.forUpdate
	}
	p, err := tx.db.fields.scanPerson(tx.QueryRowContext(ctx, q, agencyID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, citdesk.Errorf(citdesk.ENOTFOUND, "Person not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find person: %w", err)
	}
	return p, nil
}

func (tx *Tx) listPersons(ctx context.Context, where string, args ...any) ([]*citdesk.Person, error) {
	return queryAll(ctx, tx, "list persons", tx.db.fields.scanPerson, `SELECT `+personColumns+` FROM persons WHERE `+where, args...)
}

// canSeePerson reports whether the actor has a reason to see a person: a
// coordinator always; a liaison when the person is referred to them; an
// officer sent to a call whose reviewed report names the person.
// Dispatchers see crisis plans on calls, never person records.
func (tx *Tx) canSeePerson(ctx context.Context, a *citdesk.Actor, personID int64) (bool, error) {
	if citdesk.Can(a, citdesk.ReadPerson, citdesk.Object{}) {
		return true, nil // by role: no tie to look up
	}
	var n int
	if a.HasRole(citdesk.RoleLiaison) {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM referrals WHERE agency_id = ? AND person_id = ? AND liaison_user_id = ?`, a.AgencyID, personID, a.UserID).Scan(&n); err != nil {
			return false, err
		} else if citdesk.Can(a, citdesk.ReadPerson, citdesk.Object{ReferredToActor: n > 0}) {
			return true, nil
		}
	}
	// An officer sees a person only through a call a dispatcher sent them
	// to, whose reviewed report names the person. Nothing an officer does
	// alone — creating a person, naming one on a draft — opens a record:
	// the report's author sees only the name (reportPerson).
	if a.OfficerID != nil {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM assignments s
			JOIN encounters e ON e.agency_id = s.agency_id AND e.call_id = s.call_id
			WHERE s.agency_id = ? AND s.officer_id = ? AND e.person_id = ? AND e.status = 'approved'`, a.AgencyID, *a.OfficerID, personID).Scan(&n); err != nil {
			return false, err
		}
		return citdesk.Can(a, citdesk.ReadPerson, citdesk.Object{ReviewedContact: n > 0}), nil
	}
	return false, nil
}

// seePerson reads a person the actor may see and audits the view; a
// refused view is audited as denied. It reports denied=true instead of
// failing, so the caller commits the denial's audit event.
func (tx *Tx) seePerson(ctx context.Context, a *citdesk.Actor, id int64) (p *citdesk.Person, denied bool, err error) {
	if p, err = tx.findPerson(ctx, a.AgencyID, id, false); err != nil {
		return nil, false, err
	}
	ok, err := tx.canSeePerson(ctx, a, id)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, true, tx.appendAudit(ctx, deniedEvent(a, "person.view", "person", id))
	}
	return p, false, tx.audit(ctx, a, "person.view", "person", id, "")
}

var errPersonNotFound = citdesk.Errorf(citdesk.ENOTFOUND, "Person not found.")

// CreatePerson adds a person record (an officer filing a report, or the coordinator).
func (s personService) CreatePerson(ctx context.Context, p *citdesk.Person) error {
	actor, err := citdesk.Require(ctx, citdesk.NamePerson)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		agency, err := tx.findAgency(ctx, "id = ?", actor.AgencyID)
		if err != nil {
			return err
		}
		if err := p.Validate(citdesk.DateOf(tx.now, agency.Location())); err != nil {
			return err
		}
		p.AgencyID, p.CreatedBy, p.CreatedAt, p.UpdatedAt, p.Version = actor.AgencyID, actor.UserID, tx.now, tx.now, 1
		k := tx.db.fields
		seal := k.sealer()
		args := []any{p.AgencyID, seal.text(colPersonFirst, p.FirstName), seal.text(colPersonLast, p.LastName), p.DOB.String(), seal.text(colPersonAliases, marshalSet(p.Aliases)),
			p.Sex, p.RaceEthnicity, nullBool(p.Veteran), p.Housing, seal.text(colPersonAddress, p.Address), k.addressKey(p.Address),
			p.Source, nullText(p.ExternalID), p.CreatedBy, micros(p.CreatedAt), micros(p.UpdatedAt), seal.text(colPersonPhone, p.Phone)}
		if seal.err != nil {
			return seal.err
		}
		p.ID, err = tx.insert(ctx, `INSERT INTO persons (agency_id, first_name, last_name, dob, aliases, sex, race_ethnicity, veteran, housing, address, address_key, source, external_id, created_by, created_at, updated_at, version, phone)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`, args...)
		if isUniqueViolation(err) {
			return citdesk.FieldErrorf("external_id", "A person with this external id from %s already exists.", p.Source)
		} else if err != nil {
			return fmt.Errorf("insert person: %w", err)
		}
		return tx.audit(ctx, actor, "person.create", "person", p.ID, "")
	})
}

// UpdatePerson saves a person's record when p.Version is current: the
// coordinator, or an officer who may see the person (fixing a typo).
func (s personService) UpdatePerson(ctx context.Context, p *citdesk.Person) error {
	actor, err := citdesk.Require(ctx, citdesk.NamePerson)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		old, err := tx.findPerson(ctx, actor.AgencyID, p.ID, true)
		if err != nil {
			return err
		}
		if ok, err := tx.canSeePerson(ctx, actor, p.ID); err != nil {
			return err
		} else if !ok {
			return errPersonNotFound
		}
		agency, err := tx.findAgency(ctx, "id = ?", actor.AgencyID)
		if err != nil {
			return err
		}
		p.Source, p.ExternalID = old.Source, old.ExternalID
		if err := p.Validate(citdesk.DateOf(tx.now, agency.Location())); err != nil {
			return err
		}
		k := tx.db.fields
		seal := k.sealer()
		args := []any{seal.text(colPersonFirst, p.FirstName), seal.text(colPersonLast, p.LastName), p.DOB.String(), seal.text(colPersonAliases, marshalSet(p.Aliases)),
			p.Sex, p.RaceEthnicity, nullBool(p.Veteran), p.Housing,
			seal.text(colPersonAddress, p.Address), k.addressKey(p.Address), seal.text(colPersonPhone, p.Phone), micros(tx.now), actor.AgencyID, p.ID, p.Version}
		if seal.err != nil {
			return seal.err
		}
		res, err := tx.ExecContext(ctx, `UPDATE persons SET first_name = ?, last_name = ?, dob = ?, aliases = ?, sex = ?, race_ethnicity = ?, veteran = ?, housing = ?,
			address = ?, address_key = ?, phone = ?, updated_at = ?, version = version + 1 WHERE agency_id = ? AND id = ? AND version = ?`, args...)
		if err != nil {
			return fmt.Errorf("update person: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return citdesk.Errorf(citdesk.EPRECONDITION, "Someone else changed this person since you loaded it; reload and try again.")
		}
		p.AgencyID, p.CreatedBy, p.CreatedAt, p.UpdatedAt, p.Version = old.AgencyID, old.CreatedBy, old.CreatedAt, tx.now, p.Version+1
		return tx.audit(ctx, actor, "person.update", "person", p.ID, "")
	})
}

// FindPersonByID returns a person the actor has a reason to see; the view
// is audited, and so is a refusal.
func (s personService) FindPersonByID(ctx context.Context, id int64) (*citdesk.Person, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var p *citdesk.Person
	var denied bool
	err = s.db.writeTx(ctx, func(tx *Tx) (err error) {
		p, denied, err = tx.seePerson(ctx, actor, id)
		return err
	})
	if err == nil && denied {
		return nil, errPersonNotFound
	}
	return p, err
}

// PersonFile returns the person with every earlier contact (outcomes, no
// narratives), the referrals the actor may see, and the current crisis
// plan when the actor may read it. The view is audited.
func (s personService) PersonFile(ctx context.Context, id int64) (*citdesk.PersonFile, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var f citdesk.PersonFile
	var denied bool
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		var err error
		if f.Person, denied, err = tx.seePerson(ctx, actor, id); err != nil || denied {
			return err
		}
		if f.Contacts, err = tx.personContacts(ctx, actor.AgencyID, id); err != nil {
			return err
		}
		rf := citdesk.ReferralFilter{PersonID: &id}
		if actor.HasRole(citdesk.RoleCoordinator) || actor.UserID == 0 || actor.HasRole(citdesk.RoleLiaison) {
			if f.Referrals, err = tx.listReferrals(ctx, actor, rf); err != nil {
				return err
			}
		}
		// The file shows each contact's report and each referral in part:
		// one event on each, as a list read would leave.
		read := newAuditRead(actor, "person.file")
		for _, c := range f.Contacts {
			read.record("encounter", c.EncounterID, "")
		}
		for _, r := range f.Referrals {
			read.record("referral", r.ID, "")
		}
		if err := read.write(ctx, tx); err != nil {
			return err
		}
		agency, err := tx.findAgency(ctx, "id = ?", actor.AgencyID)
		if err != nil {
			return err
		}
		today := citdesk.DateOf(tx.now, agency.Location())
		plans, err := listPlans(ctx, tx, `agency_id = ? AND person_id = ? ORDER BY expires_on DESC, id DESC`, actor.AgencyID, id)
		if err != nil {
			return err
		}
		f.PlanStatus = "none"
		if len(plans) > 0 {
			f.PlanStatus = "expired"
		}
		for _, c := range plans {
			if !c.Current(today) {
				continue
			}
			f.PlanStatus = "current"
			if ok, err := canReadPlan(ctx, tx, actor, c, today); err != nil {
				return err
			} else if ok {
				f.Plan = c
				return tx.audit(ctx, actor, "crisis_plan.view", "crisis_plan", c.ID, "person page")
			}
			break
		}
		return nil
	})
	if err == nil && denied {
		return nil, errPersonNotFound
	}
	if f.Contacts == nil {
		f.Contacts = []*citdesk.PersonContact{}
	}
	if f.Referrals == nil {
		f.Referrals = []*citdesk.Referral{}
	}
	return &f, err
}

func (tx *Tx) personContacts(ctx context.Context, agencyID, personID int64) ([]*citdesk.PersonContact, error) {
	return queryAll(ctx, tx, "person contacts", scanPersonContact, `SELECT e.id, e.occurred_at, e.officer_id, o.rank, o.first_name, o.last_name, e.officer_cit_certified, e.status, e.dispositions, e.force_level
		FROM encounters e JOIN officers o ON o.agency_id = e.agency_id AND o.id = e.officer_id
		WHERE e.agency_id = ? AND e.person_id = ? ORDER BY e.occurred_at DESC, e.id DESC`, agencyID, personID)
}

func scanPersonContact(row rowScanner) (*citdesk.PersonContact, error) {
	var c citdesk.PersonContact
	var at int64
	var status, disps, force string
	var o citdesk.Officer
	if err := row.Scan(&c.EncounterID, &at, &c.OfficerID, &o.Rank, &o.FirstName, &o.LastName, &c.CITCertified, &status, &disps, &force); err != nil {
		return nil, err
	}
	c.OccurredAt, c.Officer, c.Status, c.Force = fromMicros(at), o.Name(), citdesk.EncounterStatus(status), citdesk.ForceLevel(force)
	if err := unmarshalSet(disps, &c.Dispositions); err != nil {
		return nil, err
	}
	return &c, nil
}

// MatchPersons returns the likely existing records for what an officer
// knows, best first, with reasons. It is for officers and the coordinator;
// the search is audited without the names searched for.
func (s personService) MatchPersons(ctx context.Context, q citdesk.PersonQuery) ([]*citdesk.PersonMatch, error) {
	actor, err := citdesk.Require(ctx, citdesk.NamePerson)
	if err != nil {
		return nil, err
	}
	if citdesk.NormalizeName(q.LastName) == "" {
		return nil, citdesk.FieldErrorf("last_name", "Give at least a last name to search for.")
	}
	var out []*citdesk.PersonMatch
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		// Every record of the agency is scored in memory: names with typos
		// or swapped cannot be found with an index, and an agency has
		// thousands of persons, not millions.
		all, err := tx.listPersons(ctx, `agency_id = ?`, actor.AgencyID)
		if err != nil {
			return err
		}
		out = citdesk.RankMatches(q, all, 10)
		// Someone who may not read every record (an officer naming a
		// person on a report) sees what matching needs: the name and why
		// it matched, not the record or its contacts.
		nameOnly := !citdesk.Can(actor, citdesk.ReadPerson, citdesk.Object{})
		for _, m := range out {
			if nameOnly {
				m.Person, m.NameOnly = m.Person.NameOnly(), true
				continue
			}
			var n int
			var last sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), MAX(occurred_at) FROM encounters WHERE agency_id = ? AND person_id = ?`, actor.AgencyID, m.Person.ID).Scan(&n, &last); err != nil {
				return err
			}
			m.Encounters, m.LastContact = n, fromNullMicros(last)
		}
		// Each candidate shown is a read of that person; the names searched
		// for are not recorded.
		read := newAuditRead(actor, "person.match")
		for _, m := range out {
			read.person(m.Person.ID)
		}
		return read.write(ctx, tx)
	})
	if out == nil {
		out = []*citdesk.PersonMatch{}
	}
	return out, err
}

// RepeatContacts lists the people with at least f.MinEncounters
// encounters in the last f.WindowDays days, most contacts first. A liaison
// sees only the people referred to them. The listing is audited.
func (s personService) RepeatContacts(ctx context.Context, f citdesk.RepeatContactFilter) ([]*citdesk.RepeatContact, error) {
	actor, err := citdesk.Require(ctx, citdesk.ReadRepeatContact)
	if err != nil {
		return nil, err
	}
	var out []*citdesk.RepeatContact
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		// Unset thresholds come from the agency's policy.
		agency, err := tx.findAgency(ctx, "id = ?", actor.AgencyID)
		if err != nil {
			return err
		}
		if f.MinEncounters == 0 {
			f.MinEncounters = agency.Policy.RepeatContactMin
		}
		if f.WindowDays == 0 {
			f.WindowDays = agency.Policy.RepeatContactDays
		}
		if err := f.Normalize(); err != nil {
			return err
		}
		q := `SELECT person_id, COUNT(*), MIN(occurred_at), MAX(occurred_at) FROM encounters
			WHERE agency_id = ? AND person_id IS NOT NULL AND occurred_at >= ? AND occurred_at <= ?`
		args := []any{actor.AgencyID, micros(f.WindowStart(tx.now)), micros(tx.now)}
		if !actor.HasRole(citdesk.RoleCoordinator) && actor.UserID != 0 {
			q += ` AND person_id IN (SELECT person_id FROM referrals WHERE agency_id = ? AND liaison_user_id = ?)`
			args = append(args, actor.AgencyID, actor.UserID)
		}
		q += ` GROUP BY person_id HAVING COUNT(*) >= ? ORDER BY COUNT(*) DESC, MAX(occurred_at) DESC`
		args = append(args, f.MinEncounters)
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("repeat contacts: %w", err)
		}
		for rows.Next() {
			var r citdesk.RepeatContact
			var pid, first, last int64
			if err := rows.Scan(&pid, &r.Encounters, &first, &last); err != nil {
				rows.Close()
				return err
			}
			r.Person, r.First, r.Last = &citdesk.Person{ID: pid}, fromMicros(first), fromMicros(last)
			out = append(out, &r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		today := citdesk.DateOf(tx.now, agency.Location())
		for _, r := range out {
			if r.Person, err = tx.findPerson(ctx, actor.AgencyID, r.Person.ID, false); err != nil {
				return err
			}
			plans, err := listPlans(ctx, tx, `agency_id = ? AND person_id = ?`, actor.AgencyID, r.Person.ID)
			if err != nil {
				return err
			}
			for _, c := range plans {
				r.CurrentPlan = r.CurrentPlan || c.Current(today)
			}
		}
		read := newAuditRead(actor, "person.list")
		detail := fmt.Sprintf("repeat_contacts min=%d days=%d", f.MinEncounters, f.WindowDays)
		for _, r := range out {
			read.record("person", r.Person.ID, detail)
		}
		return read.write(ctx, tx)
	})
	if out == nil {
		out = []*citdesk.RepeatContact{}
	}
	return out, err
}
