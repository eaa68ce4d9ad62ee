package geo

import (
	"path/filepath"
	"sync"
)

// Maps holds the imported map of each agency that has one, by agency id.
// It is safe for concurrent use; a map is replaced whole, never changed.
type Maps struct {
	mu sync.RWMutex
	m  map[int64]*Map
}

// NewMaps returns an empty set of maps.
func NewMaps() *Maps { return &Maps{m: map[int64]*Map{}} }

// Set makes m the map of agency agencyID (nil removes it).
func (ms *Maps) Set(agencyID int64, m *Map) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if m == nil {
		delete(ms.m, agencyID)
		return
	}
	ms.m[agencyID] = m
}

// Get returns the map of agency agencyID, or nil when it has none. A nil
// Maps has none.
func (ms *Maps) Get(agencyID int64) *Map {
	if ms == nil {
		return nil
	}
	ms.mu.RLock()
	defer ms.mu.RUnlock()
	return ms.m[agencyID]
}

// MapFile is where the map of the agency with slug is kept under the data
// directory: DIR/maps/SLUG.citmap.
func MapFile(dataDir, slug string) string {
	return filepath.Join(dataDir, "maps", slug+".citmap")
}
