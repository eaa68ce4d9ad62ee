package importer

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"citdesk"
)

func TestParseMapped(t *testing.T) {
	mf, err := os.Open("testdata/generic-rms.mapping.json")
	if err != nil {
		t.Fatal(err)
	}
	defer mf.Close()
	m, err := LoadColumnMapping(mf)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/generic-rms.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, rowErrs, unmapped, err := ParseMapped(f, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.ExternalID)
	}
	if want := []string{"R-1001", "R-1002", "R-1003", "R-1004", "R-1005", "R-1006"}; !slices.Equal(ids, want) {
		t.Fatalf("records %v, want %v", ids, want)
	}
	var lines []int
	for _, e := range rowErrs {
		lines = append(lines, e.Line)
	}
	if want := []int{9, 10, 11, 12}; !slices.Equal(lines, want) {
		t.Errorf("rejected lines %v, want %v (%v)", lines, want, rowErrs)
	}
	if unmapped["Moved along"] != 1 || len(unmapped) != 1 {
		t.Errorf("unmapped %v, want Moved along once", unmapped)
	}

	chicago, _ := time.LoadLocation("America/Chicago")
	r2 := recs[1]
	if !r2.OccurredAt.Equal(time.Date(2024, 3, 5, 22, 40, 0, 0, chicago)) || r2.OfficerExternalID != "502" || r2.PersonExternalID != "S-10" {
		t.Errorf("R-1002 %+v", r2)
	}
	if r2.Force != citdesk.ForcePhysical || r2.InjuryPerson != citdesk.InjuryMinor || r2.InjuryOfficer != citdesk.InjuryNone {
		t.Errorf("R-1002 force %q injuries %q %q", r2.Force, r2.InjuryPerson, r2.InjuryOfficer)
	}
	if !slices.Equal(r2.Dispositions, []citdesk.Disposition{citdesk.DispReferredToLiaison, citdesk.DispArrest}) {
		t.Errorf("R-1002 dispositions %v", r2.Dispositions)
	}
	if *r2.Veteran != true || *r2.CITRequested != true || *r2.CITDispatched != false || *r2.OfficerCIT != false {
		t.Errorf("R-1002 yes/no fields wrong: %+v", r2)
	}
	if r3 := recs[2]; r3.HandoverMinutes == nil || *r3.HandoverMinutes != 35 {
		t.Errorf("R-1003 hand-over %v", r3.HandoverMinutes)
	}
	r4 := recs[3]
	if !r4.OccurredAt.IsZero() || r4.OfficerCIT != nil || r4.Force != "" || r4.InjuryPerson != "" || r4.Veteran != nil || len(r4.Dispositions) != 0 || r4.PersonExternalID != "" {
		t.Errorf("R-1004 should be all unknown: %+v", r4)
	}
	if r5 := recs[4]; !slices.Equal(r5.Dispositions, []citdesk.Disposition{citdesk.DispReferredToLiaison, citdesk.DispEmergencyDetention}) || r5.Force != citdesk.ForceLessLethal || r5.InjuryOfficer != citdesk.InjuryMinor {
		t.Errorf("R-1005 merged (yes is a minor injury) %+v", r5)
	}
}

func TestLoadColumnMappingErrors(t *testing.T) {
	for _, c := range []struct{ name, json, want string }{
		{"no id", `{"source":"x","columns":{"occurred_at":"Date"}}`, "external_id"},
		{"no source", `{"columns":{"external_id":"Id"}}`, "source"},
		{"unknown field", `{"source":"x","columns":{"external_id":"Id","narrative":"Text"}}`, "narrative"},
		{"bad disposition", `{"source":"x","columns":{"external_id":"Id"},"dispositions":{"Jail":"prison"}}`, "prison"},
		{"bad force", `{"source":"x","columns":{"external_id":"Id"},"force":{"Gun":"deadly"}}`, "deadly"},
		{"bad zone", `{"source":"x","columns":{"external_id":"Id"},"time_zone":"Mars/Olympus"}`, "Mars"},
		{"unknown key", `{"source":"x","columns":{"external_id":"Id"},"colour":"red"}`, "colour"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadColumnMapping(strings.NewReader(c.json))
			if err == nil || citdesk.ErrorCode(err) != citdesk.EINVALID || !strings.Contains(citdesk.ErrorMessage(err), c.want) {
				t.Errorf("err %v, want EINVALID naming %q", err, c.want)
			}
		})
	}
}

func TestParseMappedMissingColumn(t *testing.T) {
	m := &ColumnMapping{Source: "x", Columns: map[string]string{"external_id": "Id", "force": "Force"}}
	_, _, _, err := ParseMapped(strings.NewReader("Id,Other\n1,2\n"), m, time.UTC)
	if err == nil || !strings.Contains(citdesk.ErrorMessage(err), `"Force"`) {
		t.Errorf("err %v, want one naming the missing column", err)
	}
}

func FuzzParseMapped(f *testing.F) {
	f.Add("Id,When,Outcome\n1,2024-01-02,arrest;citation\n1,2024-01-02,citation\n")
	f.Add("Id\n\n\"x")
	f.Add("Id,Year,Month,Day,Time\n1,2023,Feb,,\n2,2023,7,14,13:05\n3,,,,\n4,2023,2,30,\n")
	m := &ColumnMapping{Source: "x", Columns: map[string]string{"external_id": "Id", "occurred_at": "When", "dispositions": "Outcome"}, DispositionSeparator: ";"}
	f.Add("Id,Year,Month,Day,Time,Apprehension,Arrested\n1,2023,Jan,,,yes,no\n1,2023,Jan,,,,yes\n2,2023,,,,N,\n")
	parts := &ColumnMapping{Source: "x", Columns: map[string]string{"external_id": "Id"},
		OccurredParts: map[string]string{"year": "Year", "month": "Month", "day": "Day", "hour": "Time"},
		Flags:         map[string]string{"emergency_detention": "Apprehension", "arrest": "Arrested"}}
	f.Fuzz(func(t *testing.T, s string) {
		fuzzMapped(t, s, m)
		fuzzMapped(t, s, parts)
	})
}

func fuzzMapped(t *testing.T, s string, m *ColumnMapping) {
	recs, _, _, err := ParseMapped(strings.NewReader(s), m, time.UTC)
	if err != nil {
		return
	}
	seen := map[string]bool{}
	for _, r := range recs {
		if r.ExternalID == "" || seen[r.ExternalID] {
			t.Fatalf("record id %q empty or repeated", r.ExternalID)
		}
		seen[r.ExternalID] = true
		// A time has a precision, and none without a time; a disposition
		// is answered yes or no, never both; only a partial answer has
		// known negatives.
		if r.OccurredAt.IsZero() != (r.OccurredPrecision == "") || r.OccurredPrecision != "" && !r.OccurredPrecision.Valid() {
			t.Fatalf("record %q: time %v with precision %q", r.ExternalID, r.OccurredAt, r.OccurredPrecision)
		}
		for _, d := range r.DispositionsNo {
			if !r.DispositionsPartial || slices.Contains(r.Dispositions, d) {
				t.Fatalf("record %q: %s answered no in %+v", r.ExternalID, d, r)
			}
		}
	}
}
