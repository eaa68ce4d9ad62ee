package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"citdesk"
	"citdesk/web"
)

// etag returns the ETag of a row at version v.
func etag(v int64) string { return `"` + strconv.FormatInt(v, 10) + `"` }

// ifMatch reads the row version a client last saw from If-Match. Updates
// require it, so two screens can never overwrite each other unseen.
func ifMatch(r *http.Request) (int64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, citdesk.Errorf(citdesk.EPRECONDITION, "Send If-Match with the ETag you last read, so a change made meanwhile is not overwritten.")
	}
	v, ok := etagVersion(h)
	if !ok {
		return 0, citdesk.Errorf(citdesk.EPRECONDITION, "If-Match must be an ETag this API sent, such as \"3\".")
	}
	return v, nil
}

// etagVersion reads the row version from an ETag ("3" or W/"3"); ok is
// false when it is not one this API sent.
func etagVersion(h string) (v int64, ok bool) {
	v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(h, "W/"), `"`), 10, 64)
	return v, err == nil && v > 0
}

// writeCreated answers 201 with the new row, its Location and its ETag.
func writeCreated(w http.ResponseWriter, location string, version int64, v any) {
	w.Header().Set("Location", location)
	w.Header().Set("ETag", etag(version))
	web.WriteJSON(w, http.StatusCreated, v)
}

// writeVersioned answers 200 with v and its version as the ETag, for the
// next If-Match.
func writeVersioned(w http.ResponseWriter, version int64, v any) {
	w.Header().Set("ETag", etag(version))
	web.WriteJSON(w, http.StatusOK, v)
}

// callRequest is the body of POST /api/v1/calls.
type callRequest struct {
	ReceivedAt         *time.Time          `json:"received_at"`
	Source             citdesk.CallSource  `json:"source"`
	Emergency          bool                `json:"emergency"`
	Nature             string              `json:"nature"`
	Address            string              `json:"address"`
	Lat                *float64            `json:"lat"`
	Lon                *float64            `json:"lon"`
	CallerName         string              `json:"caller_name"`
	CallerPhone        string              `json:"caller_phone"`
	CallerRelationship string              `json:"caller_relationship"`
	SubjectDescription string              `json:"subject_description"`
	Risk               *citdesk.RiskScreen `json:"risk"`
	CITRequested       bool                `json:"cit_requested"`
	Notes              string              `json:"notes"`
	TriageAnswers      map[string]string   `json:"triage_answers"`
	Response           citdesk.Response    `json:"response"`
	ResponseReason     string              `json:"response_reason"`
}

func (s *callAPI) createCallAPI(w http.ResponseWriter, r *http.Request) error {
	var req callRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	c := &citdesk.Call{Source: req.Source, Emergency: req.Emergency, Nature: req.Nature, Address: req.Address, Lat: req.Lat, Lon: req.Lon,
		CallerName: req.CallerName, CallerPhone: req.CallerPhone, CallerRelationship: req.CallerRelationship, SubjectDescription: req.SubjectDescription,
		CITRequested: req.CITRequested, Notes: req.Notes, TriageAnswers: req.TriageAnswers, Response: req.Response, ResponseReason: req.ResponseReason}
	if req.ReceivedAt != nil {
		c.ReceivedAt = *req.ReceivedAt
	}
	if req.Risk != nil {
		c.Risk = *req.Risk
	}
	if err := s.Svc.Calls.CreateCall(r.Context(), c); err != nil {
		return err
	}
	writeCreated(w, "/api/v1/calls/"+strconv.FormatInt(c.ID, 10), c.Version, c)
	return nil
}

func (s *callAPI) getCallAPI(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Svc.Calls.FindCallByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeVersioned(w, c.Version, c)
	return nil
}

func (s *callAPI) listCallsAPI(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var f citdesk.CallFilter
	switch st := q.Get("status"); st {
	case "":
	case "open":
		f.Open = true
	default:
		f.Status = citdesk.CallStatus(st)
		if !f.Status.Valid() {
			return citdesk.FieldErrorf("status", "status must be open, pending, dispatched, on_scene or closed.")
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return citdesk.FieldErrorf("limit", "limit must be a whole number from 1 to 1000.")
		}
		f.Limit = n
	}
	calls, err := s.Svc.Calls.ListCalls(r.Context(), f)
	if err != nil {
		return err
	}
	if calls == nil {
		calls = []*citdesk.Call{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"calls": calls})
	return nil
}

// callPatch is the body of PATCH /api/v1/calls/{id}: a merge patch, so
// only the fields present change.
type callPatch struct {
	Source             *citdesk.CallSource `json:"source"`
	Emergency          *bool               `json:"emergency"`
	Nature             *string             `json:"nature"`
	Address            *string             `json:"address"`
	Lat                *float64            `json:"lat"`
	Lon                *float64            `json:"lon"`
	CallerName         *string             `json:"caller_name"`
	CallerPhone        *string             `json:"caller_phone"`
	CallerRelationship *string             `json:"caller_relationship"`
	SubjectDescription *string             `json:"subject_description"`
	Risk               *citdesk.RiskScreen `json:"risk"`
	CITRequested       *bool               `json:"cit_requested"`
	Notes              *string             `json:"notes"`
	Status             *citdesk.CallStatus `json:"status"`
	MentalHealth       *bool               `json:"mental_health"`
	NoCITReason        *string             `json:"no_cit_reason"`
	NoCITText          *string             `json:"no_cit_text"`
	TriageAnswers      map[string]string   `json:"triage_answers"`
	Response           *citdesk.Response   `json:"response"`
	ResponseReason     *string             `json:"response_reason"`
}

// apply changes c by the fields present in p.
func (p *callPatch) apply(c *citdesk.Call) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	if p.Source != nil {
		c.Source = *p.Source
	}
	if p.Emergency != nil {
		c.Emergency = *p.Emergency
	}
	set(&c.Nature, p.Nature)
	set(&c.Address, p.Address)
	set(&c.CallerName, p.CallerName)
	set(&c.CallerPhone, p.CallerPhone)
	set(&c.CallerRelationship, p.CallerRelationship)
	set(&c.SubjectDescription, p.SubjectDescription)
	set(&c.Notes, p.Notes)
	if p.Lat != nil || p.Lon != nil {
		c.Lat, c.Lon = p.Lat, p.Lon
	}
	if p.Risk != nil {
		for _, f := range []struct{ dst, src *citdesk.Risk }{
			{&c.Risk.Weapons, &p.Risk.Weapons}, {&c.Risk.Violence, &p.Risk.Violence}, {&c.Risk.SuicideRisk, &p.Risk.SuicideRisk},
			{&c.Risk.Substances, &p.Risk.Substances}, {&c.Risk.Medical, &p.Risk.Medical},
		} {
			if *f.src != "" {
				*f.dst = *f.src
			}
		}
	}
	if p.CITRequested != nil {
		c.CITRequested = *p.CITRequested
	}
	if p.Status != nil {
		c.Status = *p.Status
	}
	if p.MentalHealth != nil {
		c.MentalHealth = p.MentalHealth
	}
	set(&c.NoCITReason, p.NoCITReason)
	set(&c.NoCITText, p.NoCITText)
	if p.TriageAnswers != nil {
		c.TriageAnswers = p.TriageAnswers
	}
	if p.Response != nil {
		c.Response = *p.Response
	}
	set(&c.ResponseReason, p.ResponseReason)
}

func (s *callAPI) patchCallAPI(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var p callPatch
	if err := web.DecodeJSON(r, &p); err != nil {
		return err
	}
	c, err := s.Svc.Calls.PatchCall(r.Context(), id, version, p.apply)
	if err != nil {
		return err
	}
	writeVersioned(w, c.Version, c)
	return nil
}

func (s *callAPI) recommendationsAPI(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	_, res, err := s.Svc.Dispatch.RecommendForCall(r.Context(), id)
	if err != nil {
		return err
	}
	if s.Svc.Webhooks != nil {
		// Not a change, so no transaction of its own to share: the
		// outbox row is written after the read.
		if err := s.Svc.Webhooks.Notify(r.Context(), citdesk.HookRecommendationMade, map[string]any{"call_id": id, "recommendation": res}); err != nil {
			return err
		}
	}
	rec, err := web.RecommendationFor(r.Context(), s.Svc.MutualAid, id, res)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, rec)
	return nil
}

// assignmentRequest is the body of POST /api/v1/calls/{id}/assignments.
type assignmentRequest struct {
	OfficerID   int64  `json:"officer_id"`
	NoCITReason string `json:"no_cit_reason"`
	NoCITText   string `json:"no_cit_text"`
}

func (s *callAPI) createAssignmentAPI(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var req assignmentRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	a := &citdesk.Assignment{CallID: id, OfficerID: req.OfficerID, NoCITReason: req.NoCITReason, NoCITText: req.NoCITText}
	if err := s.Svc.Calls.CreateAssignment(r.Context(), a); err != nil {
		return err
	}
	writeCreated(w, "/api/v1/assignments/"+strconv.FormatInt(a.ID, 10), a.Version, a)
	return nil
}

func (s *callAPI) listCallAssignmentsAPI(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Svc.Calls.FindCallByID(r.Context(), id); err != nil {
		return err
	}
	list, err := s.Svc.Calls.ListAssignments(r.Context(), citdesk.AssignmentFilter{CallID: id})
	if err != nil {
		return err
	}
	if list == nil {
		list = []*citdesk.Assignment{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"assignments": list})
	return nil
}

func (s *callAPI) getAssignmentAPI(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.Svc.Calls.FindAssignmentByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeVersioned(w, a.Version, a)
	return nil
}

// assignmentPatch is the body of PATCH /api/v1/assignments/{id}.
type assignmentPatch struct {
	Status citdesk.AssignmentStatus `json:"status"`
}

func (s *callAPI) patchAssignmentAPI(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var p assignmentPatch
	if err := web.DecodeJSON(r, &p); err != nil {
		return err
	}
	a, err := s.Svc.Calls.MoveAssignment(r.Context(), id, version, p.Status)
	if err != nil {
		return err
	}
	writeVersioned(w, a.Version, a)
	return nil
}
