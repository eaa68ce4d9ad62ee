package main

import "testing"

// TestMemoryLimitFor checks serve's soft memory limit: the floor while the
// live heap is small, then half as much again as is live, so the limit is
// never under what is live (where the collector would run back to back).
func TestMemoryLimitFor(t *testing.T) {
	for _, c := range []struct {
		live, other uint64
		want        int64
	}{
		{0, 0, memoryFloor},
		{80 << 20, 10 << 20, memoryFloor},
		{memoryFloor / 3 * 2, 0, memoryFloor},
		{200 << 20, 0, 300 << 20},
		{2 << 30, 0, 3 << 30},
		// 5,000 boards: 60 MiB live, 120 MiB of stacks and metadata.
		{60 << 20, 120 << 20, 210 << 20},
	} {
		got := memoryLimitFor(c.live, c.other)
		if got != c.want {
			t.Errorf("memoryLimitFor(%d MiB, %d MiB) = %d MiB, want %d MiB", c.live>>20, c.other>>20, got>>20, c.want>>20)
		}
		if got < int64(c.live+c.other) {
			t.Errorf("memoryLimitFor(%d, %d) = %d: under what is live", c.live, c.other, got)
		}
	}
}
