package api

import (
	"net/http"

	"citdesk"
	"citdesk/web"
)

// Webhook subscriptions and their deliveries (issue 11): the CAD's admin,
// or a service account with the webhooks:admin scope.

type createWebhookRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Secret string   `json:"secret"`
}

func (s *webhookAPI) create(w http.ResponseWriter, r *http.Request) error {
	var req createWebhookRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	hook := &citdesk.Webhook{URL: req.URL, Events: req.Events}
	if err := s.Svc.Webhooks.CreateWebhook(r.Context(), hook, req.Secret); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, hook)
	return nil
}

func (s *webhookAPI) list(w http.ResponseWriter, r *http.Request) error {
	hooks, err := s.Svc.Webhooks.ListWebhooks(r.Context())
	if err != nil {
		return err
	}
	if hooks == nil {
		hooks = []*citdesk.Webhook{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"webhooks": hooks})
	return nil
}

func (s *webhookAPI) delete(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Svc.Webhooks.DeleteWebhook(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *webhookAPI) deliveries(w http.ResponseWriter, r *http.Request) error {
	dead := false
	switch r.URL.Query().Get("state") {
	case "", "all":
	case "dead":
		dead = true
	default:
		return citdesk.FieldErrorf("state", "state is all or dead.")
	}
	ds, err := s.Svc.Webhooks.ListDeliveries(r.Context(), dead, 200)
	if err != nil {
		return err
	}
	if ds == nil {
		ds = []*citdesk.WebhookDelivery{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"deliveries": ds})
	return nil
}

func (s *webhookAPI) replay(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Svc.Webhooks.ReplayDelivery(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
