package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"citdesk"
	"citdesk/web"
)

type personView struct {
	File        *citdesk.PersonFile
	Loc         *time.Location
	Coordinator bool
	CanEdit     bool
	Sexes       []option
	Races       []option
	Housing     []option
	Veteran     string
	Aliases     string
	Error       string
	Notice      string
	ContactRows []contactRow
	Plans       []*citdesk.CrisisPlan
	Today       citdesk.Date
}

type contactRow struct {
	C            *citdesk.PersonContact
	Dispositions string
}

func demographicOptions(all []string, cur string) []option {
	out := []option{{Value: "", Label: "Not recorded", On: cur == ""}}
	for _, v := range all {
		out = append(out, option{Value: v, Label: citdesk.DemographicLabel(v), On: v == cur})
	}
	return out
}

func (s *personPages) personPage(w http.ResponseWriter, r *http.Request) error {
	return s.showPerson(w, r, http.StatusOK, "", queryNotice(r))
}

func (s *personPages) showPerson(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	a := web.SignedIn(r)
	f, err := s.Svc.Persons.PersonFile(r.Context(), id)
	if err != nil {
		return err
	}
	agency, err := s.AgencyOf(r.Context())
	if err != nil {
		return err
	}
	loc := agency.Location()
	p := f.Person
	v := personView{File: f, Loc: loc, Coordinator: a.HasRole(citdesk.RoleCoordinator), Error: errMsg, Notice: notice, Today: citdesk.DateOf(s.Now(), loc)}
	v.CanEdit = a.HasRole(citdesk.RoleCoordinator, citdesk.RoleOfficer)
	v.Sexes, v.Races, v.Housing = demographicOptions(citdesk.Sexes, p.Sex), demographicOptions(citdesk.RaceEthnicities, p.RaceEthnicity), demographicOptions(citdesk.HousingStatuses, p.Housing)
	v.Aliases = strings.Join(p.Aliases, ", ")
	if p.Veteran != nil {
		v.Veteran = strconv.FormatBool(*p.Veteran)
	}
	for _, c := range f.Contacts {
		var labels []string
		for _, d := range c.Dispositions {
			labels = append(labels, d.Label(agency.Policy))
		}
		v.ContactRows = append(v.ContactRows, contactRow{C: c, Dispositions: strings.Join(labels, ", ")})
	}
	if v.Coordinator {
		if v.Plans, err = s.Svc.Plans.ListCrisisPlans(r.Context(), id); err != nil {
			return err
		}
	}
	s.render(w, r, status, "person", p.Name(), v)
	return nil
}

// savePerson saves the person's record from the person page.
func (s *personPages) savePerson(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	f := r.PostForm
	p := &citdesk.Person{ID: id, FirstName: f.Get("first_name"), LastName: f.Get("last_name"), Sex: f.Get("sex"), RaceEthnicity: f.Get("race_ethnicity"),
		Housing: f.Get("housing"), Address: f.Get("address"), Phone: f.Get("phone")}
	p.Version, _ = strconv.ParseInt(f.Get("version"), 10, 64)
	for _, a := range strings.Split(f.Get("aliases"), ",") {
		p.Aliases = append(p.Aliases, strings.TrimSpace(a))
	}
	switch f.Get("veteran") {
	case "true", "false":
		b := f.Get("veteran") == "true"
		p.Veteran = &b
	}
	if v := f.Get("dob"); v != "" {
		if p.DOB, err = citdesk.ParseDate(v); err != nil {
			return s.showPerson(w, r, http.StatusUnprocessableEntity, "Give the date of birth as a date.", "")
		}
	}
	if err := s.Svc.Persons.UpdatePerson(r.Context(), p); err != nil {
		if code := citdesk.ErrorCode(err); code == citdesk.EINVALID || code == citdesk.EPRECONDITION {
			return s.showPerson(w, r, web.StatusFor(code), citdesk.ErrorMessage(err), "")
		}
		return err
	}
	http.Redirect(w, r, "/persons/"+strconv.FormatInt(id, 10)+"?notice="+url.QueryEscape("Saved."), http.StatusSeeOther)
	return nil
}

type repeatView struct {
	Contacts []*citdesk.RepeatContact
	Filter   citdesk.RepeatContactFilter
	Loc      *time.Location
	Error    string
}

func (s *personPages) repeatContactsPage(w http.ResponseWriter, r *http.Request) error {
	agency, err := s.AgencyOf(r.Context())
	if err != nil {
		return err
	}
	f, err := web.RepeatContactFilter(r.URL.Query(), agency.Policy)
	v := repeatView{Filter: f, Loc: agency.Location()}
	if err != nil {
		// Show the agency's thresholds with the message instead.
		v.Error = citdesk.ErrorMessage(err)
		v.Filter, _ = web.RepeatContactFilter(nil, agency.Policy)
	}
	if v.Contacts, err = s.Svc.Persons.RepeatContacts(r.Context(), v.Filter); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "persons_repeat", "Repeat contacts", v)
	return nil
}

type planFormView struct {
	Plan   *citdesk.CrisisPlan
	Person *citdesk.Person
	New    bool
	Error  string
	Field  string
}

func (s *personPages) newPlanPage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.Svc.Persons.FindPersonByID(r.Context(), id)
	if err != nil {
		return err
	}
	today, _, err := s.localDay(r.Context())
	if err != nil {
		return err
	}
	c := &citdesk.CrisisPlan{PersonID: id, Address: p.Address, ConsentDate: today}
	s.render(w, r, http.StatusOK, "plan_form", "New crisis plan", planFormView{Plan: c, Person: p, New: true})
	return nil
}

func readPlanForm(r *http.Request, c *citdesk.CrisisPlan) error {
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	f := r.PostForm
	c.Address, c.WhatHelps, c.WhatToAvoid, c.Triggers = f.Get("address"), f.Get("what_helps"), f.Get("what_to_avoid"), f.Get("triggers")
	c.Medications, c.Contacts, c.PreferredFacility, c.ConsentedBy = f.Get("medications"), f.Get("contacts"), f.Get("preferred_facility"), f.Get("consented_by")
	c.Version, _ = strconv.ParseInt(f.Get("version"), 10, 64)
	var err error
	c.ConsentDate, c.ExpiresOn = citdesk.Date{}, citdesk.Date{}
	if v := f.Get("consent_date"); v != "" {
		if c.ConsentDate, err = citdesk.ParseDate(v); err != nil {
			return citdesk.FieldErrorf("consent_date", "Give the consent date as a date.")
		}
	}
	if v := f.Get("expires_on"); v != "" {
		if c.ExpiresOn, err = citdesk.ParseDate(v); err != nil {
			return citdesk.FieldErrorf("expires_on", "Give the expiry as a date.")
		}
	}
	return nil
}

func (s *personPages) createPlan(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	c := &citdesk.CrisisPlan{PersonID: id}
	if err = readPlanForm(r, c); err == nil {
		err = s.Svc.Plans.CreateCrisisPlan(r.Context(), c)
	}
	if err != nil {
		if citdesk.ErrorCode(err) != citdesk.EINVALID {
			return err
		}
		p, perr := s.Svc.Persons.FindPersonByID(r.Context(), id)
		if perr != nil {
			return perr
		}
		s.render(w, r, http.StatusUnprocessableEntity, "plan_form", "New crisis plan", planFormView{Plan: c, Person: p, New: true, Error: citdesk.ErrorMessage(err), Field: citdesk.ErrorField(err)})
		return nil
	}
	http.Redirect(w, r, "/plans/"+strconv.FormatInt(c.ID, 10)+"?notice="+url.QueryEscape("Crisis plan saved."), http.StatusSeeOther)
	return nil
}

type planView struct {
	Plan        *citdesk.CrisisPlan
	Current     bool
	Coordinator bool
	Today       citdesk.Date
	Notice      string
	Error       string
}

func (s *personPages) planPage(w http.ResponseWriter, r *http.Request) error {
	return s.showPlan(w, r, http.StatusOK, "", queryNotice(r))
}

func (s *personPages) showPlan(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Svc.Plans.FindCrisisPlanByID(r.Context(), id)
	if err != nil {
		return err
	}
	today, _, err := s.localDay(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, status, "plan", "Crisis plan", planView{Plan: c, Current: c.Current(today), Coordinator: web.SignedIn(r).HasRole(citdesk.RoleCoordinator), Today: today, Notice: notice, Error: errMsg})
	return nil
}

func (s *personPages) editPlanPage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Svc.Plans.FindCrisisPlanByID(r.Context(), id)
	if err != nil {
		return err
	}
	p, err := s.Svc.Persons.FindPersonByID(r.Context(), c.PersonID)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "plan_form", "Edit crisis plan", planFormView{Plan: c, Person: p})
	return nil
}

func (s *personPages) savePlan(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	c := &citdesk.CrisisPlan{ID: id}
	if err = readPlanForm(r, c); err == nil {
		err = s.Svc.Plans.UpdateCrisisPlan(r.Context(), c)
	}
	if err != nil {
		code := citdesk.ErrorCode(err)
		if code != citdesk.EINVALID && code != citdesk.EPRECONDITION {
			return err
		}
		old, ferr := s.Svc.Plans.FindCrisisPlanByID(r.Context(), id)
		if ferr != nil {
			return ferr
		}
		c.PersonID = old.PersonID
		p, perr := s.Svc.Persons.FindPersonByID(r.Context(), old.PersonID)
		if perr != nil {
			return perr
		}
		s.render(w, r, web.StatusFor(code), "plan_form", "Edit crisis plan", planFormView{Plan: c, Person: p, Error: citdesk.ErrorMessage(err), Field: citdesk.ErrorField(err)})
		return nil
	}
	http.Redirect(w, r, "/plans/"+strconv.FormatInt(id, 10)+"?notice="+url.QueryEscape("Crisis plan saved."), http.StatusSeeOther)
	return nil
}

func (s *personPages) renewPlan(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	consent, err := citdesk.ParseDate(r.PostFormValue("consent_date"))
	if err != nil {
		return s.showPlan(w, r, http.StatusUnprocessableEntity, "Give the date fresh consent was given.", "")
	}
	if _, err := s.Svc.Plans.RenewCrisisPlan(r.Context(), id, version, consent, r.PostFormValue("consented_by")); err != nil {
		if code := citdesk.ErrorCode(err); code == citdesk.EINVALID || code == citdesk.EPRECONDITION {
			return s.showPlan(w, r, web.StatusFor(code), citdesk.ErrorMessage(err), "")
		}
		return err
	}
	http.Redirect(w, r, "/plans/"+strconv.FormatInt(id, 10)+"?notice="+url.QueryEscape("Consent renewed."), http.StatusSeeOther)
	return nil
}

type revalidateView struct {
	Plans []*citdesk.CrisisPlan
	Today citdesk.Date
}

func (s *personPages) revalidatePage(w http.ResponseWriter, r *http.Request) error {
	plans, err := s.Svc.Plans.PlansToRevalidate(r.Context())
	if err != nil {
		return err
	}
	today, _, err := s.localDay(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "plans_revalidate", "Crisis plans to revalidate", revalidateView{Plans: plans, Today: today})
	return nil
}
