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
// bytes beside other bytes the runtime holds outside heap objects
// (goroutine stacks, the collector's metadata): memoryFloor, or half as
// much again as is live plus the other, once that is more.
//
// Why: the Go collector lets the heap grow to twice what was live at its
// last cycle (GOGC=100). With a million encounters' outcome columns
// (about 70 MB) and the working memory of a computation or of the
// background comparison with the rows, about 130 MB is live, so the
// server's resident memory went past 360 MB though never more than 190 MB
// was in use. GOGC stays at its default, so a small heap is still
// collected at twice what was live; the limit steps in only when that
// would pass it, and holds the heap under the floor until then. Above the
// floor the limit follows the live heap, so the collector never runs back
// to back because the data outgrew a fixed limit. (Under the dispatch
// load, collecting less often did not help: GOGC=400 and GOGC=off ran as
// many writes a second as the default, within the machine's noise.) The limit
// covers all the runtime's memory, so what is not heap objects is added:
// 5,000 live boards hold some 100 MB of goroutine stacks and buffers, and
// a limit of 200 MiB left the heap so little room that the collector ran
// without pause and the boards' p99 went from 95 to 300 ms.
func memoryLimitFor(live, other uint64) int64 {
	return max(memoryFloor, int64(live)/2*3+int64(other))
}

// holdMemory keeps the runtime's soft memory limit at memoryLimitFor the
// live heap, read every second, until ctx ends. It does nothing when
// GOMEMLIMIT is set: the operator's limit stands.
func holdMemory(ctx context.Context, log *slog.Logger) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	// What the limit counts (the runtime's whole memory, less what it
	// returned), less the heap's objects and free or unused heap: stacks,
	// metadata and the like.
	sample := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
	}
	set := func() int64 {
		metrics.Read(sample)
		var v [6]uint64
		for i, s := range sample {
			if s.Value.Kind() != metrics.KindUint64 {
				return -1
			}
			v[i] = s.Value.Uint64()
		}
		var other uint64
		if held := v[2] + v[3] + v[4] + v[5]; v[1] > held {
			other = v[1] - held
		}
		limit := memoryLimitFor(v[0], other)
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
