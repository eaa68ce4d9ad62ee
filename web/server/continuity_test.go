package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// TestRecommendationContinuityOfCare: of two CIT officers equally near, the
// one who met the person before (no force, no arrest) is ranked first, and
// says why.
func TestRecommendationContinuityOfCare(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("disp", citdesk.RoleDispatcher)
		coord := e.user("coord", citdesk.RoleCoordinator)
		coordCtx := citdesk.NewContextWithActor(context.Background(), citdesk.ActorFor(coord, "x"))
		a, _ := storetest.User(t, e.DB, e.Op, "ofca", citdesk.RoleOfficer)
		b, _ := storetest.User(t, e.DB, e.Op, "ofcb", citdesk.RoleOfficer)
		for _, u := range []*citdesk.User{a, b} {
			if err := e.DB.OfficerService().AddTraining(e.Op, &citdesk.TrainingRecord{OfficerID: *u.OfficerID, Kind: citdesk.CourseCITBasic, Completed: citdesk.NewDate(2025, 6, 1), Hours: 40}); err != nil {
				t.Fatal(err)
			}
			lat, lon := 38.1400, -90.5550 // the same spot: an ETA tie
			if err := e.DB.OfficerService().SetStatus(e.Op, &citdesk.StatusChange{OfficerID: *u.OfficerID, Status: citdesk.StatusAvailable, Lat: &lat, Lon: &lon}); err != nil {
				t.Fatal(err)
			}
		}
		p := &citdesk.Person{FirstName: "Sam", LastName: "Rivers", Address: "220 Main St, De Soto"}
		if err := e.DB.PersonService().CreatePerson(coordCtx, p); err != nil {
			t.Fatal(err)
		}
		// Officer A has the lower id, so without continuity A would rank
		// first; the prior contact is B's, and moves B up.
		bCtx := citdesk.NewContextWithActor(context.Background(), citdesk.ActorFor(b, "x"))
		enc := &citdesk.Encounter{OccurredAt: e.Clock.Now().Add(-48 * time.Hour)}
		if err := e.DB.EncounterService().StartEncounter(bCtx, enc); err != nil {
			t.Fatal(err)
		}
		m := 30
		enc.PersonID, enc.Force, enc.Address = &p.ID, citdesk.ForceNone, "220 Main St"
		enc.ContactStart, enc.PrimaryProblem, enc.Dispositions, enc.OnSceneMinutes, enc.Narrative = citdesk.StartWelfareCheck, citdesk.ProblemMentalIllness, []citdesk.Disposition{citdesk.DispResolvedOnScene}, &m, "Talked it through."
		if err := e.DB.EncounterService().UpdateEncounter(bCtx, enc); err != nil {
			t.Fatal(err)
		}

		disp := e.token("disp")
		var call citdesk.Call
		e.do("POST", "/api/v1/calls", disp, map[string]any{"nature": "Welfare check", "address": "220 Main St, De Soto", "lat": 38.1395, "lon": -90.5551, "cit_requested": true}).JSON(t, &call)
		res := e.do("GET", fmt.Sprintf("/api/v1/calls/%d/recommendations", call.ID), disp, nil)
		checkOpenAPI(t, "GET", "/calls/{id}/recommendations", res)
		var rec struct {
			Officers []struct {
				OfficerID int64    `json:"officer_id"`
				Reasons   []string `json:"reasons"`
			}
		}
		res.JSON(t, &rec)
		if len(rec.Officers) != 2 || rec.Officers[0].OfficerID != *b.OfficerID {
			t.Fatalf("ranking = %+v, want officer %d first", rec.Officers, *b.OfficerID)
		}
		if !strings.Contains(strings.Join(rec.Officers[0].Reasons, "; "), "met this person before") {
			t.Fatalf("reasons = %v", rec.Officers[0].Reasons)
		}
	})
}
