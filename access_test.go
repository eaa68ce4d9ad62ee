package citdesk_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"testing"

	"citdesk"
)

// TestPermissionTableComplete checks that every Action declared in
// access.go has a line in the permission table, so an action cannot be
// named without saying who may take it.
func TestPermissionTableComplete(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "access.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			v := spec.(*ast.ValueSpec)
			if id, ok := v.Type.(*ast.Ident); ok && id.Name == "Action" {
				for _, n := range v.Names {
					declared = append(declared, n.Name)
				}
			}
		}
	}
	if len(declared) < 20 {
		t.Fatalf("found only %d actions in access.go", len(declared))
	}
	if got := len(citdesk.Actions()); got != len(declared) {
		t.Errorf("the table has %d lines for %d declared actions", got, len(declared))
	}
	for _, act := range citdesk.Actions() {
		p, _ := citdesk.PermissionFor(act)
		if len(p.Roles) == 0 && (p.Tie == nil || len(p.Related) == 0) {
			t.Errorf("%s: nobody may take it", act)
		}
		if (p.Tie != nil) != (len(p.Related) > 0) || p.Tie != nil && p.Why == "" {
			t.Errorf("%s: a tie needs the roles it applies to and a sentence saying what it is", act)
		}
	}
}

// TestCan walks the ties: who may with a tie, who may without, and that a
// tie never lifts a role the action is not for.
func TestCan(t *testing.T) {
	ofc, other := int64(7), int64(8)
	actor := func(roles ...citdesk.Role) *citdesk.Actor {
		a := &citdesk.Actor{UserID: 1, AgencyID: 1, Roles: roles}
		if slices.Contains(roles, citdesk.RoleOfficer) {
			a.OfficerID = &ofc
		}
		return a
	}
	officer, liaison, coord, disp, analyst := actor(citdesk.RoleOfficer), actor(citdesk.RoleLiaison), actor(citdesk.RoleCoordinator), actor(citdesk.RoleDispatcher), actor(citdesk.RoleAnalyst)
	operator := citdesk.OperatorActor(1)
	for _, tt := range []struct {
		name string
		a    *citdesk.Actor
		act  citdesk.Action
		o    citdesk.Object
		want bool
	}{
		{"officer edits own report", officer, citdesk.EditReport, citdesk.Object{OfficerID: ofc}, true},
		{"officer edits another's report", officer, citdesk.EditReport, citdesk.Object{OfficerID: other}, false},
		{"coordinator edits a report", coord, citdesk.EditReport, citdesk.Object{OfficerID: other}, false},
		{"coordinator reviews", coord, citdesk.ReviewReport, citdesk.Object{}, true},
		{"officer reviews", officer, citdesk.ReviewReport, citdesk.Object{}, false},
		{"liaison reads a referred report", liaison, citdesk.ReadReport, citdesk.Object{OfficerID: other, ReferredToActor: true}, true},
		{"liaison reads another report", liaison, citdesk.ReadReport, citdesk.Object{OfficerID: other}, false},
		{"officer reads a person named on own draft", officer, citdesk.ReadPerson, citdesk.Object{}, false},
		{"officer reads a person of a reviewed call", officer, citdesk.ReadPerson, citdesk.Object{ReviewedContact: true}, true},
		{"liaison reads a referred person", liaison, citdesk.ReadPerson, citdesk.Object{ReferredToActor: true}, true},
		{"dispatcher reads a person", disp, citdesk.ReadPerson, citdesk.Object{ReferredToActor: true, ReviewedContact: true}, false},
		{"analyst lists officers", analyst, citdesk.ListOfficers, citdesk.Object{}, false},
		{"analyst reads figures", analyst, citdesk.ReadOutcomes, citdesk.Object{}, true},
		{"analyst drills into encounters", analyst, citdesk.DrillOutcomes, citdesk.Object{}, false},
		{"officer sets own status", officer, citdesk.SetDutyStatus, citdesk.Object{OfficerID: ofc}, true},
		{"officer sets another's status", officer, citdesk.SetDutyStatus, citdesk.Object{OfficerID: other}, false},
		{"officer reads a call sent to", officer, citdesk.ReadCall, citdesk.Object{SentToCall: true}, true},
		{"officer reads another call", officer, citdesk.ReadCall, citdesk.Object{}, false},
		{"operator", operator, citdesk.ManageUsers, citdesk.Object{}, true},
		{"nobody", nil, citdesk.ReadOutcomes, citdesk.Object{}, false},
		{"unknown action", coord, citdesk.Action("nope"), citdesk.Object{}, false},
	} {
		if got := citdesk.Can(tt.a, tt.act, tt.o); got != tt.want {
			t.Errorf("%s: Can = %v, want %v", tt.name, got, tt.want)
		}
	}
	// At the door, a tie is not known yet: an officer may ever edit a
	// report, a dispatcher never.
	if !citdesk.MayEver(officer, citdesk.EditReport) || citdesk.MayEver(disp, citdesk.EditReport) {
		t.Error("MayEver(EditReport): want officers yes, dispatchers no")
	}
}
