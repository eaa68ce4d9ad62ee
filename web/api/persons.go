package api

import (
	"citdesk/web"
	"net/http"
	"net/url"
	"strconv"

	"citdesk"
)

// personInput is what a client writes on a person record.
type personInput struct {
	FirstName     string       `json:"first_name"`
	LastName      string       `json:"last_name"`
	DOB           citdesk.Date `json:"dob"`
	Aliases       []string     `json:"aliases"`
	Sex           string       `json:"sex"`
	RaceEthnicity string       `json:"race_ethnicity"`
	Veteran       *bool        `json:"veteran"`
	Housing       string       `json:"housing"`
	Address       string       `json:"address"`
	Version       int64        `json:"version"`
}

func (in personInput) person() *citdesk.Person {
	return &citdesk.Person{FirstName: in.FirstName, LastName: in.LastName, DOB: in.DOB, Aliases: in.Aliases, Sex: in.Sex,
		RaceEthnicity: in.RaceEthnicity, Veteran: in.Veteran, Housing: in.Housing, Address: in.Address, Version: in.Version}
}

func (s *handler) apiCreatePerson(w http.ResponseWriter, r *http.Request) error {
	var in personInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	p := in.person()
	if err := s.Svc.Persons.CreatePerson(r.Context(), p); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, p)
	return nil
}

func (s *handler) apiMatchPersons(w http.ResponseWriter, r *http.Request) error {
	var q citdesk.PersonQuery
	if err := web.DecodeJSON(r, &q); err != nil {
		return err
	}
	matches, err := s.Svc.Persons.MatchPersons(r.Context(), q)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"matches": matches})
	return nil
}

func (s *handler) apiGetPerson(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.Svc.Persons.PersonFile(r.Context(), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, f)
	return nil
}

func (s *handler) apiUpdatePerson(w http.ResponseWriter, r *http.Request) error {
	var in personInput
	id, err := decodeVersioned(r, &in, "edited")
	if err != nil {
		return err
	}
	p := in.person()
	p.ID = id
	if err := s.Svc.Persons.UpdatePerson(r.Context(), p); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, p)
	return nil
}

// repeatFilter reads min and days from the query; what the query leaves
// out is zero, for the agency's policy to fill.
func repeatFilter(q url.Values) (citdesk.RepeatContactFilter, error) {
	var f citdesk.RepeatContactFilter
	for name, dst := range map[string]*int{"min": &f.MinEncounters, "days": &f.WindowDays} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return f, citdesk.FieldErrorf(name, "%s must be a whole number.", name)
			}
			if n <= 0 {
				return f, citdesk.FieldErrorf(name, "%s must be at least 1.", name)
			}
			*dst = n
		}
	}
	return f, nil
}

func (s *handler) apiRepeatContacts(w http.ResponseWriter, r *http.Request) error {
	f, err := repeatContactFilter(r.URL.Query(), s.agencyOf(r.Context()).Policy)
	if err != nil {
		return err
	}
	list, err := s.Svc.Persons.RepeatContacts(r.Context(), f)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"min": f.MinEncounters, "days": f.WindowDays, "contacts": list})
	return nil
}

// planInput is what a client writes on a crisis plan.
type planInput struct {
	Address           string       `json:"address"`
	WhatHelps         string       `json:"what_helps"`
	WhatToAvoid       string       `json:"what_to_avoid"`
	Triggers          string       `json:"triggers"`
	Medications       string       `json:"medications"`
	Contacts          string       `json:"contacts"`
	PreferredFacility string       `json:"preferred_facility"`
	ConsentDate       citdesk.Date `json:"consent_date"`
	ConsentedBy       string       `json:"consented_by"`
	ExpiresOn         citdesk.Date `json:"expires_on"`
	Version           int64        `json:"version"`
}

func (in planInput) plan() *citdesk.CrisisPlan {
	return &citdesk.CrisisPlan{Address: in.Address, WhatHelps: in.WhatHelps, WhatToAvoid: in.WhatToAvoid, Triggers: in.Triggers, Medications: in.Medications,
		Contacts: in.Contacts, PreferredFacility: in.PreferredFacility, ConsentDate: in.ConsentDate, ConsentedBy: in.ConsentedBy, ExpiresOn: in.ExpiresOn, Version: in.Version}
}

func (s *handler) apiCreatePlan(w http.ResponseWriter, r *http.Request) error {
	pid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var in planInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	c := in.plan()
	c.PersonID = pid
	if err := s.Svc.Plans.CreateCrisisPlan(r.Context(), c); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, c)
	return nil
}

func (s *handler) apiListPlans(w http.ResponseWriter, r *http.Request) error {
	pid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	plans, err := s.Svc.Plans.ListCrisisPlans(r.Context(), pid)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"plans": plans})
	return nil
}

func (s *handler) apiGetPlan(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Svc.Plans.FindCrisisPlanByID(r.Context(), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *handler) apiUpdatePlan(w http.ResponseWriter, r *http.Request) error {
	var in planInput
	id, err := decodeVersioned(r, &in, "edited")
	if err != nil {
		return err
	}
	c := in.plan()
	c.ID = id
	if err := s.Svc.Plans.UpdateCrisisPlan(r.Context(), c); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, c)
	return nil
}

type renewRequest struct {
	Version     int64        `json:"version"`
	ConsentDate citdesk.Date `json:"consent_date"`
	ConsentedBy string       `json:"consented_by"`
}

func (s *handler) apiRenewPlan(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var in renewRequest
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.Svc.Plans.RenewCrisisPlan(r.Context(), id, in.Version, in.ConsentDate, in.ConsentedBy)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *handler) apiPlansToRevalidate(w http.ResponseWriter, r *http.Request) error {
	plans, err := s.Svc.Plans.PlansToRevalidate(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"plans": plans})
	return nil
}

func (s *handler) apiPlansForCall(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	plans, err := s.Svc.Plans.PlansForCall(r.Context(), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"plans": plans})
	return nil
}

// ---- Pages ----

// repeatContactFilter reads the thresholds of q, fills those it leaves
// out from the agency's policy p and checks them: the API and the page
// read a request the same way.
func repeatContactFilter(q url.Values, p citdesk.Policy) (citdesk.RepeatContactFilter, error) {
	f, err := repeatFilter(q)
	if err != nil {
		return f, err
	}
	if f.MinEncounters == 0 {
		f.MinEncounters = p.RepeatContactMin
	}
	if f.WindowDays == 0 {
		f.WindowDays = p.RepeatContactDays
	}
	return f, f.Normalize()
}
