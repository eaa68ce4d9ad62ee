package eido

import (
	"encoding/xml"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"

	"citdesk"
)

// Write returns the EIDO document of call c of agency with its
// assignments: the incident, the call, its location (a PIDF-LO with the
// address and the point), the caller and callback, the caller's
// relationship, the subject's description and the screened risks
// (people.go), the notes, and one
// emergency resource per officer sent with its unit state and a dispatch
// component. incidentID is the CAD's id when the call came from it ("" for
// a call taken in citdesk: OwnIncidentID). Read maps the document back to
// exactly the call's fields, so sending it back changes nothing.
func Write(c *citdesk.Call, assignments []*citdesk.Assignment, agency *citdesk.Agency, incidentID string) *Document {
	if incidentID == "" {
		incidentID = OwnIncidentID(agency.Slug, c.ID)
	}
	agencyID := agency.Slug + ".citdesk"
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
	pro := func(id string, at time.Time) Prologue {
		return Prologue{ID: id, LastUpdate: ts(at), UpdatedByAgency: Ref{agencyID}}
	}
	part := func(kind string) string { return fmt.Sprintf("urn:citdesk:%s:call%d:%s", agency.Slug, c.ID, kind) }
	updated := c.UpdatedAt
	if updated.IsZero() {
		updated = c.ReceivedAt
	}

	d := &Document{Prologue: pro(incidentID, updated), EIDOVersion: "1.0", IssuingElement: IssuingElementIdentification(agency)}
	owns := true
	d.Agencies = []AgencyComponent{{Prologue: pro(agencyID, updated), Roles: []string{"Dispatching", "Responding"}, Types: []string{"police"}, OwnsIncdnt: &owns}}

	inc := &IncidentComponent{Prologue: pro(part("incident"), updated), TypeInternalText: c.Nature, TypeCommonRegistry: "Police",
		StatusInternalText: []string{string(c.Status)}, InternalIncidentID: strconv.FormatInt(c.ID, 10)}
	if c.CITRequested {
		inc.StatusInternalText = append(inc.StatusInternalText, "cit_requested")
	}
	call := CallComponent{Prologue: pro(part("call"), c.ReceivedAt), StandardPrimaryType: "non-emergency", Direction: "incoming",
		StartTimestamp: ts(c.ReceivedAt), State: "callAnswered", QueueIdentifier: string(c.Source)}
	if c.Emergency {
		call.StandardPrimaryType = "emergency"
	}

	if c.Address != "" || c.Lat != nil {
		loc := LocationComponent{Prologue: pro(part("location"), updated), Type: "Incident", ByValue: pidf(c.Address, c.Lat, c.Lon), Description: c.Address}
		d.Locations = append(d.Locations, loc)
		inc.LocationRefs = []Ref{{loc.ID}}
		call.LocationRefs = []Ref{{loc.ID}}
	}
	if c.CallerPhone != "" {
		cb := CallbackComponent{Prologue: pro(part("callback"), c.ReceivedAt), URIs: []string{"tel:" + c.CallerPhone}}
		d.Callbacks = append(d.Callbacks, cb)
		call.CallBackRef = &Ref{cb.ID}
	}
	if c.CallerName != "" || c.CallerPhone != "" {
		p := PersonComponent{Prologue: pro(part("caller"), c.ReceivedAt), Roles: []string{"Caller"}, CallIDs: []string{call.ID}, CallBackRef: call.CallBackRef}
		if c.CallerName != "" {
			p.Person = &NCPerson{Name: []NCPersonName{{Full: []NCText{{Value: c.CallerName}}}}}
		}
		d.Persons = append(d.Persons, p)
		inc.PersonRefs = []Ref{{p.ID}}
		call.PersonRefs = []Ref{{p.ID}}
	}
	if c.Notes != "" {
		n := NotesComponent{Prologue: pro(part("notes"), updated), Comments: strings.ReplaceAll(html.EscapeString(c.Notes), "\n", "<br>")}
		d.Notes = append(d.Notes, n)
		inc.NotesRefs = []Ref{{n.ID}}
	}
	writePeople(d, c, inc, &call, part, func(id string) Prologue { return pro(id, updated) }, agencyID)

	for _, a := range assignments {
		unit := fmt.Sprintf("urn:citdesk:%s:officer%d", agency.Slug, a.OfficerID)
		agent := AgentComponent{Prologue: pro(unit+":agent", a.DispatchedAt), Roles: []string{"Responder"}, AgencyRef: Ref{agencyID}}
		at := a.DispatchedAt
		internal := []string{"dispatched " + ts(a.DispatchedAt)}
		for _, step := range []struct {
			name string
			t    *time.Time
		}{{"en_route", a.EnRouteAt}, {"on_scene", a.OnSceneAt}, {"cleared", a.ClearedAt}} {
			if step.t != nil {
				internal = append(internal, step.name+" "+ts(*step.t))
				at = *step.t
			}
		}
		r := ResourceComponent{Prologue: pro(fmt.Sprintf("%s:assignment%d", unit, a.ID), at), TypeCommonRegistry: "Law", TypeInternal: "Patrol officer",
			Attributes: []string{}, Name: a.OfficerName, PrimaryStatus: unitStatus(a.Status), SecondaryStatus: []string{}, StatusInternal: internal,
			AgentRefs: []Ref{{agent.ID}}}
		if a.CITCertified {
			r.Attributes = []string{"Other"}
			r.AttributesInternal = []string{"CIT certified"}
		}
		if a.Status.Active() {
			r.ActiveOnIncident = incidentID
		}
		d.Agents = append(d.Agents, agent)
		d.EmergencyResources = append(d.EmergencyResources, r)
		d.Dispatches = append(d.Dispatches, DispatchComponent{Prologue: pro(fmt.Sprintf("%s:dispatch%d", unit, a.ID), a.DispatchedAt), AgencyRef: &Ref{agencyID}, ResourceRefs: []Ref{{r.ID}}})
	}
	d.Incident = inc
	d.Calls = []CallComponent{call}
	return d
}

// IssuingElementIdentification names citdesk as the element that wrote a
// document for agency.
func IssuingElementIdentification(agency *citdesk.Agency) string {
	return "citdesk." + agency.Slug
}

// unitStatus is the EIDO primary unit status of an assignment.
func unitStatus(s citdesk.AssignmentStatus) string {
	switch s {
	case citdesk.AssignDispatched:
		return "Dispatched"
	case citdesk.AssignEnRoute:
		return "Enroute"
	case citdesk.AssignOnScene:
		return "OnScene"
	}
	return "Available"
}

// pidf writes a PIDF-LO location: the address as a civic address's LOC
// (citdesk keeps an address as one line of text) and the point.
func pidf(address string, lat, lon *float64) string {
	esc := func(s string) string {
		var b strings.Builder
		xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	var info strings.Builder
	if lat != nil && lon != nil {
		fmt.Fprintf(&info, `<gml:Point xmlns:gml="http://www.opengis.net/gml" srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>%s %s</gml:pos></gml:Point>`,
			strconv.FormatFloat(*lat, 'f', -1, 64), strconv.FormatFloat(*lon, 'f', -1, 64))
	}
	if address != "" {
		fmt.Fprintf(&info, `<civicAddress xmlns="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"><country>US</country><LOC>%s</LOC></civicAddress>`, esc(address))
	}
	return `<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" entity="pres:incident@citdesk">` +
		`<dm:device id="incident"><gp:geopriv><gp:location-info>` + info.String() + `</gp:location-info><gp:usage-rules/></gp:geopriv></dm:device></presence>`
}
