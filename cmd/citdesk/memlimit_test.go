package main

import "testing"

// TestMemoryLimitFor checks serve's soft memory limit: the floor while the
// live heap is small, then half as much again as is live, so the limit is
// never under what is live (where the collector would run back to back).
func TestMemoryLimitFor(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int64
	}{
		{0, memoryFloor},
		{80 << 20, memoryFloor},
		{memoryFloor / 3 * 2, memoryFloor},
		{200 << 20, 300 << 20},
		{2 << 30, 3 << 30},
	} {
		if got := memoryLimitFor(c.live); got != c.want {
			t.Errorf("memoryLimitFor(%d MiB) = %d MiB, want %d MiB", c.live>>20, got>>20, c.want>>20)
		}
		if got := memoryLimitFor(c.live); got < int64(c.live) {
			t.Errorf("memoryLimitFor(%d) = %d: under the live heap", c.live, got)
		}
	}
}
