// Package outcomes computes the CIT program's measures: one figure for each
// promise the department makes (access to care, fewer injuries and deaths,
// fewer arrests through diversion, fewer repeat crises, coverage, citizen
// confidence, cooperation with mental-health services, accountability,
// satisfaction, officer safety), each as a count over a denominator with a
// Wilson 95% interval, by month, and split by whether the responding officer
// was CIT certified, each side with its own interval so nobody reads a
// difference the data cannot carry. It also suppresses small counts for the
// public dashboard and invents realistic histories for demos.
//
// The package is pure: it takes plain values (Encounter, which is a report
// or, for the CIT measures, one of citdesk's own calls; Referral) and
// returns plain values (Report). It owns the translation from citdesk's
// encounter vocabulary to those values (ForceLevelOf, InjuryOf, …) and the
// in-memory snapshot of each agency's records behind Service
// (NewCachedService); the store only reads rows for it (Loader), and the
// web layer serves the Report as JSON.
//
// # Definitions
//
// Every measure counts records whose date, in the agency's time zone, is in
// the range (records of unknown date only when the range is all time, and
// then in the total, never in a month). A field that is unknown (the zero
// value: imported history often lacks injuries or dispositions) takes the
// record out of the denominators that need it; unknown is never read as no.
// "Per 100 encounters" counts each encounter once however many people were
// hurt, so it is the percentage of encounters. A month or quarter that the
// range, or today, cuts short is marked Partial: its figures are the
// period so far, which a chart draws as such rather than as a fall.
// Report.DataFirst and DataLast name the first and last periods of the
// range that hold any record, so a chart of a six-year range over one
// year of history spans that year.
//
// A record's time may be known only to the day, month or year (imported
// open data: Encounter.Precision). It counts in its month (a year-only
// record in no month, only in the totals), and is in a range only when
// its whole month or year is. The figures that need more leave it out
// and count it in Cell.Imprecise, which the measure's sentence repeats:
// repeat contacts need the day, the 24-hour report deadline the hour.
//
// Dispositions: citdesk's own reports answer every one (each not listed
// did not happen). A record that answers only some, one yes/no column
// each (Encounter.DispositionsKnown), counts in a disposition measure
// when its answers decide it: a "no" is a known negative and is in the
// denominator, an unanswered disposition is unknown and is not.
//
//   - encounters: the number of encounters (a count; no rate).
//   - use_of_force: encounters with force physical or above (physical,
//     less-lethal, lethal; verbal commands are not force) per 100 encounters
//     with force recorded.
//   - person_injuries: encounters where the person was injured (minor,
//     serious or fatal) per 100 encounters with the person's injury recorded.
//   - officer_injuries: the same for officers (the officer-safety promise).
//   - deaths: encounters in which the person or an officer died, per 100
//     encounters with both injury fields recorded (or a death recorded).
//   - arrests: encounters with an arrest among their dispositions, per 100
//     encounters with at least one disposition (or, answering only some,
//     whose arrest is answered yes or no).
//   - emergency_detentions: the same for emergency (civil) detention.
//   - diversions: encounters with at least one of resolved on scene,
//     referred to the liaison, voluntary transport or resources offered, and
//     none of arrest, citation or emergency detention, over encounters with
//     a disposition. Detention is involuntary, so it is not diversion, even
//     though it ends in care; resources declined alone is not diversion.
//   - ending_in_care: encounters ending in voluntary transport or emergency
//     detention, or whose referral was connected to care, over encounters
//     with a disposition (or a connected referral).
//   - veterans: encounters with a veteran, over encounters with veteran
//     status recorded.
//   - cit_officer: encounters whose reporting officer was CIT certified at
//     the time, over encounters where that is known (no CIT split: it is the
//     split).
//   - cit_requested: calls where a CIT officer was requested, over calls
//     with the request recorded; by month, the citizen-confidence trend.
//     These three measures and the no-CIT reasons count calls, not
//     reports: citdesk's own calls once settled (Encounter.CallOnly, dated
//     when the call came in), whether or not a report was filed on them,
//     plus imported history, whose reports carry the call's answers. A
//     report on one of citdesk's own calls does not count again.
//   - cit_dispatched: CIT-requested calls that got a CIT officer dispatched,
//     over CIT-requested calls with dispatch recorded. The "if available"
//     gap is the rest; Report.NoCITReasons gives its recorded reasons.
//   - cit_on_scene: CIT-requested calls with a CIT officer on scene, over
//     CIT-requested calls with arrival recorded.
//
// The CIT split of cit_requested, cit_dispatched and cit_on_scene is
// computed but means nothing (SplitMeaningful), so pages do not show it.
// Their drill-down (Behind) lists the calls and imported reports they
// count, a call by its call id.
//   - online_requests: encounters from the public online request form, over
//     all encounters.
//   - reports_submitted_24h: reports submitted by their deadline
//     (ReportDue, or 24 hours after the encounter when not set), over reports
//     whose deadline has passed at Params.Now or that were submitted.
//   - reports_approved_7d: submitted reports approved within 7 days of
//     submission, over submitted reports approved or 7 days old at Now.
//   - response_cit, response_co_response, response_988, response_patrol,
//     response_ems (issue 16): citdesk's own settled calls answered by that
//     response (the one the dispatcher chose, Encounter.Response), over
//     settled calls with a response recorded; dated when the call came in.
//     response_without_police: mental-health calls (MentalHealth yes)
//     answered by 988 / mobile crisis or EMS, over mental-health calls with
//     a response recorded. Reports do not carry a response, so imported
//     history does not count here. Their CIT split is idle (a call has no
//     officer's certification) and their drill-down lists the calls.
//   - transfers_988 (a count), transfers_988_returned and
//     transfers_988_repeat_24h (issue 16): citdesk's own settled calls with
//     a transfer to 988 or mobile crisis recorded (Encounter.Transfer);
//     those the crisis line returned to 911, over transfers; those
//     accepted and followed by a 911 call about the same person within 24
//     hours of the transfer (the store decides "same person",
//     citdesk.SamePerson), over accepted transfers. Dated when the call
//     came in; split idle; the drill-down lists the calls.
//   - co_responses (issue 16, item 2): a count of citdesk's own settled
//     calls the Mental Health Liaison reached (a liaison sent to the call
//     marked on scene, Encounter.LiaisonOnScene), whatever response was
//     recorded; dated when the call came in.
//   - cit_met_with_co_response: the "if available" gap with co-response
//     counted as meeting a CIT request: CIT-requested settled calls that got
//     a CIT officer dispatched or the liaison on scene, over the
//     CIT-requested calls cit_dispatched counts. Its difference from
//     cit_dispatched is the share of requests met only by the liaison (a
//     co-response with a non-CIT officer). Calls only, so imported history
//     does not count here.
//   - repeat_contacts_30d, _90d, _365d: people (known person, dated
//     encounter) with an encounter in the range followed by another of theirs
//     in the range no more than 30, 90 or 365 calendar days later, over the
//     distinct people met in the range. By month (and in the CIT split), the
//     people with an encounter in that month (with that kind of officer),
//     and those of them for whom such an encounter was followed within the
//     window. A short range cannot see a long window's repeats.
//   - referrals: referrals to the Mental Health Liaison created in the range
//     (a count).
//   - referrals_contacted_72h: referrals first contacted within 72 hours of
//     creation, over referrals contacted or 72 hours old at Now.
//   - referrals_connected: referrals connected to care, over all referrals.
//   - survey_responses: referrals with a satisfaction survey, over all
//     referrals.
//   - complaints, complaints_sustained, commendations (issue 16, community
//     dissent): encounters that drew at least one complaint (a complaint
//     closed as sustained; a commendation) linked to their report, over
//     every encounter, "per 100 encounters"; dated and split by the
//     encounter (its date, its officer's certification), so an encounter
//     counted is in its own denominator and an encounter with two
//     complaints counts once. A complaint not linked to a report, or linked
//     to one not counted (a draft), is in no rate. The denominator is every
//     encounter of the range, imported history included: choose a range
//     after the agency began recording complaints in citdesk.
//   - complaints_received, commendations_received: every one received in
//     the range, linked or not, by the day it was received (counts); split
//     by the linked report's officer, neither side when none is linked.
//     Complaints come as a slice of their own (Complaint, ComputeAll),
//     not in the encounter record.
//
// Durations (median and 90th percentile, in seconds, with their counts):
// received_to_dispatched, dispatched_to_on_scene and received_to_on_scene
// over encounters with both times (pairs in the wrong order are counted as
// Invalid and left out), and handover, the minutes from arrival at the
// receiving facility to custody accepted. Means: survey_respect,
// survey_safety and survey_help, the mean 1–5 score of the answers given
// and how many there were.
//
// # Speed
//
// The dashboard recomputes every measure from the encounters on each
// request; there is no incremental rollup, because one pass is fast enough
// (the requirement is 300 ms for a million encounters on the 2-core
// development machine) and a rollup kept current on write would have to be
// kept right through corrections, re-imports and changes of definition.
// Compute makes one streaming pass over the encounters, split among the
// cores when there are many, into per-(month, CIT) accumulator rows
// allocated ahead (each encounter adds to one row; totals, the split and
// the months are sums of rows at the end); it turns instants into local
// days through a table of the zone's transitions rather than time.In; it
// finds exact percentiles with per-second histograms rather than sorting;
// and it counts repeat contacts by radix sorting packed (person, day) keys,
// side by side with the durations. Working memory is pooled between calls.
// BenchmarkCompute gives the figures (go test ./outcomes -bench Compute):
// about 2.5 ms for 10,000 encounters, 18 ms for 100,000 and 135 ms for
// 1,000,000 on an idle machine.
package outcomes
