package importer

import (
	"encoding/csv"
	"io"
	"slices"
	"time"

	"citdesk"
)

// SeattleExportRow is one de-identified report to write in the Seattle
// crisis data layout: no person, no address, no narrative. OfficerID is a
// pseudonym the caller chose (stable for one officer), never a name.
type SeattleExportRow struct {
	TemplateID    string
	Occurred      time.Time // zero when unknown
	Reported      time.Time // zero when unknown
	OfficerID     string
	OfficerCIT    *bool
	Force         citdesk.ForceLevel // "" unknown
	Dispositions  []citdesk.Disposition
	Veteran       *bool
	CITRequested  *bool
	CITDispatched *bool
	CITArrived    *bool
	// Precinct, Sector and Beat are the agency's areas when citdesk knows
	// them; blank is written as "-", Seattle's missing.
	Precinct, Sector, Beat string
}

// seattleExportHeader is the public file's header (without the unnamed
// row index some tool added to the 2020 copy).
var seattleExportHeader = []string{"template_id", "reported_date", "reported_time", "occured_date_time",
	"call_type", "initial_call_type", "final_call_type", "disposition", "use_of_force_indicator",
	"subject_veteran_indicator", "cit_officer_requested", "cit_officer_dispatched", "cit_officer_arrived",
	"officer_id", "officer_gender", "officer_race", "officer_year_of_birth", "officer_years_of_experience",
	"cit_certified_indicator", "precinct", "sector", "beat",
	"officer_bureau_desc", "officer_precinct_desc", "officer_squad_desc"}

// SeattleWords inverts a disposition mapping (Seattle's word → citdesk's
// name, as LoadDispositionMap reads it): for each citdesk disposition the
// first Seattle word, alphabetically, that maps to it, so that importing
// the words back with the same mapping gives the same dispositions.
func SeattleWords(mapping map[string]string) map[citdesk.Disposition]string {
	if mapping == nil {
		mapping = DefaultSeattleDispositions
	}
	keys := make([]string, 0, len(mapping))
	for k := range mapping {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := map[citdesk.Disposition]string{}
	for _, k := range keys {
		d := citdesk.Disposition(mapping[k])
		if d == "" {
			continue
		}
		if _, ok := out[d]; !ok {
			out[d] = k
		}
	}
	return out
}

// WriteSeattle writes rows in the Seattle Police Department's crisis data
// layout, one row per (report, disposition) as Seattle does, a report with
// no disposition as one row with "-". Officer demographics and the
// officer's unit are always "-": the export is de-identified. A citdesk
// disposition the mapping has no Seattle word for is written as "-" too
// (the caller checks with SeattleWords first when that matters). Times
// are written in Seattle's zone, the zone the importer reads them in.
func WriteSeattle(w io.Writer, rows []SeattleExportRow, mapping map[string]string) error {
	words := SeattleWords(mapping)
	cw := csv.NewWriter(w)
	if err := cw.Write(seattleExportHeader); err != nil {
		return err
	}
	zone := seattleZone()
	for _, r := range rows {
		reportedDate, reportedTime, occurred := "-", "-", "1900-01-01 00:00:00"
		if !r.Reported.IsZero() {
			t := r.Reported.In(zone)
			reportedDate, reportedTime = t.Format("2006-01-02T00:00:00"), t.Format("2006-01-02 15:04:05")
		}
		if !r.Occurred.IsZero() {
			occurred = r.Occurred.In(zone).Format("2006-01-02 15:04:05")
		}
		force := "-"
		switch r.Force {
		case "":
		case citdesk.ForceNone, citdesk.ForceVerbal:
			// Words are not force in the measures (outcomes.ForceLevel);
			// Seattle's indicator is force used or not.
			force = "N"
		default:
			force = "Y"
		}
		disps := []string{}
		for _, d := range r.Dispositions {
			if word, ok := words[d]; ok && !slices.Contains(disps, word) {
				disps = append(disps, word)
			}
		}
		if len(disps) == 0 {
			disps = []string{"-"}
		}
		for _, d := range disps {
			rec := []string{r.TemplateID, reportedDate, reportedTime, occurred, "-", "-", "-", dash(d), force,
				yesNo(r.Veteran), yesNo(r.CITRequested), yesNo(r.CITDispatched), yesNo(r.CITArrived),
				dash(r.OfficerID), "-", "-", "-", "-", yesNo(r.OfficerCIT),
				dash(r.Precinct), dash(r.Sector), dash(r.Beat), "", "", ""}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func yesNo(b *bool) string {
	switch {
	case b == nil:
		return "-"
	case *b:
		return "Y"
	}
	return "N"
}

// dash writes a text cell, "-" when empty, guarded for spreadsheets (a
// lone "-", Seattle's "none", is text to a spreadsheet too).
func dash(s string) string {
	switch s {
	case "", "-":
		return "-"
	}
	return spreadsheetCell(s)
}
