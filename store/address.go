package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"citdesk"
	"citdesk/geo"
)

// The agency's own address list and the lookup over it (issue 15). The
// list is replaced as a whole by an import; each process keeps one
// in-memory index per agency (geo.AddressIndex) and rebuilds it when the
// list's version in the database moves, so replicas and the command line
// importing into a running server agree.

// AddressService keeps agencies' address lists.
func (db *DB) AddressService() citdesk.AddressService { return addressService{db} }

type addressService struct{ db *DB }

// addressBatch is how many addresses one INSERT writes: 6 parameters each
// stays far below either engine's limit on parameters.
const addressBatch = 500

// ReplaceAddresses replaces the actor's agency's address list, all or
// nothing, and audits the import.
func (s addressService) ReplaceAddresses(ctx context.Context, list []citdesk.Address) (int, error) {
	actor, err := citdesk.Require(ctx, citdesk.ManageAgency)
	if err != nil {
		return 0, err
	}
	for i := range list {
		if err := list[i].Validate(); err != nil {
			return 0, fmt.Errorf("address %d (%s): %w", i+1, list[i].Label(), err)
		}
		list[i].AgencyID = actor.AgencyID
	}
	replaced := 0
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		var version int64
		err := tx.QueryRowContext(ctx, `SELECT version, address_count FROM address_lists WHERE agency_id = ?`+tx.db.dialect.forUpdate, actor.AgencyID).Scan(&version, &replaced)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("address list: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM addresses WHERE agency_id = ?`, actor.AgencyID); err != nil {
			return fmt.Errorf("clear addresses: %w", err)
		}
		for start := 0; start < len(list); start += addressBatch {
			batch := list[start:min(start+addressBatch, len(list))]
			q := `INSERT INTO addresses (agency_id, house_number, street, place, lat, lon) VALUES ` +
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", len(batch)), ", ")
			args := make([]any, 0, 6*len(batch))
			for _, a := range batch {
				args = append(args, actor.AgencyID, a.HouseNumber, a.Street, a.Place, a.Lat, a.Lon)
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("insert addresses: %w", err)
			}
		}
		if version == 0 {
			_, err = tx.ExecContext(ctx, `INSERT INTO address_lists (agency_id, version, address_count, imported_at) VALUES (?, 1, ?, ?)`, actor.AgencyID, len(list), micros(tx.now))
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE address_lists SET version = ?, address_count = ?, imported_at = ? WHERE agency_id = ?`, version+1, len(list), micros(tx.now), actor.AgencyID)
		}
		if err != nil {
			return fmt.Errorf("address list: %w", err)
		}
		return tx.audit(ctx, actor, "addresses.import", "agency", actor.AgencyID, fmt.Sprintf("%d addresses, replacing %d", len(list), replaced))
	})
	return replaced, err
}

// Geocoder looks addresses up in the agencies' own lists. One per DB, so
// every caller shares the in-memory indexes.
func (db *DB) Geocoder() citdesk.Geocoder {
	db.geoOnce.Do(func() { db.geocoder = &addressGeocoder{db: db, indexes: map[int64]*agencyAddresses{}} })
	return db.geocoder
}

// addressGeocoder answers lookups from an in-memory index per agency.
type addressGeocoder struct {
	db      *DB
	mu      sync.Mutex
	indexes map[int64]*agencyAddresses
}

// agencyAddresses is one agency's index at one version of its list; its
// mutex makes concurrent lookups after an import wait for one rebuild.
type agencyAddresses struct {
	mu      sync.Mutex
	version int64
	m       *geo.Map // the imported map the index holds, if any
	index   *geo.AddressIndex
}

// Search ranks the agency's addresses for q (citdesk.Geocoder).
func (g *addressGeocoder) Search(ctx context.Context, agencyID int64, q string, limit int) ([]citdesk.GeocodeMatch, error) {
	q, limit, err := citdesk.CheckGeocodeQuery(q, limit)
	if err != nil {
		return nil, err
	}
	ix, err := g.index(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	out := ix.Search(q, limit)
	if out == nil {
		out = []citdesk.GeocodeMatch{}
	}
	return out, nil
}

// Reverse names the agency's address nearest to (lat, lon)
// (citdesk.Geocoder).
func (g *addressGeocoder) Reverse(ctx context.Context, agencyID int64, lat, lon float64) (*citdesk.GeocodeMatch, error) {
	if err := citdesk.CheckPoint(lat, lon); err != nil {
		return nil, err
	}
	ix, err := g.index(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	m, ok := ix.Reverse(lat, lon)
	if !ok {
		return nil, citdesk.Errorf(citdesk.ENOTFOUND, "The agency has no addresses yet; an operator loads a map with citdesk map import or an address list with citdesk import addresses.")
	}
	return &m, nil
}

// index returns the agency's index, rebuilding it when the list changed
// since it was built. It costs one small read when nothing changed.
func (g *addressGeocoder) index(ctx context.Context, agencyID int64) (*geo.AddressIndex, error) {
	if a := citdesk.ActorFromContext(ctx); a != nil && a.AgencyID != agencyID {
		return nil, citdesk.Errorf(citdesk.EFORBIDDEN, "You may look up addresses only in your own agency.")
	}
	var version int64
	err := g.db.readTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT version FROM address_lists WHERE agency_id = ?`, agencyID).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("address list version: %w", err)
	}
	g.mu.Lock()
	aa := g.indexes[agencyID]
	if aa == nil {
		aa = &agencyAddresses{version: -1}
		g.indexes[agencyID] = aa
	}
	g.mu.Unlock()
	m := g.db.Maps.Get(agencyID)
	aa.mu.Lock()
	defer aa.mu.Unlock()
	if aa.index != nil && aa.version == version && aa.m == m {
		return aa.index, nil
	}
	var list []citdesk.Address
	err = g.db.readTx(ctx, func(tx *Tx) error {
		// Read the version again in the same snapshot as the rows, so the
		// index is labelled with the version it holds.
		err := tx.QueryRowContext(ctx, `SELECT version FROM address_lists WHERE agency_id = ?`, agencyID).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) {
			version = 0
		} else if err != nil {
			return err
		}
		list, err = queryAll(ctx, tx, "addresses", scanAddress,
			`SELECT house_number, street, place, lat, lon FROM addresses WHERE agency_id = ? ORDER BY id`, agencyID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load addresses: %w", err)
	}
	// The agency's own list first, then the imported map's addresses,
	// streets and places, in one index so they are ranked together.
	if m != nil {
		list = append(list, m.Addresses...)
		aa.index = geo.NewAddressIndexWithPlaces(list, m.Places)
	} else {
		aa.index = geo.NewAddressIndex(list)
	}
	aa.version, aa.m = version, m
	return aa.index, nil
}

func scanAddress(row rowScanner) (citdesk.Address, error) {
	var a citdesk.Address
	err := row.Scan(&a.HouseNumber, &a.Street, &a.Place, &a.Lat, &a.Lon)
	return a, err
}
