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
	if os.Getenv(loadgen.HelloPeerEnv) != "" {
		// The bench's own child: the bare peer of the idle-memory row.
		return loadgen.ServeHelloPeer(stdout)
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c loadgen.Config
	var asJSON bool
	fs.StringVar(&c.URL, "url", "http://127.0.0.1:8080", "base URL of a running citdesk")
	fs.StringVar(&c.Username, "username", "dispatcher", "a dispatcher's username (password: $CITDESK_DEMO_PASSWORD)")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "how long each scenario runs")
	fs.IntVar(&c.MaxRequests, "max-requests", 100000, "hard cap on requests per scenario")
	fs.IntVar(&c.Concurrency, "concurrency", 8, "parallel readers (recommendations, and the bare net/http server beside them)")
	fs.IntVar(&c.Writers, "writers", 4, "parallel writers (create call + assign, and the bare SQLite writer beside them)")
	fs.StringVar(&c.MetricsURL, "metrics", "http://127.0.0.1:9090/metrics", "citdesk's metrics (serve --metrics-addr), for its resident memory; \"\" to skip")
	fs.StringVar(&c.BareDir, "bare-dir", "", "directory for the bare SQLite writer's file: the disk citdesk's database is on (default: the temporary directory)")
	fs.IntVar(&c.SSEClients, "sse-clients", 5000, "event streams the live board scenario opens (0 skips it)")
	fs.IntVar(&c.SSEChanges, "sse-changes", 20, "calls the live board scenario creates while the streams listen")
	fs.BoolVar(&c.AllowRemote, "allow-remote", false, "allow a non-loopback URL (only your own staging server)")
	fs.BoolVar(&asJSON, "json", false, "print the figures as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// The password comes from the environment, never a flag: a flag's
	// value is in the process list for every local user to read.
	c.Password = os.Getenv("CITDESK_DEMO_PASSWORD")
	rep, err := loadgen.Run(ctx, c, stderr)
	if rep == nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if e := enc.Encode(rep); e != nil {
			return e
		}
		return err
	}
	for _, s := range rep.Scenarios {
		io.WriteString(stdout, s.String()+"\n")
	}
	io.WriteString(stdout, "\n")
	for _, r := range rep.Ratios {
		io.WriteString(stdout, r.String()+"\n")
	}
	return err
}
