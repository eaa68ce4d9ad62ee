package ui

import (
	"net/http"

	"citdesk"
)

// knownNotices are the confirmations pages put in ?notice= when they
// redirect after a change. A page shows a notice only if it is one of
// these, so a crafted link cannot put words of its own in front of staff.
var knownNotices = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range []string{
		"Assigned.", "Consent renewed.", "Correction saved; the earlier version is kept below.", "Crisis plan saved.",
		"Draft saved.", "Note added.", "Saved.", "Submitted for review.", "Person linked.",
		"New person record created and linked.", "Approved.", "Returned to the officer.", "Photo saved.",
		"Password changed; your other sessions have ended.", "Session ended.", "User disabled; their sessions and tokens have ended.",
		"User enabled.", "User unlocked.", "Password reset; that user's sessions and tokens have ended.",
		noticeApprovedNext, noticeQueueEmpty,
		"Roles changed.", "Agency settings saved.", "Policy saved.", "Disposition mapping saved.",
		"Token revoked.", "Service account revoked; its tokens no longer work.", "Webhook added.", "Webhook deleted.", "Delivery queued again.",
	} {
		m[n] = true
	}
	for n := 1; n <= 1000; n++ { // the triage protocol's versions
		m[triageSavedNotice(n)] = true
	}
	for _, s := range citdesk.ReferralStatuses {
		m["Status: "+s.Label()+"."] = true
	}
	return m
}()

// queryNotice returns the request's ?notice= when it is a known one.
func queryNotice(r *http.Request) string {
	if n := r.URL.Query().Get("notice"); knownNotices[n] {
		return n
	}
	return ""
}
