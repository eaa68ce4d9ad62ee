package eido

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"citdesk"
)

// Read validates doc against the EIDO schema and maps it to an incident
// of agency: the call's fields, and whether the caller asked for CIT and
// whether it is a mental-health call, read with the agency's rules
// (Policy.EIDORules). An invalid document is EINVALID with the JSON
// pointer of each error.
func Read(doc []byte, agency *citdesk.Agency) (*citdesk.Incident, error) {
	if err := Validate(doc); err != nil {
		return nil, err
	}
	var d Document
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, citdesk.FieldErrorf("/", "The EIDO could not be read: %v.", err)
	}
	return ToIncident(&d, agency)
}

// ToIncident maps a valid document to an incident of agency.
func ToIncident(d *Document, agency *citdesk.Agency) (*citdesk.Incident, error) {
	in := &citdesk.Incident{ID: strings.TrimSpace(d.ID)}
	if in.ID == "" {
		return nil, citdesk.FieldErrorf("/$id", "The EIDO has no incident id ($id).")
	}
	if id, ok := ParseOwnIncidentID(in.ID, agency.Slug); ok {
		in.CallID = id
	}
	in.UpdatedAt, _ = parseTime(d.LastUpdate)
	c := &in.Call

	// The call: its start, whether it is an emergency, its type.
	var types []string
	var first *CallComponent
	for i := range d.Calls {
		call := &d.Calls[i]
		if first == nil || earlier(call.StartTimestamp, first.StartTimestamp) {
			first = call
		}
	}
	if inc := d.Incident; inc != nil {
		types = append(types, inc.TypeInternalText, inc.TypeInternalCode, inc.TypeCommonRegistry)
	}
	if first != nil {
		t, err := parseTime(first.StartTimestamp)
		if err != nil {
			return nil, citdesk.FieldErrorf("/callComponent", "callStartTimestamp %q is not a date-time.", first.StartTimestamp)
		}
		c.ReceivedAt = t
		c.Emergency = strings.EqualFold(first.StandardPrimaryType, "emergency")
		types = append(types, first.LocalCallType, first.StandardSecondaryType)
		switch {
		case strings.Contains(first.QueueIdentifier, "988"):
			c.Source = citdesk.Source988Transfer
		case c.Emergency:
			c.Source = citdesk.Source911
		default:
			c.Source = citdesk.SourceNonEmergency
		}
	} else {
		c.ReceivedAt = in.UpdatedAt
		c.Source = citdesk.SourceNonEmergency
	}
	for _, t := range types {
		if t = strings.TrimSpace(t); t != "" && c.Nature == "" {
			c.Nature = t
		}
	}
	if c.Nature == "" {
		c.Nature = "Call from the CAD"
		if c.Emergency {
			c.Nature = "Emergency call from the CAD"
		}
	}

	// Where: the incident's location, else the call's; by value.
	loc := pickLocation(d, first)
	if loc != nil {
		if loc.ByValue != "" {
			addr, lat, lon, err := readPIDF(loc.ByValue)
			if err != nil {
				return nil, citdesk.FieldErrorf("/locationComponent", "The location %q is not a PIDF-LO document: %v.", loc.ID, err)
			}
			c.Address, c.Lat, c.Lon = addr, lat, lon
		}
		if c.Address == "" {
			c.Address = loc.Description
		}
	}

	// Who called, and how to call back.
	caller := findCaller(d)
	if caller != nil && caller.Person != nil {
		c.CallerName = personName(caller.Person)
	}
	var cbRef string
	if first != nil && first.CallBackRef != nil {
		cbRef = first.CallBackRef.Ref
	} else if caller != nil && caller.CallBackRef != nil {
		cbRef = caller.CallBackRef.Ref
	}
	for _, cb := range d.Callbacks {
		if cbRef == "" || cb.ID == cbRef {
			c.CallerPhone = phone(cb.URIs)
			if c.CallerPhone != "" {
				break
			}
		}
	}

	// The caller's relationship, the subject, the cautions (people.go).
	used := readPeople(d, caller, c)

	// Notes and comments, oldest first.
	notes := slices.Clone(d.Notes)
	slices.SortStableFunc(notes, func(a, b NotesComponent) int {
		if earlier(a.LastUpdate, b.LastUpdate) {
			return -1
		} else if earlier(b.LastUpdate, a.LastUpdate) {
			return 1
		}
		return 0
	})
	var lines []string
	for _, n := range notes {
		if used[n.ID] {
			continue
		}
		if t := htmlText(n.Comments); t != "" {
			lines = append(lines, t)
		}
	}
	for _, ad := range d.AdditionalData {
		if t := xmlComment(ad.ByValue); t != "" {
			lines = append(lines, t)
		}
	}
	c.Notes = strings.Join(lines, "\n")

	in.CITRequested, in.MentalHealth = agency.Policy.EIDORules().Read(types, c.Notes)
	return in, nil
}

// pickLocation is the incident's location, else the first call's, else
// the first location: by value first (a URL is not dereferenced), an
// "Incident" location before others.
func pickLocation(d *Document, call *CallComponent) *LocationComponent {
	var refs []Ref
	if d.Incident != nil {
		refs = append(refs, d.Incident.LocationRefs...)
	}
	if call != nil {
		refs = append(refs, call.LocationRefs...)
	}
	byID := map[string]*LocationComponent{}
	for i := range d.Locations {
		byID[d.Locations[i].ID] = &d.Locations[i]
	}
	var candidates []*LocationComponent
	for _, r := range refs {
		if l := byID[r.Ref]; l != nil {
			candidates = append(candidates, l)
		}
	}
	if len(candidates) == 0 {
		for i := range d.Locations {
			candidates = append(candidates, &d.Locations[i])
		}
	}
	rank := func(l *LocationComponent) int {
		r := 0
		if l.ByValue == "" {
			r += 2
		}
		if !strings.EqualFold(l.Type, "Incident") {
			r++
		}
		return r
	}
	slices.SortStableFunc(candidates, func(a, b *LocationComponent) int { return rank(a) - rank(b) })
	if len(candidates) == 0 {
		return nil
	}
	return candidates[0]
}

// findCaller is the person whose role is Caller.
func findCaller(d *Document) *PersonComponent {
	for i := range d.Persons {
		for _, r := range d.Persons[i].Roles {
			if strings.EqualFold(r, "Caller") {
				return &d.Persons[i]
			}
		}
	}
	return nil
}

func personName(p *NCPerson) string {
	for _, n := range p.Name {
		for _, f := range n.Full {
			if v := strings.TrimSpace(f.Value); v != "" {
				return v
			}
		}
		var parts []string
		for _, t := range append(slices.Clone(n.Given), n.Sur...) {
			if v := strings.TrimSpace(t.Value); v != "" {
				parts = append(parts, v)
			}
		}
		if len(parts) > 0 {
			return strings.Join(parts, " ")
		}
	}
	return ""
}

// phone is the first tel: URI's number, else the user part of a sip: one.
func phone(uris []string) string {
	for _, u := range uris {
		if n, ok := strings.CutPrefix(strings.TrimSpace(u), "tel:"); ok {
			n, _, _ = strings.Cut(n, ";")
			return n
		}
	}
	for _, u := range uris {
		if n, ok := strings.CutPrefix(strings.TrimSpace(u), "sip:"); ok {
			n, _, _ = strings.Cut(n, "@")
			return n
		}
	}
	return ""
}

var tags = regexp.MustCompile(`<[^>]*>`)

// htmlText is the text of an HTML5 note: line breaks kept, tags dropped,
// entities decoded.
func htmlText(s string) string {
	s = regexp.MustCompile(`(?i)<br\s*/?>|</p>`).ReplaceAllString(s, "\n")
	return strings.TrimSpace(html.UnescapeString(tags.ReplaceAllString(s, "")))
}

// xmlComment is the text of an EmergencyCallData.Comment block (RFC 7852),
// "" for other additional data.
func xmlComment(s string) string {
	if !strings.Contains(s, "EmergencyCallData.Comment") {
		return ""
	}
	var texts []string
	walkXML(s, func(path []string, text string) {
		if len(path) > 0 && path[len(path)-1] == "Comment" {
			texts = append(texts, text)
		}
	})
	return strings.Join(texts, "\n")
}

// walkXML calls fn with the path of local element names and the trimmed
// text of each element that has text. Malformed XML ends the walk.
func walkXML(s string, fn func(path []string, text string)) error {
	dec := xml.NewDecoder(strings.NewReader(s))
	var path []string
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			path = append(path, t.Name.Local)
			text.Reset()
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			if v := strings.TrimSpace(text.String()); v != "" {
				fn(path, v)
			}
			text.Reset()
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
		}
	}
}

// readPIDF reads a PIDF-LO location: its civic address as one line, and
// the point (gml:pos, "lat lon" in EPSG:4326) of a geodetic shape.
func readPIDF(s string) (address string, lat, lon *float64, err error) {
	civic := map[string]string{}
	err = walkXML(s, func(path []string, text string) {
		n := len(path)
		if n >= 2 && path[n-2] == "civicAddress" {
			civic[path[n-1]] = text
		}
		if n >= 1 && path[n-1] == "pos" && lat == nil {
			f := strings.Fields(text)
			if len(f) >= 2 {
				a, e1 := strconv.ParseFloat(f[0], 64)
				b, e2 := strconv.ParseFloat(f[1], 64)
				if e1 == nil && e2 == nil && a >= -90 && a <= 90 && b >= -180 && b <= 180 {
					lat, lon = &a, &b
				}
			}
		}
	})
	if err != nil {
		return "", nil, nil, err
	}
	return civicLine(civic), lat, lon, nil
}

// civicLine writes a civic address (RFC 5139 elements) as one line:
// "42 W Cellular Street, Wilmington, DE 19801". A civic address of only
// LOC (as citdesk writes a free-text address) is that text.
func civicLine(c map[string]string) string {
	join := func(sep string, parts ...string) string {
		var out []string
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return strings.Join(out, sep)
	}
	street := join(" ", c["HNO"]+c["HNS"], c["PRD"], c["RD"], c["STS"], c["POD"])
	if street == "" {
		street = c["A6"]
	}
	return join(", ", street, c["LOC"], c["A3"], join(" ", c["A1"], c["PC"]))
}

func parseTime(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
}

// earlier reports whether date-time a is before b; unreadable times sort last.
func earlier(a, b string) bool {
	ta, ea := parseTime(a)
	tb, eb := parseTime(b)
	switch {
	case ea != nil:
		return false
	case eb != nil:
		return true
	}
	return ta.Before(tb)
}

// OwnIncidentID is the incident id citdesk gives a call of agency slug
// that did not come from the CAD.
func OwnIncidentID(slug string, callID int64) string {
	return fmt.Sprintf("urn:emergency:uid:incidentid:citdesk%d:%s.citdesk", callID, slug)
}

// ParseOwnIncidentID returns the call an id of OwnIncidentID's names, when
// it is one of agency slug's.
func ParseOwnIncidentID(id, slug string) (int64, bool) {
	rest, ok := strings.CutPrefix(id, "urn:emergency:uid:incidentid:citdesk")
	if !ok {
		return 0, false
	}
	num, domain, ok := strings.Cut(rest, ":")
	if !ok || domain != slug+".citdesk" {
		return 0, false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != num {
		return 0, false
	}
	return n, true
}
