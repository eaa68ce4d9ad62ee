package ui

import (
	"net/http"
	"net/url"

	"citdesk"
	"citdesk/web"
)

// The admin's webhooks (/admin/webhooks): subscriptions of the agency's
// CAD, recent deliveries and dead letters, and replay.

type webhooksView struct {
	Notice     string
	Error      string
	Hooks      []*citdesk.Webhook
	Deliveries []*citdesk.WebhookDelivery
	Dead       []*citdesk.WebhookDelivery
	Events     []string
	// Form holds what was typed when it was refused (never the secret).
	URL    string
	Chosen map[string]bool
}

func (s *webhookPages) listPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderList(w, r, http.StatusOK, webhooksView{Notice: queryNotice(r)})
}

func (s *webhookPages) renderList(w http.ResponseWriter, r *http.Request, status int, v webhooksView) error {
	ctx := r.Context()
	var err error
	if v.Hooks, err = s.Svc.Webhooks.ListWebhooks(ctx); err != nil {
		return err
	}
	if v.Deliveries, err = s.Svc.Webhooks.ListDeliveries(ctx, false, 50); err != nil {
		return err
	}
	if v.Dead, err = s.Svc.Webhooks.ListDeliveries(ctx, true, 100); err != nil {
		return err
	}
	v.Events = citdesk.WebhookEvents
	if v.Chosen == nil {
		v.Chosen = map[string]bool{}
	}
	s.render(w, r, status, "admin_webhooks", "Webhooks", v)
	return nil
}

func (s *webhookPages) create(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	hook := &citdesk.Webhook{URL: r.PostFormValue("url"), Events: r.PostForm["event"]}
	v := webhooksView{URL: hook.URL, Chosen: map[string]bool{}}
	for _, e := range hook.Events {
		v.Chosen[e] = true
	}
	err := s.Svc.Webhooks.CreateWebhook(r.Context(), hook, r.PostFormValue("secret"))
	if citdesk.ErrorCode(err) == citdesk.EINVALID {
		v.Error = citdesk.ErrorMessage(err)
		return s.renderList(w, r, http.StatusUnprocessableEntity, v)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/webhooks?notice="+url.QueryEscape("Webhook added."), http.StatusSeeOther)
	return nil
}

func (s *webhookPages) delete(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Svc.Webhooks.DeleteWebhook(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/webhooks?notice="+url.QueryEscape("Webhook deleted."), http.StatusSeeOther)
	return nil
}

func (s *webhookPages) replay(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	err = s.Svc.Webhooks.ReplayDelivery(r.Context(), id)
	if citdesk.ErrorCode(err) == citdesk.ECONFLICT {
		return s.renderList(w, r, http.StatusConflict, webhooksView{Error: citdesk.ErrorMessage(err)})
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/webhooks?notice="+url.QueryEscape("Delivery queued again."), http.StatusSeeOther)
	return nil
}
