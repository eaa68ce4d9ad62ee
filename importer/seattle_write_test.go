package importer

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"citdesk"
	"citdesk/outcomes"
)

// TestWriteSeattleParsesBack: what WriteSeattle writes, ParseSeattle reads
// back as the same report: times, Y/N/unknown answers, force and every
// disposition (one row each), with the default mapping.
func TestWriteSeattleParsesBack(t *testing.T) {
	yes, no := true, false
	at := time.Date(2026, 7, 4, 22, 15, 0, 0, time.UTC)
	rows := []SeattleExportRow{
		{TemplateID: "a-1", Occurred: at, Reported: at.Add(3 * time.Hour), OfficerID: "P01", OfficerCIT: &yes,
			Force: citdesk.ForceLessLethal, Dispositions: []citdesk.Disposition{citdesk.DispArrest, citdesk.DispEmergencyDetention},
			Veteran: &no, CITRequested: &yes, CITDispatched: &yes, CITArrived: nil},
		{TemplateID: "a-2", OfficerID: "P02", Force: citdesk.ForceVerbal, Dispositions: []citdesk.Disposition{citdesk.DispResolvedOnScene}},
	}
	var buf bytes.Buffer
	if err := WriteSeattle(&buf, rows, nil); err != nil {
		t.Fatal(err)
	}
	reps, rowErrs, err := ParseSeattle(&buf, nil)
	if err != nil || len(rowErrs) != 0 {
		t.Fatalf("parse: %v %v\n%s", err, rowErrs, buf.String())
	}
	if len(reps) != 2 {
		t.Fatalf("%d reports, want 2", len(reps))
	}
	a, b := reps[0], reps[1]
	if !a.Occurred.Equal(at) || !a.Reported.Equal(at.Add(3*time.Hour)) {
		t.Errorf("times %v %v, want %v and 3 h later", a.Occurred, a.Reported, at)
	}
	if a.UseOfForce != outcomes.Yes || a.CITCertified != outcomes.Yes || a.Veteran != outcomes.No ||
		a.CITRequested != outcomes.Yes || a.CITDispatched != outcomes.Yes || a.CITArrived != outcomes.Unknown || a.OfficerID != "P01" {
		t.Errorf("report a: %+v", a)
	}
	if !slices.Equal(a.Dispositions, []string{"emergency_detention", "arrest"}) && !slices.Equal(a.Dispositions, []string{"arrest", "emergency_detention"}) {
		t.Errorf("report a dispositions %v", a.Dispositions)
	}
	// Verbal is not force; resolved_on_scene has no word in the default
	// mapping, so b has none; its date is unknown.
	if b.UseOfForce != outcomes.No || len(b.Dispositions) != 0 || len(b.Unmapped) != 0 || !b.Occurred.IsZero() || b.CITCertified != outcomes.Unknown {
		t.Errorf("report b: %+v", b)
	}
}
