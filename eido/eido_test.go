package eido

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"citdesk"
)

var desoto = &citdesk.Agency{ID: 1, Slug: "desoto", Name: "De Soto PD", Policy: citdesk.DefaultPolicy()}

// TestReadSample maps NENA's sample: the civic address of its by-value
// location, the call's start, emergency, the callback number and the
// comment in its additional data.
func TestReadSample(t *testing.T) {
	in, err := Read(readSample(t), desoto)
	if err != nil {
		t.Fatal(err)
	}
	c := in.Call
	want := time.Date(2021, 4, 30, 18, 40, 0, 0, time.UTC)
	if in.ID != "urn:emergency:uid:incidentid:a56e556d871:bcf.state.pa.us" || in.CallID != 0 {
		t.Errorf("id = %q, call %d", in.ID, in.CallID)
	}
	if !c.ReceivedAt.Equal(want) || !c.Emergency || c.Source != citdesk.Source911 {
		t.Errorf("received %v emergency %v source %v", c.ReceivedAt, c.Emergency, c.Source)
	}
	if c.Address != "42 W Cellular Street, Wilmington, DE" || c.Lat != nil {
		t.Errorf("address %q lat %v", c.Address, c.Lat)
	}
	if c.CallerPhone != "8195551212" || c.Notes != "This is an example text." || c.Nature != "Emergency call from the CAD" {
		t.Errorf("phone %q notes %q nature %q", c.CallerPhone, c.Notes, c.Nature)
	}
	if in.CITRequested || in.MentalHealth {
		t.Errorf("the sample read as cit %v, mental health %v", in.CITRequested, in.MentalHealth)
	}
	if err := c.Validate(time.Now()); err != nil {
		t.Errorf("the mapped call is not valid: %v", err)
	}
}

// TestRules: the agency's rules read CIT requested and mental health from
// the incident type and notes, as whole words.
func TestRules(t *testing.T) {
	r := citdesk.DefaultEIDORules()
	for _, tc := range []struct {
		types   []string
		notes   string
		cit, mh bool
	}{
		{[]string{"Welfare check"}, "Caller's son is off his meds; caller requests CIT.", true, true},
		{[]string{"MENTAL HEALTH - CIT"}, "", true, true},
		{[]string{"Disturbance"}, "In the city center.", false, false},
		{[]string{"Suicidal subject"}, "", false, true},
	} {
		cit, mh := r.Read(tc.types, tc.notes)
		if cit != tc.cit || mh != tc.mh {
			t.Errorf("Read(%q, %q) = %v, %v; want %v, %v", tc.types, tc.notes, cit, mh, tc.cit, tc.mh)
		}
	}
	custom := desoto.Policy
	custom.EIDO = &citdesk.EIDORules{CITTypes: []string{"10-96C"}}
	cit, mh := custom.EIDORules().Read([]string{"10-96C"}, "suicidal")
	if !cit || mh {
		t.Errorf("custom rules: %v %v", cit, mh)
	}
}

// TestWriteValidatesAndRoundTrips: the document written for a call, with
// assignments, is valid against the schema, and reads back to the same
// call fields.
func TestWriteValidatesAndRoundTrips(t *testing.T) {
	lat, lon := 38.1397, -90.5551
	now := time.Date(2026, 3, 1, 22, 5, 7, 123456000, time.UTC)
	c := &citdesk.Call{ID: 7, AgencyID: 1, ReceivedAt: now, Source: citdesk.SourceNonEmergency, Emergency: true, Nature: "Welfare check <urgent> & more",
		Address: "12 Elm St, De Soto, MO", Lat: &lat, Lon: &lon, CallerName: "Pat O'Neil", CallerPhone: "+1-636-555-0100",
		Notes: "Line one & <b>two</b>\nLine \"three\"", Status: citdesk.CallDispatched, UpdatedAt: now.Add(time.Minute), CITRequested: true,
		CallerRelationship: "mother <step> & guardian", SubjectDescription: "Adult son, 30s, red jacket\nknown to carry a knife",
		Risk: citdesk.RiskScreen{Weapons: citdesk.RiskYes, Violence: citdesk.RiskNo, SuicideRisk: citdesk.RiskYes, Substances: citdesk.RiskUnknown, Medical: citdesk.RiskNo}}
	enRoute := now.Add(2 * time.Minute)
	as := []*citdesk.Assignment{{ID: 3, CallID: 7, OfficerID: 4, OfficerName: "Ofc. Dana Reyes", Status: citdesk.AssignEnRoute, DispatchedAt: now.Add(time.Minute), EnRouteAt: &enRoute, CITCertified: true}}
	doc := Write(c, as, desoto, "")
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(b); err != nil {
		t.Fatalf("the written EIDO is invalid: %v %+v\n%s", err, err, b)
	}
	for _, want := range []string{`"primaryUnitStatusRegistryText":"Enroute"`, `"emergencyResourceName":"Ofc. Dana Reyes"`, `"CIT certified"`,
		`"personIncidentRoleRegistryText":["Subject"]`, `"cautionTypeInternalText":"Weapons"`, `"cautionTypeInternalText":"Suicide risk"`, `Relationship to the subject:`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the document lacks %s", want)
		}
	}
	in, err := Read(b, desoto)
	if err != nil {
		t.Fatal(err)
	}
	if in.CallID != 7 {
		t.Errorf("own incident id read as call %d", in.CallID)
	}
	back := *c
	if in.Apply(&back) {
		t.Errorf("reading the written EIDO back changes the call: %+v", back)
	}
	got := in.Call
	wantRisk := citdesk.RiskScreen{Weapons: citdesk.RiskYes, SuicideRisk: citdesk.RiskYes}
	if got.CallerRelationship != c.CallerRelationship || got.SubjectDescription != c.SubjectDescription || got.Risk != wantRisk {
		t.Errorf("round trip of the people: relationship %q, subject %q, risk %+v", got.CallerRelationship, got.SubjectDescription, got.Risk)
	}
	for _, unwanted := range []string{"Violence", "Medical need", "Substances"} {
		if strings.Contains(string(b), `"cautionTypeInternalText":"`+unwanted+`"`) {
			t.Errorf("a risk not answered yes is written as a caution: %s", unwanted)
		}
	}
	if got.Nature != c.Nature || got.Address != c.Address || *got.Lat != lat || *got.Lon != lon || got.CallerName != c.CallerName ||
		got.CallerPhone != c.CallerPhone || got.Notes != c.Notes || !got.ReceivedAt.Equal(now) || !got.Emergency {
		t.Errorf("round trip: %+v", got)
	}
}

// TestReadPeopleAndCautions: a CAD's subject, the caller's relationship
// note and its cautions map to the call's subject description,
// relationship and risk screen; a caller's other notes stay notes; a
// later document that leaves a caution out keeps the risk, one that adds
// a caution sets it.
func TestReadPeopleAndCautions(t *testing.T) {
	var d map[string]any
	if err := json.Unmarshal(readSample(t), &d); err != nil {
		t.Fatal(err)
	}
	pro := func(id string) map[string]any {
		return map[string]any{"$id": id, "lastUpdateTimeStamp": "2021-04-30T14:43:49Z", "updatedByAgencyReference": map[string]any{"$ref": "bcf.state.pa.us"}}
	}
	with := func(m map[string]any, kv ...any) map[string]any {
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	persons := d["personComponent"].([]any)
	caller := persons[0].(map[string]any)
	caller["notesReference"] = []any{map[string]any{"$ref": "n-rel"}, map[string]any{"$ref": "n-other"}}
	d["personComponent"] = append(persons, with(pro("p-subject"), "personIncidentRoleRegistryText", []any{"Subject"},
		"ncPersonComponent", map[string]any{"description": []any{map[string]any{"value": "Male, 40s"}, map[string]any{"value": "barefoot"}}}))
	d["notesComponent"] = []any{
		with(pro("n-rel"), "notesActionComments", "Relationship to the subject: neighbor"),
		with(pro("n-other"), "notesActionComments", "Caller is hard of hearing"),
	}
	d["cautionComponent"] = []any{
		with(pro("c1"), "cautionTypeInternalText", "ARMED - KNIFE", "cautionTypeCommonRegistryText", "Officer Safety", "cautionSeverity", "high"),
		with(pro("c2"), "cautionTypeInternalText", "Dog on premises", "cautionTypeCommonRegistryText", "Animal", "cautionSeverity", "normal"),
		with(pro("c3"), "cautionTypeInternalText", "Hazard", "cautionTypeCommonRegistryText", "Other", "cautionTypeCommonSubRegistryText", []any{"Intoxicated"}, "cautionSeverity", "normal"),
	}
	doc, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	in, err := Read(doc, desoto)
	if err != nil {
		t.Fatalf("%v %+v", err, err)
	}
	c := in.Call
	if c.CallerRelationship != "neighbor" || c.SubjectDescription != "Male, 40s\nbarefoot" {
		t.Errorf("relationship %q, subject %q", c.CallerRelationship, c.SubjectDescription)
	}
	if want := (citdesk.RiskScreen{Weapons: citdesk.RiskYes, Substances: citdesk.RiskYes}); c.Risk != want {
		t.Errorf("risk %+v, want %+v", c.Risk, want)
	}
	if !strings.Contains(c.Notes, "hard of hearing") || strings.Contains(c.Notes, "neighbor") {
		t.Errorf("notes %q", c.Notes)
	}
	call := in.NewCall()
	if err := call.Validate(time.Now()); err != nil {
		t.Fatal(err)
	}
	call.Risk.Violence = citdesk.RiskNo
	// The CAD's next document drops the knife and warns of violence.
	d["cautionComponent"] = []any{with(pro("c4"), "cautionTypeInternalText", "Violent person", "cautionTypeCommonRegistryText", "Officer Safety", "cautionSeverity", "high")}
	d["personComponent"] = persons[:1]
	if doc, err = json.Marshal(d); err != nil {
		t.Fatal(err)
	}
	next, err := Read(doc, desoto)
	if err != nil {
		t.Fatal(err)
	}
	if !next.Apply(call) || call.Risk.Weapons != citdesk.RiskYes || call.Risk.Violence != citdesk.RiskYes || call.SubjectDescription != "Male, 40s\nbarefoot" {
		t.Errorf("after the next document: %+v, subject %q", call.Risk, call.SubjectDescription)
	}
}

// TestOwnIncidentID: citdesk's own ids name a call of one agency only.
func TestOwnIncidentID(t *testing.T) {
	id := OwnIncidentID("desoto", 42)
	if n, ok := ParseOwnIncidentID(id, "desoto"); !ok || n != 42 {
		t.Errorf("ParseOwnIncidentID(%q) = %d, %v", id, n, ok)
	}
	for _, bad := range []string{OwnIncidentID("other", 42), "urn:emergency:uid:incidentid:citdesk042:desoto.citdesk", "urn:emergency:uid:incidentid:a56e556d871:bcf.state.pa.us"} {
		if _, ok := ParseOwnIncidentID(bad, "desoto"); ok {
			t.Errorf("ParseOwnIncidentID(%q) accepted", bad)
		}
	}
}

// fuzzSeeds are NENA's sample and variants of it: the incident typed and
// noted as a CIT mental-health call, a geodetic location, no call
// component, citdesk's own output for a call with everything set, and
// broken documents.
func fuzzSeeds(tb testing.TB) [][]byte {
	sample := readSample(tb)
	variant := func(edit func(d map[string]any)) []byte {
		var d map[string]any
		if err := json.Unmarshal(sample, &d); err != nil {
			tb.Fatal(err)
		}
		edit(d)
		b, err := json.Marshal(d)
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	lat, lon := 38.1397, -90.5551
	now := time.Date(2026, 3, 1, 22, 5, 7, 0, time.UTC)
	own, err := json.Marshal(Write(&citdesk.Call{ID: 7, ReceivedAt: now, Source: citdesk.Source911, Emergency: true, Nature: "Welfare check",
		Address: "12 Elm St", Lat: &lat, Lon: &lon, CallerName: "Pat O'Neil", CallerPhone: "636-555-0100", CallerRelationship: "mother",
		SubjectDescription: "Adult son, 30s", Risk: citdesk.RiskScreen{Weapons: citdesk.RiskYes, SuicideRisk: citdesk.RiskYes, Violence: citdesk.RiskNo},
		Notes: "Son is off his meds", Status: citdesk.CallPending, CITRequested: true}, nil, desoto, ""))
	if err != nil {
		tb.Fatal(err)
	}
	return [][]byte{
		sample,
		variant(func(d map[string]any) {
			d["incidentComponent"] = map[string]any{"$id": "inc", "lastUpdateTimeStamp": "2021-04-30T14:43:49Z", "updatedByAgencyReference": map[string]any{"$ref": "a"},
				"incidentTypeCommonRegistryText": "Police", "incidentTypeInternalText": "MENTAL HEALTH - CIT"}
			d["notesComponent"] = []any{map[string]any{"$id": "n1", "lastUpdateTimeStamp": "2021-04-30T14:43:49Z", "updatedByAgencyReference": map[string]any{"$ref": "a"},
				"notesActionComments": "Caller requests CIT<br>son is suicidal &amp; hearing voices"}}
		}),
		variant(func(d map[string]any) {
			for _, l := range d["locationComponent"].([]any) {
				l.(map[string]any)["locationByValue"] = `<presence xmlns="urn:ietf:params:xml:ns:pidf"><gml:pos xmlns:gml="http://www.opengis.net/gml">38.1397 -90.5551</gml:pos></presence>`
			}
		}),
		variant(func(d map[string]any) { delete(d, "callComponent") }),
		own,
		[]byte(`{"$id":"x","lastUpdateTimeStamp":"2021-04-30T14:43:49Z","updatedByAgencyReference":{"$ref":"a"},"eidoVersion":"1.0","issuingElementIdentification":"x","agencyComponent":[]}`),
		[]byte(`{`),
	}
}

// FuzzRead: no document, valid or not, panics the reader; a document it
// accepts maps to a call that validates or is refused with a field. It
// runs the whole of POST /api/v1/eido's reading: JSON, the schema, the
// mapping.
func FuzzRead(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	// Compile the schema before fuzzing starts, in each worker: the first
	// input must not look like a hang.
	if err := Warm(); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		in, err := Read(doc, desoto)
		if err != nil {
			if citdesk.ErrorCode(err) != citdesk.EINVALID {
				t.Fatalf("Read: %v", err)
			}
			return
		}
		c := in.NewCall()
		_ = c.Validate(time.Now())
	})
}

// FuzzToIncident fuzzes the layer below the schema: any JSON that decodes
// into a Document, valid against the schema or not, maps without a panic
// to an incident or an EINVALID error, and mapping it is deterministic.
// Mutated documents rarely pass the schema, so FuzzRead seldom reaches
// the mapping; this target reaches it on every input, without the
// schema's 4-second compile in each worker.
func FuzzToIncident(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var d Document
		if json.Unmarshal(doc, &d) != nil {
			return
		}
		in, err := ToIncident(&d, desoto)
		if err != nil {
			if citdesk.ErrorCode(err) != citdesk.EINVALID {
				t.Fatalf("ToIncident: %v", err)
			}
			return
		}
		again, _ := ToIncident(&d, desoto)
		if !reflect.DeepEqual(again, in) {
			t.Fatalf("mapped twice differently:\n%+v\n%+v", *in, *again)
		}
		c := in.NewCall()
		_ = c.Validate(time.Now())
		_ = in.Apply(c)
	})
}
