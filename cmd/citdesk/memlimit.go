package main

import (
	"context"
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// memoryFloor is the soft memory limit citdesk serve keeps while the live
// heap is small (see holdMemory).
const memoryFloor = 200 << 20

// memoryLimitFor returns the soft memory limit for a live heap of live
// bytes: memoryFloor, or half as much again as is live once that is more.
//
// Why: the Go collector lets the heap grow to twice what was live at its
// last cycle (GOGC=100). With a million encounters' outcome columns
// (about 70 MB) and the working memory of a computation or of the
// background comparison with the rows, about 130 MB is live, so the
// server's resident memory went past 360 MB though never more than 190 MB
// was in use. Below the floor the collector runs only as the heap nears
// it; above it, the limit follows the live heap, so the collector never
// runs back to back because the data outgrew a fixed limit.
func memoryLimitFor(live uint64) int64 {
	return max(memoryFloor, int64(live)/2*3)
}

// holdMemory keeps the runtime's soft memory limit at memoryLimitFor the
// live heap, read every second, until ctx ends. It does nothing when
// GOMEMLIMIT is set: the operator's limit stands.
func holdMemory(ctx context.Context, log *slog.Logger) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	set := func() int64 {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return -1
		}
		limit := memoryLimitFor(sample[0].Value.Uint64())
		debug.SetMemoryLimit(limit)
		return limit
	}
	log.Info("soft memory limit", "bytes", set(), "set", "GOMEMLIMIT to choose one")
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				set()
			}
		}
	}()
}
