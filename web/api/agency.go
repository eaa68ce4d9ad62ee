package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"citdesk"
	"citdesk/web"
)

// The agency's settings and policy (issue 15): GET /api/v1/agency shows
// them, PATCH /api/v1/agency changes them. Both go through the same
// service call and the same root-package checks as the admin's pages
// and the command line.

func (s *agencyAPI) getAgency(w http.ResponseWriter, r *http.Request) error {
	a, err := s.AgencyOf(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, shown(a))
	return nil
}

// shown is a as the API shows it: the EIDO reading rules in force, the
// defaults when the agency has not changed them (they are stored as
// none, so such an agency follows the defaults).
func shown(a *citdesk.Agency) *citdesk.Agency {
	out := *a
	rules := a.Policy.EIDORules()
	out.Policy.EIDO = &rules
	return &out
}

// agencyPatch is the body of PATCH /api/v1/agency: every field optional,
// an absent one kept. policy holds any subset of the policy's settings,
// as GET shows them (durations in nanoseconds).
type agencyPatch struct {
	Name              *string         `json:"name"`
	NonEmergencyPhone *string         `json:"non_emergency_phone"`
	Address           *string         `json:"address"`
	TimeZone          *string         `json:"timezone"`
	Units             *string         `json:"units"`
	Policy            json.RawMessage `json:"policy"`
}

func (s *agencyAPI) patchAgency(w http.ResponseWriter, r *http.Request) error {
	var req agencyPatch
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	cur, err := s.AgencyOf(r.Context())
	if err != nil {
		return err
	}
	set := citdesk.AgencySettings{Name: cur.Name, NonEmergencyPhone: cur.NonEmergencyPhone, Address: cur.Address, TimeZone: cur.TimeZone}
	if req.Name != nil {
		if strings.TrimSpace(*req.Name) == "" {
			return citdesk.FieldErrorf("name", "The agency's name cannot be blank.")
		}
		set.Name = *req.Name
	}
	if req.NonEmergencyPhone != nil {
		set.NonEmergencyPhone = *req.NonEmergencyPhone
	}
	if req.Address != nil {
		set.Address = *req.Address
	}
	if req.TimeZone != nil {
		if strings.TrimSpace(*req.TimeZone) == "" {
			return citdesk.FieldErrorf("timezone", "Time zone is required.")
		}
		set.TimeZone = *req.TimeZone
	}
	if req.Units != nil {
		if strings.TrimSpace(*req.Units) == "" {
			return citdesk.FieldErrorf("units", "units must be imperial or metric.")
		}
		set.Units = *req.Units
	}
	if len(req.Policy) > 0 && !bytes.Equal(req.Policy, []byte("null")) {
		// The settings given replace the current ones; the rest stay.
		p := cur.Policy.Normalized()
		// The EIDO rules are decoded into a copy of those in force, so a
		// body that gives one word list keeps the others.
		rules := p.EIDORules().Clone()
		p.EIDO = &rules
		dec := json.NewDecoder(bytes.NewReader(req.Policy))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			err := web.JSONError(err)
			if f := citdesk.ErrorField(err); f != "" {
				return &citdesk.Error{Code: citdesk.EINVALID, Field: "policy." + policyPath(req.Policy, f), Message: citdesk.ErrorMessage(err)}
			}
			return err
		}
		set.Policy = &p
		// Checked before the store's normalizing, which reads a stored 0
		// as "the default": sent, it is out of range. The other fields
		// are checked too (on a copy), so every wrong field is named.
		if err := p.Validate(); err != nil {
			all := citdesk.FieldErrors(policyFields(err))
			scratch := *cur
			for _, fp := range citdesk.FieldErrors(scratch.Apply(set)) {
				if _, isPolicy := citdesk.PolicySettingNamed(fp.Field); !isPolicy {
					all = append(all, fp)
				}
			}
			return &citdesk.Error{Code: citdesk.EINVALID, Field: all[0].Field, Message: all[0].Message, Fields: all}
		}
	}
	a, err := s.Svc.Agencies.UpdateSettings(r.Context(), cur.ID, set)
	if err != nil {
		if req.Units == nil {
			return policyFields(err)
		}
		return policyFields(err, "units")
	}
	web.WriteJSON(w, http.StatusOK, shown(a))
	return nil
}

// policyPath is where the policy body holds the field that decoding named:
// encoding/json names an unknown key without the object it sits in, so a
// key unknown at the top level but present among the EIDO rules is
// "eido.<key>".
func policyPath(body json.RawMessage, field string) string {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return field
	}
	if _, ok := top[field]; ok {
		return field
	}
	var eido map[string]json.RawMessage
	if json.Unmarshal(top["eido"], &eido) == nil {
		if _, ok := eido[field]; ok {
			return "eido." + field
		}
	}
	return field
}

// policyFields names the policy's settings in err as the body nests
// them ("policy.emergency_alert"), except those in top (set at the top
// level of the body).
func policyFields(err error, top ...string) error {
	var ce *citdesk.Error
	if !errors.As(err, &ce) || ce.Code != citdesk.EINVALID {
		return err
	}
	rename := func(f string) string {
		if _, isPolicy := citdesk.PolicySettingNamed(f); isPolicy && !slices.Contains(top, f) {
			return "policy." + f
		}
		return f
	}
	out := *ce
	out.Field = rename(ce.Field)
	out.Fields = nil
	for _, p := range ce.Fields {
		out.Fields = append(out.Fields, citdesk.FieldProblem{Field: rename(p.Field), Message: p.Message})
	}
	return &out
}
