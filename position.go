package citdesk

import (
	"context"
	"math"
	"strings"
	"time"
)

// PositionReport is one position from the AVL feed: an officer named by
// badge or a unit by call sign, where and when.
type PositionReport struct {
	Badge   string    `json:"badge,omitempty"`
	Unit    string    `json:"unit,omitempty"`
	Lat     float64   `json:"lat"`
	Lon     float64   `json:"lon"`
	At      time.Time `json:"at"`
	Speed   *float64  `json:"speed,omitempty"`   // km/h, as sent; not stored
	Heading *float64  `json:"heading,omitempty"` // degrees, as sent; not stored
}

// Position report outcomes.
const (
	ReportApplied = "applied" // now the officer's last known position
	ReportStale   = "stale"   // older than (or as old as) the one held: ignored
	ReportUnknown = "unknown" // no such badge or unit in the agency
	ReportInvalid = "invalid" // out of range, missing, or in the future
)

// PositionResult is what became of one report of a batch.
type PositionResult struct {
	Index     int    `json:"index"`
	Status    string `json:"status"`
	OfficerID int64  `json:"officer_id,omitempty"`
	Message   string `json:"message,omitempty"`
}

// MaxPositionBatch is the most reports one batch may hold.
const MaxPositionBatch = 5000

// CheckPosition says what is wrong with report p at now, or "".
func CheckPosition(p *PositionReport, now time.Time) string {
	p.Badge, p.Unit = strings.TrimSpace(p.Badge), strings.TrimSpace(p.Unit)
	switch {
	case p.Badge == "" && p.Unit == "":
		return "Give the officer's badge or the unit's call sign."
	case math.IsNaN(p.Lat) || math.IsNaN(p.Lon) || p.Lat < -90 || p.Lat > 90 || p.Lon < -180 || p.Lon > 180:
		return "Latitude must be between -90 and 90, longitude between -180 and 180."
	case p.At.IsZero():
		return "Give the time of the position (at)."
	case p.At.After(now.Add(time.Minute)):
		return "The position's time is in the future."
	}
	return ""
}

// PositionService takes the AVL feed's positions.
type PositionService interface {
	// ReportPositions applies a batch in one transaction: each report
	// newer than the position held becomes the officer's last known
	// position; older ones are ignored; unknown badges and units and bad
	// reports are answered per item, never failing the batch.
	ReportPositions(ctx context.Context, reports []PositionReport) ([]PositionResult, error)
}
