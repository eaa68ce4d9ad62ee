package main

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuilder is a strings.Builder safe for the buffer's timer.
type lockedBuilder struct {
	mu     sync.Mutex
	b      strings.Builder
	writes int
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	return l.b.Write(p)
}

func (l *lockedBuilder) String() (string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String(), l.writes
}

func TestLogBufferBatchesInfoAndFlushesWarnings(t *testing.T) {
	out := &lockedBuilder{}
	log, buf := newBufferedLogger(out, "info")
	log.Info("request", "n", 1)
	log.Info("request", "n", 2)
	log.Debug("not at this level")
	if s, _ := out.String(); s != "" {
		t.Fatalf("INFO lines were written at once, not batched: %q", s)
	}
	log.Warn("storage unavailable")
	s, writes := out.String()
	if writes != 1 || strings.Count(s, "\n") != 3 || !strings.Contains(s, "n=1") || !strings.Contains(s, "n=2") ||
		!strings.HasSuffix(s, "msg=\"storage unavailable\"\n") || strings.Contains(s, "not at this level") {
		t.Fatalf("a warning must go out at once with every line before it, in one write; got %d writes: %q", writes, s)
	}

	// A line on its own goes out by itself within logFlushEvery.
	log.With("route", "GET /x").Info("request", "n", 3)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if s, _ := out.String(); strings.Contains(s, "n=3") {
			if !strings.Contains(s, `route="GET /x"`) {
				t.Fatalf("attributes lost: %q", s)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("an INFO line was never flushed")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Close writes what is waiting.
	log.Info("last", "n", 4)
	if err := buf.Close(); err != nil {
		t.Fatal(err)
	}
	if s, _ := out.String(); !strings.Contains(s, "n=4") {
		t.Fatalf("Close left a line behind: %q", s)
	}

	// A buffer's worth goes out without waiting for the timer.
	big := strings.Repeat("x", logBufferSize)
	log.Info("big", "v", big)
	if s, _ := out.String(); !strings.Contains(s, big) {
		t.Fatal("a full buffer was not written at once")
	}
}
