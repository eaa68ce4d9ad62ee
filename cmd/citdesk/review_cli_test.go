package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"
)

// TestReviewNoPasswordFlags: no command takes a password as a flag. A
// flag's value is in the process list (ps, /proc/PID/cmdline) for every
// local user to read and in the shell's history; passwords come on
// standard input (user add) or from the environment (the demo's).
func TestReviewNoPasswordFlags(t *testing.T) {
	passwordFlag := regexp.MustCompile(`(?m)^\s*-[a-z-]*password\b`)
	for _, args := range [][]string{
		{"serve", "-h"},
		{"bench", "-h"},
		{"user", "add", "-h"},
		{"user", "unlock", "-h"},
		{"agency", "add", "-h"},
		{"import", "-h"},
		{"migrate", "-h"},
		{"audit", "verify", "-h"},
	} {
		t.Run(args[0]+" "+args[1], func(t *testing.T) {
			var out, errOut bytes.Buffer
			run(context.Background(), args, bytes.NewReader(nil), &out, &errOut)
			if m := passwordFlag.FindString(errOut.String()); m != "" {
				t.Errorf("citdesk %v takes a password flag %q:\n%s", args, m, errOut.String())
			}
		})
	}
}
