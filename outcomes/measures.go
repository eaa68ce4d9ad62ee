package outcomes

// The rate measures, in the order the dashboard shows them. Each one's
// numerator and denominator are defined on its line of measureDefs; the
// package documentation repeats them in words.
const (
	mEncounters = iota
	mUseOfForce
	mPersonInjuries
	mOfficerInjuries
	mDeaths
	mArrests
	mEmergencyDetentions
	mDiversions
	mEndingInCare
	mVeterans
	mCITOfficer
	mCITRequested
	mCITDispatched
	mCITOnScene
	mOnlineRequests
	mReportsSubmitted24h
	mReportsApproved7d
	mResponseCIT
	mResponseCoResponse
	mResponse988
	mResponsePatrol
	mResponseEMS
	mWithoutPolice
	mTransfers988
	mTransfersReturned
	mTransfersRepeat24h
	mCoResponses
	mCITMetCoResponse
	numEncounterMeasures // measures filled by the pass over encounters end here

	mRepeat30 = iota - 1
	mRepeat90
	mRepeat365
	mReferrals
	mReferralsContacted72h
	mReferralsConnected
	mSurveyResponses
	// Community dissent (issue 16): complaints and commendations. The
	// rates' denominators are summed in the pass over encounters, their
	// counts from the complaint records (countComplaints).
	mComplaints
	mComplaintsSustained
	mCommendations
	mComplaintsReceived
	mCommendationsReceived
	numMeasures
)

// measureDef describes one rate measure: its names, and the words of its
// sentence, "<count> of <denominator> <den> <num>, <rate>, 95% CI <lo>–<hi>".
type measureDef struct {
	id, label string
	unit      Unit
	den       string // the denominator as a plural noun phrase
	num       string // what the counted ones did, as a predicate
	one       string // for a count: the singular noun ("encounter")
	noSplit   bool   // no CIT split at all (cit_officer is the split)
	// splitIdle marks a split that is computed (the API and CSV carry it)
	// but says nothing about how CIT officers do, so no page shows it:
	// the CIT request measures. A CIT officer on the call is what
	// cit_dispatched and cit_on_scene count, so their CIT side is 100% and
	// the other 0% by construction; cit_requested split by who responded
	// measures the dispatcher's choice, not the officers.
	splitIdle bool
}

// splitMeans reports whether the measure's CIT split means something.
func (d measureDef) splitMeans() bool { return !d.noSplit && !d.splitIdle }

// SplitMeaningful reports whether measure id's CIT split (CIT-certified
// against other officers) says anything about how CIT officers do; pages
// show the split only where it does. This is the one place that decides
// (see measureDefs); false for an unknown id.
func SplitMeaningful(id string) bool {
	for _, d := range measureDefs {
		if d.id == id {
			return d.splitMeans()
		}
	}
	return false
}

var measureDefs = [numMeasures]measureDef{
	mEncounters:          {id: "encounters", label: "Encounters", unit: UnitCount, one: "encounter", den: "encounters"},
	mUseOfForce:          {id: "use_of_force", label: "Use of force per 100 encounters", unit: UnitPer100, den: "encounters with force recorded", num: "involved physical force or more"},
	mPersonInjuries:      {id: "person_injuries", label: "Injuries to the person per 100 encounters", unit: UnitPer100, den: "encounters with the person's injuries recorded", num: "left the person injured"},
	mOfficerInjuries:     {id: "officer_injuries", label: "Officer injuries per 100 encounters", unit: UnitPer100, den: "encounters with officer injuries recorded", num: "left an officer injured"},
	mDeaths:              {id: "deaths", label: "Deaths per 100 encounters", unit: UnitPer100, den: "encounters with injuries recorded", num: "ended in a death"},
	mArrests:             {id: "arrests", label: "Arrests per 100 encounters", unit: UnitPer100, den: "encounters with a disposition recorded", num: "ended in arrest"},
	mEmergencyDetentions: {id: "emergency_detentions", label: "Emergency detentions per 100 encounters", unit: UnitPer100, den: "encounters with a disposition recorded", num: "ended in emergency detention"},
	mDiversions:          {id: "diversions", label: "Diversion rate", unit: UnitPercent, den: "encounters with a disposition recorded", num: "were diverted to care or resolved without arrest, citation or detention"},
	mEndingInCare:        {id: "ending_in_care", label: "Encounters ending in care", unit: UnitPercent, den: "encounters with a disposition recorded", num: "ended in care (transport, detention or a referral connected to care)"},
	mVeterans:            {id: "veterans", label: "Encounters with veterans", unit: UnitPercent, den: "encounters with veteran status recorded", num: "were with a veteran"},
	mCITOfficer:          {id: "cit_officer", label: "Encounters handled by a CIT-certified officer", unit: UnitPercent, den: "encounters with the officer's certification known", num: "were handled by a CIT-certified officer", noSplit: true},
	mCITRequested:        {id: "cit_requested", label: "Calls where a CIT officer was requested", unit: UnitPercent, den: "calls with the request recorded", num: "asked for a CIT officer", splitIdle: true},
	mCITDispatched:       {id: "cit_dispatched", label: "CIT officer dispatched when requested", unit: UnitPercent, den: "CIT-requested calls", num: "got a CIT officer dispatched", splitIdle: true},
	mCITOnScene:          {id: "cit_on_scene", label: "CIT officer on scene when requested", unit: UnitPercent, den: "CIT-requested calls", num: "got a CIT officer on scene", splitIdle: true},
	mOnlineRequests:      {id: "online_requests", label: "Encounters from online requests", unit: UnitPercent, den: "encounters", num: "came from the online request form"},
	mReportsSubmitted24h: {id: "reports_submitted_24h", label: "Reports submitted within 24 hours", unit: UnitPercent, den: "reports due", num: "were submitted within 24 hours"},
	mReportsApproved7d:   {id: "reports_approved_7d", label: "Reports approved within 7 days", unit: UnitPercent, den: "submitted reports", num: "were approved within 7 days of submission"},
	// The response paths (issue 16): citdesk's own calls by the response
	// the dispatcher chose, over calls with one recorded. A call has no
	// officer's certification, so the split is idle.
	mResponseCIT:        {id: "response_cit", label: "Calls answered by a CIT officer", unit: UnitPercent, den: "calls with a response recorded", num: "were answered by a CIT officer", splitIdle: true},
	mResponseCoResponse: {id: "response_co_response", label: "Calls answered by co-response (CIT officer and liaison)", unit: UnitPercent, den: "calls with a response recorded", num: "were answered by a CIT officer with the liaison", splitIdle: true},
	mResponse988:        {id: "response_988", label: "Calls transferred to 988 or mobile crisis", unit: UnitPercent, den: "calls with a response recorded", num: "were transferred to 988 or mobile crisis, with no police", splitIdle: true},
	mResponsePatrol:     {id: "response_patrol", label: "Calls answered by patrol", unit: UnitPercent, den: "calls with a response recorded", num: "were answered by patrol", splitIdle: true},
	mResponseEMS:        {id: "response_ems", label: "Calls answered by EMS", unit: UnitPercent, den: "calls with a response recorded", num: "were answered by EMS", splitIdle: true},
	mWithoutPolice:      {id: "response_without_police", label: "Mental-health calls answered without police", unit: UnitPercent, den: "mental-health calls with a response recorded", num: "were answered without police (988, mobile crisis or EMS)", splitIdle: true},
	// 988 and mobile crisis transfers (issue 16): calls transferred, the
	// share the crisis line returned to 911, and the share of accepted
	// ones followed by a 911 call about the same person within 24 hours.
	mTransfers988:       {id: "transfers_988", label: "Calls transferred to 988 or mobile crisis", unit: UnitCount, one: "transferred call", den: "transferred calls", splitIdle: true},
	mTransfersReturned:  {id: "transfers_988_returned", label: "Transfers to 988 or mobile crisis returned to 911", unit: UnitPercent, den: "transfers to 988 or mobile crisis", num: "were returned to 911 by the crisis line", splitIdle: true},
	mTransfersRepeat24h: {id: "transfers_988_repeat_24h", label: "Accepted transfers followed by a 911 call within 24 hours", unit: UnitPercent, den: "transfers accepted by 988 or mobile crisis", num: "were followed by a 911 call about the same person within 24 hours", splitIdle: true},
	// Co-response as a resource (issue 16, item 2): citdesk's own settled
	// calls the liaison reached (on scene), and the "if available" gap
	// when the liaison on scene counts as meeting a CIT request.
	mCoResponses:      {id: "co_responses", label: "Co-responses: calls the liaison reached", unit: UnitCount, one: "co-response", den: "co-responses", splitIdle: true},
	mCITMetCoResponse: {id: "cit_met_with_co_response", label: "CIT request met, counting co-response", unit: UnitPercent, den: "CIT-requested calls", num: "got a CIT officer dispatched or the liaison on scene", splitIdle: true},

	mRepeat30:              {id: "repeat_contacts_30d", label: "People with another encounter within 30 days", unit: UnitPercent, den: "people met", num: "had another encounter within 30 days"},
	mRepeat90:              {id: "repeat_contacts_90d", label: "People with another encounter within 90 days", unit: UnitPercent, den: "people met", num: "had another encounter within 90 days"},
	mRepeat365:             {id: "repeat_contacts_365d", label: "People with another encounter within 365 days", unit: UnitPercent, den: "people met", num: "had another encounter within 365 days"},
	mReferrals:             {id: "referrals", label: "Referrals to the Mental Health Liaison", unit: UnitCount, one: "referral", den: "referrals"},
	mReferralsContacted72h: {id: "referrals_contacted_72h", label: "Referrals contacted within 72 hours", unit: UnitPercent, den: "referrals due for contact", num: "were contacted within 72 hours"},
	mReferralsConnected:    {id: "referrals_connected", label: "Referrals connected to care", unit: UnitPercent, den: "referrals", num: "were connected to care"},
	mSurveyResponses:       {id: "survey_responses", label: "Referrals with a satisfaction survey", unit: UnitPercent, den: "referrals", num: "have a satisfaction survey"},

	// Community dissent: encounters that drew a complaint (a commendation)
	// linked to them, over every encounter, dated and split by the
	// encounter; an encounter with two complaints counts once, so the rate
	// is a share with an interval like the others. The counts are every
	// complaint (commendation) received in the range, linked or not.
	mComplaints:            {id: "complaints", label: "Complaints per 100 encounters", unit: UnitPer100, den: "encounters", num: "drew a complaint"},
	mComplaintsSustained:   {id: "complaints_sustained", label: "Sustained complaints per 100 encounters", unit: UnitPer100, den: "encounters", num: "drew a complaint closed as sustained"},
	mCommendations:         {id: "commendations", label: "Commendations per 100 encounters", unit: UnitPer100, den: "encounters", num: "drew a commendation"},
	mComplaintsReceived:    {id: "complaints_received", label: "Complaints received", unit: UnitCount, one: "complaint", den: "complaints"},
	mCommendationsReceived: {id: "commendations_received", label: "Commendations received", unit: UnitCount, one: "commendation", den: "commendations"},
}

// The duration measures.
const (
	dReceivedToDispatched = iota
	dDispatchedToOnScene
	dReceivedToOnScene
	dHandover
	numDurations
)

var durationDefs = [numDurations]struct{ id, label, what string }{
	dReceivedToDispatched: {"received_to_dispatched", "Call received to dispatched", "from call received to dispatch"},
	dDispatchedToOnScene:  {"dispatched_to_on_scene", "Dispatched to on scene", "from dispatch to on scene"},
	dReceivedToOnScene:    {"received_to_on_scene", "Call received to on scene", "from call received to on scene"},
	dHandover:             {"handover", "Hand-over time at the receiving facility", "to hand the person over to care"},
}

// The survey means.
const (
	sRespect = iota
	sSafety
	sHelp
	numSurveyQuestions
)

var surveyDefs = [numSurveyQuestions]struct{ id, label, what string }{
	sRespect: {"survey_respect", "Treated with respect (1–5)", "being treated with respect"},
	sSafety:  {"survey_safety", "Felt safe (1–5)", "feeling safe"},
	sHelp:    {"survey_help", "Got the help needed (1–5)", "getting the help needed"},
}

// MeasureIDs returns the ids of the rate and count measures, in the order
// the dashboard shows them.
func MeasureIDs() []string {
	ids := make([]string, numMeasures)
	for i, d := range measureDefs {
		ids[i] = d.id
	}
	return ids
}

// DurationIDs returns the ids of the duration measures.
func DurationIDs() []string {
	ids := make([]string, numDurations)
	for i, d := range durationDefs {
		ids[i] = d.id
	}
	return ids
}

// MeanIDs returns the ids of the survey means.
func MeanIDs() []string {
	ids := make([]string, numSurveyQuestions)
	for i, d := range surveyDefs {
		ids[i] = d.id
	}
	return ids
}
