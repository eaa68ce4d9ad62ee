package outcomes

import "citdesk"

// This file is the one place citdesk's encounter and referral vocabulary
// (package citdesk's string enums, as reports and imports hold them) turns
// into this package's compact inputs and back. The store and the demo call
// these functions rather than mapping by hand, so a level or disposition
// added to citdesk is caught by this package's test instead of silently
// read as unknown in one place and not another.

// TriOfKnown returns TriOf(b) when known, else Unknown: the shape of a
// nullable column or of a value stored beside a "known" flag.
func TriOfKnown(b, known bool) Tri {
	if !known {
		return Unknown
	}
	return TriOf(b)
}

// Ptr returns t as citdesk records an optional yes/no (a
// HistoricalEncounter's *bool): nil when unknown.
func (t Tri) Ptr() *bool {
	if t == Unknown {
		return nil
	}
	b := t == Yes
	return &b
}

// PrecisionOf returns the precision of a citdesk time precision; ""
// and anything unrecognized are PrecisionFull, as every record citdesk
// writes itself is.
func PrecisionOf(p citdesk.TimePrecision) Precision {
	switch p {
	case citdesk.PrecisionYear:
		return PrecisionYear
	case citdesk.PrecisionMonth:
		return PrecisionMonth
	case citdesk.PrecisionDay:
		return PrecisionDay
	case citdesk.PrecisionHour:
		return PrecisionHour
	case citdesk.PrecisionMinute:
		return PrecisionMinute
	}
	return PrecisionFull
}

// ForceLevelOf returns the level of a citdesk force level; "" (history that
// did not record it) and anything unrecognized are ForceUnknown, never
// ForceNone.
func ForceLevelOf(f citdesk.ForceLevel) ForceLevel {
	switch f {
	case citdesk.ForceNone:
		return ForceNone
	case citdesk.ForceVerbal:
		return ForceVerbal
	case citdesk.ForcePhysical:
		return ForcePhysical
	case citdesk.ForceLessLethal:
		return ForceLessLethal
	case citdesk.ForceLethal:
		return ForceLethal
	}
	return ForceUnknown
}

// citdeskForce is the reverse of ForceLevelOf.
var citdeskForce = [...]citdesk.ForceLevel{
	ForceNone:       citdesk.ForceNone,
	ForceVerbal:     citdesk.ForceVerbal,
	ForcePhysical:   citdesk.ForcePhysical,
	ForceLessLethal: citdesk.ForceLessLethal,
	ForceLethal:     citdesk.ForceLethal,
}

// Citdesk returns f as citdesk records it: "" when unknown, which a
// historical encounter stores as not recorded.
func (f ForceLevel) Citdesk() citdesk.ForceLevel {
	if int(f) < len(citdeskForce) {
		return citdeskForce[f]
	}
	return ""
}

// InjuryOf returns the level of a citdesk injury level; "" and anything
// unrecognized are InjuryUnknown, never InjuryNone.
func InjuryOf(i citdesk.InjuryLevel) Injury {
	switch i {
	case citdesk.InjuryNone:
		return InjuryNone
	case citdesk.InjuryMinor:
		return InjuryMinor
	case citdesk.InjurySerious:
		return InjurySerious
	case citdesk.InjuryFatal:
		return InjuryFatal
	}
	return InjuryUnknown
}

// citdeskInjury is the reverse of InjuryOf.
var citdeskInjury = [...]citdesk.InjuryLevel{
	InjuryNone:    citdesk.InjuryNone,
	InjuryMinor:   citdesk.InjuryMinor,
	InjurySerious: citdesk.InjurySerious,
	InjuryFatal:   citdesk.InjuryFatal,
}

// Citdesk returns i as citdesk records it: "" when unknown.
func (i Injury) Citdesk() citdesk.InjuryLevel {
	if int(i) < len(citdeskInjury) {
		return citdeskInjury[i]
	}
	return ""
}

// DispositionOf returns the disposition of a citdesk disposition, and
// false for one this package does not know (it is then left out of the
// set, as the store always has). A switch rather than ParseDisposition:
// the store calls it for every disposition of every encounter on a full
// load, and stored names need no case folding.
func DispositionOf(d citdesk.Disposition) (Disposition, bool) {
	switch d {
	case citdesk.DispResolvedOnScene:
		return ResolvedOnScene, true
	case citdesk.DispResourcesOffered:
		return ResourcesOffered, true
	case citdesk.DispResourcesDeclined:
		return ResourcesDeclined, true
	case citdesk.DispReferredToLiaison:
		return ReferredToLiaison, true
	case citdesk.DispVoluntaryTransport:
		return VoluntaryTransport, true
	case citdesk.DispEmergencyDetention:
		return EmergencyDetention, true
	case citdesk.DispArrest:
		return Arrest, true
	case citdesk.DispCitation:
		return Citation, true
	case citdesk.DispNoActionPossible:
		return NoActionPossible, true
	case citdesk.DispUnableToLocate:
		return UnableToLocate, true
	}
	return 0, false
}

// Citdesk returns d as citdesk names it ("" for a value out of range).
// The names are the same strings (dispositionNames), which the round-trip
// test holds to.
func (d Disposition) Citdesk() citdesk.Disposition {
	if d < numDispositions {
		return citdesk.Disposition(dispositionNames[d])
	}
	return ""
}

// Citdesk returns the dispositions in s as citdesk lists them on a
// report, in order; nil for the empty (unknown) set.
func (s Dispositions) Citdesk() []citdesk.Disposition {
	var ds []citdesk.Disposition
	for d := Disposition(0); d < numDispositions; d++ {
		if s.Has(d) {
			ds = append(ds, d.Citdesk())
		}
	}
	return ds
}

// ReferralConnectedOf reports whether a referral with citdesk status and
// outcome reached care: it is at connected_to_care, or was closed with that
// outcome (a closed referral keeps its outcome apart from its status).
func ReferralConnectedOf(status, outcome citdesk.ReferralStatus) bool {
	return status == citdesk.ReferralConnected || outcome == citdesk.ReferralConnected
}

// NoCITReasonOf returns the words an Encounter carries for a recorded
// no-CIT reason code (citdesk.NoCITReasonLabel: the figures name a reason
// as the dispatch board does). "" stays "", counted as not recorded.
func NoCITReasonOf(code string) string { return citdesk.NoCITReasonLabel(code) }

// NoCITReasonCode returns the citdesk code for an Encounter's no-CIT reason
// words: the words NoCITReasonOf gives, or those Synthesize invents for the
// same reasons. It returns false for words with no code (the demo records
// those as citdesk.NoCITOther).
func NoCITReasonCode(reason string) (string, bool) {
	for _, r := range citdesk.NoCITReasons {
		if reason == NoCITReasonOf(r.Code) {
			return r.Code, true
		}
	}
	if code, ok := synthNoCITCodes[reason]; ok {
		return code, true
	}
	return "", false
}
