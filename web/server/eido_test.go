package server_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"citdesk"
	"citdesk/eido"
	"citdesk/web"
)

// eidoSample is NENA's sample EIDO (eido/testdata/SOURCE.md).
func eidoSample(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../eido/testdata/sample-call-transfer.eido.json")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// cadEnv is an env with an admin and a CAD service account.
func cadEnv(t *testing.T, e *env) (cad string) {
	t.Helper()
	e.user("admin", citdesk.RoleAdmin)
	_, cad = e.serviceAccount(e.token("admin"), "cad", "calls:write", "calls:read")
	return cad
}

// TestEIDOIn: the CAD sends NENA's sample: 201 and a call mapped from it;
// the same incident again is 200 with the same call, unchanged; a changed
// sending updates that call; an invalid document is a 422 naming the JSON
// pointer of each error.
func TestEIDOIn(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		cad := cadEnv(t, e)
		sample := eidoSample(t)
		res := e.do("POST", "/api/v1/eido", cad, sample)
		checkOpenAPI(t, "POST", "/eido", res)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("first sending: %d %s", res.StatusCode, res.Body)
		}
		var first citdesk.Call
		res.JSON(t, &first)
		if first.Address != "42 W Cellular Street, Wilmington, DE" || first.CallerPhone != "8195551212" || !first.Emergency ||
			first.Notes != "This is an example text." || first.ReceivedAt.UTC().Format("2006-01-02T15:04:05Z") != "2021-04-30T18:40:00Z" || first.Status != citdesk.CallPending {
			t.Errorf("the sample's call: %+v", first)
		}
		if loc := res.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/calls/%d", first.ID) {
			t.Errorf("Location %q", loc)
		}

		res = e.do("POST", "/api/v1/eido", cad, sample)
		checkOpenAPI(t, "POST", "/eido", res)
		var again citdesk.Call
		res.JSON(t, &again)
		if res.StatusCode != http.StatusOK || again.ID != first.ID || again.Version != first.Version {
			t.Errorf("the same incident again: %d, call %d version %d; want 200, call %d version %d", res.StatusCode, again.ID, again.Version, first.ID, first.Version)
		}

		// An update: new notes and the CAD's incident type.
		changed := strings.Replace(sample, `"callComponent": [{`, `"incidentComponent": {"$id": "inc-1", "lastUpdateTimeStamp": "2021-04-30T14:50:00-04:00", "updatedByAgencyReference": {"$ref": "state.pa.us"},
			"incidentTypeInternalText": "Suicidal subject", "incidentTypeCommonRegistryText": "Police", "notesReference": [{"$ref": "note-1"}]},
		"notesComponent": [{"$id": "note-1", "lastUpdateTimeStamp": "2021-04-30T14:49:00-04:00", "updatedByAgencyReference": {"$ref": "state.pa.us"},
			"notesActionComments": "Mother says he is off his meds; she requests CIT."}],
		"callComponent": [{`, 1)
		res = e.do("POST", "/api/v1/eido", cad, changed)
		var updated citdesk.Call
		res.JSON(t, &updated)
		if res.StatusCode != http.StatusOK || updated.ID != first.ID || updated.Version != first.Version+1 || updated.Nature != "Suicidal subject" ||
			!updated.CITRequested || !strings.Contains(updated.Notes, "requests CIT") {
			t.Errorf("an update: %d %+v", res.StatusCode, updated)
		}
		var list struct{ Calls []citdesk.Call }
		e.do("GET", "/api/v1/calls", cad, nil).JSON(t, &list)
		if len(list.Calls) != 1 {
			t.Errorf("%d calls after three sendings of one incident, want 1", len(list.Calls))
		}

		// A new incident whose type the agency's rules read.
		mh := strings.Replace(strings.Replace(changed, "a56e556d871", "b77", 1), "Suicidal subject", "Mental health - CIT", 1)
		res = e.do("POST", "/api/v1/eido", cad, mh)
		var second citdesk.Call
		res.JSON(t, &second)
		if res.StatusCode != http.StatusCreated || second.ID == first.ID || !second.CITRequested || second.MentalHealth == nil || !*second.MentalHealth {
			t.Errorf("a mental-health incident: %d %+v", res.StatusCode, second)
		}

		// Invalid: every error named by its pointer.
		bad := strings.Replace(strings.Replace(sample, `"direction": "incoming"`, `"direction": "sideways"`, 1), `"eidoVersion": "1.0"`, `"eidoVersion": "2"`, 1)
		res = e.do("POST", "/api/v1/eido", cad, bad)
		checkOpenAPI(t, "POST", "/eido", res)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"field":"/callComponent/0/direction"`) || !strings.Contains(res.Body, `"field":"/eidoVersion"`) {
			t.Errorf("an invalid EIDO: %d %s", res.StatusCode, res.Body)
		}
		if res := e.do("POST", "/api/v1/eido", cad, "{not json"); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("not JSON: %d %s", res.StatusCode, res.Body)
		}
		_, reader := e.serviceAccount(e.token("admin"), "reader", "calls:read")
		if res := e.do("POST", "/api/v1/eido", reader, sample); res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, "calls:write") {
			t.Errorf("EIDO in without calls:write: %d %s", res.StatusCode, res.Body)
		}
	})
}

// TestEIDOPeopleIn: the CAD's subject, the caller's relationship and its
// cautions are stored on the call it creates; a later sending that drops
// a caution keeps the risk, and one that adds a caution and changes the
// subject updates the call; the call's EIDO carries them back.
func TestEIDOPeopleIn(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		cad := cadEnv(t, e)
		pro := `"lastUpdateTimeStamp": "2021-04-30T14:50:00-04:00", "updatedByAgencyReference": {"$ref": "state.pa.us"}`
		people := func(subject, cautions string) string {
			doc := strings.Replace(eidoSample(t), `"callComponent": [{`, `"notesComponent": [{"$id": "n-rel", `+pro+`, "notesActionComments": "Relationship to the subject: brother"}],
		"cautionComponent": [`+cautions+`],
		"callComponent": [{`, 1)
			return strings.Replace(doc, `"personComponent": [{`, `"personComponent": [{"$id": "p-subject", `+pro+`, "personIncidentRoleRegistryText": ["Subject"],
			"ncPersonComponent": {"description": [{"value": "`+subject+`"}]}}, {"notesReference": [{"$ref": "n-rel"}], `, 1)
		}
		knife := `{"$id": "c1", ` + pro + `, "cautionTypeInternalText": "ARMED - KNIFE", "cautionTypeCommonRegistryText": "Officer Safety", "cautionSeverity": "high"}`
		res := e.do("POST", "/api/v1/eido", cad, people("Male, 40s, barefoot", knife))
		var c citdesk.Call
		res.JSON(t, &c)
		if res.StatusCode != http.StatusCreated || c.CallerRelationship != "brother" || c.SubjectDescription != "Male, 40s, barefoot" ||
			c.Risk != (citdesk.RiskScreen{Weapons: citdesk.RiskYes, Violence: citdesk.RiskUnknown, SuicideRisk: citdesk.RiskUnknown, Substances: citdesk.RiskUnknown, Medical: citdesk.RiskUnknown}) ||
			strings.Contains(c.Notes, "brother") {
			t.Fatalf("the CAD's people: %d %+v", res.StatusCode, c)
		}
		// The knife dropped, a suicide warning added, the subject described anew.
		suicidal := `{"$id": "c2", ` + pro + `, "cautionTypeInternalText": "Suicidal subject", "cautionTypeCommonRegistryText": "Officer Safety", "cautionSeverity": "high"}`
		res = e.do("POST", "/api/v1/eido", cad, people("Male, 40s, now in a red car", suicidal))
		var next citdesk.Call
		res.JSON(t, &next)
		if res.StatusCode != http.StatusOK || next.ID != c.ID || next.Version != c.Version+1 || next.Risk.Weapons != citdesk.RiskYes || next.Risk.SuicideRisk != citdesk.RiskYes ||
			next.SubjectDescription != "Male, 40s, now in a red car" {
			t.Errorf("the next sending: %d %+v", res.StatusCode, next)
		}
		res = e.do("GET", fmt.Sprintf("/api/v1/calls/%d/eido", c.ID), cad, nil)
		if err := eido.Validate([]byte(res.Body)); err != nil {
			t.Fatalf("EIDO out is not valid: %v %+v", err, err)
		}
		res = e.do("POST", "/api/v1/eido", cad, res.Body)
		var back citdesk.Call
		res.JSON(t, &back)
		if res.StatusCode != http.StatusOK || back.Version != next.Version || back.Risk != next.Risk || back.CallerRelationship != "brother" || back.SubjectDescription != next.SubjectDescription {
			t.Errorf("posting the call's EIDO back: %d %+v", res.StatusCode, back)
		}
	})
}

// TestEIDOOut: a call taken on citdesk, with an officer sent, reads as a
// valid EIDO with the assignment and its unit state; posting it back
// changes nothing; a call from the CAD keeps the CAD's incident id.
func TestEIDOOut(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		cad := cadEnv(t, e)
		e.user("disp", citdesk.RoleDispatcher)
		ofc := e.user("ofc", citdesk.RoleOfficer)
		disp := e.token("disp")
		res := e.do("POST", "/api/v1/calls", disp, map[string]any{"nature": "Welfare check", "address": "12 Elm St, De Soto", "lat": 38.1397, "lon": -90.5551,
			"caller_name": "Pat O'Neil", "caller_phone": "636-555-0100", "notes": "Son & mother.\nQuiet approach.", "cit_requested": true, "emergency": true,
			"caller_relationship": "mother", "subject_description": "Adult son, 30s, red jacket",
			"risk": map[string]any{"weapons": "yes", "violence": "no", "suicide_risk": "yes", "substances": "unknown", "medical": "no"}})
		var call citdesk.Call
		res.JSON(t, &call)
		e.do("PUT", fmt.Sprintf("/api/v1/officers/%d/status", *ofc.OfficerID), e.token("ofc"), map[string]any{"status": "available"})
		res = e.do("POST", fmt.Sprintf("/api/v1/calls/%d/assignments", call.ID), disp, map[string]any{"officer_id": *ofc.OfficerID, "no_cit_reason": "none_available"})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("assign: %d %s", res.StatusCode, res.Body)
		}
		var cur citdesk.Call
		e.do("GET", fmt.Sprintf("/api/v1/calls/%d", call.ID), disp, nil).JSON(t, &cur)

		res = e.do("GET", fmt.Sprintf("/api/v1/calls/%d/eido", call.ID), cad, nil)
		checkOpenAPI(t, "GET", "/calls/{id}/eido", res)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("EIDO out: %d %s", res.StatusCode, res.Body)
		}
		if err := eido.Validate([]byte(res.Body)); err != nil {
			t.Fatalf("EIDO out is not valid: %v %+v", err, err)
		}
		for _, want := range []string{`"primaryUnitStatusRegistryText":"Dispatched"`, `"emergencyResourceName":"`, `"activeOnIncidentId":"` + eido.OwnIncidentID("desoto", call.ID) + `"`,
			`"personIncidentRoleRegistryText":["Subject"]`, `"description":[{"value":"Adult son, 30s, red jacket"}]`, `Relationship to the subject: mother`,
			`"cautionTypeInternalText":"Weapons"`, `"cautionTypeInternalText":"Suicide risk"`} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("EIDO out lacks %s: %s", want, res.Body)
			}
		}

		before := e.auditCount("call.update")
		res = e.do("POST", "/api/v1/eido", cad, res.Body)
		var back citdesk.Call
		res.JSON(t, &back)
		if res.StatusCode != http.StatusOK || back.ID != call.ID || back.Version != cur.Version || e.auditCount("call.update") != before {
			t.Errorf("posting the EIDO back: %d call %d version %d (was %d); want 200, the same call, unchanged", res.StatusCode, back.ID, back.Version, cur.Version)
		}
		if back.Notes != call.Notes || back.Address != call.Address || back.CallerName != call.CallerName || *back.Lat != *call.Lat ||
			back.CallerRelationship != "mother" || back.SubjectDescription != call.SubjectDescription || back.Risk != call.Risk {
			t.Errorf("the call after posting its EIDO back: %+v", back)
		}

		// A call the CAD sent keeps the CAD's id, and round-trips too.
		res = e.do("POST", "/api/v1/eido", cad, eidoSample(t))
		var fromCAD citdesk.Call
		res.JSON(t, &fromCAD)
		res = e.do("GET", fmt.Sprintf("/api/v1/calls/%d/eido", fromCAD.ID), cad, nil)
		if !strings.Contains(res.Body, `"$id":"urn:emergency:uid:incidentid:a56e556d871:bcf.state.pa.us"`) {
			t.Errorf("the CAD's call as EIDO lacks the CAD's incident id: %s", res.Body)
		}
		res = e.do("POST", "/api/v1/eido", cad, res.Body)
		var again citdesk.Call
		res.JSON(t, &again)
		if res.StatusCode != http.StatusOK || again.ID != fromCAD.ID || again.Version != fromCAD.Version {
			t.Errorf("the CAD's call's EIDO back: %d %+v", res.StatusCode, again)
		}

		// Reading it is a read of the call: audited, and refused to an
		// officer not sent.
		e.user("ofc2", citdesk.RoleOfficer)
		if res := e.do("GET", fmt.Sprintf("/api/v1/calls/%d/eido", call.ID), e.token("ofc2"), nil); res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusNotFound {
			t.Errorf("an officer not sent: %d", res.StatusCode)
		}
	})
}
