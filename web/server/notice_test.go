package server_test

import (
	"net/http"
	"strings"
	"testing"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// TestCraftedNoticeIsNotShown: a link carrying its own ?notice= text cannot
// put words in front of staff; the confirmations the pages send still show.
func TestCraftedNoticeIsNotShown(t *testing.T) {
	e := newEnv(t, storetest.SQLite, web.Config{})
	e.user("coord", citdesk.RoleCoordinator)
	b := e.browser()
	b.login("coord")
	res := b.get("/review?notice=Call+the+chief+at+555-0100+now")
	if res.StatusCode != http.StatusOK || strings.Contains(res.Body, "Call the chief") {
		t.Fatalf("crafted notice shown (status %d)", res.StatusCode)
	}
	if res := b.get("/review?notice=Approved."); !strings.Contains(res.Body, "Approved.") {
		t.Fatal("a real confirmation is not shown")
	}
}
