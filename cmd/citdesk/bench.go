package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
	"time"

	"citdesk/loadgen"
)

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c loadgen.Config
	var asJSON bool
	fs.StringVar(&c.URL, "url", "http://127.0.0.1:8080", "base URL of a running citdesk")
	fs.StringVar(&c.Username, "username", "dispatcher", "a dispatcher's username (password: $CITDESK_DEMO_PASSWORD)")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "how long each scenario runs")
	fs.IntVar(&c.MaxRequests, "max-requests", 100000, "hard cap on requests per scenario")
	fs.IntVar(&c.Concurrency, "concurrency", 4, "parallel clients")
	fs.BoolVar(&c.AllowRemote, "allow-remote", false, "allow a non-loopback URL (only your own staging server)")
	fs.BoolVar(&asJSON, "json", false, "print the figures as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// The password comes from the environment, never a flag: a flag's
	// value is in the process list for every local user to read.
	c.Password = os.Getenv("CITDESK_DEMO_PASSWORD")
	stats, err := loadgen.Run(ctx, c, stderr)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(stats)
	}
	for _, s := range stats {
		io.WriteString(stdout, s.String()+"\n")
	}
	return nil
}
