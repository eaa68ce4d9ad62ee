package importer

import (
	"context"
	"io"
	"maps"
	"slices"
	"time"

	"citdesk"
	"citdesk/outcomes"
)

// SeattleSource is the source name that Seattle crisis data is imported
// under: with a report's template_id it identifies the report, so
// importing the same file again changes nothing.
const SeattleSource = "seattle-crisis"

// HistoryImport is what importing a history file did.
type HistoryImport struct {
	Reports int // records read from the file (Seattle: distinct template_ids)
	citdesk.HistoryResult
	// ParseRejected are the rows the file reader refused, by line.
	ParseRejected []RowError
	// Unmapped counts the reports carrying each disposition the mapping
	// does not know; they are imported without it. Edit the mapping and
	// import again to fill them in.
	Unmapped map[string]int
	// SeededMapping is set when the agency had no mapping for the source
	// and the default one was saved for it.
	SeededMapping bool
	// SavedMapping is set when a mapping, the caller's or the default,
	// was saved for the source.
	SavedMapping bool
}

// ImportSeattle reads the Seattle Police Department's crisis data (see
// ParseSeattle) and saves every report as a historical encounter through
// hs, acting as the actor in ctx. Dispositions are mapped through
// dispositions when it is not nil (the command line's --dispositions FILE),
// which is then saved as the agency's mapping for SeattleSource; otherwise
// through the agency's saved mapping, which is seeded with
// DefaultSeattleDispositions the first time. The file is read whole before
// anything is written, and nothing is (not even the mapping) when it
// cannot be read or holds no report. progress, when not nil, is told how
// many of total reports are saved after each batch.
func ImportSeattle(ctx context.Context, hs citdesk.HistoryService, r io.Reader, dispositions map[string]string, progress func(done, total int)) (HistoryImport, error) {
	var out HistoryImport
	mapping, save := dispositions, dispositions != nil
	if mapping == nil {
		var ok bool
		var err error
		if mapping, ok, err = hs.DispositionMap(ctx, SeattleSource); err != nil {
			return out, err
		}
		if !ok {
			mapping, save, out.SeededMapping = maps.Clone(DefaultSeattleDispositions), true, true
		}
	}
	reports, rowErrs, err := ParseSeattle(r, mapping)
	if err != nil {
		return HistoryImport{}, err
	}
	out.Reports, out.ParseRejected = len(reports), rowErrs
	out.Unmapped = map[string]int{}
	if len(reports) == 0 {
		out.SeededMapping = false
		return out, nil
	}
	if save {
		if err := hs.SaveDispositionMap(ctx, SeattleSource, mapping); err != nil {
			return HistoryImport{}, err
		}
		out.SavedMapping = true
	}
	recs := make([]citdesk.HistoricalEncounter, len(reports))
	for i := range reports {
		recs[i] = SeattleHistory(&reports[i])
		for _, u := range reports[i].Unmapped {
			out.Unmapped[u]++
		}
	}
	out.HistoryResult, err = hs.ImportHistory(ctx, SeattleSource, recs, totalled(progress, len(recs)))
	return out, err
}

// ImportMapped reads an agency's CSV export described by m (see
// ParseMapped) and saves every record as a historical encounter through hs
// under m.Source, acting as the actor in ctx. Times without a zone are read
// in the mapping's zone, or loc. progress, when not nil, is told how many of
// total records are saved after each batch.
func ImportMapped(ctx context.Context, hs citdesk.HistoryService, r io.Reader, m *ColumnMapping, loc *time.Location, progress func(done, total int)) (HistoryImport, error) {
	recs, rowErrs, unmapped, err := ParseMapped(r, m, loc)
	if err != nil {
		return HistoryImport{}, err
	}
	out := HistoryImport{Reports: len(recs), ParseRejected: rowErrs, Unmapped: unmapped}
	out.HistoryResult, err = hs.ImportHistory(ctx, m.Source, recs, totalled(progress, len(recs)))
	return out, err
}

// totalled adapts a progress func(done, total) to ImportHistory's
// func(done); nil stays nil.
func totalled(progress func(done, total int), total int) func(int) {
	if progress == nil {
		return nil
	}
	return func(done int) { progress(done, total) }
}

// SeattleHistory turns one Seattle crisis report into a historical
// encounter. The file says only whether force was used, so "yes" is stored
// as physical force, the lowest level the measures count as force; it has
// no injuries, no person and no call times, which stay unknown.
func SeattleHistory(rep *SeattleReport) citdesk.HistoricalEncounter {
	h := citdesk.HistoricalEncounter{
		ExternalID:        rep.TemplateID,
		Line:              rep.Line,
		OccurredAt:        rep.Occurred,
		ReportedAt:        rep.Reported,
		OfficerExternalID: rep.OfficerID,
		OfficerCIT:        triBool(rep.CITCertified),
		Veteran:           triBool(rep.Veteran),
		CITRequested:      triBool(rep.CITRequested),
		CITDispatched:     triBool(rep.CITDispatched),
		CITArrived:        triBool(rep.CITArrived),
	}
	switch rep.UseOfForce {
	case outcomes.Yes:
		h.Force = citdesk.ForcePhysical
	case outcomes.No:
		h.Force = citdesk.ForceNone
	}
	for _, d := range rep.Dispositions {
		h.Dispositions = append(h.Dispositions, citdesk.Disposition(d))
	}
	return h
}

// triBool returns nil for unknown, else a pointer to the answer.
func triBool(t outcomes.Tri) *bool {
	if t == outcomes.Unknown {
		return nil
	}
	b := t == outcomes.Yes
	return &b
}

// UnmappedNames returns the keys of an Unmapped count, most frequent first.
func UnmappedNames(unmapped map[string]int) []string {
	names := slices.Collect(maps.Keys(unmapped))
	slices.SortFunc(names, func(a, b string) int {
		if unmapped[a] != unmapped[b] {
			return unmapped[b] - unmapped[a]
		}
		if a < b {
			return -1
		}
		return 1
	})
	return names
}
