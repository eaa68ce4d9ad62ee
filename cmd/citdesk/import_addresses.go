package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"citdesk/importer"
)

const importAddressesUsage = `usage: citdesk import addresses --agency SLUG FILE.csv
(columns house_number, street, place, lat, lon; the file replaces the agency's address list)`

// runImportAddresses is "citdesk import addresses": the agency's own
// address list, which the board's address lookup searches. All or
// nothing: one wrong row and nothing is written, every wrong row is
// reported with its line.
func runImportAddresses(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var slug string
	db, fs, err := openData(ctx, "import addresses", reorder(args), stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "agency", "", "agency slug")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if fs.NArg() != 1 {
		return errors.New(importAddressesUsage)
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
	start := time.Now()
	list, rowErrs, err := importer.ParseAddresses(f)
	if err != nil {
		return userError(err)
	}
	if len(rowErrs) > 0 {
		for _, e := range rowErrs {
			fmt.Fprintln(stdout, e.Error())
		}
		return fmt.Errorf("%d %s wrong; nothing was imported: fix %s and run the import again", len(rowErrs), plural(len(rowErrs), "row is", "rows are"), plural(len(rowErrs), "it", "them"))
	}
	if len(list) == 0 {
		return errors.New("the file holds no addresses; nothing was imported")
	}
	replaced, err := db.AddressService().ReplaceAddresses(op, list)
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(stdout, "Address list for %s: %d addresses imported, replacing %d, in %s.\n", agency.Slug, len(list), replaced, time.Since(start).Round(time.Millisecond))
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
