package web

import (
	"strings"
	"sync"
	"time"
)

// RateLimiters counts requests per key (an address) in fixed windows. It is
// per process: behind a load balancer each replica limits on its own,
// which still bounds abuse to replicas × limit.
type RateLimiters struct {
	mu      sync.Mutex
	windows map[string]*window
}

type window struct {
	start time.Time
	count int
}

func NewRateLimiters() *RateLimiters { return &RateLimiters{windows: make(map[string]*window)} }

// Allow reports whether key may make another request at now, given limit
// requests per period, and counts it.
func (rl *RateLimiters) Allow(key string, limit int, period time.Duration, now time.Time) bool {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if len(rl.windows) > 10000 { // forget old windows so the map stays small
		for k, w := range rl.windows {
			if now.Sub(w.start) >= period {
				delete(rl.windows, k)
			}
		}
	}
	w := rl.windows[key]
	if w == nil || now.Sub(w.start) >= period {
		w = &window{start: now}
		rl.windows[key] = w
	}
	if w.count >= limit {
		return false
	}
	w.count++
	return true
}

// Exhausted reports whether key has used up limit within the current
// period at now, without counting a request.
func (rl *RateLimiters) Exhausted(key string, limit int, period time.Duration, now time.Time) bool {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	w := rl.windows[key]
	return w != nil && now.Sub(w.start) < period && w.count >= limit
}

// ForgetSuffix drops every window whose key ends with suffix, so an
// admin's unlock also clears this process's sign-in throttles for a user.
func (rl *RateLimiters) ForgetSuffix(suffix string) {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	for k := range rl.windows {
		if strings.HasSuffix(k, suffix) {
			delete(rl.windows, k)
		}
	}
}
