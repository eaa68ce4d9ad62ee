package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"citdesk"

	"golang.org/x/crypto/argon2"
)

// Argon2Params sets the cost of argon2id password hashing.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultArgon2 follows OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
var DefaultArgon2 = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// hashPassword returns a PHC-format argon2id hash of password, or an
// error if its caller gives up while waiting for a slot (argon2Key).
func hashPassword(ctx context.Context, password string, p Argon2Params) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := argon2Key(ctx, []byte(password), salt, p, 32)
	if err != nil {
		return "", err
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// checkPassword reports whether password matches a PHC-format argon2id
// hash, using the parameters stored in the hash. It fails only when the
// caller gave up while waiting for a slot (argon2Key): then nothing was
// checked, and the attempt is neither a success nor a failure.
func checkPassword(ctx context.Context, password, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, nil
	}
	var version int
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, nil
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, nil
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, nil
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, nil
	}
	got, err := argon2Key(ctx, []byte(password), salt, p, uint32(len(want)))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// newSecret returns a random session or token secret (256 bits, URL-safe).
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// secretHash is what the database keeps of a secret: a stolen copy of the
// sessions table cannot be replayed.
func secretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// argon2Slots bounds how many argon2id hashes run at once. Each holds its
// memory parameter (19 MiB by default) for the length of the hash; a shift
// signing in together, or someone guessing passwords, would otherwise
// hold 19 MiB per request in flight. The hash is CPU-bound, so more
// hashes at once than there are processors finish no sooner anyway; the
// rest wait their turn.
var argon2Slots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))

// argon2Key is argon2.IDKey within a slot of argon2Slots, and gives the
// hash's memory back to the operating system once a burst of sign-ins is
// over (argon2Release). A caller that gives up while waiting for a slot
// (ctx ends: the client went away, or a deadline passed) leaves the queue
// with a rate-limit error wrapping ctx's instead of hashing for no one:
// under a flood of sign-ins, the hashes still to run are those someone
// waits for.
func argon2Key(ctx context.Context, password, salt []byte, p Argon2Params, keyLen uint32) ([]byte, error) {
	select {
	case argon2Slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", citdesk.Errorf(citdesk.ERATELIMIT, "Too many passwords are being checked at once; try again in a moment."), ctx.Err())
	}
	argon2Release.begin()
	defer func() {
		argon2Release.end()
		<-argon2Slots
	}()
	return argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, keyLen), nil
}

// argon2Release returns argon2's memory to the operating system after a
// burst of hashes. The memory is garbage the moment a hash ends, but the Go
// runtime keeps freed heap for reuse and hands it back only slowly (its
// scavenger aims at the heap goal, which the hash itself doubled), so a
// server that signed in a shift would keep tens of megabytes it will not
// need until the next shift. A second after the last hash of a burst ends
// (none running, none started since), it collects and releases once; a
// steady stream of sign-ins keeps postponing it. The full collection it
// costs grows with the live heap (a few milliseconds for an idle server's,
// more with the outcome snapshot in memory), so the next release waits at
// least 100 times as long as the last one took: releasing costs at most 1%
// of one processor however sign-ins are spaced. A fixed interval (it was
// 30 s) also counted from the release after start-up's own hashes (the
// demo's accounts), so the shift signing in first kept its hashes' memory
// for up to half a minute.
var argon2Release = &memoryRelease{after: time.Second, costShare: 100, release: debug.FreeOSMemory}

// memoryRelease runs release once a burst of work has been quiet for
// after, and not more often than every, nor sooner after the last
// release than costShare times as long as that release took.
type memoryRelease struct {
	after, every time.Duration
	costShare    int
	release      func()

	mu       sync.Mutex
	inFlight int
	timer    *time.Timer
	last     time.Time
	lastCost time.Duration
}

// ReleaseMemory collects garbage and returns the freed memory to the
// operating system now, as argon2's release would, and counts as its last
// release. serve calls it once start-up's work is done: a release that
// start-up's own hashes (the demo's accounts) scheduled ran, or would run,
// while the demo's history was still being written, and its cost, inflated
// by start-up's heap, would hold back the release after the first shift's
// sign-ins.
func ReleaseMemory() { argon2Release.now() }

// now runs release at once, in place of one that is waiting for its burst
// to be quiet, unless a hash is running (its end schedules one).
func (m *memoryRelease) now() {
	m.mu.Lock()
	if m.timer != nil && m.inFlight == 0 {
		m.timer.Stop()
	}
	m.mu.Unlock()
	m.run()
}

// run releases the memory, timing what it costs.
func (m *memoryRelease) run() {
	m.mu.Lock()
	m.last = time.Now()
	m.mu.Unlock()
	m.release()
	m.mu.Lock()
	m.lastCost = time.Since(m.last)
	m.mu.Unlock()
}

func (m *memoryRelease) begin() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inFlight++
	if m.timer != nil {
		m.timer.Stop()
	}
}

func (m *memoryRelease) end() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inFlight--
	if m.inFlight > 0 {
		return
	}
	gap := max(m.every, time.Duration(m.costShare)*m.lastCost)
	wait := max(m.after, time.Until(m.last.Add(gap)))
	if m.timer == nil {
		m.timer = time.AfterFunc(wait, m.fire)
		return
	}
	m.timer.Reset(wait)
}

func (m *memoryRelease) fire() {
	m.mu.Lock()
	inFlight := m.inFlight
	m.mu.Unlock()
	if inFlight == 0 {
		m.run()
	}
}
