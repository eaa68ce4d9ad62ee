package ui

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"citdesk"
	"citdesk/importer"
	"citdesk/outcomes"
	"citdesk/web"
)

// The admin's agency pages (issue 15): the agency's settings
// (/admin/agency), its policy (/admin/policy) and its disposition mapping
// (/admin/dispositions). Each change is one service call, checked by the
// root package's rules (Agency.Apply, Policy.Validate) and audited by the
// store; a refusal is shown at its field.

// fieldErrors maps each wrong field of err to its message, or returns
// err itself when it is not about the input.
func fieldErrors(err error) (map[string]string, error) {
	if citdesk.ErrorCode(err) != citdesk.EINVALID {
		return nil, err
	}
	m := map[string]string{}
	for _, p := range citdesk.FieldErrors(err) {
		m[p.Field] = p.Message
	}
	if len(m) == 0 {
		m[""] = citdesk.ErrorMessage(err)
	}
	return m, nil
}

type agencyView struct {
	Notice string
	Values citdesk.AgencySettings
	Errors map[string]string
	// Zones are suggestions for the time zone field; any IANA name works.
	Zones []string
}

// usZones are the time zones of the United States, offered first.
var usZones = []string{"America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
	"America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico", "America/Detroit", "America/Indiana/Indianapolis", "America/Boise"}

func (s *adminPages) agencyPage(w http.ResponseWriter, r *http.Request) error {
	a, err := s.AgencyOf(r.Context())
	if err != nil {
		return err
	}
	v := agencyView{Notice: queryNotice(r), Zones: usZones, Values: citdesk.AgencySettings{
		Name: a.Name, NonEmergencyPhone: a.NonEmergencyPhone, Address: a.Address, TimeZone: a.TimeZone, Units: a.Policy.Normalized().Units}}
	s.render(w, r, http.StatusOK, "admin_agency", "Agency settings", v)
	return nil
}

func (s *adminPages) saveAgency(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	set := citdesk.AgencySettings{Name: r.PostFormValue("name"), NonEmergencyPhone: r.PostFormValue("non_emergency_phone"),
		Address: r.PostFormValue("address"), TimeZone: r.PostFormValue("timezone"), Units: r.PostFormValue("units")}
	errs := map[string]string{}
	// A blank field on this form is a mistake, not "keep it" as it is
	// for the command line, which sends only what it changes.
	if strings.TrimSpace(set.Name) == "" {
		errs["name"] = "Give the agency's name."
	}
	if strings.TrimSpace(set.TimeZone) == "" {
		errs["timezone"] = "Time zone is required."
	}
	if strings.TrimSpace(set.Units) == "" {
		errs["units"] = "Choose miles and feet, or kilometers and meters."
	}
	agency, err := s.AgencyOf(r.Context())
	if err != nil {
		return err
	}
	if len(errs) == 0 {
		_, err = s.Svc.Agencies.UpdateSettings(r.Context(), agency.ID, set)
		if errs, err = fieldErrors(err); err != nil {
			return err
		}
	} else {
		// Check the rest too (on a copy; nothing is written), so every
		// wrong field shows at once.
		scratch := *agency
		more, _ := fieldErrors(scratch.Apply(set))
		for f, msg := range more {
			if _, ok := errs[f]; !ok {
				errs[f] = msg
			}
		}
	}
	// A stored policy setting out of its range (one saved before the
	// ranges existed) is not on this form: say which, and where to fix it.
	for f, msg := range errs {
		switch f {
		case "", "name", "non_emergency_phone", "address", "timezone", "units":
		default:
			errs[""] = strings.TrimSpace(errs[""] + " " + msg + " Fix it on the Policy page first.")
		}
	}
	if len(errs) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, "admin_agency", "Agency settings", agencyView{Values: set, Errors: errs, Zones: usZones})
		return nil
	}
	http.Redirect(w, r, "/admin/agency?notice="+url.QueryEscape("Agency settings saved."), http.StatusSeeOther)
	return nil
}

// policyField is one setting on the policy page.
type policyField struct {
	citdesk.PolicySetting
	Value, Error string
	// Defaults is a word list's default words, comma-separated, shown
	// beside it so an admin sees what the agency started with.
	Defaults string
}

type policySection struct {
	Title  string
	Fields []policyField
}

type policyView struct {
	Notice   string
	Sections []policySection
	Errors   int
}

// policySections lays the settings out by section, with values from
// values (the form as sent, or the stored policy) and errs at their
// fields. Units are on the agency page.
func policySections(values func(citdesk.PolicySetting) string, errs map[string]string) []policySection {
	var out []policySection
	for _, set := range citdesk.PolicySettings {
		if set.Section == "Agency" {
			continue
		}
		if len(out) == 0 || out[len(out)-1].Title != set.Section {
			out = append(out, policySection{Title: set.Section})
		}
		sec := &out[len(out)-1]
		f := policyField{PolicySetting: set, Value: values(set), Error: errs[set.Name]}
		if set.Kind() == "words" {
			f.Defaults = strings.ReplaceAll(set.Default(), "\n", ", ")
		}
		sec.Fields = append(sec.Fields, f)
	}
	return out
}

func (s *adminPages) policyPage(w http.ResponseWriter, r *http.Request) error {
	a, err := s.AgencyOf(r.Context())
	if err != nil {
		return err
	}
	p := a.Policy.Normalized()
	v := policyView{Notice: queryNotice(r), Sections: policySections(func(set citdesk.PolicySetting) string { return set.Value(p) }, nil)}
	s.render(w, r, http.StatusOK, "admin_policy", "Policy", v)
	return nil
}

func (s *adminPages) savePolicy(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	a, err := s.AgencyOf(r.Context())
	if err != nil {
		return err
	}
	p := a.Policy.Normalized()
	errs := map[string]string{}
	for _, set := range citdesk.PolicySettings {
		if set.Section == "Agency" {
			continue
		}
		if err := set.Set(&p, r.PostFormValue(set.Name)); err != nil {
			errs[set.Name] = citdesk.ErrorMessage(err)
		}
	}
	// The settings that did parse are checked too, so every wrong field
	// shows at once.
	if verr := p.Validate(); verr != nil {
		for _, fp := range citdesk.FieldErrors(verr) {
			if _, ok := errs[fp.Field]; !ok {
				errs[fp.Field] = fp.Message
			}
		}
	}
	if len(errs) == 0 {
		err := s.Svc.Agencies.UpdatePolicy(r.Context(), a.ID, p)
		if errs, err = fieldErrors(err); err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		v := policyView{Errors: len(errs), Sections: policySections(func(set citdesk.PolicySetting) string { return r.PostFormValue(set.Name) }, errs)}
		s.render(w, r, http.StatusUnprocessableEntity, "admin_policy", "Policy", v)
		return nil
	}
	http.Redirect(w, r, "/admin/policy?notice="+url.QueryEscape("Policy saved."), http.StatusSeeOther)
	return nil
}

// dispositionRow is one line of the mapping on the page.
type dispositionRow struct {
	From, To   string
	Error      string // at the agency's word
	ErrorTo    string // at citdesk's disposition
	Unsaved    bool
	Index      int
	FromField  string
	ToField    string
	ErrorField string
}

type dispositionsView struct {
	Notice  string
	Source  string
	Sources []string
	Rows    []dispositionRow
	// Default: nothing is saved for the source yet; the rows are the
	// importer's defaults, saved on the first import or on Save.
	Default bool
	Error   string
	Choices []string // citdesk's outcome vocabulary
}

// dispositionSource is the ?source= of the page: a known history source.
func dispositionSource(r *http.Request) string {
	if src := r.FormValue("source"); src != "" {
		return src
	}
	return importer.SeattleSource
}

// dispositionRows lays out m sorted by the agency's word, with room for
// blank new rows.
func dispositionRows(m map[string]string, blank int) []dispositionRow {
	keys := slices.Sorted(maps.Keys(m))
	rows := make([]dispositionRow, 0, len(keys)+blank)
	for _, k := range keys {
		rows = append(rows, dispositionRow{From: k, To: m[k]})
	}
	for range blank {
		rows = append(rows, dispositionRow{})
	}
	for i := range rows {
		rows[i].Index = i
	}
	return rows
}

// dispositionMap returns the stored mapping for source, or the
// importer's default for Seattle's data when none is stored (and says so).
func (s *adminPages) dispositionMap(r *http.Request, source string) (map[string]string, bool, error) {
	m, ok, err := s.Svc.History.DispositionMap(r.Context(), source)
	if err != nil {
		return nil, false, err
	}
	if !ok && source == importer.SeattleSource {
		return maps.Clone(importer.DefaultSeattleDispositions), true, nil
	}
	return m, false, nil
}

func (s *adminPages) dispositionsPage(w http.ResponseWriter, r *http.Request) error {
	source := dispositionSource(r)
	m, def, err := s.dispositionMap(r, source)
	if err != nil {
		return err
	}
	s.renderDispositions(w, r, http.StatusOK, dispositionsView{Notice: queryNotice(r), Source: source, Rows: dispositionRows(m, 3), Default: def})
	return nil
}

func (s *adminPages) renderDispositions(w http.ResponseWriter, r *http.Request, status int, v dispositionsView) {
	v.Choices = outcomes.DispositionNames()
	v.Sources = []string{importer.SeattleSource}
	if !slices.Contains(v.Sources, v.Source) {
		v.Sources = append(v.Sources, v.Source)
	}
	for i := range v.Rows {
		v.Rows[i].FromField, v.Rows[i].ToField = fmt.Sprintf("from_%d", i), fmt.Sprintf("to_%d", i)
	}
	s.render(w, r, status, "admin_dispositions", "Disposition mapping", v)
}

// maxDispositionRows bounds the rows one form may send.
const maxDispositionRows = 2000

func (s *adminPages) saveDispositions(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	source := dispositionSource(r)
	n, err := strconv.Atoi(r.PostFormValue("rows"))
	if err != nil || n < 0 || n > maxDispositionRows {
		return citdesk.FieldErrorf("rows", "The form could not be read; open the page again.")
	}
	rows := make([]dispositionRow, 0, n+1)
	m := map[string]string{}
	firstAt := map[string]int{}
	bad := false
	for i := range n {
		row := dispositionRow{From: strings.TrimSpace(r.PostFormValue(fmt.Sprintf("from_%d", i))), To: r.PostFormValue(fmt.Sprintf("to_%d", i)), Index: i}
		switch {
		case row.From == "" && row.To == "":
		case row.From == "":
			row.Error, bad = "Give the agency's word for this disposition, or choose no citdesk disposition and leave the row blank.", true
		case utf8.RuneCountInString(row.From) > 200:
			row.Error, bad = "The agency's word must be at most 200 characters.", true
		default:
			if row.To != "" {
				if _, ok := outcomes.ParseDisposition(row.To); !ok {
					row.ErrorTo, bad = "Choose one of citdesk's dispositions.", true
				}
			}
			key := strings.ToLower(strings.Join(strings.Fields(row.From), " "))
			if first, dup := firstAt[key]; dup {
				row.Error, bad = fmt.Sprintf("%q is mapped already, on row %d.", row.From, first+1), true
			} else {
				firstAt[key] = i
				m[row.From] = row.To
			}
		}
		rows = append(rows, row)
	}
	if !bad {
		err := s.Svc.History.SaveDispositionMap(r.Context(), source, m)
		if citdesk.ErrorCode(err) == citdesk.EINVALID {
			s.renderDispositions(w, r, http.StatusUnprocessableEntity, dispositionsView{Source: source, Rows: rows, Error: citdesk.ErrorMessage(err)})
			return nil
		} else if err != nil {
			return err
		}
		http.Redirect(w, r, "/admin/dispositions?source="+url.QueryEscape(source)+"&notice="+url.QueryEscape("Disposition mapping saved."), http.StatusSeeOther)
		return nil
	}
	s.renderDispositions(w, r, http.StatusUnprocessableEntity, dispositionsView{Source: source, Rows: rows, Error: "The mapping was not saved; see the rows marked below."})
	return nil
}

// importDispositions replaces the mapping with an uploaded CSV file in
// the format the import command reads (importer.LoadDispositionMap).
func (s *adminPages) importDispositions(w http.ResponseWriter, r *http.Request) error {
	source := dispositionSource(r)
	fail := func(err error) error {
		if citdesk.ErrorCode(err) == citdesk.EINTERNAL {
			return err
		}
		m, def, rerr := s.dispositionMap(r, source)
		if rerr != nil {
			return rerr
		}
		s.renderDispositions(w, r, web.StatusFor(citdesk.ErrorCode(err)), dispositionsView{Source: source, Rows: dispositionRows(m, 3), Default: def, Error: citdesk.ErrorMessage(err)})
		return nil
	}
	if err := r.ParseMultipartForm(s.Cfg.MaxBody); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fail(citdesk.Errorf(citdesk.ETOOLARGE, "The file is larger than %d bytes.", tooBig.Limit))
		}
		return fail(citdesk.FieldErrorf("file", "Choose the mapping's CSV file to upload."))
	}
	source = dispositionSource(r)
	file, _, err := r.FormFile("file")
	if err != nil {
		return fail(citdesk.FieldErrorf("file", "Choose the mapping's CSV file to upload."))
	}
	defer file.Close()
	m, err := importer.LoadDispositionMap(file)
	if err != nil {
		return fail(err)
	}
	if err := s.Svc.History.SaveDispositionMap(r.Context(), source, m); err != nil {
		return fail(err)
	}
	http.Redirect(w, r, "/admin/dispositions?source="+url.QueryEscape(source)+"&notice="+url.QueryEscape("Disposition mapping saved."), http.StatusSeeOther)
	return nil
}

// exportDispositions writes the mapping as the CSV file the import
// command and the upload above read back.
func (s *adminPages) exportDispositions(w http.ResponseWriter, r *http.Request) error {
	source := dispositionSource(r)
	m, _, err := s.dispositionMap(r, source)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := importer.WriteDispositionMap(&buf, m); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", "dispositions-"+source+".csv"))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
	return nil
}
