package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"citdesk"
	"citdesk/store/storetest"
)

// TestOfficerSupervisorAPI: a coordinator names and clears an officer's
// supervisor with PATCH /api/v1/officers/{id} supervisor_user_id; a user
// who is not a supervisor, or of another agency, is refused naming the
// field; leaving the field out keeps the supervisor.
func TestOfficerSupervisorAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newRosterEnv(t, eng)
		sgt := r.user("sgt", citdesk.RoleSupervisor)
		r.tok["sgt"] = r.token("sgt")
		liaison := r.user("liaison2", citdesk.RoleLiaison)
		patch := func(who string, version int64, body map[string]any) response {
			return r.as(t, who, "PATCH", "/api/v1/officers/{ann}", body, "If-Match", strconv.Quote(strconv.FormatInt(version, 10)))
		}
		get := func() map[string]any {
			var o map[string]any
			r.as(t, "coord", "GET", "/api/v1/officers/{ann}", nil).JSON(t, &o)
			return o
		}
		o := get()
		if v, ok := o["supervisor_user_id"]; !ok || v != nil {
			t.Fatalf("a new officer's supervisor_user_id = %v (present %v), want null", v, ok)
		}
		wantRosterProblem(t, patch("coord", 1, map[string]any{"supervisor_user_id": liaison.ID}), http.StatusUnprocessableEntity, "supervisor_user_id")
		wantRosterProblem(t, patch("coord", 1, map[string]any{"supervisor_user_id": "sgt"}), http.StatusUnprocessableEntity, "supervisor_user_id")
		wantRosterProblem(t, patch("coord", 1, map[string]any{"supervisor_user_id": 999999}), http.StatusUnprocessableEntity, "supervisor_user_id")
		if res := patch("sgt", 1, map[string]any{"supervisor_user_id": sgt.ID}); res.StatusCode != http.StatusForbidden {
			t.Errorf("a supervisor naming themselves: %d, want 403", res.StatusCode)
		}
		if res := patch("coord", 1, map[string]any{"supervisor_user_id": sgt.ID}); res.StatusCode != http.StatusOK {
			t.Fatalf("naming the supervisor: %d %s", res.StatusCode, res.Body)
		}
		if got := get()["supervisor_user_id"]; got != float64(sgt.ID) {
			t.Errorf("supervisor_user_id = %v, want %d", got, sgt.ID)
		}
		// Another field alone keeps the supervisor.
		if res := patch("coord", 2, map[string]any{"rank": "Cpl."}); res.StatusCode != http.StatusOK {
			t.Fatalf("PATCH rank: %d %s", res.StatusCode, res.Body)
		}
		if got := get()["supervisor_user_id"]; got != float64(sgt.ID) {
			t.Errorf("after a rank change supervisor_user_id = %v, want %d", got, sgt.ID)
		}
		// null clears it.
		if res := patch("coord", 3, map[string]any{"supervisor_user_id": nil}); res.StatusCode != http.StatusOK {
			t.Fatalf("clearing the supervisor: %d %s", res.StatusCode, res.Body)
		}
		if got := get()["supervisor_user_id"]; got != nil {
			t.Errorf("after null supervisor_user_id = %v", got)
		}
	})
}

// TestRosterPageNamesSupervisor: on the roster officer page a coordinator
// picks the officer's supervisor from the agency's supervisors; a user
// who is not one is refused beside the field, and the page keeps the
// choice.
func TestRosterPageNamesSupervisor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newRosterEnv(t, eng)
		sgt := r.user("sgt", citdesk.RoleSupervisor)
		plain := r.user("plain", citdesk.RoleAnalyst)
		coord := r.browser()
		coord.login("coord")
		path := "/roster/officers/" + strconv.FormatInt(r.annID, 10)
		res := coord.get(path)
		if !strings.Contains(res.Body, `name="supervisor_user_id"`) || !strings.Contains(res.Body, `<option value="`+strconv.FormatInt(sgt.ID, 10)+`">sgt</option>`) {
			t.Fatalf("the roster page offers no supervisor choice with sgt: %d", res.StatusCode)
		}
		if strings.Contains(res.Body, `<option value="`+strconv.FormatInt(plain.ID, 10)+`"`) {
			t.Errorf("the roster page offers a user who is not a supervisor")
		}
		form := func(sup int64, version string) url.Values {
			return url.Values{"badge": {"B-ann"}, "first_name": {"Test"}, "last_name": {"ann"}, "active": {"on"}, "version": {version},
				"supervisor_user_id": {strconv.FormatInt(sup, 10)}}
		}
		res = coord.form(path, form(plain.ID, "1"))
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="edit-supervisor_user_id-error"`) {
			t.Errorf("naming a non-supervisor: %d, want 422 with the error at the field", res.StatusCode)
		}
		if res = coord.form(path, form(sgt.ID, "1")); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("naming sgt: %d %s", res.StatusCode, res.Body)
		}
		o, err := r.DB.OfficerService().FindOfficerByID(r.Op, r.annID)
		if err != nil || o.SupervisorUserID == nil || *o.SupervisorUserID != sgt.ID {
			t.Fatalf("ann's supervisor = %v (%v), want sgt", o, err)
		}
		if res = coord.get(path); !strings.Contains(res.Body, `<option value="`+strconv.FormatInt(sgt.ID, 10)+`" selected>sgt</option>`) {
			t.Errorf("the roster page does not show sgt chosen")
		}
	})
}
