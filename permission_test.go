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
