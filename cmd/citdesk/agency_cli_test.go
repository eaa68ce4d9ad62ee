package main

import (
	"strings"
	"testing"

	"citdesk/store/storetest"
)

// TestAgencySetAndPolicy (issue 15): the command line changes the time
// zone, units and policy through the same rules as the admin's pages,
// refusing a bad zone or an out-of-range setting and changing nothing.
func TestAgencySetAndPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		c := newCLI(t, e)
		c.ok("", "agency", "add", "desoto", "--name", "De Soto PD", "--timezone", "America/Chicago")
		if _, _, err := c.run("", "agency", "set", "desoto", "--timezone", "Mars/Base"); err == nil || !strings.Contains(err.Error(), `Unknown time zone "Mars/Base"`) {
			t.Errorf("bad zone: %v", err)
		}
		if _, _, err := c.run("", "agency", "set", "desoto", "--units", "leagues"); err == nil || !strings.Contains(err.Error(), "imperial or metric") {
			t.Errorf("bad units: %v", err)
		}
		out := c.ok("", "agency", "set", "desoto", "--timezone", "America/Denver", "--units", "metric")
		if !strings.Contains(out, "America/Denver · metric units") || !strings.Contains(out, "De Soto PD") {
			t.Errorf("agency set: %q", out)
		}

		out = c.ok("", "agency", "policy", "desoto")
		if !strings.Contains(out, "emergency_alert") || !strings.Contains(out, "60 seconds") || !strings.Contains(out, "(1 to 3,600 seconds)") {
			t.Errorf("agency policy lists: %q", out)
		}
		_, _, err := c.run("", "agency", "policy", "desoto", "emergency_alert=0", "lockout_attempts=many")
		if err == nil || !strings.Contains(err.Error(), "emergency_alert: ") || !strings.Contains(err.Error(), "lockout_attempts: ") {
			t.Errorf("out of range: %v", err)
		}
		if _, _, err := c.run("", "agency", "policy", "desoto", "warp=9"); err == nil || !strings.Contains(err.Error(), "SETTING=VALUE") {
			t.Errorf("unknown setting: %v", err)
		}
		out = c.ok("", "agency", "policy", "desoto", "emergency_alert=90", "lockout_attempts=4")
		if !strings.Contains(out, "Policy of desoto saved.") || !strings.Contains(out, "90 seconds") {
			t.Errorf("agency policy set: %q", out)
		}
		// The EIDO word lists: commas between words, checked like the page.
		if _, _, err := c.run("", "agency", "policy", "desoto", "eido.cit_phrases=CIT please,cit PLEASE"); err == nil || !strings.Contains(err.Error(), `eido.cit_phrases: `) || !strings.Contains(err.Error(), "listed twice") {
			t.Errorf("a word twice: %v", err)
		}
		out = c.ok("", "agency", "policy", "desoto", "eido.cit_phrases=CIT please, send the crisis team")
		if !strings.Contains(out, "CIT please, send the crisis team") || !strings.Contains(out, "mental health, mental illness,") {
			t.Errorf("agency policy with new words: %q", out)
		}
		out = c.ok("", "audit", "export", "--format", "jsonl")
		if !strings.Contains(out, `eido.cit_phrases +\"CIT please\" +\"send the crisis team\"`) {
			t.Errorf("the word change is not in the audit trail: %q", out)
		}
		if !strings.Contains(out, `"action":"agency.policy"`) || !strings.Contains(out, "lockout_attempts 5→4; emergency_alert 60→90 seconds") {
			t.Errorf("the change is not in the audit trail: %q", out)
		}
	})
}
