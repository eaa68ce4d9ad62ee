package dispatch

import (
	"sync"
	"time"

	"citdesk"
)

// Index holds an agency's on-duty units in memory, so the web layer can keep
// them current from status events and answer Recommend without a database
// round-trip. It is safe for concurrent use: recommendations share a read
// lock, changes take the write lock. The zero value is an empty Index.
type Index struct {
	mu    sync.RWMutex
	units []Unit
	pos   map[int64]int // officer id → position in units
}

// NewIndex returns an Index holding the on-duty units among units.
func NewIndex(units ...Unit) *Index {
	x := &Index{}
	for _, u := range units {
		x.Set(u)
	}
	return x
}

// Set adds unit u, or replaces the unit with its officer id. A unit that is
// off duty (or has no valid duty status) is removed instead, since the index
// holds on-duty units only.
func (x *Index) Set(u Unit) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.setLocked(u)
}

func (x *Index) setLocked(u Unit) {
	if !u.Status.OnDuty() {
		x.removeLocked(u.OfficerID)
		return
	}
	if i, ok := x.pos[u.OfficerID]; ok {
		x.units[i] = u
		return
	}
	if x.pos == nil {
		x.pos = make(map[int64]int)
	}
	x.pos[u.OfficerID] = len(x.units)
	x.units = append(x.units, u)
}

// Remove removes the unit with officerID and reports whether it was there.
func (x *Index) Remove(officerID int64) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.removeLocked(officerID)
}

func (x *Index) removeLocked(id int64) bool {
	i, ok := x.pos[id]
	if !ok {
		return false
	}
	last := len(x.units) - 1
	if i != last {
		x.units[i] = x.units[last]
		x.pos[x.units[i].OfficerID] = i
	}
	x.units[last] = Unit{}
	x.units = x.units[:last]
	delete(x.pos, id)
	return true
}

// Update applies change to the unit with officerID under the write lock
// and reports whether the unit was there. A unit that change leaves off
// duty is removed; the officer id stays as it was. change must not call the
// Index.
func (x *Index) Update(officerID int64, change func(u *Unit)) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	i, ok := x.pos[officerID]
	if !ok {
		return false
	}
	u := x.units[i]
	change(&u)
	u.OfficerID = officerID
	x.setLocked(u)
	return true
}

// ApplyStatus records status change c for a unit already in the index and
// reports whether it was there; the caller adds an officer coming on duty
// with Set. The status always changes; the position moves when c carries
// one; an officer now available is on no call; an officer going off duty
// leaves the index.
func (x *Index) ApplyStatus(c *citdesk.StatusChange) bool {
	return x.Update(c.OfficerID, func(u *Unit) {
		u.Status = c.Status
		if c.Lat != nil && c.Lon != nil {
			u.Lat, u.Lon, u.PositionAt = *c.Lat, *c.Lon, c.At
		}
		if c.Status == citdesk.StatusAvailable {
			u.CallID, u.CallNature, u.CallEmergency = 0, "", false
		}
	})
}

// Get returns the unit with officerID, if it is in the index.
func (x *Index) Get(officerID int64) (Unit, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	i, ok := x.pos[officerID]
	if !ok {
		return Unit{}, false
	}
	return x.units[i], true
}

// Len returns the number of units in the index.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.units)
}

// Units returns a copy of the units in the index, in no particular order.
func (x *Index) Units() []Unit {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return append([]Unit(nil), x.units...)
}

// Recommend is the package's Recommend over the units in the index at the
// moment of the call.
func (x *Index) Recommend(t Target, now time.Time, policy citdesk.Policy, opt Options) Result {
	s := resolve(policy, opt)
	x.mu.RLock()
	defer x.mu.RUnlock()
	return recommend(t, x.units, now, s, opt.Liaison)
}
