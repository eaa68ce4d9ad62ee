package importer

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"citdesk"
	"citdesk/outcomes"
)

// ColumnMapping describes another agency's export for the generic CSV
// import (citdesk import --format csv --mapping FILE): which column holds
// each citdesk field, and how its values read. It is a JSON file:
//
//	{
//	  "source": "springfield-rms",
//	  "columns": {"external_id": "Report No", "occurred_at": "Contact Date", "dispositions": "Outcome", …},
//	  "time_layouts": ["01/02/2006 15:04"],
//	  "time_zone": "America/Chicago",
//	  "missing": ["N/A"],
//	  "yes": ["Y"], "no": ["N"],
//	  "disposition_separator": ";",
//	  "dispositions": {"Arrested": "arrest", "Taken to ER": "voluntary_transport", "Handled": ""},
//	  "force": {"Hands-on": "physical", "Taser": "less_lethal"},
//	  "injuries": {"Scrape": "minor"}
//	}
//
// Only external_id must be mapped. The fields are MappedFields. Values are
// compared ignoring case and extra spaces; blank and "missing" values are
// unknown. A yes/no field takes the "yes" and "no" values (Y, Yes, True, 1
// and N, No, False, 0 are always understood). A force or injury field
// takes citdesk's level names, the values of its map, or yes/no (yes is
// physical force or a minor injury: the lowest levels counted). A
// dispositions field holds one or more values (split on the separator),
// each looked up in the map ("" maps to no citdesk disposition) or read as
// a citdesk disposition name.
//
// An open-data file that splits the time gives columns.occurred_at as an
// object, {"year": "Year", "month": "Month", "day": "Day", "hour": "Time"}
// (see OccurredParts), and may give one yes/no column per disposition:
// "flags": {"arrest": "Arrested"}.
type ColumnMapping struct {
	Source               string            `json:"source"`
	Columns              map[string]string `json:"columns"`
	TimeLayouts          []string          `json:"time_layouts"`
	TimeZone             string            `json:"time_zone"`
	Missing              []string          `json:"missing"`
	Yes                  []string          `json:"yes"`
	No                   []string          `json:"no"`
	DispositionSeparator string            `json:"disposition_separator"`
	Dispositions         map[string]string `json:"dispositions"`
	Force                map[string]string `json:"force"`
	Injuries             map[string]string `json:"injuries"`
	// OccurredParts is set when columns.occurred_at is an object naming
	// the columns of the parts of the time ("year", "month", "day",
	// "hour"); year is required, a missing month or day is the first,
	// a missing hour 00:00.
	OccurredParts map[string]string `json:"-"`
	// Flags maps a citdesk disposition to a yes/no column: yes adds the
	// disposition; no and blank leave it out; any other value refuses
	// the row.
	Flags map[string]string `json:"flags"`
}

// timeParts are the keys a composite occurred_at may name.
var timeParts = []string{"year", "month", "day", "hour"}

// UnmarshalJSON reads a mapping whose columns.occurred_at may be a column
// name or an object of time parts; unknown fields are refused.
func (m *ColumnMapping) UnmarshalJSON(b []byte) error {
	type plain ColumnMapping
	var aux struct {
		plain
		Columns map[string]json.RawMessage `json:"columns"`
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&aux); err != nil {
		return err
	}
	*m = ColumnMapping(aux.plain)
	m.Columns = map[string]string{}
	for field, raw := range aux.Columns {
		var col string
		if err := json.Unmarshal(raw, &col); err == nil {
			m.Columns[field] = col
			continue
		}
		var parts map[string]string
		if field != "occurred_at" || json.Unmarshal(raw, &parts) != nil {
			return fmt.Errorf("columns.%s must be a column name", field)
		}
		for k := range parts {
			if !slices.Contains(timeParts, k) {
				return fmt.Errorf("columns.occurred_at names part %q; use %s", k, strings.Join(timeParts, ", "))
			}
		}
		if parts["year"] == "" {
			return fmt.Errorf("columns.occurred_at must name the year column")
		}
		m.OccurredParts = parts
	}
	return nil
}

// MappedFields are the citdesk fields a ColumnMapping may name.
var MappedFields = []string{
	"external_id", "occurred_at", "reported_at", "officer", "officer_cit", "person",
	"force", "injury_person", "injury_officer", "dispositions", "veteran",
	"cit_requested", "cit_dispatched", "cit_arrived", "handover_minutes",
}

// defaultLayouts are tried when a mapping gives no time layouts.
var defaultLayouts = []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02", "01/02/2006 15:04:05", "01/02/2006 15:04", "01/02/2006", "1/2/2006 15:04", "1/2/2006"}

// LoadColumnMapping reads and checks a mapping file. Every problem is an
// EINVALID *citdesk.Error naming it: a mapping that is half right would
// mislabel history.
func LoadColumnMapping(r io.Reader) (*ColumnMapping, error) {
	dec := json.NewDecoder(io.LimitReader(r, 1<<20))
	dec.DisallowUnknownFields()
	var m ColumnMapping
	if err := dec.Decode(&m); err != nil {
		return nil, citdesk.Errorf(citdesk.EINVALID, "The column mapping is not valid JSON of the expected shape: %v.", err)
	}
	if m.Source == "" || m.Source == citdesk.SourceCitdesk {
		return nil, citdesk.Errorf(citdesk.EINVALID, "The column mapping must name its source (a short name such as springfield-rms, not %q).", citdesk.SourceCitdesk)
	}
	if m.Columns["external_id"] == "" {
		return nil, citdesk.Errorf(citdesk.EINVALID, "The column mapping must say which column holds each record's id (columns.external_id).")
	}
	for field := range m.Columns {
		if !slices.Contains(MappedFields, field) {
			return nil, citdesk.Errorf(citdesk.EINVALID, "The column mapping names %q, which is not a field citdesk imports; use %s.", field, strings.Join(MappedFields, ", "))
		}
	}
	if m.TimeZone != "" {
		if _, err := time.LoadLocation(m.TimeZone); err != nil {
			return nil, citdesk.Errorf(citdesk.EINVALID, "The column mapping's time zone %q is not known.", m.TimeZone)
		}
	}
	for from, to := range m.Dispositions {
		if to == "" {
			continue
		}
		if _, ok := outcomes.ParseDisposition(to); !ok {
			return nil, citdesk.Errorf(citdesk.EINVALID, "The column mapping maps disposition %q to %q, which is not a citdesk disposition; use one of %s, or \"\".", from, to, strings.Join(outcomes.DispositionNames(), ", "))
		}
	}
	for disp := range m.Flags {
		if _, ok := outcomes.ParseDisposition(disp); !ok {
			return nil, citdesk.Errorf(citdesk.EINVALID, "The column mapping's flags name %q, which is not a citdesk disposition; use one of %s.", disp, strings.Join(outcomes.DispositionNames(), ", "))
		}
	}
	for from, to := range m.Force {
		if !slices.Contains(citdesk.ForceLevels, citdesk.ForceLevel(to)) {
			return nil, citdesk.Errorf(citdesk.EINVALID, "The column mapping maps force %q to %q, which is not a citdesk force level.", from, to)
		}
	}
	for from, to := range m.Injuries {
		if !slices.Contains(citdesk.InjuryLevels, citdesk.InjuryLevel(to)) {
			return nil, citdesk.Errorf(citdesk.EINVALID, "The column mapping maps injury %q to %q, which is not a citdesk injury level.", from, to)
		}
	}
	return &m, nil
}

// mappedReader holds a mapping made ready for lookups.
type mappedReader struct {
	m                  *ColumnMapping
	loc                *time.Location
	index              map[string]int // field → column
	layouts            []string
	missing, yes, no   map[string]bool
	disps, force, injs map[string]string
}

func fold(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[dispositionKey(k)] = v
	}
	return out
}

func set(vals ...[]string) map[string]bool {
	out := map[string]bool{}
	for _, vs := range vals {
		for _, v := range vs {
			out[dispositionKey(v)] = true
		}
	}
	return out
}

// ParseMapped reads a CSV export described by m and returns one historical
// encounter per external id, in the order first seen, with the rows it
// refused (by line) and how many records carried each disposition the
// mapping does not know (imported without it). Several rows with one id
// are one record whose dispositions are merged, as long as they agree on
// everything else; a row that disagrees is refused. Times without a zone
// are read in the mapping's zone, or loc. err is non-nil when the file as
// a whole cannot be used.
func ParseMapped(r io.Reader, m *ColumnMapping, loc *time.Location) ([]citdesk.HistoricalEncounter, []RowError, map[string]int, error) {
	p := &mappedReader{m: m, loc: loc, index: map[string]int{}, layouts: m.TimeLayouts,
		missing: set([]string{"", "-"}, m.Missing), yes: set(yesWords, m.Yes), no: set(noWords, m.No),
		disps: fold(m.Dispositions), force: fold(m.Force), injs: fold(m.Injuries)}
	if m.TimeZone != "" {
		p.loc, _ = time.LoadLocation(m.TimeZone)
	}
	if p.loc == nil {
		p.loc = time.UTC
	}
	if len(p.layouts) == 0 {
		p.layouts = defaultLayouts
	}
	capped := &cappedReader{r: r, left: MaxSeattleBytes}
	br := bufio.NewReader(newCRReader(capped))
	if b, _ := br.Peek(len(utf8BOM)); string(b) == utf8BOM {
		br.Discard(len(utf8BOM))
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, nil, nil, citdesk.Errorf(citdesk.EINVALID, "The file is empty; its first row must name the columns.")
		}
		return nil, nil, nil, citdesk.Errorf(citdesk.EINVALID, "The file is not a readable CSV file: %v.", err)
	}
	byName := map[string]int{}
	for i, h := range header {
		byName[headerKey(strings.TrimPrefix(h, utf8BOM))] = i
	}
	for field, col := range m.Columns {
		i, ok := byName[headerKey(col)]
		if !ok {
			return nil, nil, nil, citdesk.Errorf(citdesk.EINVALID, "The mapping puts %s in column %q, but the file has no such column.", field, col)
		}
		p.index[field] = i
	}
	for part, col := range m.OccurredParts {
		i, ok := byName[headerKey(col)]
		if !ok {
			return nil, nil, nil, citdesk.Errorf(citdesk.EINVALID, "The mapping puts the %s of occurred_at in column %q, but the file has no such column.", part, col)
		}
		p.index["occurred_at."+part] = i
	}
	for disp, col := range m.Flags {
		i, ok := byName[headerKey(col)]
		if !ok {
			return nil, nil, nil, citdesk.Errorf(citdesk.EINVALID, "The mapping puts the %s flag in column %q, but the file has no such column.", disp, col)
		}
		p.index["flag."+disp] = i
	}

	var recs []citdesk.HistoricalEncounter
	var rowErrs []RowError
	unmapped := map[string]int{}
	byID := map[string]int{}
	tooLarge := citdesk.Errorf(citdesk.ETOOLARGE, "The file is too large; split it into smaller files.")
	err = eachRecord(cr, capped, MaxSeattleRows, tooLarge, tooLarge, "file", &rowErrs, func(line int, rec []string) error {
		h, unknown, rerr := p.row(line, rec)
		if rerr != nil {
			rowErrs = append(rowErrs, *rerr)
			return nil
		}
		i, seen := byID[h.ExternalID]
		if !seen {
			byID[h.ExternalID] = len(recs)
			recs = append(recs, h)
			for _, u := range unknown {
				unmapped[u]++
			}
			return nil
		}
		first := &recs[i]
		a, b := *first, h
		a.Dispositions, b.Dispositions, a.Line, b.Line = nil, nil, 0, 0
		a.DispositionsNo, b.DispositionsNo, a.DispositionsPartial, b.DispositionsPartial = nil, nil, false, false
		if fmt.Sprint(flatten(a)) != fmt.Sprint(flatten(b)) {
			rowErrs = append(rowErrs, RowError{Line: line, Reason: fmt.Sprintf("Record %s is already on line %d with different values; this row is left out.", h.ExternalID, first.Line)})
			return nil
		}
		mergeDispositions(first, &h)
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	for i := range recs {
		for _, ds := range [][]citdesk.Disposition{recs[i].Dispositions, recs[i].DispositionsNo} {
			slices.SortFunc(ds, func(a, b citdesk.Disposition) int {
				return slices.Index(citdesk.Dispositions, a) - slices.Index(citdesk.Dispositions, b)
			})
		}
	}
	return recs, rowErrs, unmapped, nil
}

// mergeDispositions adds the dispositions of h, another row of rec's
// record, to rec: a yes from either row is a yes; a record stays partial
// (see HistoricalEncounter.DispositionsPartial) only while both rows are,
// and then a no holds only where no row says yes.
func mergeDispositions(rec, h *citdesk.HistoricalEncounter) {
	for _, d := range h.Dispositions {
		if !slices.Contains(rec.Dispositions, d) {
			rec.Dispositions = append(rec.Dispositions, d)
		}
	}
	if !rec.DispositionsPartial || !h.DispositionsPartial {
		rec.DispositionsPartial, rec.DispositionsNo = false, nil
		return
	}
	for _, d := range h.DispositionsNo {
		if !slices.Contains(rec.DispositionsNo, d) {
			rec.DispositionsNo = append(rec.DispositionsNo, d)
		}
	}
	rec.DispositionsNo = slices.DeleteFunc(rec.DispositionsNo, func(d citdesk.Disposition) bool { return slices.Contains(rec.Dispositions, d) })
}

// flatten makes a record comparable: pointers become their values.
func flatten(h citdesk.HistoricalEncounter) []any {
	deref := func(b *bool) any {
		if b == nil {
			return nil
		}
		return *b
	}
	hm := any(nil)
	if h.HandoverMinutes != nil {
		hm = *h.HandoverMinutes
	}
	return []any{h.ExternalID, h.OccurredAt.UnixMicro(), h.ReportedAt.UnixMicro(), h.OfficerExternalID, deref(h.OfficerCIT),
		h.Force, h.InjuryPerson, h.InjuryOfficer, deref(h.Veteran), deref(h.CITRequested), deref(h.CITDispatched), deref(h.CITArrived), hm, h.PersonExternalID}
}

// row reads one record, returning the dispositions it could not map.
func (p *mappedReader) row(line int, rec []string) (citdesk.HistoricalEncounter, []string, *RowError) {
	h := citdesk.HistoricalEncounter{Line: line}
	fail := func(field, format string, args ...any) (citdesk.HistoricalEncounter, []string, *RowError) {
		return h, nil, &RowError{Line: line, Column: p.m.Columns[field], Reason: fmt.Sprintf(format, args...)}
	}
	get := func(field string) string {
		i, ok := p.index[field]
		if !ok || i >= len(rec) {
			return ""
		}
		v := strings.TrimSpace(rec[i])
		if p.missing[dispositionKey(v)] {
			return ""
		}
		return v
	}
	for field := range p.index {
		if i := p.index[field]; i < len(rec) && !utf8.ValidString(rec[i]) {
			return fail(field, "The text is not UTF-8.")
		}
	}
	if h.ExternalID = get("external_id"); h.ExternalID == "" {
		return fail("external_id", "The record's id is missing.")
	}
	var err error
	for _, t := range []struct {
		field string
		dst   *time.Time
	}{{"occurred_at", &h.OccurredAt}, {"reported_at", &h.ReportedAt}} {
		if *t.dst, err = p.time(get(t.field)); err != nil {
			return fail(t.field, "%q is not a date and time this mapping reads.", get(t.field))
		}
	}
	if !h.OccurredAt.IsZero() {
		if layout := p.layoutOf(get("occurred_at")); layout != "" {
			h.OccurredPrecision = layoutPrecision(layout)
		}
	}
	if len(p.m.OccurredParts) > 0 {
		t, prec, part, ok := p.partsTime(get)
		if !ok {
			return h, nil, &RowError{Line: line, Column: p.m.OccurredParts[part], Reason: fmt.Sprintf("%q is not a %s this mapping reads.", get("occurred_at."+part), part)}
		}
		h.OccurredAt, h.OccurredPrecision = t, prec
	}
	h.OfficerExternalID, h.PersonExternalID = get("officer"), get("person")
	for _, t := range []struct {
		field string
		dst   **bool
	}{{"officer_cit", &h.OfficerCIT}, {"veteran", &h.Veteran}, {"cit_requested", &h.CITRequested}, {"cit_dispatched", &h.CITDispatched}, {"cit_arrived", &h.CITArrived}} {
		v := get(t.field)
		b, ok := p.yesNo(v)
		if !ok {
			return fail(t.field, "%q is not a yes or no this mapping reads.", v)
		}
		*t.dst = b
	}
	if v := get("force"); v != "" {
		f, ok := p.level(v, p.force, string(citdesk.ForcePhysical), string(citdesk.ForceNone), levelNames(citdesk.ForceLevels))
		if !ok {
			return fail("force", "%q is not a force level this mapping reads.", v)
		}
		h.Force = citdesk.ForceLevel(f)
	}
	for _, t := range []struct {
		field string
		dst   *citdesk.InjuryLevel
	}{{"injury_person", &h.InjuryPerson}, {"injury_officer", &h.InjuryOfficer}} {
		if v := get(t.field); v != "" {
			lvl, ok := p.level(v, p.injs, string(citdesk.InjuryMinor), string(citdesk.InjuryNone), levelNames(citdesk.InjuryLevels))
			if !ok {
				return fail(t.field, "%q is not an injury level this mapping reads.", v)
			}
			*t.dst = citdesk.InjuryLevel(lvl)
		}
	}
	if v := get("handover_minutes"); v != "" {
		var n int
		if _, err := fmt.Sscan(v, &n); err != nil || n < 0 || n > 1440 {
			return fail("handover_minutes", "%q is not a number of minutes from 0 to 1440.", v)
		}
		h.HandoverMinutes = &n
	}
	var unknown []string
	if v := get("dispositions"); v != "" {
		parts := []string{v}
		if sep := p.m.DispositionSeparator; sep != "" {
			parts = strings.Split(v, sep)
		}
		for _, part := range parts {
			part = strings.TrimSpace(part)
			if part == "" || p.missing[dispositionKey(part)] {
				continue
			}
			name, ok := p.disps[dispositionKey(part)]
			if !ok {
				if d, known := outcomes.ParseDisposition(part); known {
					name, ok = d.String(), true
				}
			}
			if !ok {
				unknown = append(unknown, part)
				continue
			}
			if name != "" && !slices.Contains(h.Dispositions, citdesk.Disposition(name)) {
				h.Dispositions = append(h.Dispositions, citdesk.Disposition(name))
			}
		}
	}
	// Flag columns answer one disposition each. Without a list of
	// dispositions (no column, or blank in this row) the record answers
	// only those: a "no" is a known negative, a blank unknown. With a
	// list, the list is the whole answer and a flag's yes adds to it.
	partial := len(p.m.Flags) > 0 && get("dispositions") == ""
	for _, disp := range slices.Sorted(maps.Keys(p.m.Flags)) {
		v := get("flag." + disp)
		b, ok := p.yesNo(v)
		if !ok {
			return h, nil, &RowError{Line: line, Column: p.m.Flags[disp], Reason: fmt.Sprintf("%q is not a yes or no this mapping reads.", v)}
		}
		pd, _ := outcomes.ParseDisposition(disp)
		d := citdesk.Disposition(pd.String())
		switch {
		case b == nil:
		case *b && !slices.Contains(h.Dispositions, d):
			h.Dispositions = append(h.Dispositions, d)
		case !*b && partial:
			h.DispositionsNo = append(h.DispositionsNo, d)
		}
	}
	if partial {
		h.DispositionsPartial = true
		if h.DispositionsNo == nil {
			h.DispositionsNo = []citdesk.Disposition{}
		}
	}
	return h, unknown, nil
}

// layoutOf returns the first of the mapping's layouts that reads s, or "".
func (p *mappedReader) layoutOf(s string) string {
	for _, layout := range p.layouts {
		if _, err := time.ParseInLocation(layout, s, p.loc); err == nil {
			return layout
		}
	}
	return ""
}

// layoutPrecision returns how precise a time read with layout is: a
// layout without the hour gives the day only (a date column), one without
// the month the year only.
func layoutPrecision(layout string) citdesk.TimePrecision {
	layout = strings.NewReplacer("2006", "", "Z07:00", "", "-07:00", "", "-0700", "", "Z0700", "").Replace(layout)
	hasAny := func(tokens ...string) bool {
		for _, t := range tokens {
			if strings.Contains(layout, t) {
				return true
			}
		}
		return false
	}
	switch {
	case hasAny("05"):
		return citdesk.PrecisionFull
	case hasAny("04"):
		return citdesk.PrecisionMinute
	case hasAny("15", "03", "3"):
		return citdesk.PrecisionHour
	case hasAny("02", "_2", "2"):
		return citdesk.PrecisionDay
	case hasAny("01", "Jan", "1"):
		return citdesk.PrecisionMonth
	}
	return citdesk.PrecisionYear
}

// time reads a time in one of the mapping's layouts; blank is unknown, as
// is a date before 1901 (a placeholder some systems write).
func (p *mappedReader) time(s string) (time.Time, error) {
	t, ok := parseHistoryTime(s, p.layouts, p.loc)
	if !ok {
		return time.Time{}, fmt.Errorf("not a time: %q", s)
	}
	return t, nil
}

// partsTime builds occurred_at from its part columns, with its precision:
// the finest part given, down to the first blank (a day without its
// month says nothing). On failure it names the part. A blank year is an
// unknown time; a blank month or day is the first, a blank hour 00:00.
func (p *mappedReader) partsTime(get func(string) string) (time.Time, citdesk.TimePrecision, string, bool) {
	year := get("occurred_at.year")
	if year == "" {
		return time.Time{}, "", "", true
	}
	y, err := strconv.Atoi(year)
	if err != nil || y < 1901 || y > 9999 {
		return time.Time{}, "", "year", false
	}
	month, day, hour, minute := 1, 1, 0, 0
	prec := citdesk.PrecisionYear
	if v := get("occurred_at.month"); v != "" {
		if month = parseMonth(v); month == 0 {
			return time.Time{}, "", "month", false
		}
		prec = citdesk.PrecisionMonth
	}
	if v := get("occurred_at.day"); v != "" {
		if day, err = strconv.Atoi(v); err != nil || day < 1 || day > 31 {
			return time.Time{}, "", "day", false
		}
		if prec == citdesk.PrecisionMonth {
			prec = citdesk.PrecisionDay
		}
	}
	if v := get("occurred_at.hour"); v != "" {
		var ok bool
		var withMinutes bool
		if hour, minute, withMinutes, ok = parseClock(v); !ok {
			return time.Time{}, "", "hour", false
		}
		if prec == citdesk.PrecisionDay {
			prec = citdesk.PrecisionHour
			if withMinutes {
				prec = citdesk.PrecisionMinute
			}
		}
	}
	t := time.Date(y, time.Month(month), day, hour, minute, 0, 0, p.loc)
	if t.Day() != day {
		return time.Time{}, "", "day", false
	}
	return t, prec, "", true
}

// parseMonth reads 1-12 or an English month name, full or abbreviated;
// 0 means not a month.
func parseMonth(s string) int {
	if n, err := strconv.Atoi(s); err == nil {
		if n >= 1 && n <= 12 {
			return n
		}
		return 0
	}
	k := strings.ToLower(strings.TrimSuffix(s, "."))
	for m := time.January; m <= time.December; m++ {
		name := strings.ToLower(m.String())
		if k == name || (len(k) >= 3 && strings.HasPrefix(name, k)) {
			return int(m)
		}
	}
	return 0
}

// parseClock reads an hour (0-23), "15:04" or "1504"; withMinutes says
// the minutes were given.
func parseClock(s string) (hh, mm int, withMinutes, ok bool) {
	h, m := s, "0"
	if i := strings.IndexByte(s, ':'); i >= 0 {
		h, m, withMinutes = s[:i], s[i+1:], true
	} else if len(s) == 4 {
		h, m, withMinutes = s[:2], s[2:], true
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, 0, false, false
	}
	return hh, mm, withMinutes, true
}

// yesNo reads a yes/no value; blank is unknown (nil).
func (p *mappedReader) yesNo(s string) (*bool, bool) {
	if s == "" {
		return nil, true
	}
	k := dispositionKey(s)
	switch {
	case p.yes[k]:
		b := true
		return &b, true
	case p.no[k]:
		b := false
		return &b, true
	}
	return nil, false
}

// level reads a force or injury level: the mapping's own values, citdesk's
// names, or yes (the lowest level counted) and no.
func (p *mappedReader) level(s string, m map[string]string, yes, no string, names []string) (string, bool) {
	k := dispositionKey(s)
	if v, ok := m[k]; ok {
		return v, true
	}
	for _, n := range names {
		if strings.EqualFold(n, strings.ReplaceAll(k, " ", "_")) {
			return n, true
		}
	}
	switch {
	case p.yes[k]:
		return yes, true
	case p.no[k]:
		return no, true
	}
	return "", false
}

// levelNames returns a level type's values as strings.
func levelNames[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
