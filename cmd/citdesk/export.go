package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"time"

	"citdesk"
	"citdesk/eido"
	"citdesk/importer"
	"citdesk/store"
)

const exportUsage = "usage: citdesk export --format eido|seattle-crisis --agency SLUG --from YYYY-MM-DD --to YYYY-MM-DD [--out FILE]"

// runExport writes a period's calls in a format other systems read: for
// now NENA EIDO, one document per line (JSON Lines), each call with its
// assignments. The days are the agency's, both included.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var slug, format, fromS, toS, out string
	db, fs, err := openData(ctx, "export", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "agency", "", "agency slug")
		fs.StringVar(&format, "format", "", "eido or seattle-crisis")
		fs.StringVar(&fromS, "from", "", "first day, YYYY-MM-DD, in the agency's time zone")
		fs.StringVar(&toS, "to", "", "last day, YYYY-MM-DD, included")
		fs.StringVar(&out, "out", "", "file to write (default: standard output)")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if fs.NArg() != 0 || format == "" || fromS == "" || toS == "" {
		return errors.New(exportUsage)
	}
	if format != "eido" && format != "seattle-crisis" {
		return fmt.Errorf("unknown --format %q: the export formats are eido and seattle-crisis", format)
	}
	op, agency, err := operator(ctx, db, slug)
	if err != nil {
		return err
	}
	from, err := citdesk.ParseDate(fromS)
	if err != nil {
		return fmt.Errorf("--from: %s", citdesk.ErrorMessage(err))
	}
	to, err := citdesk.ParseDate(toS)
	if err != nil {
		return fmt.Errorf("--to: %s", citdesk.ErrorMessage(err))
	}
	loc := agency.Location()
	w := stdout
	if out != "" {
		f, err := os.OpenFile(out, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if format == "seattle-crisis" {
		return exportSeattle(op, db, agency, from.Time(loc), to.AddDate(0, 0, 1).Time(loc), w, stderr)
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	n, err := db.IncidentService().ExportIncidents(op, from.Time(loc), to.AddDate(0, 0, 1).Time(loc), func(c *citdesk.Call, as []*citdesk.Assignment, incidentID string) error {
		return enc.Encode(eido.Write(c, as, agency, incidentID))
	})
	if err != nil {
		return errors.New(citdesk.ErrorMessage(err))
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d call(s) written as EIDO documents, one per line.\n", n)
	return nil
}

// exportSeattle writes the agency's approved encounters of [from, to) in
// the Seattle Police Department's public crisis data layout, de-identified
// (importer.WriteSeattle): no person, no address, no narrative, officers
// as pseudonyms. Dispositions go back to Seattle's words through the
// agency's stored Seattle mapping (the default when it has none), the one
// "citdesk import --format seattle-crisis" reads them with.
func exportSeattle(ctx context.Context, db *store.DB, agency *citdesk.Agency, from, to time.Time, w, stderr io.Writer) error {
	mapping, ok, err := db.HistoryService().DispositionMap(ctx, importer.SeattleSource)
	if err != nil {
		return errors.New(citdesk.ErrorMessage(err))
	}
	if !ok {
		mapping = importer.DefaultSeattleDispositions
	}
	encs, err := store.ExportOpenData(ctx, db, from, to)
	if err != nil {
		return errors.New(citdesk.ErrorMessage(err))
	}
	words := importer.SeattleWords(mapping)
	missing := map[citdesk.Disposition]int{}
	rows := make([]importer.SeattleExportRow, len(encs))
	for i, e := range encs {
		for _, d := range e.Dispositions {
			if _, ok := words[d]; !ok {
				missing[d]++
			}
		}
		officer := e.OfficerExtID
		if officer == "" {
			officer = strconv.FormatInt(e.OfficerID, 10)
		}
		rows[i] = importer.SeattleExportRow{
			TemplateID: "T" + db.Pseudonym("report", agency.Slug+"\x00"+strconv.FormatInt(e.ID, 10)),
			Occurred:   e.Occurred, Reported: e.Reported,
			OfficerID:  "P" + db.Pseudonym("officer", agency.Slug+"\x00"+officer),
			OfficerCIT: e.OfficerCIT, Force: e.Force, Dispositions: e.Dispositions,
			Veteran: e.Veteran, CITRequested: e.CITRequested, CITDispatched: e.CITDispatched, CITArrived: e.CITArrived,
		}
	}
	bw := bufio.NewWriter(w)
	if err := importer.WriteSeattle(bw, rows, mapping); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d encounter(s) written in the Seattle crisis data layout.\n", len(rows))
	for _, d := range slices.Sorted(maps.Keys(missing)) {
		fmt.Fprintf(stderr, "%d encounter(s) ended in %s, which the agency's Seattle disposition mapping has no word for: written as \"-\" (add a word at /admin/dispositions).\n", missing[d], d)
	}
	return nil
}
