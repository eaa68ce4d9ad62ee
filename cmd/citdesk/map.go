package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"citdesk/geo"
	"citdesk/store"
)

const mapUsage = `usage: citdesk map import --agency SLUG FILE
(FILE is an OpenStreetMap extract: .osm.pbf, .osm or .osm.bz2; it replaces the agency's map)`

// runMap is "citdesk map": the agency's OpenStreetMap map (issue 13).
func runMap(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		return errors.New(mapUsage)
	}
	return runMapImport(ctx, args[1:], stdout, stderr)
}

// runMapImport is "citdesk map import": it reads an OpenStreetMap extract
// and writes the agency's map beside its data (DIR/maps/SLUG.citmap): the
// road graph recommendations drive on and the addresses the lookup
// searches, and the streets, paths, water and parks its tiles draw. The old map stays in place until the new one is whole; a
// running server loads the new one when it next starts.
func runMapImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("map import", flag.ContinueOnError)
	flags.SetOutput(stderr)
	var d dataFlags
	d.register(flags)
	var slug string
	flags.StringVar(&slug, "agency", "", "agency slug")
	if err := parseFlags(flags, reorder(args)); err != nil {
		return err
	}
	if flags.NArg() != 1 {
		return errors.New(mapUsage)
	}
	db, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	_, agency, err := operator(ctx, db, slug)
	if err != nil {
		return err
	}
	src := flags.Arg(0)
	if _, err := os.Stat(src); err != nil {
		return err
	}
	start := time.Now()
	m, st, err := geo.ImportOSM(ctx, src, progressBar(stderr))
	if err != nil {
		return fmt.Errorf("%w; the agency's map was not changed", err)
	}
	if m.Roads.NodeCount() == 0 {
		return fmt.Errorf("%s holds no roads cars may drive; the agency's map was not changed", src)
	}
	path := geo.MapFile(d.data, agency.Slug)
	if err := geo.WriteMapFile(path, m); err != nil {
		return fmt.Errorf("write the map: %w; the agency's map was not changed", err)
	}
	size := int64(0)
	if fi, err := os.Stat(path); err == nil {
		size = fi.Size()
	}
	fmt.Fprintf(stdout, "Map for %s from %s: %d road nodes, %d road segments (%d shortcuts), %d addresses, %d streets, %d places, %d ways to draw; %d OpenStreetMap nodes and %d ways read in %s.\n",
		agency.Slug, m.Source, m.Roads.NodeCount(), m.Roads.SegmentCount(), m.Roads.ShortcutCount(), st.Addresses, st.Streets, st.Places, m.Basemap.WayCount(), st.Nodes, st.Ways, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "Written to %s (%.1f MB). citdesk serve loads it when it starts.\n", path, float64(size)/1e6)
	return nil
}

// progressBar draws the import's progress on w when w is a terminal, and
// nothing otherwise (a log or a pipe gets only the summary).
func progressBar(w io.Writer) geo.ImportProgress {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return drawProgress(w)
}

// drawProgress draws the import's progress on one line of w, redrawn in
// place, once per percent.
func drawProgress(w io.Writer) geo.ImportProgress {
	steps := map[int]string{1: "reading ways   ", 2: "reading nodes  ", 3: "contracting    "}
	last := -1
	return func(pass int, done, total int64) {
		pct := 0
		if total > 0 {
			pct = int(min(100, done*100/total))
		}
		if pass*1000+pct == last {
			return
		}
		last = pass*1000 + pct
		bar := strings.Repeat("#", pct/4) + strings.Repeat(".", 25-pct/4)
		fmt.Fprintf(w, "\r[%d/3] %s [%s] %3d%%", pass, steps[pass], bar, pct)
		if pass == 3 && pct == 100 {
			fmt.Fprintln(w)
		}
	}
}

// loadMaps reads the map of every agency that has one from DIR/maps. A
// map that cannot be read is logged and skipped: that agency's
// recommendations use the straight line until it is imported again.
func loadMaps(ctx context.Context, db *store.DB, dataDir string, log *slog.Logger) (*geo.Maps, error) {
	agencies, err := db.AgencyService().ListAgencies(ctx)
	if err != nil {
		return nil, err
	}
	maps := geo.NewMaps()
	for _, a := range agencies {
		path := geo.MapFile(dataDir, a.Slug)
		start := time.Now()
		m, err := geo.ReadMapFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			log.Error("map not loaded; recommendations use the straight line", "agency", a.Slug, "err", err)
			continue
		}
		maps.Set(a.ID, m)
		if m.Basemap == nil {
			log.Warn("map has no streets to draw (imported by an older citdesk): the board shows no citdesk tiles until it is imported again with citdesk map import", "agency", a.Slug)
		}
		log.Info("map loaded", "agency", a.Slug, "source", m.Source, "imported_at", m.ImportedAt, "road_nodes", m.Roads.NodeCount(),
			"addresses", len(m.Addresses), "took", time.Since(start).Round(time.Millisecond).String())
	}
	return maps, nil
}
