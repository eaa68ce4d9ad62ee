package outcomes

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// augmented returns t's counts with totals: row R the column totals, column
// C the row totals, [R][C] the grand total.
func augmented(t Table) [][]int {
	R, C := len(t.Counts), len(t.Counts[0])
	a := make([][]int, R+1)
	for r := range a {
		a[r] = make([]int, C+1)
	}
	for r := range R {
		for c := range C {
			v := t.Counts[r][c]
			a[r][c] = v
			a[r][C] += v
			a[R][c] += v
			a[R][C] += v
		}
	}
	return a
}

// published returns the suppressed table in the same augmented layout.
func published(s SuppressedTable) [][]Value {
	R := len(s.Cells)
	a := make([][]Value, R+1)
	for r := range R {
		a[r] = append(append([]Value(nil), s.Cells[r]...), s.RowTotals[r])
	}
	a[R] = append(append([]Value(nil), s.ColTotals...), s.Total)
	return a
}

// determined reports, for each hidden entry, whether the published
// equations (each row and column adds up to its total) determine its value,
// ignoring bounds. It is Gaussian elimination to reduced row echelon form
// over the hidden entries: entry i is determined exactly when the unit
// vector e_i is in the row space, that is when some reduced row is e_i.
// It knows nothing of the graph argument Suppress relies on.
func determined(pub [][]Value) map[[2]int]bool {
	R, C := len(pub)-1, len(pub[0])-1
	var unknowns [][2]int
	col := map[[2]int]int{}
	for r := 0; r <= R; r++ {
		for c := 0; c <= C; c++ {
			if pub[r][c].Status != Shown {
				col[[2]int{r, c}] = len(unknowns)
				unknowns = append(unknowns, [2]int{r, c})
			}
		}
	}
	var m [][]float64
	addEq := func(entries [][2]int, coefs []float64) {
		row := make([]float64, len(unknowns))
		for i, e := range entries {
			if j, ok := col[e]; ok {
				row[j] += coefs[i]
			}
		}
		m = append(m, row)
	}
	for r := 0; r <= R; r++ {
		var es [][2]int
		var cs []float64
		for c := 0; c <= C; c++ {
			es = append(es, [2]int{r, c})
			cs = append(cs, map[bool]float64{true: -1, false: 1}[c == C])
		}
		addEq(es, cs)
	}
	for c := 0; c <= C; c++ {
		var es [][2]int
		var cs []float64
		for r := 0; r <= R; r++ {
			es = append(es, [2]int{r, c})
			cs = append(cs, map[bool]float64{true: -1, false: 1}[r == R])
		}
		addEq(es, cs)
	}
	// Reduced row echelon form.
	const eps = 1e-9
	pivotRow := 0
	pivotOf := map[int]int{} // column → row
	for j := 0; j < len(unknowns) && pivotRow < len(m); j++ {
		best := -1
		for i := pivotRow; i < len(m); i++ {
			if math.Abs(m[i][j]) > eps && (best < 0 || math.Abs(m[i][j]) > math.Abs(m[best][j])) {
				best = i
			}
		}
		if best < 0 {
			continue
		}
		m[pivotRow], m[best] = m[best], m[pivotRow]
		p := m[pivotRow][j]
		for k := range m[pivotRow] {
			m[pivotRow][k] /= p
		}
		for i := range m {
			if i != pivotRow && math.Abs(m[i][j]) > eps {
				f := m[i][j]
				for k := range m[i] {
					m[i][k] -= f * m[pivotRow][k]
				}
			}
		}
		pivotOf[j] = pivotRow
		pivotRow++
	}
	out := map[[2]int]bool{}
	for j, e := range unknowns {
		i, ok := pivotOf[j]
		if !ok {
			continue
		}
		unit := true
		for k, v := range m[i] {
			if k != j && math.Abs(v) > eps {
				unit = false
			}
		}
		out[e] = unit
	}
	return out
}

func randomTable(rng *rand.Rand, maxR, maxC int) Table {
	R, C := 1+rng.IntN(maxR), 1+rng.IntN(maxC)
	t := Table{Counts: make([][]int, R)}
	for r := range R {
		t.Counts[r] = make([]int, C)
		for c := range C {
			switch u := rng.Float64(); {
			case u < 0.25:
				t.Counts[r][c] = 0
			case u < 0.6:
				t.Counts[r][c] = 1 + rng.IntN(10)
			default:
				t.Counts[r][c] = 11 + rng.IntN(150)
			}
		}
	}
	return t
}

// TestSuppressProperties runs Suppress on random tables and checks that no
// shown count (cell or total) is from 1 to 10, that shown counts are true,
// that hidden counts carry no value, and that no hidden count can be solved
// for from the published equations.
func TestSuppressProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for i := range 3000 {
		tab := randomTable(rng, 5, 6)
		s := Suppress(tab)
		truth, pub := augmented(tab), published(s)
		for r := range truth {
			for c := range truth[r] {
				v, p := truth[r][c], pub[r][c]
				switch {
				case p.Status == Shown && v >= 1 && v <= SmallCellMax:
					t.Fatalf("table %d %v: %d shown at (%d,%d)", i, tab.Counts, v, r, c)
				case p.Status == Shown && p.Count != v:
					t.Fatalf("table %d: shown %d at (%d,%d), true %d", i, p.Count, r, c, v)
				case p.Status != Shown && p.Count != 0:
					t.Fatalf("table %d: hidden value %d carried at (%d,%d)", i, p.Count, r, c)
				case p.Status == Small && (v < 1 || v > SmallCellMax):
					t.Fatalf("table %d: %d marked small", i, v)
				case p.Status == Complementary && v >= 1 && v <= SmallCellMax:
					t.Fatalf("table %d: small %d marked complementary", i, v)
				}
			}
		}
		for e, det := range determined(pub) {
			if det {
				t.Fatalf("table %d %v: hidden (%d,%d) = %d can be solved for\n%v", i, tab.Counts, e[0], e[1], truth[e[0]][e[1]], pub)
			}
		}
		// Every row and column (totals included) has 0 or at least 2 hidden.
		for r := range pub {
			if n := countHidden(pub[r]); n == 1 {
				t.Fatalf("table %d: row %d has one hidden entry", i, r)
			}
		}
		for c := range pub[0] {
			col := make([]Value, len(pub))
			for r := range pub {
				col[r] = pub[r][c]
			}
			if n := countHidden(col); n == 1 {
				t.Fatalf("table %d: column %d has one hidden entry", i, c)
			}
		}
	}
}

func countHidden(vs []Value) int {
	n := 0
	for _, v := range vs {
		if v.Status != Shown {
			n++
		}
	}
	return n
}

// TestSuppressBounds brute-forces small tables: every assignment of the
// hidden cells that a reader cannot rule out (small ones 1–10,
// complementary ones 0 or 11 and up, every total consistent with what is
// shown or with its own status) is enumerated, and each hidden entry must
// take at least two values across them, so that not even the bounds pin it,
// unless it is 0 (a hidden 0 given away discloses nobody).
// Complementary cells are tried up to 60, above any true value here; a cap
// can only make the test stricter.
func TestSuppressBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	checked := 0
	for range 1500 {
		R, C := 1+rng.IntN(2), 1+rng.IntN(3)
		tab := Table{}
		for range R {
			row := make([]int, C)
			for c := range row {
				row[c] = []int{0, 1, 2, 3, 5, 9, 10, 11, 12, 20}[rng.IntN(10)]
			}
			tab.Counts = append(tab.Counts, row)
		}
		pub := published(Suppress(tab))
		var hidden [][2]int
		size := 1
		domain := func(st Status) []int {
			if st == Small {
				return []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
			}
			d := []int{0}
			for v := 11; v <= 60; v++ {
				d = append(d, v)
			}
			return d
		}
		for r := range R {
			for c := range C {
				if st := pub[r][c].Status; st != Shown {
					hidden = append(hidden, [2]int{r, c})
					size *= len(domain(st))
				}
			}
		}
		if size > 100_000 {
			continue
		}
		checked++
		seen := map[[2]int]map[int]bool{}
		vals := make([][]int, R)
		for r := range vals {
			vals[r] = make([]int, C)
			for c := range vals[r] {
				vals[r][c] = pub[r][c].Count
			}
		}
		consistent := func(p Value, v int) bool {
			switch p.Status {
			case Small:
				return v >= 1 && v <= SmallCellMax
			case Complementary:
				return v == 0 || v > SmallCellMax
			}
			return v == p.Count
		}
		var walk func(k int)
		walk = func(k int) {
			if k < len(hidden) {
				h := hidden[k]
				for _, v := range domain(pub[h[0]][h[1]].Status) {
					vals[h[0]][h[1]] = v
					walk(k + 1)
				}
				return
			}
			a := augmented(Table{Counts: vals})
			for r := range a {
				for c := range a[r] {
					if !consistent(pub[r][c], a[r][c]) {
						return
					}
				}
			}
			for r := range a {
				for c := range a[r] {
					if pub[r][c].Status != Shown {
						e := [2]int{r, c}
						if seen[e] == nil {
							seen[e] = map[int]bool{}
						}
						seen[e][a[r][c]] = true
					}
				}
			}
		}
		walk(0)
		for e, vs := range seen {
			if len(vs) < 2 && !vs[0] {
				t.Errorf("table %v: hidden (%d,%d) can only be %v\n%v", tab.Counts, e[0], e[1], vs, pub)
			}
		}
	}
	if checked < 1000 {
		t.Errorf("only %d tables small enough to enumerate", checked)
	}
}

func TestSuppressExamples(t *testing.T) {
	// A 5 alone in its row: the row total gives it back, so the least
	// other cell of the row (12) is hidden too; then column 1 has one
	// hidden cell (12), so its least other cell (40) goes, and so on until
	// the hidden cells make a cycle.
	s := Suppress(Table{Counts: [][]int{{5, 12, 30}, {50, 40, 60}}})
	pub := published(s)
	if pub[0][0].Status != Small || pub[0][1].Status != Complementary {
		t.Errorf("got %v", pub)
	}
	for e, det := range determined(pub) {
		if det {
			t.Errorf("(%d,%d) determined in %v", e[0], e[1], pub)
		}
	}
	// Nothing small: nothing hidden.
	s = Suppress(Table{Counts: [][]int{{0, 12}, {50, 0}}})
	for _, row := range published(s) {
		if countHidden(row) != 0 {
			t.Errorf("hid cells of a table with nothing small: %v", published(s))
		}
	}
	// JSON: numbers, "fewer than 11", "suppressed".
	b, err := json.Marshal([]Value{{Count: 12}, {Status: Small}, {Status: Complementary}})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `[12,"fewer than 11","suppressed"]` {
		t.Errorf("JSON = %s", b)
	}
}

// TestComputePublic checks that the public figures come by quarter, that
// no shown count is from 1 to 10, and that rates appear only with both
// their counts shown.
func TestComputePublic(t *testing.T) {
	loc := chicago(t)
	encs := Synthesize(3000, 3, time.Date(2024, time.January, 1, 0, 0, 0, 0, loc), loc)
	pub := ComputePublic(encs, SynthesizeReferrals(encs, 3), Params{Location: loc})
	if len(pub) != numMeasures {
		t.Fatalf("%d public measures", len(pub))
	}
	for _, m := range pub {
		cells := append([]PublicCell{m.Total}, m.Quarters...)
		for _, c := range cells {
			for _, v := range []Value{c.Count, c.Denominator} {
				if v.Status == Shown && v.Count >= 1 && v.Count <= 10 {
					t.Errorf("%s %s: %d shown", m.ID, c.Period, v.Count)
				}
			}
			if c.Rate.Defined() && (c.Count.Status != Shown || c.Denominator.Status != Shown) {
				t.Errorf("%s %s: rate with a hidden count", m.ID, c.Period)
			}
			if c.Period != "total" && (len(c.Period) != 7 || c.Period[4:6] != "-Q") {
				t.Errorf("%s: period %q is not a quarter", m.ID, c.Period)
			}
		}
	}
	if _, err := json.Marshal(pub); err != nil {
		t.Fatal(err)
	}
}
