package store

import (
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// The tests below run in a synctest bubble: their clock is fake, and
// moves only when every goroutine of the test waits (a sleep, a timer),
// so the release's timing is checked exactly, however busy the machine.

// TestMemoryReleaseAfterBurst checks that argon2's memory is released once
// after a burst of hashes is over, never while one is still running, and
// not again before its interval.
func TestMemoryReleaseAfterBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
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
	})
}

// TestMemoryReleaseCostBound checks that the next release waits costShare
// times as long as the last one took, and no longer: a cheap release (an
// idle server's small heap) is not held back by a fixed interval, so the
// first sign-ins after start-up give their memory back a second later.
func TestMemoryReleaseCostBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var released atomic.Int32
		m := &memoryRelease{after: 10 * time.Millisecond, costShare: 20, release: func() {
			time.Sleep(20 * time.Millisecond) // the collection's cost
			released.Add(1)
		}}
		m.begin()
		m.end()
		time.Sleep(100 * time.Millisecond)
		if n := released.Load(); n != 1 {
			t.Fatalf("released %d times after the first burst, want 1", n)
		}
		// A burst right away: the release took 20 ms, so the next waits 400 ms
		// from it.
		m.begin()
		m.end()
		time.Sleep(100 * time.Millisecond)
		if n := released.Load(); n != 1 {
			t.Fatalf("released %d times within 20 × the last release's cost, want still 1", n)
		}
		time.Sleep(500 * time.Millisecond)
		if n := released.Load(); n != 2 {
			t.Fatalf("released %d times after 20 × the last release's cost, want 2", n)
		}

		// A release that costs nothing lets the next burst's follow a quiet
		// second (here after) later.
		var cheap atomic.Int32
		c := &memoryRelease{after: 10 * time.Millisecond, costShare: 100, release: func() { cheap.Add(1) }}
		for want := int32(1); want <= 3; want++ {
			c.begin()
			c.end()
			time.Sleep(60 * time.Millisecond)
			if n := cheap.Load(); n != want {
				t.Fatalf("cheap releases: %d, want %d", n, want)
			}
		}
	})
}

// TestMemoryReleaseNow checks that a release run at once (start-up's, once
// its work is done) takes the place of one still waiting for its burst to
// be quiet, and that the release after the next burst follows its quiet
// time when the one at once cost little.
func TestMemoryReleaseNow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var released atomic.Int32
		m := &memoryRelease{after: 50 * time.Millisecond, costShare: 100, release: func() { released.Add(1) }}
		m.begin()
		m.end() // a release waits 50 ms
		m.now()
		if n := released.Load(); n != 1 {
			t.Fatalf("released %d times at once, want 1", n)
		}
		time.Sleep(150 * time.Millisecond)
		if n := released.Load(); n != 1 {
			t.Fatalf("released %d times, want 1: the waiting release ran as well", n)
		}
		m.begin()
		m.end()
		time.Sleep(150 * time.Millisecond)
		if n := released.Load(); n != 2 {
			t.Fatalf("released %d times after the next burst, want 2", n)
		}
	})
}
