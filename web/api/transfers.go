package api

import (
	"net/http"
	"time"

	"citdesk"
	"citdesk/web"
)

// transferRequest is the body of POST /api/v1/calls/{id}/transfer: where
// a call answered by 988 / mobile crisis went, the caller's consent and,
// when not now, when.
type transferRequest struct {
	TransferredAt   *time.Time                  `json:"transferred_at"`
	Destination     citdesk.TransferDestination `json:"destination"`
	DestinationName string                      `json:"destination_name"`
	Consent         citdesk.TransferConsent     `json:"consent"`
}

// recordTransferAPI records (or corrects, until it is returned) the
// call's transfer to 988 or mobile crisis, at the call's version in
// If-Match, and answers the call with its transfer.
func (s *callAPI) recordTransferAPI(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var req transferRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	t := &citdesk.Transfer{CallID: id, Destination: req.Destination, DestinationName: req.DestinationName, Consent: req.Consent}
	if req.TransferredAt != nil {
		t.TransferredAt = *req.TransferredAt
	}
	c, err := s.Svc.Transfers.RecordTransfer(r.Context(), t, version)
	if err != nil {
		return err
	}
	writeVersioned(w, c.Version, c)
	return nil
}

// transferReturnRequest is the body of POST
// /api/v1/calls/{id}/transfer/return: why the crisis line sent the call
// back, the police response it gets now and, when not now, when.
type transferReturnRequest struct {
	ReturnedAt *time.Time       `json:"returned_at"`
	Reason     string           `json:"reason"`
	Response   citdesk.Response `json:"response"`
}

// returnTransferAPI records the crisis line returning the call to 911 and
// sets its police response, at the call's version in If-Match.
func (s *callAPI) returnTransferAPI(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var req transferReturnRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	ret := citdesk.TransferReturn{Reason: req.Reason, Response: req.Response}
	if req.ReturnedAt != nil {
		ret.ReturnedAt = *req.ReturnedAt
	}
	c, err := s.Svc.Transfers.ReturnTransfer(r.Context(), id, version, ret)
	if err != nil {
		return err
	}
	writeVersioned(w, c.Version, c)
	return nil
}
