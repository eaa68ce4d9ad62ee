package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"citdesk"
	"citdesk/eido"
)

const exportUsage = "usage: citdesk export --format eido --agency SLUG --from YYYY-MM-DD --to YYYY-MM-DD [--out FILE]"

// runExport writes a period's calls in a format other systems read: for
// now NENA EIDO, one document per line (JSON Lines), each call with its
// assignments. The days are the agency's, both included.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var slug, format, fromS, toS, out string
	db, fs, err := openData(ctx, "export", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "agency", "", "agency slug")
		fs.StringVar(&format, "format", "", "eido")
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
	if format != "eido" {
		return fmt.Errorf("unknown --format %q: eido is the one export format", format)
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
