package ui

import (
	"net/http"
	"strconv"
	"time"

	"citdesk"
	"citdesk/web"
)

// transferPanel is the part of a call's panel about its transfer to 988
// or mobile crisis (issue 16): what was recorded, the form to record it
// on a call answered by 988, and the form to record the crisis line
// sending it back.
type transferPanel struct {
	// Recorded is the transfer in words; nil when none is recorded.
	Recorded *transferView
	// Ask: the call is answered by 988 and open, with no transfer yet.
	Ask bool
	// CanReturn: the transfer was accepted and the call is open.
	CanReturn bool
	// The choices, and what the dispatcher had entered when a form was
	// refused.
	Destinations   []choice
	Consents       []choice
	Police         []choice
	DestName       string
	ReturnReason   string
	ReturnResponse string
}

// transferView is a recorded transfer as the panel says it.
type transferView struct {
	To, At, Consent string
	Returned        bool
	ReturnedAt      string
	ReturnReason    string
	RepeatCallID    int64
}

// choice is one option of a select or radio group.
type choice struct {
	Value, Label string
	Selected     bool
}

// transferPanelOf describes call c's transfer for its panel, times in loc.
func transferPanelOf(c *citdesk.Call, loc *time.Location) transferPanel {
	open := c.Status != citdesk.CallClosed
	var tp transferPanel
	if t := c.Transfer; t != nil {
		v := &transferView{To: t.Destination.Label(), At: t.TransferredAt.In(loc).Format("15:04"), Consent: t.Consent.Label(), Returned: t.Outcome == citdesk.TransferReturned}
		if t.DestinationName != "" {
			v.To += " (" + t.DestinationName + ")"
		}
		if t.ReturnedAt != nil {
			v.ReturnedAt, v.ReturnReason = t.ReturnedAt.In(loc).Format("15:04"), t.ReturnReason
		}
		if t.RepeatCallID != nil {
			v.RepeatCallID = *t.RepeatCallID
		}
		tp.Recorded = v
		tp.CanReturn = open && !v.Returned
	} else {
		tp.Ask = open && c.Response == citdesk.Response988
	}
	tp.fill("", "", "")
	return tp
}

// fill sets the choices, with the dispatcher's destination, consent and
// return response selected.
func (tp *transferPanel) fill(dest, consent, response string) {
	tp.Destinations, tp.Consents, tp.Police = nil, nil, nil
	for _, d := range citdesk.TransferDestinations {
		tp.Destinations = append(tp.Destinations, choice{Value: string(d), Label: d.Label(), Selected: string(d) == dest})
	}
	for _, c := range citdesk.TransferConsents {
		tp.Consents = append(tp.Consents, choice{Value: string(c), Label: c.Label(), Selected: string(c) == consent})
	}
	for _, r := range citdesk.Responses {
		if r.Police() {
			tp.Police = append(tp.Police, choice{Value: string(r), Label: r.Label(), Selected: string(r) == response})
		}
	}
}

// boardRecordTransfer records, from the panel, where a call answered by
// 988 went and the caller's consent.
func (s *boardPages) boardRecordTransfer(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	dest, consent := r.PostFormValue("destination"), r.PostFormValue("consent")
	t := &citdesk.Transfer{CallID: id, Destination: citdesk.TransferDestination(dest), DestinationName: r.PostFormValue("destination_name"), Consent: citdesk.TransferConsent(consent)}
	_, err = s.Svc.Transfers.RecordTransfer(r.Context(), t, version)
	notice := ""
	if err == nil {
		notice = "Transfer recorded: " + t.Destination.Label() + "."
	}
	return s.answerPanelKeeping(w, r, id, err, notice, func(p *boardPanel) {
		p.Transfer.DestName = t.DestinationName
		p.Transfer.fill(dest, consent, "")
	})
}

// boardReturnTransfer records, from the panel, that the crisis line sent
// the call back to 911, and the police response it gets now.
func (s *boardPages) boardReturnTransfer(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	ret := citdesk.TransferReturn{Reason: r.PostFormValue("reason"), Response: citdesk.Response(r.PostFormValue("response"))}
	_, err = s.Svc.Transfers.ReturnTransfer(r.Context(), id, version, ret)
	notice := ""
	if err == nil {
		notice = "Returned by the crisis line: send " + ret.Response.Label() + "."
	}
	return s.answerPanelKeeping(w, r, id, err, notice, func(p *boardPanel) {
		p.Transfer.ReturnReason = ret.Reason
		p.Transfer.fill("", "", string(ret.Response))
	})
}
