package citdesk

// CITStatus is an officer's derived CIT certification status.
type CITStatus string

// CIT statuses.
const (
	CITCertified  CITStatus = "certified"   // completed the 40-hour course and current on refreshers
	CITExpiring   CITStatus = "expiring"    // certified, but lapses within the agency's warning window
	CITLapsed     CITStatus = "lapsed"      // completed the course but not current on refreshers
	CITNotTrained CITStatus = "not_trained" // never completed the 40-hour course
)

// Valid reports whether s is a known status.
func (s CITStatus) Valid() bool {
	switch s {
	case CITCertified, CITExpiring, CITLapsed, CITNotTrained:
		return true
	}
	return false
}

// Certified reports whether an officer with status s counts as CIT
// certified today (expiring still counts).
func (s CITStatus) Certified() bool { return s == CITCertified || s == CITExpiring }

// Label returns the status in words.
func (s CITStatus) Label() string {
	switch s {
	case CITCertified:
		return "CIT certified"
	case CITExpiring:
		return "CIT expiring"
	case CITLapsed:
		return "CIT lapsed"
	case CITNotTrained:
		return "Not CIT trained"
	}
	return string(s)
}

// CITStanding is an officer's CIT status on a given day, the date it next
// changes (or changed, for a lapse), and why, in words a coordinator can act on.
type CITStanding struct {
	Status CITStatus `json:"status"`
	// Until is the last day the certification holds without more training;
	// zero when never certified. For a lapsed officer, the last day it
	// held (the first day not certified is Until + 1).
	Until  Date   `json:"until"`
	Reason string `json:"reason"`
}
