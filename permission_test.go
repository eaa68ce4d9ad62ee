package citdesk_test

import (
	"testing"

	"citdesk"
)

func TestEncounterPermissions(t *testing.T) {
	own, other := int64(7), int64(8)
	officer := &citdesk.Actor{UserID: 1, AgencyID: 1, Roles: []citdesk.Role{citdesk.RoleOfficer}, OfficerID: &own}
	coord := &citdesk.Actor{UserID: 2, AgencyID: 1, Roles: []citdesk.Role{citdesk.RoleCoordinator}}
	coordOfficer := &citdesk.Actor{UserID: 3, AgencyID: 1, Roles: []citdesk.Role{citdesk.RoleCoordinator, citdesk.RoleOfficer}, OfficerID: &own}
	liaison := &citdesk.Actor{UserID: 4, AgencyID: 1, Roles: []citdesk.Role{citdesk.RoleLiaison}}
	otherOfficer := &citdesk.Actor{UserID: 5, AgencyID: 1, Roles: []citdesk.Role{citdesk.RoleOfficer}, OfficerID: &other}
	operator := citdesk.OperatorActor(1)
	report := func(s citdesk.EncounterStatus) *citdesk.Encounter {
		return &citdesk.Encounter{ID: 1, AgencyID: 1, OfficerID: own, Status: s}
	}
	tests := []struct {
		name                     string
		a                        *citdesk.Actor
		status                   citdesk.EncounterStatus
		edit, review, correct    bool
		read, readWhenReferredTo bool
	}{
		{"own draft", officer, citdesk.EncounterDraft, true, false, false, true, true},
		{"own returned", officer, citdesk.EncounterReturned, true, false, false, true, true},
		{"own submitted", officer, citdesk.EncounterSubmitted, false, false, false, true, true},
		{"another officer's draft", otherOfficer, citdesk.EncounterDraft, false, false, false, false, false},
		{"coordinator, submitted", coord, citdesk.EncounterSubmitted, false, true, false, true, true},
		{"coordinator, approved", coord, citdesk.EncounterApproved, false, false, true, true, true},
		{"coordinator, draft", coord, citdesk.EncounterDraft, false, false, false, true, true},
		{"coordinator's own submitted report", coordOfficer, citdesk.EncounterSubmitted, false, false, false, true, true},
		{"liaison", liaison, citdesk.EncounterSubmitted, false, false, false, false, true},
		{"operator, draft", operator, citdesk.EncounterDraft, true, false, false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := report(tt.status)
			if got := citdesk.CanEditEncounter(tt.a, e); got != tt.edit {
				t.Errorf("CanEditEncounter = %v, want %v", got, tt.edit)
			}
			if got := citdesk.CanReviewEncounter(tt.a, e); got != tt.review {
				t.Errorf("CanReviewEncounter = %v, want %v", got, tt.review)
			}
			if got := citdesk.CanCorrectEncounter(tt.a, e); got != tt.correct {
				t.Errorf("CanCorrectEncounter = %v, want %v", got, tt.correct)
			}
			if got := citdesk.CanReadEncounter(tt.a, e, false); got != tt.read {
				t.Errorf("CanReadEncounter = %v, want %v", got, tt.read)
			}
			if got := citdesk.CanReadEncounter(tt.a, e, true); got != tt.readWhenReferredTo {
				t.Errorf("CanReadEncounter(referred to actor) = %v, want %v", got, tt.readWhenReferredTo)
			}
		})
	}

	t.Run("error codes", func(t *testing.T) {
		if code := citdesk.ErrorCode(citdesk.CheckEditEncounter(otherOfficer, report(citdesk.EncounterDraft))); code != citdesk.EFORBIDDEN {
			t.Errorf("edit by another officer: %s", code)
		}
		if code := citdesk.ErrorCode(citdesk.CheckEditEncounter(officer, report(citdesk.EncounterApproved))); code != citdesk.ECONFLICT {
			t.Errorf("edit of an approved report: %s", code)
		}
		if code := citdesk.ErrorCode(citdesk.CheckReviewEncounter(coordOfficer, report(citdesk.EncounterSubmitted), citdesk.EncounterReturned)); code != citdesk.EFORBIDDEN {
			t.Errorf("review of one's own report: %s", code)
		}
		if code := citdesk.ErrorCode(citdesk.CheckReviewEncounter(coord, report(citdesk.EncounterDraft), citdesk.EncounterApproved)); code != citdesk.ECONFLICT {
			t.Errorf("approval of a draft: %s", code)
		}
		if code := citdesk.ErrorCode(citdesk.CheckCorrectEncounter(officer, report(citdesk.EncounterApproved))); code != citdesk.EFORBIDDEN {
			t.Errorf("correction by an officer: %s", code)
		}
	})
}

func TestNoCITReason(t *testing.T) {
	requested := &citdesk.Call{CITRequested: true}
	plain := &citdesk.Call{}
	tests := []struct {
		name  string
		c     *citdesk.Call
		prior int
		s     citdesk.CITStatus
		want  bool
	}{
		{"requested, first, not trained", requested, 0, citdesk.CITNotTrained, true},
		{"requested, first, lapsed", requested, 0, citdesk.CITLapsed, true},
		{"requested, first, certified", requested, 0, citdesk.CITCertified, false},
		{"requested, first, expiring", requested, 0, citdesk.CITExpiring, false},
		{"requested, second officer", requested, 1, citdesk.CITNotTrained, false},
		{"not requested", plain, 0, citdesk.CITNotTrained, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := citdesk.NeedsNoCITReason(tt.c, tt.prior, tt.s); got != tt.want {
				t.Errorf("NeedsNoCITReason = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSupervisorPermissions: a supervisor reads, returns and approves the
// reports of the officers they supervise and no one else's, and corrects
// none; a supervisor role alone, or a supervisor tie alone, gives nothing.
func TestSupervisorPermissions(t *testing.T) {
	sup := &citdesk.Actor{UserID: 10, AgencyID: 1, Roles: []citdesk.Role{citdesk.RoleSupervisor}}
	otherSup := &citdesk.Actor{UserID: 11, AgencyID: 1, Roles: []citdesk.Role{citdesk.RoleSupervisor}}
	// A user named someone's supervisor who has since lost the role.
	formerSup := &citdesk.Actor{UserID: 12, AgencyID: 1, Roles: []citdesk.Role{citdesk.RoleAnalyst}}
	ownOfficer := int64(7)
	supOfficer := &citdesk.Actor{UserID: 13, AgencyID: 1, Roles: []citdesk.Role{citdesk.RoleSupervisor, citdesk.RoleOfficer}, OfficerID: &ownOfficer}
	report := func(s citdesk.EncounterStatus, supervisor int64) *citdesk.Encounter {
		return &citdesk.Encounter{ID: 1, AgencyID: 1, OfficerID: 7, Status: s, SupervisorUserID: supervisor}
	}
	tests := []struct {
		name                  string
		a                     *citdesk.Actor
		e                     *citdesk.Encounter
		read, review, correct bool
	}{
		{"their officer's submitted report", sup, report(citdesk.EncounterSubmitted, 10), true, true, false},
		{"their officer's approved report", sup, report(citdesk.EncounterApproved, 10), true, false, false},
		{"another supervisor's officer", otherSup, report(citdesk.EncounterSubmitted, 10), false, false, false},
		{"an officer with no supervisor", sup, report(citdesk.EncounterSubmitted, 0), false, false, false},
		{"named supervisor without the role", formerSup, report(citdesk.EncounterSubmitted, 12), false, false, false},
		{"their own report as its officer", supOfficer, report(citdesk.EncounterSubmitted, 13), true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := citdesk.CanReadEncounter(tt.a, tt.e, false); got != tt.read {
				t.Errorf("CanReadEncounter = %v, want %v", got, tt.read)
			}
			if got := citdesk.CanReviewEncounter(tt.a, tt.e); got != tt.review {
				t.Errorf("CanReviewEncounter = %v, want %v", got, tt.review)
			}
			if got := citdesk.CanCorrectEncounter(tt.a, tt.e); got != tt.correct {
				t.Errorf("CanCorrectEncounter = %v, want %v", got, tt.correct)
			}
		})
	}
	// At the door a supervisor may list and review (the store narrows it
	// to their officers), and never correct.
	for act, want := range map[citdesk.Action]bool{citdesk.ListReports: true, citdesk.ReviewReport: true, citdesk.ReadReport: true, citdesk.CorrectReport: false, citdesk.EditReport: false} {
		if got := citdesk.MayEver(sup, act); got != want {
			t.Errorf("MayEver(supervisor, %s) = %v, want %v", act, got, want)
		}
	}
}
