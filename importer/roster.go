package importer

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"citdesk"
)

// Limits on a roster file. A real roster has hundreds of officers, a very
// large agency tens of thousands; anything past these is a mistake or an
// attack, and is refused before it can use much memory.
const (
	MaxRosterRows  = 100_000  // data rows, not counting the header
	MaxRosterBytes = 64 << 20 // 64 MiB, which also bounds the longest field
)

// Training hours recorded for roster training columns. The roster gives only
// a completion date for the 40-hour CIT course, so it is recorded as 40
// hours; the awareness course varies by agency (often 8 hours), so
// mh_awareness_hours may give it and DefaultMHAwarenessHours is used when
// that column is absent or blank.
const (
	CITBasicHours           = 40
	DefaultMHAwarenessHours = 8
)

// earliestCourseYear rejects completion dates that can only be typos (the
// first CIT course ran in Memphis in 1988; awareness training is younger).
const earliestCourseYear = 1950

// RosterRow is one good row of a roster file: the officer and any training
// the row records. Officer.AgencyID is left for the caller to set.
type RosterRow struct {
	Line     int // line in the file where the row starts; the header is line 1
	Officer  citdesk.Officer
	Training []citdesk.TrainingRecord
}

// RowError says why one row of a roster file was rejected.
type RowError struct {
	Line   int    // line in the file where the row starts; the header is line 1
	Column string // canonical column name, such as "badge"; "" for the row as a whole
	Reason string // a sentence safe to show the person who made the file
}

// Error returns the error as "line 7: badge: Badge number is required."
func (e RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Column, e.Reason)
}

// rosterColumn is a column ParseRoster understands.
type rosterColumn int

const (
	colBadge rosterColumn = iota
	colFirstName
	colLastName
	colRank
	colCallSign
	colShift
	colPhone
	colActive
	colCITBasicDate
	colMHAwarenessDate
	colMHAwarenessHours
	colInServiceHours
	colInServiceDate
	numRosterColumns
)

// rosterColumnNames are the canonical column names, used in errors.
var rosterColumnNames = [numRosterColumns]string{
	colBadge:            "badge",
	colFirstName:        "first_name",
	colLastName:         "last_name",
	colRank:             "rank",
	colCallSign:         "call_sign",
	colShift:            "shift",
	colPhone:            "phone",
	colActive:           "active",
	colCITBasicDate:     "cit_basic_date",
	colMHAwarenessDate:  "mh_awareness_date",
	colMHAwarenessHours: "mh_awareness_hours",
	colInServiceHours:   "cit_inservice_hours",
	colInServiceDate:    "cit_inservice_date",
}

func (c rosterColumn) String() string { return rosterColumnNames[c] }

// rosterRequired are the columns a roster must have.
var rosterRequired = []rosterColumn{colBadge, colFirstName, colLastName}

// rosterHeaderAliases maps a header name, normalised by headerKey, to its
// column.
var rosterHeaderAliases = map[string]rosterColumn{
	"badge":             colBadge,
	"badgenumber":       colBadge,
	"badgeno":           colBadge,
	"badgenum":          colBadge,
	"firstname":         colFirstName,
	"first":             colFirstName,
	"givenname":         colFirstName,
	"lastname":          colLastName,
	"last":              colLastName,
	"surname":           colLastName,
	"familyname":        colLastName,
	"rank":              colRank,
	"callsign":          colCallSign,
	"unit":              colCallSign,
	"shift":             colShift,
	"team":              colShift,
	"phone":             colPhone,
	"phonenumber":       colPhone,
	"mobile":            colPhone,
	"active":            colActive,
	"status":            colActive,
	"citbasicdate":      colCITBasicDate,
	"mhawarenessdate":   colMHAwarenessDate,
	"mhawarenesshours":  colMHAwarenessHours,
	"citinservicehours": colInServiceHours,
	"citinservicedate":  colInServiceDate,
}

// rosterActiveValues maps the accepted active/status words, lower-cased:
// the yes/no words, "active" and "inactive", and blank for active.
var rosterActiveValues = func() map[string]bool {
	m := map[string]bool{"": true, "active": true, "inactive": false}
	for _, w := range yesWords {
		m[w] = true
	}
	for _, w := range noWords {
		m[w] = false
	}
	return m
}()

// utf8BOM is the byte order mark some spreadsheets write at the start of
// a UTF-8 CSV file.
const utf8BOM = "\uFEFF"

// rosterLimits are the caps ParseRoster enforces; tests use smaller ones.
type rosterLimits struct {
	rows  int
	bytes int64
}

// ParseRoster reads an agency's roster CSV, as given to
// "citdesk import --format roster".
//
// The first row names the columns. Names are matched ignoring case, spaces
// and punctuation ("Badge No", "badge_number" and "BADGE" are all badge).
// Required: badge, first_name (first), last_name (last, surname). Optional:
// rank, call_sign (callsign, unit), shift (team), phone (mobile), active
// (status: yes/no, true/false, 1/0, active/inactive; blank is active), and
// training: cit_basic_date (the 40-hour CIT course), mh_awareness_date with
// optional mh_awareness_hours, and cit_inservice_date with
// cit_inservice_hours (one refresher record). Dates are YYYY-MM-DD or
// M/D/YYYY. Other columns are ignored, as are rows that are entirely blank.
//
// A row that is wrong is returned as a RowError with the line it starts on,
// and the good rows are still returned: a missing badge or name, a value
// Officer.Validate refuses, a bad date or number, fewer fields than the
// header (extra fields are ignored), text that is not UTF-8, or a badge
// already used on an earlier line (compared ignoring case).
//
// ParseRoster does not know today's date, so it does not refuse completion
// dates in the future; callers check each TrainingRecord with Validate and
// the agency's today before saving.
//
// err is non-nil only when the file as a whole cannot be used: it is empty,
// is not CSV, lacks a required column, is larger than MaxRosterBytes or has
// more than MaxRosterRows rows (a *citdesk.Error), or cannot be read.
func ParseRoster(r io.Reader) (rows []RosterRow, rowErrs []RowError, err error) {
	return parseRoster(r, rosterLimits{rows: MaxRosterRows, bytes: MaxRosterBytes})
}

func parseRoster(r io.Reader, lim rosterLimits) ([]RosterRow, []RowError, error) {
	cr, capped, err := newCappedCSV(r, lim.bytes, tooLargeError(lim), "roster")
	if err != nil {
		return nil, nil, err
	}
	cr.TrimLeadingSpace = true // so `1, "Smith, Jo"` reads as two fields
	header, err := readHeader(cr, capped, tooLargeError(lim),
		citdesk.Errorf(citdesk.EINVALID, "The roster file is empty; its first row must name the columns (badge, first_name, last_name, …)."),
		"The roster", "roster")
	if err != nil {
		return nil, nil, err
	}
	p, err := newRosterParser(header)
	if err != nil {
		return nil, nil, err
	}

	var rows []RosterRow
	var rowErrs []RowError
	tooMany := citdesk.Errorf(citdesk.ETOOLARGE, "The roster has more than %d rows; split it into smaller files.", lim.rows)
	err = eachRecord(cr, capped, lim.rows, tooMany, tooLargeError(lim), "roster", &rowErrs, func(line int, rec []string) error {
		row, rerr := p.parseRow(line, rec)
		if rerr != nil {
			rowErrs = append(rowErrs, *rerr)
			return nil
		}
		rows = append(rows, row)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return rows, rowErrs, nil
}

// newCappedCSV reads r as CSV, past a byte-order mark, refusing more than
// maxBytes of it (tooBig). Field counts are left to the caller, who checks
// each row against the header; what names the file in a read error
// ("reading what: …").
func newCappedCSV(r io.Reader, maxBytes int64, tooBig error, what string) (*csv.Reader, *cappedReader, error) {
	capped := &cappedReader{r: r, left: maxBytes}
	br := bufio.NewReader(newCRReader(capped))
	b, err := br.Peek(len(utf8BOM))
	switch {
	case string(b) == utf8BOM:
		br.Discard(len(utf8BOM))
	case capped.over:
		return nil, nil, tooBig
	case err != nil && err != io.EOF:
		return nil, nil, fmt.Errorf("reading %s: %w", what, err)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return cr, capped, nil
}

// readHeader reads the first row, which names the columns. A file without
// one fails with empty, a file over its cap with tooBig, and one that is
// not CSV names itself as name ("The roster is not a readable CSV file").
func readHeader(cr *csv.Reader, capped *cappedReader, tooBig, empty error, name, what string) ([]string, error) {
	header, err := cr.Read()
	if err != nil {
		var pe *csv.ParseError
		switch {
		case capped.over:
			return nil, tooBig
		case err == io.EOF:
			return nil, empty
		case errors.As(err, &pe):
			return nil, citdesk.Errorf(citdesk.EINVALID, "%s is not a readable CSV file: line %d: %v.", name, pe.StartLine, pe.Err)
		}
		return nil, fmt.Errorf("reading %s: %w", what, err)
	}
	return header, nil
}

// eachRecord reads the records after the header in order and calls row
// with each one that is not blank, and its line. A record that is not valid
// CSV is added to rowErrs and left out. Reading fails with tooMany past
// maxRows records, with tooBig once the input is over its size cap, and
// with a read error as "reading what: …"; an error from row stops it too.
func eachRecord(cr *csv.Reader, capped *cappedReader, maxRows int, tooMany, tooBig error, what string, rowErrs *[]RowError, row func(line int, rec []string) error) error {
	for n := 1; ; n++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if n > maxRows {
			return tooMany
		}
		var pe *csv.ParseError
		if capped.over {
			return tooBig
		} else if errors.As(err, &pe) {
			*rowErrs = append(*rowErrs, RowError{Line: pe.StartLine, Reason: fmt.Sprintf("Not valid CSV: %v.", pe.Err)})
			continue
		} else if err != nil {
			return fmt.Errorf("reading %s: %w", what, err)
		}
		if blankRecord(rec) {
			continue
		}
		line, _ := cr.FieldPos(0)
		if err := row(line, rec); err != nil {
			return err
		}
	}
}

// tooLargeError is ParseRoster's err for a file over lim.bytes.
func tooLargeError(lim rosterLimits) error {
	return citdesk.Errorf(citdesk.ETOOLARGE, "The roster file is larger than %s; split it into smaller files.", byteSize(lim.bytes))
}

// byteSize writes n bytes in MiB when it is a whole number of them.
func byteSize(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// rosterParser turns records into rows, given the file's header.
type rosterParser struct {
	index [numRosterColumns]int // field index of each column, -1 when absent
	width int                   // number of fields in the header
	seen  map[string]int        // upper-cased badge → line it was first seen on
}

func newRosterParser(header []string) (*rosterParser, error) {
	p := &rosterParser{width: len(header), seen: make(map[string]int)}
	for c := range p.index {
		p.index[c] = -1
	}
	for i, h := range header {
		c, ok := rosterHeaderAliases[headerKey(h)]
		if !ok {
			continue
		}
		if j := p.index[c]; j >= 0 {
			return nil, citdesk.Errorf(citdesk.EINVALID, "The roster's columns %q and %q both mean %s; keep one.", strings.TrimSpace(header[j]), strings.TrimSpace(h), c)
		}
		p.index[c] = i
	}
	var missing []string
	for _, c := range rosterRequired {
		if p.index[c] < 0 {
			missing = append(missing, c.String())
		}
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("The roster's first row must name the columns badge, first_name and last_name; missing %s.", strings.Join(missing, ", "))
		if len(header) == 1 && strings.ContainsAny(header[0], ";\t") {
			msg += " The file seems to use semicolons or tabs; save it as comma-separated CSV."
		}
		return nil, citdesk.Errorf(citdesk.EINVALID, "%s", msg)
	}
	return p, nil
}

// headerKey normalises a header name: lower case, letters and digits only.
func headerKey(h string) string {
	var b strings.Builder
	for _, r := range h {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// blankRecord reports whether every field of rec is blank, as in the empty
// rows a spreadsheet leaves at the end of an export.
func blankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// parseRow turns the record starting on line into a row, or says what is
// wrong with it. Only the first problem is reported.
func (p *rosterParser) parseRow(line int, rec []string) (RosterRow, *RowError) {
	fail := func(c rosterColumn, format string, args ...any) (RosterRow, *RowError) {
		return RosterRow{}, &RowError{Line: line, Column: c.String(), Reason: fmt.Sprintf(format, args...)}
	}
	if len(rec) < p.width {
		return RosterRow{}, &RowError{Line: line, Reason: fmt.Sprintf("The row has %d fields but the header has %d.", len(rec), p.width)}
	}
	var f [numRosterColumns]string
	for c, i := range p.index {
		if i < 0 {
			continue
		}
		f[c] = strings.TrimSpace(rec[i])
		if !utf8.ValidString(f[c]) {
			return fail(rosterColumn(c), "The text is not UTF-8; save the file as \"CSV UTF-8\".")
		}
		if strings.ContainsFunc(f[c], unicode.IsControl) {
			return fail(rosterColumn(c), "The value contains a line break or other control character.")
		}
	}

	// The badge is registered before the rest of the row is checked, so a
	// second row with the same badge is caught even when the first is bad.
	if b := strings.ToUpper(f[colBadge]); b != "" {
		if first, ok := p.seen[b]; ok {
			return fail(colBadge, "Badge %s is already on line %d.", f[colBadge], first)
		}
		p.seen[b] = line
	}

	o := citdesk.Officer{
		Badge:     f[colBadge],
		FirstName: f[colFirstName],
		LastName:  f[colLastName],
		Rank:      f[colRank],
		CallSign:  f[colCallSign],
		Shift:     f[colShift],
		Phone:     f[colPhone],
	}
	if err := o.Validate(); err != nil {
		return fail(officerErrorColumn(err, &o), "%s", citdesk.ErrorMessage(err))
	}
	active, ok := rosterActiveValues[strings.ToLower(f[colActive])]
	if !ok {
		return fail(colActive, "Active must be yes or no (also true/false, 1/0, active/inactive; blank is yes).")
	}
	o.Active = active

	training, rerr := parseTraining(line, &f)
	if rerr != nil {
		return RosterRow{}, rerr
	}
	return RosterRow{Line: line, Officer: o, Training: training}, nil
}

// officerErrorColumn says which column an Officer.Validate error is about.
// Validate names one field for several limits ("last_name" when either name
// is too long, "rank" for rank, call sign, shift or phone), so the column is
// found by validating each candidate alone on an otherwise valid officer.
func officerErrorColumn(err error, o *citdesk.Officer) rosterColumn {
	field := citdesk.ErrorField(err)
	var candidates []rosterColumn
	switch field {
	case "badge":
		return colBadge
	case "first_name":
		return colFirstName
	case "last_name":
		candidates = []rosterColumn{colLastName, colFirstName}
	case "rank":
		candidates = []rosterColumn{colRank, colCallSign, colShift, colPhone}
	}
	for _, c := range candidates {
		probe := citdesk.Officer{Badge: "1", FirstName: "A", LastName: "B"}
		switch c {
		case colLastName:
			probe.LastName = o.LastName
		case colFirstName:
			probe.FirstName = o.FirstName
		case colRank:
			probe.Rank = o.Rank
		case colCallSign:
			probe.CallSign = o.CallSign
		case colShift:
			probe.Shift = o.Shift
		case colPhone:
			probe.Phone = o.Phone
		}
		if probe.Validate() != nil {
			return c
		}
	}
	if len(candidates) > 0 {
		return candidates[0]
	}
	return colBadge
}

// parseTraining reads the training columns of one row.
func parseTraining(line int, f *[numRosterColumns]string) ([]citdesk.TrainingRecord, *RowError) {
	var recs []citdesk.TrainingRecord
	fail := func(c rosterColumn, format string, args ...any) ([]citdesk.TrainingRecord, *RowError) {
		return nil, &RowError{Line: line, Column: c.String(), Reason: fmt.Sprintf(format, args...)}
	}
	type course struct {
		kind         citdesk.CourseKind
		title        string
		dateCol      rosterColumn
		hoursCol     rosterColumn // -1 when the hours are fixed
		defaultHours float64      // used when hoursCol is blank; 0 means hours are required
	}
	courses := [...]course{
		{citdesk.CourseCITBasic, "CIT basic course (40 hours)", colCITBasicDate, -1, CITBasicHours},
		{citdesk.CourseMHAwareness, "Mental health awareness course", colMHAwarenessDate, colMHAwarenessHours, DefaultMHAwarenessHours},
		{citdesk.CourseCITInService, "CIT in-service training", colInServiceDate, colInServiceHours, 0},
	}
	for _, c := range courses {
		date := f[c.dateCol]
		hours := ""
		if c.hoursCol >= 0 {
			hours = f[c.hoursCol]
		}
		if date == "" {
			if hours != "" {
				return fail(c.dateCol, "A completion date is required with %s.", c.hoursCol)
			}
			continue
		}
		d, err := parseRosterDate(date)
		if err != nil {
			return fail(c.dateCol, "%q is not a date; use YYYY-MM-DD or M/D/YYYY.", date)
		}
		rec := citdesk.TrainingRecord{Kind: c.kind, Title: c.title, Completed: d, Hours: c.defaultHours}
		if hours != "" {
			h, err := strconv.ParseFloat(hours, 64)
			if err != nil || math.IsNaN(h) || math.IsInf(h, 0) {
				return fail(c.hoursCol, "%q is not a number of hours.", hours)
			}
			rec.Hours = h
		} else if c.defaultHours == 0 {
			return fail(c.hoursCol, "Hours are required with %s.", c.dateCol)
		}
		// ParseRoster has no clock, so the last representable day stands in
		// for today and the future-date rule is left to the caller.
		if err := rec.Validate(citdesk.NewDate(9999, time.December, 31)); err != nil {
			col := c.dateCol
			if citdesk.ErrorField(err) == "hours" && c.hoursCol >= 0 {
				col = c.hoursCol
			}
			return fail(col, "%s", citdesk.ErrorMessage(err))
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

// parseRosterDate parses YYYY-MM-DD or, as spreadsheets in the US write
// dates, M/D/YYYY.
func parseRosterDate(s string) (citdesk.Date, error) {
	d, err := citdesk.ParseDate(s)
	if err != nil {
		t, err2 := time.Parse("1/2/2006", s)
		if err2 != nil {
			return citdesk.Date{}, err
		}
		d = citdesk.NewDate(t.Date())
	}
	if d.Before(citdesk.NewDate(earliestCourseYear, time.January, 1)) {
		return citdesk.Date{}, fmt.Errorf("date %s is before %d", s, earliestCourseYear)
	}
	return d, nil
}

// cappedReader reads from r until left bytes have been read, then sets over
// and fails, so an over-long file is refused rather than cut short and
// silently half imported.
type cappedReader struct {
	r    io.Reader
	left int64
	over bool
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.over {
		return 0, errors.New("roster file too large")
	}
	if c.left <= 0 {
		// One more byte tells a file of exactly the limit from a longer one.
		var b [1]byte
		n, err := c.r.Read(b[:])
		if n > 0 {
			c.over = true
			return 0, errors.New("roster file too large")
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}
