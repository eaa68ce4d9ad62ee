package outcomes

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"citdesk"
)

// TestColumnsCoverEveryField fails when Encounter or Referral gains a field
// the columns do not carry: the field lists must name every field, and each
// field set alone must come back from the columns (and from a snapshot
// file) as it went in. Adding a field means adding its column.
func TestColumnsCoverEveryField(t *testing.T) {
	for _, tc := range []struct {
		typ    reflect.Type
		listed []string
	}{{reflect.TypeFor[Encounter](), encounterFields}, {reflect.TypeFor[Referral](), referralFields}, {reflect.TypeFor[Complaint](), complaintFields}} {
		var fields []string
		for f := range tc.typ.Fields() {
			fields = append(fields, f.Name)
		}
		if !slices.Equal(slices.Sorted(slices.Values(fields)), slices.Sorted(slices.Values(tc.listed))) {
			t.Errorf("%s has fields %v; the columns carry %v: give the new field a column (columns.go, snapfile.go) and list it",
				tc.typ.Name(), fields, tc.listed)
		}
	}

	dir := t.TempDir()
	for i, name := range encounterFields {
		var e Encounter
		e.HandoverMinutes = -1
		v := reflect.ValueOf(&e).Elem().FieldByName(name)
		setNonZero(t, name, v)
		c := NewColumns()
		c.AppendEncounter(e.ID, &e)
		for _, cols := range []*Columns{c, fileTrip(t, dir, int64(i+1), c)} {
			var got Encounter
			cols.Encounter(0, &got)
			if !reflect.DeepEqual(normalized(got), normalized(e)) {
				t.Errorf("Encounter.%s does not survive the columns: put %+v, got %+v", name, e, got)
			}
		}
	}
	for i, name := range referralFields {
		var r Referral
		v := reflect.ValueOf(&r).Elem().FieldByName(name)
		setNonZero(t, name, v)
		c := NewColumns()
		c.AppendReferral(1, &r)
		for _, cols := range []*Columns{c, fileTrip(t, dir, int64(100+i), c)} {
			var got Referral
			var s Survey
			cols.Referral(0, &got, &s)
			if !reflect.DeepEqual(normalized(got), normalized(r)) {
				t.Errorf("Referral.%s does not survive the columns: put %+v, got %+v", name, r, got)
			}
		}
	}
	for i, name := range complaintFields {
		var k Complaint
		setNonZero(t, name, reflect.ValueOf(&k).Elem().FieldByName(name))
		c := NewColumns()
		c.SetComplaints([]Complaint{k})
		got := fileTrip(t, dir, int64(200+i), c).complaints
		if len(got) != 1 || !reflect.DeepEqual(normalized(got[0]), normalized(k)) {
			t.Errorf("Complaint.%s does not survive the snapshot file: put %+v, got %+v", name, k, got)
		}
	}
}

// setNonZero gives v a value other than its zero value.
func setNonZero(t *testing.T, name string, v reflect.Value) {
	t.Helper()
	switch {
	case v.Type() == reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)))
	case v.Type() == reflect.TypeFor[*Survey]():
		v.Set(reflect.ValueOf(&Survey{Respect: 1, Safety: 4, Help: 5}))
	case v.Kind() == reflect.Bool:
		v.SetBool(true)
	case v.Kind() == reflect.String:
		v.SetString("officer off duty")
	case v.CanInt():
		v.SetInt(2)
	case v.CanUint():
		v.SetUint(2)
	default:
		t.Fatalf("field %s: no test value for %s; add one here, and a column", name, v.Type())
	}
}

// normalized returns x with its times in UTC, so DeepEqual compares
// instants.
func normalized[T any](x T) T {
	v := reflect.ValueOf(&x).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Type() == reflect.TypeFor[time.Time]() {
			f.Set(reflect.ValueOf(f.Interface().(time.Time).UTC()))
		}
	}
	return x
}

// fileTrip writes c to a snapshot file and reads it back.
func fileTrip(t *testing.T, dir string, agency int64, c *Columns) *Columns {
	t.Helper()
	if err := writeSnapFile(dir, c, snapFileHeader{agencyID: agency}); err != nil {
		t.Fatal(err)
	}
	got, _, err := readSnapFile(dir, agency)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// columnHistory is synthetic history with the odd records imported
// history has: unknown dates, dates before 1932 and far-future deadlines
// (which widen a time column), coarse dates and long reasons.
func columnHistory(n int) ([]Encounter, []int64, []Referral, []int64, []Complaint) {
	loc, _ := time.LoadLocation("America/Chicago")
	encs := Synthesize(n, 11, time.Date(2021, 1, 1, 0, 0, 0, 0, loc), loc)
	for i := range encs {
		switch e := &encs[i]; i % 97 {
		case 3:
			e.Occurred = time.Time{}
		case 5:
			e.Occurred, e.Precision = time.Date(1921, 3, 4, 5, 6, 7, 0, time.UTC), PrecisionMonth
		case 7:
			e.ReportDue = time.Date(9999, time.January, 1, 0, 0, 0, 0, time.UTC)
		case 11:
			e.NoCITReason = "a reason nobody else gave"
		}
	}
	ids := make([]int64, n)
	for i := range encs {
		ids[i] = encs[i].ID
	}
	refs := SynthesizeReferrals(encs, 11)
	refIDs := make([]int64, len(refs))
	for i := range refs {
		refIDs[i] = int64(i + 1)
	}
	var comps []Complaint
	for i := 0; i < n; i += 40 {
		e := &encs[i]
		comps = append(comps, Complaint{Received: e.Occurred.Add(36 * time.Hour), Commendation: i%120 == 0, Sustained: i%80 == 0,
			Encounter: e.ID, Occurred: e.Occurred, Precision: e.Precision, OfficerCIT: e.OfficerCIT})
	}
	comps = append(comps, Complaint{Received: time.Date(2021, 5, 5, 5, 0, 0, 0, time.UTC)}) // linked to no report
	return encs, ids, refs, refIDs, comps
}

// TestColumnsComputeAsSlices checks that every computation over columns,
// and over columns read back from a snapshot file, gives what it gives
// over the Encounter values, on synthetic history, with the work split
// among workers and chunks.
func TestColumnsComputeAsSlices(t *testing.T) {
	old := parallelFrom
	parallelFrom = 3000
	defer func() { parallelFrom = old }()
	encs, ids, refs, refIDs, comps := columnHistory(12_345)
	cols := ColumnsOf(encs, ids, refs, refIDs)
	cols.SetComplaints(comps)
	fromFile := fileTrip(t, t.TempDir(), 7, cols)
	loc, _ := time.LoadLocation("America/Chicago")
	now := time.Date(2021, 10, 1, 9, 0, 0, 0, time.UTC)
	ranges := []Params{
		{Location: loc, Now: now},
		{Location: loc, Now: now, From: citdesk.NewDate(2021, time.February, 1), To: citdesk.NewDate(2021, time.June, 30)},
		{Location: loc, Now: now, Quarterly: true},
	}
	for _, c := range []*Columns{cols, fromFile} {
		for _, p := range ranges {
			if want, got := ComputeAll(encs, refs, comps, p), ComputeColumns(c, p); !sameNaN(want, got) {
				t.Errorf("%v–%v: ComputeColumns differs from Compute", p.From, p.To)
			}
			if want, got := SplitByMonth(encs, p), SplitColumnsByMonth(c, p); !sameNaN(want, got) {
				t.Errorf("%v–%v: SplitColumnsByMonth differs from SplitByMonth", p.From, p.To)
			}
			if want, got := ComputePublicAll(encs, refs, comps, p), ComputePublicColumns(c, p); !sameNaN(want, got) {
				t.Errorf("%v–%v: ComputePublicColumns differs from ComputePublic", p.From, p.To)
			}
			for _, id := range DrillableIDs() {
				want, _ := Behind(encs, p, id, GroupAll, "")
				got, _ := BehindColumns(c, p, id, GroupAll, "")
				if !reflect.DeepEqual(want, got) {
					t.Errorf("%v–%v: BehindColumns(%s) differs from Behind: %d rows, want %d", p.From, p.To, id, len(got), len(want))
				}
			}
		}
	}
	if r := ComputeColumns(cols, ranges[0]); r.Measures["encounters"].Count == 0 || r.Measures["complaints"].Count == 0 {
		t.Fatal("the synthetic history counted no encounters or no complaints")
	}
}

// TestColumnsRemove checks that removing records keeps the rest intact.
func TestColumnsRemove(t *testing.T) {
	encs, ids, refs, refIDs, _ := columnHistory(500)
	c := ColumnsOf(encs, ids, refs, refIDs)
	keep := map[int64]Encounter{}
	for i, e := range encs {
		keep[ids[i]] = e
	}
	for i := 0; i < c.Encounters(); {
		if id := c.EncounterID(i); id%3 == 0 {
			c.RemoveEncounter(i)
			delete(keep, id)
			continue
		}
		i++
	}
	if c.Encounters() != len(keep) {
		t.Fatalf("%d encounters left, want %d", c.Encounters(), len(keep))
	}
	for i := range c.Encounters() {
		var got Encounter
		c.Encounter(i, &got)
		if want := keep[got.ID]; !reflect.DeepEqual(normalized(got), normalized(want)) {
			t.Fatalf("encounter %d after removals: %+v, want %+v", got.ID, got, want)
		}
	}
	for c.Referrals() > 0 {
		c.RemoveReferral(0)
	}
}

// TestSnapFileRefusesDamage checks that a damaged, truncated, foreign or
// old-format file is refused, so the cache reads the rows instead.
func TestSnapFileRefusesDamage(t *testing.T) {
	dir := t.TempDir()
	encs, ids, refs, refIDs, _ := columnHistory(2000)
	if err := writeSnapFile(dir, ColumnsOf(encs, ids, refs, refIDs), snapFileHeader{agencyID: 3, stamp: ChangeStamp{Since: time.UnixMicro(1_700_000_000_000_000).UTC()}}); err != nil {
		t.Fatal(err)
	}
	name := snapFileName(dir, 3)
	good, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, h, err := readSnapFile(dir, 3); err != nil || h.stamp.Since.UnixMicro() != 1_700_000_000_000_000 {
		t.Fatalf("good file: %v, stamp %v", err, h.stamp)
	}
	for _, tc := range []struct {
		name   string
		damage func([]byte) []byte
	}{
		{"a flipped byte in a column", func(b []byte) []byte { b[len(b)/2] ^= 0x40; return b }},
		{"truncated", func(b []byte) []byte { return b[:len(b)-100] }},
		{"a byte too many", func(b []byte) []byte { return append(b, 0) }},
		{"an older format", func(b []byte) []byte { b[8] = 0; return b }},
		{"not a snapshot", func(b []byte) []byte { copy(b, "SQLite f"); return b }},
		{"a huge count", func(b []byte) []byte { b[snapHeaderSize-4-3*8+7] = 0x7f; return b }},
		{"empty", func(b []byte) []byte { return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(name, tc.damage(slices.Clone(good)), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, _, err := readSnapFile(dir, 3); !errors.Is(err, errSnapFile) {
				t.Errorf("read: %v, want errSnapFile", err)
			}
		})
	}
	if err := os.WriteFile(name, good, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(name, snapFileName(dir, 4)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readSnapFile(dir, 4); !errors.Is(err, errSnapFile) {
		t.Errorf("another agency's file: %v, want errSnapFile", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// sameNaN is reflect.DeepEqual with NaN equal to NaN (a rate with no
// denominator is NaN).
func sameNaN(a, b any) bool { return sameValue(reflect.ValueOf(a), reflect.ValueOf(b)) }

func sameValue(a, b reflect.Value) bool {
	if a.IsValid() != b.IsValid() || (a.IsValid() && a.Type() != b.Type()) {
		return false
	}
	if !a.IsValid() {
		return true
	}
	switch a.Kind() {
	case reflect.Float32, reflect.Float64:
		x, y := a.Float(), b.Float()
		return x == y || (math.IsNaN(x) && math.IsNaN(y))
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return sameValue(a.Elem(), b.Elem())
	case reflect.Slice, reflect.Array:
		if a.Kind() == reflect.Slice && (a.IsNil() != b.IsNil()) {
			return false
		}
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !sameValue(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		for _, k := range a.MapKeys() {
			if w := b.MapIndex(k); !w.IsValid() || !sameValue(a.MapIndex(k), w) {
				return false
			}
		}
		return true
	case reflect.Struct:
		if a.Type() == reflect.TypeFor[time.Time]() || a.Type() == reflect.TypeFor[citdesk.Date]() {
			return reflect.DeepEqual(a.Interface(), b.Interface())
		}
		for i := range a.NumField() {
			if !sameValue(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}
