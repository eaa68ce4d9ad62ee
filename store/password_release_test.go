package store

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestMemoryReleaseAfterBurst checks that argon2's memory is released once
// after a burst of hashes is over, never while one is still running, and
// not again before its interval.
func TestMemoryReleaseAfterBurst(t *testing.T) {
	var released atomic.Int32
	m := &memoryRelease{after: 20 * time.Millisecond, every: 300 * time.Millisecond, release: func() { released.Add(1) }}

	// A burst: overlapping hashes, each longer than the quiet time.
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 15 * time.Millisecond)
			m.begin()
			time.Sleep(40 * time.Millisecond)
			m.end()
		}()
	}
	wg.Wait()
	if n := released.Load(); n != 0 {
		t.Fatalf("released %d times while the burst went on", n)
	}
	time.Sleep(100 * time.Millisecond)
	if n := released.Load(); n != 1 {
		t.Fatalf("released %d times after the burst, want 1", n)
	}

	// Another burst at once: its release waits for the interval.
	m.begin()
	m.end()
	time.Sleep(100 * time.Millisecond)
	if n := released.Load(); n != 1 {
		t.Fatalf("released %d times within the interval, want still 1", n)
	}
	time.Sleep(300 * time.Millisecond)
	if n := released.Load(); n != 2 {
		t.Fatalf("released %d times after the interval, want 2", n)
	}
}
