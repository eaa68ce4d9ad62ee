package api

import (
	"net/http"

	"citdesk"
	"citdesk/web"
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
	Phone         string       `json:"phone"`
	Version       int64        `json:"version"`
}

func (in personInput) person() *citdesk.Person {
	return &citdesk.Person{FirstName: in.FirstName, LastName: in.LastName, DOB: in.DOB, Aliases: in.Aliases, Sex: in.Sex,
		RaceEthnicity: in.RaceEthnicity, Veteran: in.Veteran, Housing: in.Housing, Address: in.Address, Phone: in.Phone, Version: in.Version}
}

func (s *personAPI) apiCreatePerson(w http.ResponseWriter, r *http.Request) error {
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

func (s *personAPI) apiMatchPersons(w http.ResponseWriter, r *http.Request) error {
	var q citdesk.PersonQuery
	if err := web.DecodeJSON(r, &q); err != nil {
		return err
	}
	matches, err := s.Svc.Persons.MatchPersons(r.Context(), q)
	if err != nil {
		return err
	}
	// A name-only match goes out as just that: the id to link and the name.
	out := make([]any, len(matches))
	for i, m := range matches {
		out[i] = m
		if m.NameOnly {
			out[i] = nameOnlyMatch{Person: personName{ID: m.Person.ID, FirstName: m.Person.FirstName, LastName: m.Person.LastName},
				Score: m.Score, Reasons: m.Reasons}
		}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"matches": out})
	return nil
}

// personName is a person as someone without access to the record sees it.
type personName struct {
	ID        int64  `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
}

// nameOnlyMatch is a match shown to an officer naming a person on a report:
// what matching needs, nothing of the record.
type nameOnlyMatch struct {
	Person  personName `json:"person"`
	Score   float64    `json:"score"`
	Reasons []string   `json:"reasons"`
}

func (s *personAPI) apiGetPerson(w http.ResponseWriter, r *http.Request) error {
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

func (s *personAPI) apiUpdatePerson(w http.ResponseWriter, r *http.Request) error {
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

// apiErasePerson erases a person's record where policy allows: 409 with
// the reason (a legal hold, a report inside its retention period) when
// it does not.
func (s *personAPI) apiErasePerson(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	res, err := s.Svc.Erasure.ErasePerson(r.Context(), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, res)
	return nil
}

func (s *personAPI) apiRepeatContacts(w http.ResponseWriter, r *http.Request) error {
	agency, err := s.AgencyOf(r.Context())
	if err != nil {
		return err
	}
	f, err := web.RepeatContactFilter(r.URL.Query(), agency.Policy)
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

func (s *personAPI) apiCreatePlan(w http.ResponseWriter, r *http.Request) error {
	var in planInput
	pid, err := decodeWithID(r, &in)
	if err != nil {
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

func (s *personAPI) apiListPlans(w http.ResponseWriter, r *http.Request) error {
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

func (s *personAPI) apiGetPlan(w http.ResponseWriter, r *http.Request) error {
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

func (s *personAPI) apiUpdatePlan(w http.ResponseWriter, r *http.Request) error {
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

func (s *personAPI) apiRenewPlan(w http.ResponseWriter, r *http.Request) error {
	var in renewRequest
	id, err := decodeWithID(r, &in)
	if err != nil {
		return err
	}
	c, err := s.Svc.Plans.RenewCrisisPlan(r.Context(), id, in.Version, in.ConsentDate, in.ConsentedBy)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *personAPI) apiPlansToRevalidate(w http.ResponseWriter, r *http.Request) error {
	plans, err := s.Svc.Plans.PlansToRevalidate(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"plans": plans})
	return nil
}

func (s *personAPI) apiPlansForCall(w http.ResponseWriter, r *http.Request) error {
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
