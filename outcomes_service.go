package citdesk

import (
	"context"
	"slices"
	"time"
)

// Outcomes (issue 6): who sees the figures, and how history gets in.
//
// The service that computes the figures is outcomes.Service, in the
// outcomes package rather than here: its values (outcomes.Report, …) are
// outcomes types, and package outcomes imports this one (for Date), so
// this package cannot name them.

// OutcomeRoles may see the outcome dashboards, the monthly report and the
// API's aggregate figures: command staff (admin), analysts and the CIT
// coordinator.
var OutcomeRoles = []Role{RoleAnalyst, RoleAdmin, RoleCoordinator}

// OutcomeDrillRoles may also list the encounters behind a figure (ids,
// dates, dispositions; never names or narratives). Analysts see aggregates
// only: the coordinator reviews every report and the admin runs the
// agency, but an analyst has no need to pick out single encounters.
var OutcomeDrillRoles = []Role{RoleCoordinator, RoleAdmin}

// HistoryRoles may import history and edit the disposition mapping.
var HistoryRoles = []Role{RoleAdmin, RoleCoordinator}

// HistoricalEncounter is one past contact report brought into citdesk from
// another system (an agency's records, an open-data file) or invented for
// a demo. Every field that history may lack has an unknown value (nil, "",
// zero time, empty slice), stored as unknown and never read as "no".
//
// Imported reports are stored as approved reports of the source's history
// officer: one inactive officer record per source ("Imported history
// (seattle-crisis)"), since the source's officers are not citdesk users and
// putting hundreds of them on the roster would bury the real one. The
// source's own officer id is kept as text in OfficerExternalID.
type HistoricalEncounter struct {
	// ExternalID is the record's id in the source; with the source it
	// makes re-import an update, never a duplicate.
	ExternalID string
	Line       int // the line of the source file it came from, for errors

	OccurredAt time.Time // zero when unknown (undated history)
	// OccurredPrecision is how much of OccurredAt the source gave: an
	// open-data file that gives only the year and month is stored at the
	// first of the month with PrecisionMonth, and the figures that need
	// the day leave it out. "" is PrecisionFull.
	OccurredPrecision TimePrecision
	// ReportedAt is when the report was written, if known. For imported
	// history it is stored as the submission time.
	ReportedAt time.Time

	// OfficerID is a citdesk officer (the demo's); 0 means the source's
	// history officer, with OfficerExternalID the source's id.
	OfficerID         int64
	OfficerExternalID string
	OfficerCIT        *bool // the officer was CIT certified at the time

	Force         ForceLevel  // "" unknown; history that says only "force used" gives physical, the lowest level counted as force
	InjuryPerson  InjuryLevel // "" unknown
	InjuryOfficer InjuryLevel // "" unknown
	Dispositions  []Disposition
	// DispositionsPartial says the source answers only some dispositions,
	// one yes/no column each (an open-data file's flags): Dispositions are
	// those answered yes, DispositionsNo those answered no (known
	// negatives, which count in the denominators), and every other
	// disposition is unknown. Otherwise Dispositions is the whole answer:
	// each one not listed did not happen (when any is listed).
	DispositionsPartial bool
	DispositionsNo      []Disposition
	Veteran             *bool
	CITRequested        *bool
	CITDispatched       *bool
	CITArrived          *bool

	HandoverMinutes *int

	// PersonExternalID identifies the person in the source, so repeat
	// contacts can be counted; "" when not recorded. PersonFirst and
	// PersonLast are names for the demo's invented people; imports leave
	// them blank.
	PersonExternalID        string
	PersonFirst, PersonLast string

	// Review: Status "" means approved, as history is. SubmittedAt and
	// ApprovedAt are the review's times when known (the demo's); an
	// approved report without ApprovedAt has an unknown review history and
	// is left out of the accountability measures.
	Status      EncounterStatus
	SubmittedAt *time.Time
	ApprovedAt  *time.Time

	Call     *HistoricalCall     // the call behind it, when the source has one
	Referral *HistoricalReferral // its referral to the liaison, when it had one
}

// TimePrecision is how precisely a time is known: the finest part of the
// date and time the source gave.
type TimePrecision string

// The precisions of a time, coarsest first.
const (
	PrecisionYear   TimePrecision = "year"
	PrecisionMonth  TimePrecision = "month"
	PrecisionDay    TimePrecision = "day"
	PrecisionHour   TimePrecision = "hour"
	PrecisionMinute TimePrecision = "minute"
	PrecisionFull   TimePrecision = "full" // a whole timestamp: citdesk's own records
)

// TimePrecisions lists every precision, coarsest first.
var TimePrecisions = []TimePrecision{PrecisionYear, PrecisionMonth, PrecisionDay, PrecisionHour, PrecisionMinute, PrecisionFull}

// Valid reports whether p is one of TimePrecisions ("" is not).
func (p TimePrecision) Valid() bool { return slices.Contains(TimePrecisions, p) }

// HistoricalCall is the call behind a historical encounter, with the times
// the response-time measures need. It is stored as a closed call with one
// cleared assignment of the encounter's officer.
type HistoricalCall struct {
	Source       CallSource
	ReceivedAt   time.Time
	DispatchedAt time.Time
	OnSceneAt    time.Time // zero when the unit never arrived
	ClearedAt    time.Time
	CITRequested bool
	NoCITReason  string // a NoCIT… code when CIT was requested and a non-CIT officer went
}

// HistoricalReferral is a historical encounter's referral to the Mental
// Health Liaison. It needs the encounter's person.
type HistoricalReferral struct {
	CreatedAt      time.Time
	FirstContactAt time.Time // zero when never contacted
	Status         ReferralStatus
	Outcome        ReferralStatus
	ClosedAt       time.Time
	Survey         *Survey
}

// HistoryResult says what an import did.
type HistoryResult struct {
	Created   int // new encounters
	Updated   int // encounters already imported whose values changed
	Unchanged int // encounters already imported, identical
	Persons   int // new person records
	Rejected  []HistoryRejection
}

// HistoryRejection is a record the store refused, with why.
type HistoryRejection struct {
	Line       int
	ExternalID string
	Reason     string
}

// HistoryService brings past encounters into citdesk and keeps each
// agency's mapping from a source's dispositions to citdesk's.
type HistoryService interface {
	// ImportHistory saves records from source (a short name such as
	// "seattle-crisis"; not "citdesk"), keyed on (agency, source,
	// external id): a record seen before is updated when its values
	// changed and left alone when not, so importing a file twice adds
	// nothing. It writes in batches of multi-row INSERTs, a transaction
	// per few thousand records; progress, when not nil, is called after
	// each batch with the records done so far. Admins and coordinators.
	ImportHistory(ctx context.Context, source string, recs []HistoricalEncounter, progress func(done int)) (HistoryResult, error)
	// DispositionMap returns the agency's mapping of source's dispositions
	// to citdesk's disposition names ("" for "no citdesk disposition"),
	// and false when the agency has none for source yet.
	DispositionMap(ctx context.Context, source string) (map[string]string, bool, error)
	// SaveDispositionMap replaces the agency's mapping for source.
	SaveDispositionMap(ctx context.Context, source string, m map[string]string) error
	// ImportStatusHistory adds past duty status changes of the agency's
	// officers (each with its At, all before now) to the status history
	// the coverage measures read, in batched multi-row INSERTs, with one audit
	// event per batch rather than one per change. Officers' current status is left alone. It
	// returns how many changes it added. Admins and coordinators.
	ImportStatusHistory(ctx context.Context, changes []StatusChange) (int, error)
}
