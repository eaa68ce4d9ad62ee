package server_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// TestBrowserPublicPage (issue 15, finding 8): on a phone, /cit offers
// 911, 988 and the department's non-emergency number as tap-to-call links,
// and a request sent with fields missing marks each one invalid beside its
// message, with the focus on the first.
func TestBrowserPublicPage(t *testing.T) {
	e := newEnv(t, storetest.SQLite, web.Config{PublicRequestsPerHour: 10})
	if _, err := e.DB.AgencyService().UpdateSettings(e.Op, e.Agency.ID, citdesk.AgencySettings{NonEmergencyPhone: "(636) 586-3326", Address: "17 Boyd St, De Soto, MO 63020"}); err != nil {
		t.Fatal(err)
	}
	phone := newPhone(t)
	if err := chromedp.Do(phone, chromedp.Navigate(e.Server.URL+"/a/"+e.Agency.Slug+"/cit"), chromedp.WaitVisible(chromedp.CSS("form button[type=submit]"))); err != nil {
		t.Fatal(err)
	}
	tels, err := chromedp.Run(phone, chromedp.Evaluate[[]string](`[...document.querySelectorAll('a[href^="tel:"]')].filter(a => a.getBoundingClientRect().height > 0).map(a => a.getAttribute("href"))`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"tel:911", "tel:988", "tel:6365863326"} {
		found := false
		for _, h := range tels {
			found = found || h == want
		}
		if !found {
			t.Errorf("no visible %s link (links: %v)", want, tels)
		}
	}
	screenshot(t, phone, "public-cit")

	// Send with the name missing and a phone number too short.
	if err := chromedp.Do(phone, chromedp.SendKeys(chromedp.ID("phone"), "12"), chromedp.SendKeys(chromedp.ID("address"), "5 Oak St")); err != nil {
		t.Fatal(err)
	}
	clickAndLoad(t, phone, "form button[type=submit]", "send the request")
	if err := chromedp.Do(phone, chromedp.WaitVisible(chromedp.ID("phone-error"))); err != nil {
		t.Fatalf("no message at the phone field: %v", err)
	}
	for _, f := range []string{"name", "phone", "what"} {
		got, err := chromedp.Run(phone, chromedp.Evaluate[[]string](`(() => { const el = document.getElementById("`+f+`"); const m = document.getElementById("`+f+`-error");
			return [el.getAttribute("aria-invalid") || "", el.getAttribute("aria-describedby") || "", m && m.getBoundingClientRect().height > 0 ? "shown" : "", getComputedStyle(el).borderColor]; })()`))
		if err != nil || got[0] != "true" || got[1] != f+"-error" || got[2] != "shown" {
			t.Errorf("%s is not marked invalid at the field: %v %v", f, got, err)
		}
	}
	focus, err := chromedp.Run(phone, chromedp.Evaluate[string](`document.activeElement.id`))
	if err != nil || focus != "name" {
		t.Errorf("the focus is on %q, not the first wrong field (name): %v", focus, err)
	}
	screenshot(t, phone, "public-cit-errors")
}
