package ui

import (
	"context"
	"net/http"
	"strconv"

	"citdesk"
	"citdesk/web"
)

// County mutual aid on the board (issue 16, item 4). The panel of a call
// with no CIT officer of the agency's own lists the partners' available
// CIT officers, each marked with its agency, with a button to ask for
// them; the board's mutual-aid list (its own fragment, loaded beside the
// panel and redrawn on each mutual_aid event) holds the requests the
// agency made and received: the lender's dispatcher accepts or declines
// there, and the borrower sees the answer live.

// partnerOption is a partner agency's officer in the panel.
type partnerOption struct {
	AgencySlug, AgencyName string
	OfficerID              int64
	Label                  string
	Distance               string
	CallID                 int64
}

// aidView is one request in the board's mutual-aid list.
type aidView struct {
	*citdesk.MutualAidRequest
	Requested string // local clock time
	// Crossed is what of the borrower's call the lender sees, in words.
	Crossed string
	Flags   []flagView
}

// aidList is the board's mutual-aid list.
type aidList struct {
	Incoming, Outgoing []aidView
	Notice, Error      string
}

// addPartners fills panel p with the partners' available CIT officers when
// the call is open and the agency has no CIT officer to recommend. A
// failure is logged, not shown: the panel stands without them.
func (s *boardPages) addPartners(ctx context.Context, p *boardPanel, metric bool) {
	if s.Svc.MutualAid == nil || p == nil || p.Closed || len(p.Recommended) > 0 {
		return
	}
	list, err := s.Svc.MutualAid.PartnerOfficers(ctx, p.Call.ID)
	if err != nil {
		s.Log.Error("partner officers for the board", "call", p.Call.ID, "err", err)
		return
	}
	for _, o := range list {
		po := partnerOption{AgencySlug: o.AgencySlug, AgencyName: o.AgencyName, OfficerID: o.OfficerID, Label: o.Label, CallID: p.Call.ID}
		if d := o.DistanceM; d != nil && metric {
			po.Distance = strconv.FormatFloat(float64(*d)/1000, 'f', 1, 64) + " km away"
		} else if d != nil {
			po.Distance = imperialDistance(*d) + " away"
		}
		p.Partners = append(p.Partners, po)
	}
}

// boardRequestAid asks a partner for one of its officers on a call.
func (s *boardPages) boardRequestAid(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	officerID, _ := strconv.ParseInt(r.PostFormValue("officer_id"), 10, 64)
	req, err := s.Svc.MutualAid.Request(r.Context(), id, r.PostFormValue("lender"), officerID)
	notice := ""
	if err == nil {
		notice = "Asked " + req.LenderName + " for " + req.OfficerLabel + "; their dispatcher answers on their board. The answer shows under Mutual aid."
	}
	return s.answerPanel(w, r, id, err, notice)
}

// aidListFor reads the agency's requests for the list.
func (s *boardPages) aidListFor(r *http.Request) (*aidList, error) {
	reqs, err := s.Svc.MutualAid.List(r.Context())
	if err != nil {
		return nil, err
	}
	agency, err := s.AgencyOf(r.Context())
	if err != nil {
		return nil, err
	}
	loc := agency.Location()
	v := &aidList{}
	for _, q := range reqs {
		av := aidView{MutualAidRequest: q, Requested: q.RequestedAt.In(loc).Format("15:04")}
		if q.Call != nil {
			av.Crossed = q.Call.Nature
			if q.Call.Address != "" {
				av.Crossed += " · " + q.Call.Address
			}
			if q.Call.Emergency {
				av.Crossed += " · emergency"
			}
			for _, f := range q.Call.Risk.Flags() {
				av.Flags = append(av.Flags, flagView{Label: f.Label, Answer: string(f.Answer), Yes: f.Answer == citdesk.RiskYes})
			}
		}
		if q.Direction == "incoming" {
			v.Incoming = append(v.Incoming, av)
		} else {
			v.Outgoing = append(v.Outgoing, av)
		}
	}
	return v, nil
}

// boardAidList answers GET /board/mutual-aid: to htmx the list alone, to
// a browser the list on a page of its own.
func (s *boardPages) boardAidList(w http.ResponseWriter, r *http.Request) error {
	return s.answerAid(w, r, nil, "")
}

// answerAid shows the mutual-aid list after an action, as answerPanel
// does for the panel.
func (s *boardPages) answerAid(w http.ResponseWriter, r *http.Request, actionErr error, notice string) error {
	if r.Method == http.MethodPost && actionErr == nil && !isHTMX(r) {
		http.Redirect(w, r, "/board/mutual-aid", http.StatusSeeOther)
		return nil
	}
	if code := citdesk.ErrorCode(actionErr); actionErr != nil && (code == citdesk.EINTERNAL || code == citdesk.EUNAUTHORIZED) {
		return actionErr
	}
	v, err := s.aidListFor(r)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if actionErr != nil {
		status, v.Error = web.StatusFor(citdesk.ErrorCode(actionErr)), citdesk.ErrorMessage(actionErr)
	}
	v.Notice = notice
	if isHTMX(r) {
		s.writePartial(w, status, "board_aid", "board-aid", v)
		return nil
	}
	s.render(w, r, status, "board_aid", "Mutual aid", v)
	return nil
}

// boardDecideAid answers POST /board/mutual-aid/{id}/accept, decline and
// cancel.
func (s *boardPages) boardDecideAid(decision string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.PathID(r, "id")
		if err != nil {
			return err
		}
		var req *citdesk.MutualAidRequest
		switch decision {
		case "accept":
			req, err = s.Svc.MutualAid.Accept(r.Context(), id)
		case "decline":
			req, err = s.Svc.MutualAid.Decline(r.Context(), id, r.PostFormValue("reason"))
		default:
			req, err = s.Svc.MutualAid.Cancel(r.Context(), id)
		}
		notice := ""
		if err == nil {
			switch req.Status {
			case citdesk.AidAccepted:
				notice = req.OfficerLabel + " is sent to " + req.BorrowerName + "'s call, as call #" + strconv.FormatInt(*req.LenderCallID, 10) + " of ours."
			case citdesk.AidDeclined:
				notice = "Declined; " + req.BorrowerName + " sees your reason."
			default:
				notice = "Request withdrawn."
			}
		}
		return s.answerAid(w, r, err, notice)
	}
}
