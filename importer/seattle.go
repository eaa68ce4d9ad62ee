package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"citdesk"
	"citdesk/outcomes"
)

// Limits on a Seattle crisis data file. The whole public dataset is a few
// hundred thousand rows; these leave room for growth and refuse nonsense.
const (
	MaxSeattleRows  = 5_000_000
	MaxSeattleBytes = 1 << 30 // 1 GiB
)

// SeattleReport is one crisis report of the Seattle Police Department's
// public "Crisis Data" (one template_id), with every disposition its rows
// give. Text fields are trimmed, and "" where the file has "-" (missing).
type SeattleReport struct {
	TemplateID string
	Line       int   // the line of its first row; the header is line 1
	Lines      []int // every line merged into it, in file order

	// Occurred is when the contact happened, in America/Los_Angeles; zero
	// when unknown (the file's 1900-01-01 placeholder, or "-").
	Occurred time.Time
	// Reported is the report's date with the clock time of reported_time
	// (whose own date part is only the day the file was saved); zero when
	// the date is unknown, midnight when only the clock is.
	Reported time.Time

	CallType        string // how the call came in: "911", "ONVIEW", …
	InitialCallType string
	FinalCallType   string

	// Dispositions are the citdesk disposition names the Seattle
	// dispositions map to, distinct, in citdesk's order.
	Dispositions []string
	// SeattleDispositions are the dispositions as the file spells them,
	// distinct, in the order first seen.
	SeattleDispositions []string
	// Unmapped are the Seattle dispositions the mapping does not know; they
	// are in SeattleDispositions but not in Dispositions.
	Unmapped []string

	UseOfForce    outcomes.Tri
	Veteran       outcomes.Tri // the subject is a veteran
	CITRequested  outcomes.Tri
	CITDispatched outcomes.Tri
	CITArrived    outcomes.Tri
	// CITCertified is whether the officer was CIT certified. Rows of one
	// report that disagree on it leave it Unknown: the public file repeats
	// a report once per certification record the officer had (18 reports
	// in the 2020-11-14 file come as an N row and a Y row), and which one
	// held on the day cannot be told.
	CITCertified outcomes.Tri

	OfficerID string
	Precinct  string
	Sector    string
	Beat      string
}

// DefaultSeattleDispositions maps the Seattle Police Department's crisis
// dispositions (compared ignoring case and extra spaces) to citdesk's
// disposition names. A value of "" means "known, and no citdesk disposition
// fits": the report is imported without one, and the string is not
// reported as unmapped. An agency edits a copy, or loads its own with
// LoadDispositionMap.
var DefaultSeattleDispositions = map[string]string{
	"Emergent Detention / ITA":       "emergency_detention", // involuntary treatment act detention
	"Voluntary Committal":            "voluntary_transport",
	"Shelter Transport":              "voluntary_transport",
	"Subject Arrested":               "arrest",
	"Resources Declined":             "resources_declined",
	"No Action Possible / Necessary": "no_action_possible",
	// A caller known for repeated complaints, no police action taken.
	"Chronic Complaint": "no_action_possible",
	"Unable to Contact": "unable_to_locate",
	// Hand-offs to mental-health and social services: referrals.
	"Mobile Crisis Team":                            "referred_to_liaison",
	"Mental Health Agency or Case Manager Notified": "referred_to_liaison",
	"Crisis Clinic":                                 "referred_to_liaison",
	"Drug / Alcohol Treatment Referral":             "referred_to_liaison",
	"DMHP Referral":                                 "referred_to_liaison", // designated mental health professional
	"Geriatric Regional Assessment Team":            "referred_to_liaison",
}

// dispositionKey normalises a disposition string for lookup: lower case,
// runs of spaces as one.
func dispositionKey(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// LoadDispositionMap reads an agency's disposition mapping file: a CSV
// whose first row names two columns, the agency's disposition and citdesk's
// (any names), and whose other rows map one to the other. The citdesk
// column must be one of citdesk's disposition names (see
// outcomes.DispositionNames) or blank for "no citdesk disposition". A
// disposition listed twice, or a name citdesk does not know, makes the
// whole file an error (a *citdesk.Error naming the line): a mapping that is
// half right would mislabel history.
func LoadDispositionMap(r io.Reader) (map[string]string, error) {
	cr := csv.NewReader(newCRReader(io.LimitReader(r, 1<<20)))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	rows, err := cr.ReadAll()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, citdesk.Errorf(citdesk.EINVALID, "The disposition mapping is not a readable CSV file: line %d: %v.", pe.StartLine, pe.Err)
		}
		return nil, fmt.Errorf("reading disposition mapping: %w", err)
	}
	if len(rows) == 0 {
		return nil, citdesk.Errorf(citdesk.EINVALID, "The disposition mapping is empty; its first row must name two columns (the agency's disposition, citdesk's).")
	}
	m := make(map[string]string, len(rows)-1)
	lineOf := map[string]int{}
	for i, row := range rows[1:] {
		line := i + 2
		if blankRecord(row) {
			continue
		}
		if len(row) < 2 {
			return nil, citdesk.Errorf(citdesk.EINVALID, "Line %d of the disposition mapping needs two columns.", line)
		}
		from, to := fromSpreadsheetCell(strings.TrimSpace(strings.TrimPrefix(row[0], utf8BOM))), strings.TrimSpace(row[1])
		if from == "" {
			return nil, citdesk.Errorf(citdesk.EINVALID, "Line %d of the disposition mapping has no disposition to map.", line)
		}
		if to != "" {
			d, ok := outcomes.ParseDisposition(to)
			if !ok {
				return nil, citdesk.Errorf(citdesk.EINVALID, "Line %d of the disposition mapping: %q is not a citdesk disposition; use one of %s, or leave it blank.", line, to, strings.Join(outcomes.DispositionNames(), ", "))
			}
			to = d.String()
		}
		k := dispositionKey(from)
		if first, ok := lineOf[k]; ok {
			return nil, citdesk.Errorf(citdesk.EINVALID, "Line %d of the disposition mapping maps %q again (first on line %d).", line, from, first)
		}
		lineOf[k] = line
		m[from] = to
	}
	return m, nil
}

// seattleColumn is a column ParseSeattle reads.
type seattleColumn int

const (
	scTemplateID seattleColumn = iota
	scReportedDate
	scReportedTime
	scOccurred
	scCallType
	scInitialCallType
	scFinalCallType
	scDisposition
	scUseOfForce
	scVeteran
	scCITRequested
	scCITDispatched
	scCITArrived
	scOfficerID
	scCITCertified
	scPrecinct
	scSector
	scBeat
	numSeattleColumns
)

// seattleColumnNames are the snake_case names of the public file, used in
// errors.
var seattleColumnNames = [numSeattleColumns]string{
	scTemplateID:      "template_id",
	scReportedDate:    "reported_date",
	scReportedTime:    "reported_time",
	scOccurred:        "occured_date_time",
	scCallType:        "call_type",
	scInitialCallType: "initial_call_type",
	scFinalCallType:   "final_call_type",
	scDisposition:     "disposition",
	scUseOfForce:      "use_of_force_indicator",
	scVeteran:         "subject_veteran_indicator",
	scCITRequested:    "cit_officer_requested",
	scCITDispatched:   "cit_officer_dispatched",
	scCITArrived:      "cit_officer_arrived",
	scOfficerID:       "officer_id",
	scCITCertified:    "cit_certified_indicator",
	scPrecinct:        "precinct",
	scSector:          "sector",
	scBeat:            "beat",
}

func (c seattleColumn) String() string { return seattleColumnNames[c] }

// seattleHeaderAliases maps a header, normalised by headerKey, to its
// column: the snake_case names of the JSON API ("occured" misspelt, as
// Seattle spells it) and the Title Case names of the portal's CSV export
// ("Occurred Date / Time").
var seattleHeaderAliases = func() map[string]seattleColumn {
	m := map[string]seattleColumn{
		"occurreddatetime": scOccurred,
		"occurreddate":     scOccurred,
		"occureddate":      scOccurred,
	}
	for c, name := range seattleColumnNames {
		m[headerKey(name)] = seattleColumn(c)
	}
	return m
}()

// seattleZone is Seattle's time zone; the file's times are local. It is
// loaded on first use, not when a program that links the importer starts.
var seattleZone = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		// No zone database: a fixed -8 h is wrong by an hour in summer,
		// which matters less than refusing to import.
		return time.FixedZone("PST", -8*3600)
	}
	return loc
})

// ParseSeattle reads the Seattle Police Department's "Crisis Data" CSV
// (City of Seattle open data, dataset i2q9-thny), with the JSON API's
// snake_case headers or the portal export's Title Case ones, and returns
// one SeattleReport per template_id in the order first seen.
//
// The file has one row per (report, disposition): the rows of a report are
// grouped, wherever they are in the file, and their dispositions merged.
// dispositions maps Seattle's strings to citdesk's names (nil means
// DefaultSeattleDispositions); a string it lacks is kept in the report's
// Unmapped, never dropped unseen. "-" is missing in every column, dates in
// 1900 are the file's placeholder for unknown, and Y/N columns are
// tri-state (Y, N, or unknown). An unnamed first column (a row index some
// tool added) and columns not listed on SeattleReport are ignored.
//
// A row is rejected, with a RowError naming its line, when its template_id
// is blank, a value cannot be read (a date, a Y/N), it has fewer fields
// than the header, its text is not UTF-8, or it disagrees with the first
// row of the same template_id on any field but the disposition and the
// certification (see SeattleReport.CITCertified): two rows that disagree
// on when it happened or who went are two reports under one id, and
// guessing which is right would corrupt history. The first row stands; the
// rejected one adds nothing.
//
// err is non-nil only when the file as a whole cannot be used: it is empty,
// not CSV, has no template_id column, is over MaxSeattleBytes or
// MaxSeattleRows (a *citdesk.Error), or cannot be read.
func ParseSeattle(r io.Reader, dispositions map[string]string) ([]SeattleReport, []RowError, error) {
	return parseSeattle(r, dispositions, MaxSeattleRows, MaxSeattleBytes)
}

func parseSeattle(r io.Reader, dispositions map[string]string, maxRows int, maxBytes int64) ([]SeattleReport, []RowError, error) {
	if dispositions == nil {
		dispositions = DefaultSeattleDispositions
	}
	mapping := make(map[string]string, len(dispositions))
	for k, v := range dispositions {
		mapping[dispositionKey(k)] = v
	}
	tooLarge := func() error {
		return citdesk.Errorf(citdesk.ETOOLARGE, "The crisis data file is larger than %s or has more than %d rows; split it into smaller files.", byteSize(maxBytes), maxRows)
	}

	cr, capped, err := newCappedCSV(r, maxBytes, tooLarge(), "crisis data")
	if err != nil {
		return nil, nil, err
	}
	header, err := readHeader(cr, capped, tooLarge(),
		citdesk.Errorf(citdesk.EINVALID, "The crisis data file is empty; its first row must name the columns (template_id, disposition, …)."),
		"The crisis data file", "crisis data")
	if err != nil {
		return nil, nil, err
	}
	index := [numSeattleColumns]int{}
	for c := range index {
		index[c] = -1
	}
	for i, h := range header {
		c, ok := seattleHeaderAliases[headerKey(h)]
		if !ok {
			continue
		}
		if j := index[c]; j >= 0 {
			return nil, nil, citdesk.Errorf(citdesk.EINVALID, "The crisis data file's columns %q and %q both mean %s; keep one.", strings.TrimSpace(header[j]), strings.TrimSpace(h), c)
		}
		index[c] = i
	}
	if index[scTemplateID] < 0 {
		return nil, nil, citdesk.Errorf(citdesk.EINVALID, "The crisis data file has no template_id (Template ID) column; is it the Seattle Police Department's Crisis Data?")
	}
	width := len(header)

	var reports []SeattleReport
	var rowErrs []RowError
	byID := map[string]int{} // template_id → index in reports
	err = eachRecord(cr, capped, maxRows, tooLarge(), tooLarge(), "crisis data", &rowErrs, func(line int, rec []string) error {
		row, rerr := parseSeattleRow(line, rec, width, &index)
		if rerr != nil {
			rowErrs = append(rowErrs, *rerr)
			return nil
		}
		i, seen := byID[row.TemplateID]
		if !seen {
			byID[row.TemplateID] = len(reports)
			rep := row.SeattleReport
			rep.Line, rep.Lines = line, []int{line}
			reports = append(reports, rep)
			i = len(reports) - 1
		} else {
			rep := &reports[i]
			if c, what := seattleConflict(rep, &row.SeattleReport); c >= 0 {
				rowErrs = append(rowErrs, RowError{Line: line, Column: c.String(),
					Reason: fmt.Sprintf("Template %s is already on line %d with a different %s (%s); this row is left out.", row.TemplateID, rep.Line, c, what)})
				return nil
			}
			rep.Lines = append(rep.Lines, line)
			if rep.CITCertified != row.CITCertified {
				rep.CITCertified = outcomes.Unknown
			}
		}
		if d := row.disposition; d != "" && !slices.Contains(reports[i].SeattleDispositions, d) {
			reports[i].SeattleDispositions = append(reports[i].SeattleDispositions, d)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}

	for i := range reports {
		mapDispositions(&reports[i], mapping)
	}
	return reports, rowErrs, nil
}

// mapDispositions fills rep's Dispositions and Unmapped from its Seattle
// dispositions.
func mapDispositions(rep *SeattleReport, mapping map[string]string) {
	var set outcomes.Dispositions
	for _, s := range rep.SeattleDispositions {
		name, ok := mapping[dispositionKey(s)]
		if !ok {
			rep.Unmapped = append(rep.Unmapped, s)
			continue
		}
		if d, ok := outcomes.ParseDisposition(name); ok {
			set = set.With(d)
		} else if name != "" {
			rep.Unmapped = append(rep.Unmapped, s) // a bad target in a hand-made map
		}
	}
	rep.Dispositions = set.Names()
}

// seattleRow is one parsed row: the report's fields and the row's one
// disposition.
type seattleRow struct {
	SeattleReport
	disposition string // "" when missing
}

// parseSeattleRow reads the record starting on line, or says what is wrong
// with it. Only the first problem is reported.
func parseSeattleRow(line int, rec []string, width int, index *[numSeattleColumns]int) (seattleRow, *RowError) {
	fail := func(c seattleColumn, format string, args ...any) (seattleRow, *RowError) {
		return seattleRow{}, &RowError{Line: line, Column: c.String(), Reason: fmt.Sprintf(format, args...)}
	}
	if len(rec) < width {
		return seattleRow{}, &RowError{Line: line, Reason: fmt.Sprintf("The row has %d fields but the header has %d.", len(rec), width)}
	}
	var f [numSeattleColumns]string
	for c, i := range index {
		if i < 0 {
			continue
		}
		v := strings.TrimSpace(rec[i])
		if !utf8.ValidString(v) {
			return fail(seattleColumn(c), "The text is not UTF-8.")
		}
		if v == "-" || v == "--" {
			v = ""
		}
		f[c] = v
	}
	if f[scTemplateID] == "" {
		return fail(scTemplateID, "The template_id is missing.")
	}

	var row seattleRow
	rep := &row.SeattleReport
	rep.TemplateID = f[scTemplateID]
	var err error
	if rep.Occurred, err = parseSeattleTime(f[scOccurred]); err != nil {
		return fail(scOccurred, "%q is not a date and time.", f[scOccurred])
	}
	date, err := parseSeattleTime(f[scReportedDate])
	if err != nil {
		return fail(scReportedDate, "%q is not a date.", f[scReportedDate])
	}
	if !date.IsZero() {
		y, m, d := date.Date()
		h, min, s, err := parseSeattleClock(f[scReportedTime])
		if err != nil {
			return fail(scReportedTime, "%q is not a time of day.", f[scReportedTime])
		}
		rep.Reported = time.Date(y, m, d, h, min, s, 0, seattleZone())
	}
	for _, t := range []struct {
		c   seattleColumn
		dst *outcomes.Tri
	}{
		{scUseOfForce, &rep.UseOfForce},
		{scVeteran, &rep.Veteran},
		{scCITRequested, &rep.CITRequested},
		{scCITDispatched, &rep.CITDispatched},
		{scCITArrived, &rep.CITArrived},
		{scCITCertified, &rep.CITCertified},
	} {
		v, ok := parseYesNo(f[t.c])
		if !ok {
			return fail(t.c, "%q is not Y or N.", f[t.c])
		}
		*t.dst = v
	}
	rep.CallType = f[scCallType]
	rep.InitialCallType = f[scInitialCallType]
	rep.FinalCallType = f[scFinalCallType]
	rep.OfficerID = fromSpreadsheetCell(f[scOfficerID])
	rep.Precinct = fromSpreadsheetCell(f[scPrecinct])
	rep.Sector = fromSpreadsheetCell(f[scSector])
	rep.Beat = fromSpreadsheetCell(f[scBeat])
	row.disposition = fromSpreadsheetCell(f[scDisposition])
	return row, nil
}

// seattleConflict returns the first column on which b disagrees with a
// (and the two values, for the message), or -1. Dispositions differ by
// design, and the certification is merged (see SeattleReport.CITCertified).
func seattleConflict(a, b *SeattleReport) (seattleColumn, string) {
	if c, msg, ok := firstConflict([]columnPair[time.Time]{
		{scOccurred, a.Occurred, b.Occurred},
		{scReportedDate, a.Reported, b.Reported},
	}, time.Time.Equal, timeOrUnknown); ok {
		return c, msg
	}
	if c, msg, ok := firstConflict([]columnPair[string]{
		{scCallType, a.CallType, b.CallType},
		{scInitialCallType, a.InitialCallType, b.InitialCallType},
		{scFinalCallType, a.FinalCallType, b.FinalCallType},
		{scOfficerID, a.OfficerID, b.OfficerID},
		{scPrecinct, a.Precinct, b.Precinct},
		{scSector, a.Sector, b.Sector},
		{scBeat, a.Beat, b.Beat},
	}, equal, strconv.Quote); ok {
		return c, msg
	}
	if c, msg, ok := firstConflict([]columnPair[outcomes.Tri]{
		{scUseOfForce, a.UseOfForce, b.UseOfForce},
		{scVeteran, a.Veteran, b.Veteran},
		{scCITRequested, a.CITRequested, b.CITRequested},
		{scCITDispatched, a.CITDispatched, b.CITDispatched},
		{scCITArrived, a.CITArrived, b.CITArrived},
	}, equal, outcomes.Tri.String); ok {
		return c, msg
	}
	return -1, ""
}

// columnPair is one column's values in two reports.
type columnPair[T any] struct {
	c    seattleColumn
	x, y T
}

// firstConflict returns the first column whose values are not the same,
// with the two values as show writes them ("x, not y").
func firstConflict[T any](pairs []columnPair[T], same func(x, y T) bool, show func(T) string) (seattleColumn, string, bool) {
	for _, p := range pairs {
		if !same(p.x, p.y) {
			return p.c, show(p.x) + ", not " + show(p.y), true
		}
	}
	return -1, "", false
}

func equal[T comparable](x, y T) bool { return x == y }

func timeOrUnknown(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.Format("2006-01-02 15:04:05")
}

// seattleLayouts are the date and time layouts the file has been seen in:
// the JSON API's ISO forms and the portal export's US forms.
var seattleLayouts = []string{
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05.000",
	"2006-01-02 15:04",
	"2006-01-02",
	"01/02/2006 03:04:05 PM",
	"1/2/2006 3:04:05 PM",
	"01/02/2006 15:04:05",
	"1/2/2006 15:04",
	"01/02/2006",
	"1/2/2006",
}

// parseSeattleTime reads a date or date and time in Seattle's zone. Blank
// and dates before 1901 (the 1900-01-01 placeholder) are unknown: the zero
// time and no error.
func parseSeattleTime(s string) (time.Time, error) {
	t, ok := parseHistoryTime(s, seattleLayouts, seattleZone())
	if !ok {
		return time.Time{}, fmt.Errorf("not a date: %q", s)
	}
	return t, nil
}

// parseHistoryTime reads s in the first of layouts that fits, in loc. Blank
// and dates before 1901 (the 1900-01-01 placeholder some systems write) are
// unknown: the zero time, ok. ok is false when no layout fits.
func parseHistoryTime(s string, layouts []string, loc *time.Location) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	for _, layout := range layouts {
		t, err := time.ParseInLocation(layout, s, loc)
		if err != nil {
			continue
		}
		if t.Year() <= 1900 {
			return time.Time{}, true
		}
		return t, true
	}
	return time.Time{}, false
}

// parseSeattleClock reads the clock time from reported_time, which may come
// with a date (the day the file was saved, ignored) or alone. Blank is
// midnight.
func parseSeattleClock(s string) (h, m, sec int, err error) {
	if s == "" {
		return 0, 0, 0, nil
	}
	if i := strings.IndexByte(s, 'T'); i > 0 && strings.Count(s[:i], "-") == 2 {
		s = s[i+1:]
	} else if f := strings.Fields(s); len(f) > 1 && (strings.Count(f[0], "-") == 2 || strings.Count(f[0], "/") == 2) {
		s = strings.Join(f[1:], " ")
	}
	for _, layout := range []string{"15:04:05", "15:04", "3:04:05 PM", "3:04 PM", "15:04:05.000"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Hour(), t.Minute(), t.Second(), nil
		}
	}
	return 0, 0, 0, fmt.Errorf("not a time: %q", s)
}

// yesWords and noWords are the yes/no answers every importer reads, lower
// case: the Seattle file's Y/N columns, a mapped file's yes/no fields (with
// the mapping's own words added) and the roster's active column.
var (
	yesWords = []string{"y", "yes", "true", "1"}
	noWords  = []string{"n", "no", "false", "0"}
)

// parseYesNo reads a Y/N column: Y, Yes, True, 1 or N, No, False, 0 in
// any case; blank is unknown.
func parseYesNo(s string) (outcomes.Tri, bool) {
	k := strings.ToLower(s)
	switch {
	case k == "":
		return outcomes.Unknown, true
	case slices.Contains(yesWords, k):
		return outcomes.Yes, true
	case slices.Contains(noWords, k):
		return outcomes.No, true
	}
	return outcomes.Unknown, false
}
