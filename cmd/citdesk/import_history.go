package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"citdesk"
	"citdesk/importer"
)

const importUsage = `usage: citdesk import --agency SLUG --format roster FILE
       citdesk import addresses --agency SLUG FILE.csv
       citdesk import --agency SLUG --format seattle-crisis [--dispositions MAP.csv] FILE
       citdesk import --agency SLUG --format csv --mapping MAPPING.json [--dry-run] FILE`

// runImportCommand is "citdesk import": the roster (ops.go), the agency's
// address list ("import addresses", import_addresses.go), or history
// for the outcome figures: the Seattle Police Department's crisis data, or
// any agency's CSV export described by a column-mapping file.
func runImportCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "addresses" {
		return runImportAddresses(ctx, args[1:], stdout, stderr) // import_addresses.go
	}
	var slug, format, dispositions, mapping string
	var dryRun bool
	db, fs, err := openData(ctx, "import", reorder(args, "dry-run"), stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&dryRun, "dry-run", false, "csv: print how the first rows map and which would be rejected, and change nothing")
		fs.StringVar(&slug, "agency", "", "agency slug")
		fs.StringVar(&format, "format", "", "file format: roster, seattle-crisis or csv")
		fs.StringVar(&dispositions, "dispositions", "", "seattle-crisis: a CSV mapping the file's dispositions to citdesk's, saved as the agency's mapping before the import")
		fs.StringVar(&mapping, "mapping", "", "csv: the JSON file mapping citdesk's fields to the file's columns")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if fs.NArg() != 1 {
		return errors.New(importUsage)
	}
	op, agency, err := operator(ctx, db, slug)
	if err != nil {
		return err
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	bar := newProgress(stderr)
	hs := db.HistoryService()
	start := time.Now()
	switch format {
	case "roster":
		if dryRun {
			return errors.New("--dry-run is for --format csv")
		}
		if mapping != "" || dispositions != "" {
			return errors.New("--mapping and --dispositions are for history imports, not --format roster")
		}
		return importRoster(op, db, agency, f, stdout)
	case "seattle-crisis":
		if dryRun {
			return errors.New("--dry-run is for --format csv")
		}
		if mapping != "" {
			return errors.New("--mapping is for --format csv; Seattle's dispositions are mapped with --dispositions")
		}
		var m map[string]string
		if dispositions != "" {
			if m, err = loadDispositionFile(dispositions); err != nil {
				return err
			}
		}
		// The mapping is saved by the import, and only when the file holds
		// reports: an empty or unreadable file writes nothing.
		res, err := importer.ImportSeattle(op, hs, f, m, bar.update)
		bar.done()
		if err != nil {
			return userError(err)
		}
		if m != nil && res.SavedMapping {
			fmt.Fprintf(stdout, "Disposition mapping for %s saved from %s (%d dispositions).\n", importer.SeattleSource, dispositions, len(m))
		}
		if res.SeededMapping {
			fmt.Fprintf(stdout, "Disposition mapping for %s: the default one, saved for %s; edit it at /admin/dispositions or replace it with --dispositions FILE.\n", importer.SeattleSource, agency.Slug)
		} else if m == nil && res.Reports > 0 {
			fmt.Fprintf(stdout, "Disposition mapping for %s: the one saved for %s (edit it at /admin/dispositions, or give --dispositions FILE).\n", importer.SeattleSource, agency.Slug)
		}
		report(stdout, agency.Slug, importer.SeattleSource, res, time.Since(start))
		return nil
	case "csv":
		if mapping == "" {
			return errors.New("--format csv needs --mapping MAPPING.json: which column holds each field (see importer.ColumnMapping)")
		}
		mf, err := os.Open(mapping)
		if err != nil {
			return err
		}
		m, err := importer.LoadColumnMapping(mf)
		mf.Close()
		if err != nil {
			return userError(err)
		}
		if dryRun {
			return dryRunMapped(stdout, f, m, agency.Location())
		}
		res, err := importer.ImportMapped(op, hs, f, m, agency.Location(), bar.update)
		bar.done()
		if err != nil {
			return userError(err)
		}
		report(stdout, agency.Slug, m.Source, res, time.Since(start))
		return nil
	}
	return fmt.Errorf("unknown --format %q (known: roster, seattle-crisis, csv)", format)
}

// userError keeps an internal error as it is and shows any other as its message.
func userError(err error) error {
	if citdesk.ErrorCode(err) == citdesk.EINTERNAL {
		return err
	}
	return errors.New(citdesk.ErrorMessage(err))
}

func loadDispositionFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := importer.LoadDispositionMap(f)
	if err != nil {
		return nil, userError(err)
	}
	return m, nil
}

// report prints what an import did: counts, then every rejected row with
// its line and reason, then the dispositions the mapping lacks.
func report(w io.Writer, slug, source string, res importer.HistoryImport, took time.Duration) {
	for _, e := range res.ParseRejected {
		fmt.Fprintln(w, "rejected:", e.Error())
	}
	for _, e := range res.Rejected {
		fmt.Fprintf(w, "rejected: line %d: %s: %s\n", e.Line, e.ExternalID, e.Reason)
	}
	if len(res.Unmapped) > 0 {
		var parts []string
		for _, name := range importer.UnmappedNames(res.Unmapped) {
			parts = append(parts, fmt.Sprintf("%q (%d)", name, res.Unmapped[name]))
		}
		fmt.Fprintf(w, "Dispositions the mapping does not know, imported without them: %s.\n", strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, "History import for %s from %s: %d records read; %d new, %d updated, %d unchanged; %d persons added; %d rejected (%s).\n",
		slug, source, res.Reports, res.Created, res.Updated, res.Unchanged, res.Persons, len(res.ParseRejected)+len(res.Rejected), took.Round(time.Millisecond))
}

// progress draws a progress bar on stderr when stderr is a terminal, and
// nothing otherwise (a log file or a pipe gets the summary only).
type progress struct {
	w     io.Writer
	on    bool
	drawn bool
}

func newProgress(stderr io.Writer) *progress {
	p := &progress{w: stderr}
	if f, ok := stderr.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.on = true
		}
	}
	return p
}

func (p *progress) update(done, total int) {
	if !p.on || total <= 0 {
		return
	}
	const width = 30
	filled := width * done / total
	fmt.Fprintf(p.w, "\r[%s%s] %3d%% %d of %d", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), 100*done/total, done, total)
	p.drawn = true
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// dryRunSummary says in words what the figures will make of a record's
// time and dispositions: how precise the time is (a time known to the
// month is left out of the figures by day), and which dispositions are
// yes, which no (known negatives, in the denominators) and which unknown.
func dryRunSummary(h *citdesk.HistoricalEncounter) string {
	names := func(ds []citdesk.Disposition) string {
		if len(ds) == 0 {
			return "none"
		}
		out := make([]string, len(ds))
		for i, d := range ds {
			out[i] = string(d)
		}
		return strings.Join(out, ", ")
	}
	when := "time unknown"
	if !h.OccurredAt.IsZero() {
		prec := h.OccurredPrecision
		if prec == "" {
			prec = citdesk.PrecisionFull
		}
		when = "time known to the " + string(prec)
		switch prec {
		case citdesk.PrecisionFull:
			when = "time known in full"
		case citdesk.PrecisionYear, citdesk.PrecisionMonth:
			when += " (left out of the figures by day)"
		case citdesk.PrecisionDay:
			when += " (left out of the 24-hour report deadline)"
		}
	}
	switch {
	case h.DispositionsPartial:
		return fmt.Sprintf("%s; yes: %s; no (known negative): %s; any other disposition unknown", when, names(h.Dispositions), names(h.DispositionsNo))
	case len(h.Dispositions) == 0:
		return when + "; dispositions unknown"
	}
	return fmt.Sprintf("%s; dispositions: %s (every other one no)", when, names(h.Dispositions))
}

// dryRunRows is how many mapped rows a dry run shows.
const dryRunRows = 5

// dryRunMapped reads a CSV file with its mapping and prints what an import
// would take from the first rows and which rows it would reject, touching
// no database. The store may still refuse a row the reading accepts (an
// inconsistent report); those show only on a real import.
func dryRunMapped(w io.Writer, r io.Reader, m *importer.ColumnMapping, loc *time.Location) error {
	recs, rejected, unmapped, err := importer.ParseMapped(r, m, loc)
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(w, "Dry run: nothing was imported. %d row(s) would be read from %s, %d rejected.\n", len(recs), m.Source, len(rejected))
	for i, h := range recs {
		if i == dryRunRows {
			fmt.Fprintf(w, "… and %d more.\n", len(recs)-dryRunRows)
			break
		}
		b, err := json.Marshal(h)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "row %s: %s\n", h.ExternalID, dryRunSummary(&h))
		fmt.Fprintf(w, "row %s: %s\n", h.ExternalID, b)
	}
	for _, e := range rejected {
		fmt.Fprintln(w, "would reject:", e.Error())
	}
	for _, name := range importer.UnmappedNames(unmapped) {
		fmt.Fprintf(w, "disposition not in the mapping: %q (%d)\n", name, unmapped[name])
	}
	return nil
}
