// Package demo fills an empty citdesk with an invented but realistic
// agency — the De Soto (Missouri) Police Department — so every page has
// something to show. Every name, badge and phone number here is invented.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"time"

	"citdesk"
)

// Services are what the demo writes through: the same services the web
// layer uses, so demo data obeys every rule real data does.
type Services struct {
	Agencies citdesk.AgencyService
	Users    citdesk.UserService
	Officers citdesk.OfficerService
	Calls    citdesk.CallService
	// Contact reports, persons, crisis plans and referrals (issue 5).
	Encounters citdesk.EncounterService
	Persons    citdesk.PersonService
	Plans      citdesk.CrisisPlanService
	Referrals  citdesk.ReferralService
	// Addresses, when set, receives the invented address list the board's
	// address lookup searches (Addresses).
	Addresses citdesk.AddressService
	// Complaints, when set, receives a few invented complaints and
	// commendations about the demo's reports (issue 16).
	Complaints citdesk.ComplaintService
	// Liaisons, when set, puts the demo liaison on duty, available near
	// the centre, so the board offers a co-response (issue 16).
	Liaisons citdesk.LiaisonService
}

// Result says what Seed did.
type Result struct {
	Created           bool // false when the agency already existed
	AgencySlug        string
	AgencyID          int64
	GeneratedPassword string   // set when no password was given
	Usernames         []string // the demo users made, when Created
}

// Slug is the demo agency's slug.
const Slug = "desoto"

// TimeZone is the demo agency's time zone.
const TimeZone = "America/Chicago"

// Centre of De Soto, Missouri.
const centreLat, centreLon = 38.1395, -90.5551

type demoOfficer struct {
	first, last, rank, callSign, shift string
	citYearsAgo                        float64 // 0: no CIT course
	inService                          []float64
	awareness                          bool
	onDuty                             citdesk.DutyStatus
}

// The roster: 16 officers, 9 CIT trained of whom 8 are current.
var roster = []demoOfficer{
	{"Maria", "Alvarez", "Sgt.", "2S1", "A days", 5.5, []float64{4, 4, 8}, true, citdesk.StatusAvailable},
	{"James", "Whitfield", "Ofc.", "2A11", "A days", 3.2, []float64{8, 4}, true, citdesk.StatusAvailable},
	{"Dana", "Kowalski", "Ofc.", "2A12", "A days", 1.1, nil, true, citdesk.StatusBusy},
	{"Tyrone", "Beasley", "Ofc.", "2A13", "A days", 0, nil, true, citdesk.StatusAvailable},
	{"Hannah", "Lindqvist", "Cpl.", "2A14", "A days", 4.0, []float64{8}, true, citdesk.StatusAvailable},
	{"Luis", "Ferreira", "Ofc.", "2B21", "B days", 2.6, []float64{4}, true, citdesk.StatusOffDuty},
	{"Grace", "Okafor", "Ofc.", "2B22", "B days", 0, nil, true, citdesk.StatusOffDuty},
	{"Peter", "Schaefer", "Ofc.", "2B23", "B days", 0, nil, false, citdesk.StatusOffDuty},
	{"Aisha", "Rahman", "Sgt.", "2S3", "C nights", 6.3, []float64{8, 8, 4}, true, citdesk.StatusOffDuty},
	{"Cody", "Brennan", "Ofc.", "2C31", "C nights", 0, nil, true, citdesk.StatusOffDuty},
	{"Lena", "Marchetti", "Ofc.", "2C32", "C nights", 7.0, []float64{2}, true, citdesk.StatusOffDuty}, // lapsed
	{"Owen", "Tate", "Ofc.", "2C33", "C nights", 0, nil, true, citdesk.StatusOffDuty},
	{"Rosa", "Delgado", "Ofc.", "2D41", "D nights", 1.9, []float64{4}, true, citdesk.StatusOffDuty},
	{"Marcus", "Hale", "Ofc.", "2D42", "D nights", 0, nil, true, citdesk.StatusOffDuty},
	{"Evan", "Pruitt", "Lt.", "2L1", "Admin", 0, nil, true, citdesk.StatusOffDuty},
	{"Nora", "Feld", "Ofc.", "2A15", "A days", 0, nil, true, citdesk.StatusAvailable},
}

// Seed creates the demo agency when no agency with its slug exists. The
// demo users' password is password, or a generated one returned in Result.
func Seed(ctx context.Context, svc Services, password string, clock citdesk.Clock) (*Result, error) {
	res := &Result{AgencySlug: Slug}
	if a, err := svc.Agencies.FindAgencyBySlug(ctx, Slug); err == nil {
		res.AgencyID = a.ID
		return res, nil
	} else if citdesk.ErrorCode(err) != citdesk.ENOTFOUND {
		return nil, err
	}
	if password == "" {
		b := make([]byte, 12)
		rand.Read(b)
		password = base64.RawURLEncoding.EncodeToString(b)
		res.GeneratedPassword = password
	}
	agency := &citdesk.Agency{Slug: Slug, Name: "De Soto Police Department", City: "De Soto", TimeZone: TimeZone, Lat: centreLat, Lon: centreLon, Policy: citdesk.DefaultPolicy()}
	if err := citdesk.ValidatePassword(password, "", agency); err != nil {
		return nil, fmt.Errorf("demo password: %s", citdesk.ErrorMessage(err))
	}
	agency.Policy.EmergencyDetentionLabel = "96-hour civil detention"
	agency.Policy.LiaisonProgram = "Community Mental Health Liaison"
	// A newcomer signs in with the printed password; each user may still
	// enrol a second factor, and an admin can make it required.
	agency.Policy.MFA = citdesk.MFAOptional
	if err := svc.Agencies.CreateAgency(ctx, agency); err != nil {
		return nil, err
	}
	res.Created, res.AgencyID = true, agency.ID
	op := citdesk.NewContextWithActor(ctx, citdesk.OperatorActor(agency.ID))
	rng := mrand.New(mrand.NewPCG(1, 2))
	now := clock.Now()
	today := citdesk.DateOf(now, agency.Location())

	var officerUserID int64
	var officerIDs []int64
	for i, d := range roster {
		o := &citdesk.Officer{Badge: fmt.Sprintf("%d", 4101+i*7), FirstName: d.first, LastName: d.last, Rank: d.rank, CallSign: d.callSign, Shift: d.shift,
			Phone: fmt.Sprintf("636-555-01%02d", 10+i), Active: true}
		if err := svc.Officers.CreateOfficer(op, o); err != nil {
			return nil, fmt.Errorf("officer %s: %w", d.last, err)
		}
		if i == 1 {
			officerUserID = o.ID
		}
		officerIDs = append(officerIDs, o.ID)
		if d.awareness {
			if err := svc.Officers.AddTraining(op, &citdesk.TrainingRecord{OfficerID: o.ID, Kind: citdesk.CourseMHAwareness, Completed: yearsAgo(today, 6+rng.Float64()*2), Hours: 8, Provider: "Missouri POST"}); err != nil {
				return nil, err
			}
		}
		if d.citYearsAgo > 0 {
			basic := yearsAgo(today, d.citYearsAgo)
			if err := svc.Officers.AddTraining(op, &citdesk.TrainingRecord{OfficerID: o.ID, Kind: citdesk.CourseCITBasic, Completed: basic, Hours: 40,
				Provider: "CIT Council of Jefferson County", Certificate: fmt.Sprintf("CIT-%d-%03d", basic.Time(time.UTC).Year(), 17+i)}); err != nil {
				return nil, err
			}
			// Refreshers spread over the last two years, newest first.
			for j, h := range d.inService {
				when := yearsAgo(today, 0.2+float64(j)*0.6)
				if d.last == "Marchetti" {
					when = yearsAgo(today, 2.4)
				}
				if !basic.Before(when) {
					continue
				}
				if err := svc.Officers.AddTraining(op, &citdesk.TrainingRecord{OfficerID: o.ID, Kind: citdesk.CourseCITInService, Completed: when, Hours: h, Provider: "Jefferson County CIT in-service"}); err != nil {
					return nil, err
				}
			}
		}
		if d.onDuty != citdesk.StatusOffDuty {
			lat, lon := around(rng)
			if err := svc.Officers.SetStatus(op, &citdesk.StatusChange{OfficerID: o.ID, Status: d.onDuty, Lat: &lat, Lon: &lon}); err != nil {
				return nil, err
			}
		}
	}

	for _, u := range []struct {
		name, display string
		roles         []citdesk.Role
	}{
		{"admin", "Agency administrator", []citdesk.Role{citdesk.RoleAdmin}},
		{"dispatcher", "Dispatcher on duty", []citdesk.Role{citdesk.RoleDispatcher}},
		{"officer", "Ofc. James Whitfield", []citdesk.Role{citdesk.RoleOfficer}},
		{"coordinator", "CIT coordinator", []citdesk.Role{citdesk.RoleCoordinator}},
		{"liaison", "Community Mental Health Liaison", []citdesk.Role{citdesk.RoleLiaison}},
		{"analyst", "Crime analyst", []citdesk.Role{citdesk.RoleAnalyst}},
		{"sergeant", "Sgt. Maria Santos (A days)", []citdesk.Role{citdesk.RoleSupervisor}},
	} {
		user := &citdesk.User{Username: u.name, DisplayName: u.display, Roles: u.roles}
		if u.name == "officer" {
			user.OfficerID = &officerUserID
		}
		if err := svc.Users.CreateUser(op, user, password); err != nil {
			return nil, fmt.Errorf("user %s: %w", u.name, err)
		}
		res.Usernames = append(res.Usernames, u.name)
		if u.name == "liaison" && svc.Liaisons != nil {
			lat, lon := centreLat+0.004, centreLon-0.006 // the liaison's office, near the station
			if _, err := svc.Liaisons.SetLiaisonStatus(op, user.ID, citdesk.LiaisonAvailable, &lat, &lon); err != nil {
				return nil, fmt.Errorf("demo liaison on duty: %w", err)
			}
		}
		if u.name == "sergeant" {
			if err := superviseShift(op, svc.Officers, user.ID, "A days"); err != nil {
				return nil, err
			}
		}
	}
	if svc.Calls != nil {
		if err := seedCalls(op, svc.Calls, officerIDs[2], now); err != nil {
			return nil, err
		}
	}
	if err := seedEncounters(op, svc, officerIDs, now, today); err != nil {
		return nil, err
	}
	if svc.Addresses != nil {
		if _, err := svc.Addresses.ReplaceAddresses(op, Addresses()); err != nil {
			return nil, fmt.Errorf("demo addresses: %w", err)
		}
	}
	return res, nil
}

// superviseShift makes the supervisor userID the supervisor of every
// officer of shift, so the sergeant reviews their reports.
func superviseShift(op context.Context, officers citdesk.OfficerService, userID int64, shift string) error {
	list, err := officers.ListOfficers(op, citdesk.OfficerFilter{})
	if err != nil {
		return err
	}
	for _, o := range list {
		if o.Shift != shift {
			continue
		}
		o.SupervisorUserID = &userID
		if err := officers.UpdateOfficer(op, o); err != nil {
			return fmt.Errorf("supervisor of %s: %w", o.LastName, err)
		}
	}
	return nil
}

// seedCalls opens three invented calls so the board has something to show:
// a CIT-requested suicide threat waiting for an officer, a welfare check
// transferred from 988, and a disturbance Ofc. Kowalski is on scene at.
func seedCalls(op context.Context, calls citdesk.CallService, onScene int64, now time.Time) error {
	at := func(dlat, dlon float64) (*float64, *float64) {
		lat, lon := centreLat+dlat, centreLon+dlon
		return &lat, &lon
	}
	waiting := func(c *citdesk.Call, lat, lon *float64, ago time.Duration) *citdesk.Call {
		c.Lat, c.Lon, c.ReceivedAt = lat, lon, now.Add(-ago)
		return c
	}
	lat1, lon1 := at(0.006, -0.008)
	lat2, lon2 := at(-0.011, 0.012)
	lat3, lon3 := at(0.003, 0.017)
	list := []*citdesk.Call{
		waiting(&citdesk.Call{Source: citdesk.Source911, Emergency: true, Nature: "Suicide threat", Address: "400 block of S Main St",
			CallerRelationship: "adult daughter", SubjectDescription: "Man, late 50s, gray sweatshirt, on the front porch.",
			Risk:         citdesk.RiskScreen{Weapons: citdesk.RiskUnknown, Violence: citdesk.RiskNo, SuicideRisk: citdesk.RiskYes, Substances: citdesk.RiskYes, Medical: citdesk.RiskUnknown},
			CITRequested: true, Notes: "Says he has pills saved up. Calm but will not talk to family. Daughter asks for a CIT officer, no lights or sirens."}, lat1, lon1, 4*time.Minute),
		waiting(&citdesk.Call{Source: citdesk.Source988Transfer, Nature: "Welfare check", Address: "Apartment 2B, 1200 Vineland Rd",
			CallerRelationship: "988 counsellor", SubjectDescription: "Woman, 30s, lives alone.",
			Risk:  citdesk.RiskScreen{Weapons: citdesk.RiskNo, Violence: citdesk.RiskNo, SuicideRisk: citdesk.RiskUnknown, Substances: citdesk.RiskUnknown, Medical: citdesk.RiskYes},
			Notes: "Chat ended abruptly after she said she had stopped her medication. Not answering the phone."}, lat2, lon2, 11*time.Minute),
		waiting(&citdesk.Call{Source: citdesk.SourceNonEmergency, Nature: "Disturbance, disordered thinking", Address: "Laundromat, 700 N Main St",
			CallerRelationship: "store clerk",
			Risk:               citdesk.RiskScreen{Weapons: citdesk.RiskNo, Violence: citdesk.RiskUnknown, SuicideRisk: citdesk.RiskNo, Substances: citdesk.RiskUnknown, Medical: citdesk.RiskNo},
			Notes:              "Man shouting at customers about being followed; not touching anyone."}, lat3, lon3, 35*time.Minute),
	}
	for _, c := range list {
		if err := calls.CreateCall(op, c); err != nil {
			return fmt.Errorf("demo call %q: %w", c.Nature, err)
		}
	}
	a := &citdesk.Assignment{CallID: list[2].ID, OfficerID: onScene}
	if err := calls.CreateAssignment(op, a); err != nil {
		return fmt.Errorf("demo assignment: %w", err)
	}
	if _, err := calls.MoveAssignment(op, a.ID, a.Version, citdesk.AssignOnScene); err != nil {
		return fmt.Errorf("demo assignment: %w", err)
	}
	return nil
}

func yearsAgo(today citdesk.Date, years float64) citdesk.Date {
	return today.AddDate(0, 0, -int(math.Round(years*365.25)))
}

// around returns a point within about 3 km of De Soto's centre.
func around(rng *mrand.Rand) (float64, float64) {
	return centreLat + (rng.Float64()-0.5)*0.05, centreLon + (rng.Float64()-0.5)*0.06
}

// RefreshPositions re-reports the position of every on-duty officer, as a
// car's location feed would, so demo positions never go stale. It runs
// until ctx ends.
func RefreshPositions(ctx context.Context, officers citdesk.OfficerService, agencyID int64, every time.Duration) {
	op := citdesk.NewContextWithActor(ctx, citdesk.OperatorActor(agencyID))
	rng := mrand.New(mrand.NewPCG(3, 4))
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		list, err := officers.ListOfficers(op, citdesk.OfficerFilter{OnDuty: true})
		if err != nil {
			continue
		}
		for _, o := range list {
			if o.Duty == nil || o.Duty.Lat == nil {
				continue
			}
			lat := *o.Duty.Lat + (rng.Float64()-0.5)*0.002
			lon := *o.Duty.Lon + (rng.Float64()-0.5)*0.002
			officers.SetStatus(op, &citdesk.StatusChange{OfficerID: o.ID, Status: o.Duty.Status, Lat: &lat, Lon: &lon})
		}
	}
}
