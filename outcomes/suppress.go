package outcomes

import (
	"encoding/json"
	"math"
)

// Small-cell suppression for the public dashboard.
//
// A count from 1 to 10 could identify a person, so it is published as
// "fewer than 11" (primary suppression). Because tables are published with
// their totals, hiding small counts is not enough: a hidden count that is
// the only hidden one in its row is the row total minus the shown ones. So
// more counts are hidden (complementary suppression) until no hidden count
// can be worked out from what is shown. Suppress treats the table and its
// totals as one table of entries, and each row and each column (totals
// included) as an equation "the entries add up to the total". It hides
// more entries until, for every equation,
//
//   - no equation has exactly one hidden entry;
//   - no hidden entry other than a 0 is pinned by what a reader knows of
//     the ranges (two "fewer than 11" cells in a row whose hidden part adds
//     up to 2 are both 1; a "suppressed" one is 0 or at least 11): the
//     ranges are narrowed through all the equations (bounds propagation)
//     and none may narrow to one value; and
//   - no hidden entry is determined by combining equations. The hidden
//     entries are the edges of a graph joining row equations to column
//     equations; an entry can be solved for exactly when it is a bridge of
//     that graph (on no cycle), since around a cycle the hidden values can
//     be shifted by +t and −t alternately without changing any total. So
//     every bridge gets a cycle by hiding one more entry across it.
//
// The complementary entry chosen is the least non-zero cell inside the
// table, then a total, then a zero, so that the most useful figures stay
// shown and hidden values can move in both directions. The property tests
// check the result with Gaussian elimination, independently of the graph
// argument, and by enumerating every assignment a reader could not rule
// out on thousands of small tables. Bounds propagation is not a full
// integer-programming audit (as τ-ARGUS runs), so on large tables a
// range could in principle be narrower than it finds; the enumeration has
// not found such a case.

// Status says whether a published count is shown.
type Status uint8

// The statuses of a published count.
const (
	Shown         Status = iota
	Small                // 1 to 10: "fewer than 11"
	Complementary        // hidden so that a small count cannot be worked out
)

// SmallCellMax is the largest count that is suppressed.
const SmallCellMax = 10

// Value is a count as published. Count is 0 unless the status is Shown, so
// a page cannot print a hidden count by mistake.
type Value struct {
	Count  int
	Status Status
}

// MarshalJSON writes a shown count as a number, a small one as "fewer than
// 11" and a complementary one as "suppressed".
func (v Value) MarshalJSON() ([]byte, error) {
	switch v.Status {
	case Small:
		return json.Marshal("fewer than 11")
	case Complementary:
		return json.Marshal("suppressed")
	}
	return json.Marshal(v.Count)
}

// String returns the count as the public page shows it.
func (v Value) String() string {
	switch v.Status {
	case Small:
		return "fewer than 11"
	case Complementary:
		return "suppressed"
	}
	return thousands(v.Count)
}

// Table is a two-way table of non-negative counts, such as a measure's
// numerator and the rest of its denominator (rows) by quarter (columns).
// Its totals are computed, not given.
type Table struct {
	Rows, Cols []string
	Counts     [][]int // Counts[row][col]
}

// SuppressedTable is a Table as published: every cell and total as a Value.
type SuppressedTable struct {
	Rows      []string  `json:"rows"`
	Cols      []string  `json:"cols"`
	Cells     [][]Value `json:"cells"`
	RowTotals []Value   `json:"row_totals"`
	ColTotals []Value   `json:"col_totals"`
	Total     Value     `json:"total"`
}

// Suppress returns t as it may be published, following the rules above.
// Negative counts are treated as 0.
func Suppress(t Table) SuppressedTable {
	sp := newSuppression(t)
	sp.run()
	return sp.result(t)
}

// suppression is the working state of Suppress over the augmented table:
// (R+1)×(C+1) entries with row R the column totals and column C the row
// totals.
type suppression struct {
	R, C   int
	v      [][]int
	status [][]Status
}

func newSuppression(t Table) *suppression {
	R, C := len(t.Counts), 0
	for _, row := range t.Counts {
		C = max(C, len(row))
	}
	sp := &suppression{R: R, C: C}
	sp.v = make([][]int, R+1)
	sp.status = make([][]Status, R+1)
	for r := range sp.v {
		sp.v[r] = make([]int, C+1)
		sp.status[r] = make([]Status, C+1)
	}
	for r, row := range t.Counts {
		for c, n := range row {
			n = max(n, 0)
			sp.v[r][c] = n
			sp.v[r][C] += n
			sp.v[R][c] += n
			sp.v[R][C] += n
		}
	}
	for r := range sp.v {
		for c, n := range sp.v[r] {
			if n >= 1 && n <= SmallCellMax {
				sp.status[r][c] = Small
			}
		}
	}
	return sp
}

// entry is a position in the augmented table.
type entry struct{ r, c int }

// equation is one row or column of the augmented table: its entries and
// their coefficients (+1 for a cell, −1 for the total), adding up to 0.
type equation struct {
	entries []entry
	coefs   []int
}

func (sp *suppression) equations() []equation {
	var eqs []equation
	for r := 0; r <= sp.R; r++ {
		var e equation
		for c := 0; c <= sp.C; c++ {
			e.entries = append(e.entries, entry{r, c})
			e.coefs = append(e.coefs, coef(c == sp.C))
		}
		eqs = append(eqs, e)
	}
	for c := 0; c <= sp.C; c++ {
		var e equation
		for r := 0; r <= sp.R; r++ {
			e.entries = append(e.entries, entry{r, c})
			e.coefs = append(e.coefs, coef(r == sp.R))
		}
		eqs = append(eqs, e)
	}
	return eqs
}

// coef is an entry's coefficient in its equations: −1 for a total, +1 for
// what adds up to it.
func coef(total bool) int {
	if total {
		return -1
	}
	return 1
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (sp *suppression) hidden(e entry) bool { return sp.status[e.r][e.c] != Shown }

// run hides entries until none of the three rules finds one to hide. Each
// round hides at least one more entry, so it ends.
func (sp *suppression) run() {
	eqs := sp.equations()
	for {
		if sp.fixSingles(eqs) || sp.fixBounds(eqs) || sp.fixBridges() {
			continue
		}
		return
	}
}

// fixSingles hides a second entry in each equation with exactly one hidden.
func (sp *suppression) fixSingles(eqs []equation) bool {
	changed := false
	for _, eq := range eqs {
		n := 0
		for _, e := range eq.entries {
			if sp.hidden(e) {
				n++
			}
		}
		if n == 1 {
			sp.hideBest(eq.entries)
			changed = true
		}
	}
	return changed
}

// inf stands for "no upper bound" in the interval arithmetic of fixBounds.
const inf = math.MaxInt64 / 4

// fixBounds hides one more entry when what a reader knows pins a hidden
// entry to one value. A reader knows each hidden entry's range (1–10 for
// a small count; 0 or 11 and up for a complementary one, since it would
// have been marked small otherwise) and that every row and column adds
// up. Their ranges are narrowed through the equations until nothing
// changes (bounds propagation): the ranges found always hold the true
// values, so one that has narrowed to a single value is given away.
// ([[1],[11]] is the smallest case: the column total 12 is shown, the 11 is
// complementary so at least 11, so the small count is 1.) The entry hidden
// is the best shown one in the pinned entry's row or column.
func (sp *suppression) fixBounds(eqs []equation) bool {
	lo := make([][]int64, sp.R+1)
	hi := make([][]int64, sp.R+1)
	for r := range lo {
		lo[r] = make([]int64, sp.C+1)
		hi[r] = make([]int64, sp.C+1)
		for c := range lo[r] {
			switch sp.status[r][c] {
			case Shown:
				lo[r][c], hi[r][c] = int64(sp.v[r][c]), int64(sp.v[r][c])
			case Small:
				lo[r][c], hi[r][c] = 1, SmallCellMax
			case Complementary:
				lo[r][c], hi[r][c] = 0, inf
			}
		}
	}
	// Propagation can creep by one a round around a cycle; a few hundred
	// rounds bound the work, and stopping early is safe (the ranges are
	// still true, only wider).
	for round := 0; round < 200; round++ {
		changed := false
		for _, eq := range eqs {
			if sp.narrow(eq, lo, hi) {
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	for r := range lo {
		for c := range lo[r] {
			// A hidden 0 that is given away discloses nobody (and a 0 next to
			// small counts under a small total is often bound to be one).
			if sp.status[r][c] != Shown && lo[r][c] == hi[r][c] && lo[r][c] > 0 {
				var es []entry
				for cc := 0; cc <= sp.C; cc++ {
					es = append(es, entry{r, cc})
				}
				for rr := 0; rr <= sp.R; rr++ {
					es = append(es, entry{rr, c})
				}
				if sp.hideBest(es) || sp.hideBest(sp.all()) {
					return true
				}
			}
		}
	}
	return false
}

// narrow tightens the ranges of eq's hidden entries from the others' and
// reports whether any changed. Each term coef·x of the equation Σ coef·x = 0
// is minus the sum of the other terms.
func (sp *suppression) narrow(eq equation, lo, hi [][]int64) bool {
	// Sums of the terms' lower and upper ends, keeping count of the
	// infinite ends apart from the finite sum.
	var sumLo, sumHi int64
	var negInf, posInf int
	term := func(i int) (a, b int64) {
		e := eq.entries[i]
		a, b = lo[e.r][e.c], hi[e.r][e.c]
		if eq.coefs[i] < 0 {
			a, b = -b, -a
		}
		return a, b
	}
	for i := range eq.entries {
		a, b := term(i)
		if a <= -inf {
			negInf++
		} else {
			sumLo += a
		}
		if b >= inf {
			posInf++
		} else {
			sumHi += b
		}
	}
	changed := false
	for i, e := range eq.entries {
		if sp.status[e.r][e.c] == Shown {
			continue
		}
		a, b := term(i)
		// The others' sum lies in [oLo, oHi]; this term is minus it.
		oLo, oHi := int64(-inf), int64(inf)
		if negInf-boolInt(a <= -inf) == 0 {
			oLo = sumLo
			if a > -inf {
				oLo -= a
			}
		}
		if posInf-boolInt(b >= inf) == 0 {
			oHi = sumHi
			if b < inf {
				oHi -= b
			}
		}
		tLo, tHi := -oHi, -oLo // the term's range
		if tLo <= -inf {
			tLo = -inf
		}
		if tHi >= inf {
			tHi = inf
		}
		xLo, xHi := tLo, tHi
		if eq.coefs[i] < 0 {
			xLo, xHi = -tHi, -tLo
		}
		nLo, nHi := max(lo[e.r][e.c], xLo), min(hi[e.r][e.c], xHi)
		if sp.status[e.r][e.c] == Complementary {
			// Not 1–10: a lower end in 1–10 moves up to 11, an upper end
			// in 1–10 down to 0.
			if nLo >= 1 && nLo <= SmallCellMax {
				nLo = SmallCellMax + 1
			}
			if nHi >= 1 && nHi <= SmallCellMax {
				nHi = 0
			}
		}
		if nLo > nHi {
			continue // cannot happen with true values; leave the range as it was
		}
		if nLo != lo[e.r][e.c] || nHi != hi[e.r][e.c] {
			lo[e.r][e.c], hi[e.r][e.c] = nLo, nHi
			changed = true
		}
	}
	return changed
}

// all returns every entry of the augmented table.
func (sp *suppression) all() []entry {
	var es []entry
	for r := 0; r <= sp.R; r++ {
		for c := 0; c <= sp.C; c++ {
			es = append(es, entry{r, c})
		}
	}
	return es
}

// fixBridges finds a hidden entry that is a bridge of the hidden-entry
// graph and hides an entry that closes a cycle through it.
func (sp *suppression) fixBridges() bool {
	R, C := sp.R, sp.C
	nodes := R + 1 + C + 1 // rows 0..R, then columns 0..C
	colNode := func(c int) int { return R + 1 + c }
	adj := make([][]entry, nodes)
	for r := 0; r <= R; r++ {
		for c := 0; c <= C; c++ {
			if sp.hidden(entry{r, c}) {
				adj[r] = append(adj[r], entry{r, c})
				adj[colNode(c)] = append(adj[colNode(c)], entry{r, c})
			}
		}
	}
	other := func(n int, e entry) int {
		if n == e.r {
			return colNode(e.c)
		}
		return e.r
	}
	// Tarjan's bridge finding.
	disc := make([]int, nodes)
	low := make([]int, nodes)
	for i := range disc {
		disc[i] = -1
	}
	time := 0
	var bridge *entry
	var dfs func(n int, via entry, root bool)
	dfs = func(n int, via entry, root bool) {
		disc[n], low[n] = time, time
		time++
		for _, e := range adj[n] {
			if !root && e == via {
				continue
			}
			m := other(n, e)
			if disc[m] < 0 {
				dfs(m, e, false)
				low[n] = min(low[n], low[m])
				if low[m] > disc[n] && bridge == nil {
					b := e
					bridge = &b
				}
			} else {
				low[n] = min(low[n], disc[m])
			}
		}
	}
	for n := range nodes {
		if disc[n] < 0 && bridge == nil {
			dfs(n, entry{-1, -1}, true)
		}
	}
	if bridge == nil {
		return false
	}

	// The two sides of the bridge once it is removed.
	side := func(start int) []bool {
		in := make([]bool, nodes)
		in[start] = true
		stack := []int{start}
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, e := range adj[n] {
				if e == *bridge {
					continue
				}
				if m := other(n, e); !in[m] {
					in[m] = true
					stack = append(stack, m)
				}
			}
		}
		return in
	}
	a, b := side(bridge.r), side(colNode(bridge.c))
	var cands []entry
	for r := 0; r <= R; r++ {
		for c := 0; c <= C; c++ {
			e := entry{r, c}
			if sp.hidden(e) {
				continue
			}
			if a[r] && b[colNode(c)] || b[r] && a[colNode(c)] {
				cands = append(cands, e)
			}
		}
	}
	if len(cands) == 0 {
		// Not expected once every equation has two hidden entries; hide
		// the best entry anywhere, which still ends (all hidden has no
		// bridge).
		cands = sp.all()
	}
	return sp.hideBest(cands)
}

// hideBest hides the best shown entry of es for complementary suppression:
// the least non-zero cell, then the least non-zero total, then a zero cell,
// then a zero total; ties go to the first. It reports whether it hid one.
func (sp *suppression) hideBest(es []entry) bool {
	best, bestKey := entry{-1, -1}, [2]int{math.MaxInt, math.MaxInt}
	for _, e := range es {
		if sp.hidden(e) {
			continue
		}
		v := sp.v[e.r][e.c]
		class := boolInt(e.r == sp.R || e.c == sp.C)
		if v == 0 {
			class += 2
		}
		if key := [2]int{class, v}; key[0] < bestKey[0] || key[0] == bestKey[0] && key[1] < bestKey[1] {
			best, bestKey = e, key
		}
	}
	if best.r < 0 {
		return false
	}
	sp.status[best.r][best.c] = Complementary
	return true
}

func (sp *suppression) result(t Table) SuppressedTable {
	val := func(r, c int) Value {
		if st := sp.status[r][c]; st != Shown {
			return Value{Status: st}
		}
		return Value{Count: sp.v[r][c]}
	}
	out := SuppressedTable{Rows: t.Rows, Cols: t.Cols, Total: val(sp.R, sp.C)}
	out.Cells = make([][]Value, sp.R)
	out.RowTotals = make([]Value, sp.R)
	for r := range sp.R {
		out.Cells[r] = make([]Value, sp.C)
		for c := range sp.C {
			out.Cells[r][c] = val(r, c)
		}
		out.RowTotals[r] = val(r, sp.C)
	}
	out.ColTotals = make([]Value, sp.C)
	for c := range sp.C {
		out.ColTotals[c] = val(sp.R, c)
	}
	return out
}
