package outcomes

import (
	"cmp"
	"slices"
)

// idIndex finds a record's position in its columns by the store's id. It
// holds the positions sorted by the id at each (4 bytes a record, found by
// binary search through the id column) and a map of the records added
// since the positions were sorted (few: a change reads a handful of
// records). A map of every id took about 40 MB for a million encounters;
// this takes about 4.
//
// The id column is read through ids, a function, since appending to the
// column moves it. Every sorted position must hold the id it was sorted
// by: remove and move are called before the columns change, and the
// caller then moves the columns' last record into the removed one's place.
type idIndex struct {
	ids    func() []int64
	sorted []int32         // positions, in increasing order of their ids
	added  map[int64]int32 // ids not in sorted, and their positions
}

// newIDIndex indexes the n ids ids() returns.
func newIDIndex(ids func() []int64) *idIndex {
	col := ids()
	x := &idIndex{ids: ids, sorted: make([]int32, len(col)), added: map[int64]int32{}}
	for i := range x.sorted {
		x.sorted[i] = int32(i)
	}
	if !slices.IsSorted(col) {
		slices.SortFunc(x.sorted, func(a, b int32) int { return cmp.Compare(col[a], col[b]) })
	}
	return x
}

// slot returns where id's position is in sorted.
func (x *idIndex) slot(id int64) (int, bool) {
	col := x.ids()
	return slices.BinarySearchFunc(x.sorted, id, func(pos int32, id int64) int { return cmp.Compare(col[pos], id) })
}

// get returns the position of id (none when x is nil: not built).
func (x *idIndex) get(id int64) (int32, bool) {
	if x == nil {
		return 0, false
	}
	if at, ok := x.added[id]; ok {
		return at, true
	}
	if k, ok := x.slot(id); ok {
		return x.sorted[k], true
	}
	return 0, false
}

// add records that id, not indexed, is at position at. When the records
// added outnumber a sixteenth of those sorted, everything is sorted again,
// so lookups stay quick.
func (x *idIndex) add(id int64, at int32) {
	x.added[id] = at
	if len(x.added) > 1024+len(x.sorted)/16 {
		*x = *newIDIndex(x.ids)
	}
}

// remove forgets id; the columns must not have changed yet.
func (x *idIndex) remove(id int64) {
	if _, ok := x.added[id]; ok {
		delete(x.added, id)
		return
	}
	if k, ok := x.slot(id); ok {
		x.sorted = slices.Delete(x.sorted, k, k+1)
	}
}

// move records that id goes to position at; the columns must not have
// changed yet.
func (x *idIndex) move(id int64, at int32) {
	if _, ok := x.added[id]; ok {
		x.added[id] = at
		return
	}
	if k, ok := x.slot(id); ok {
		x.sorted[k] = at
	}
}
