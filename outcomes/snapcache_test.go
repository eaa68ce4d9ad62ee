package outcomes_test

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"citdesk"
	"citdesk/outcomes"
)

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("waited 5 s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCachedServiceKeepsSnapshotFile checks the snapshot file: written
// after the first read of the rows, read by the next process instead of
// the rows and caught up from what changed since, refused when damaged
// (the rows are read again), and removed by Forget.
func TestCachedServiceKeepsSnapshotFile(t *testing.T) {
	l := newFakeLoader()
	clock := citdesk.NewFakeClock(cacheNow)
	dir := t.TempDir()
	opts := outcomes.CacheOptions{MaxAge: 10 * time.Minute, Dir: dir}
	analyst := as(1, citdesk.RoleAnalyst)
	file := outcomes.SnapshotFileName(dir, 1)
	l.put(1, cacheEnc(1, outcomes.ForceNone))
	l.put(1, cacheEnc(2, outcomes.ForceNone))

	svc := outcomes.NewCachedServiceWith(l, clock, opts)
	if c, d := figure(t, svc, analyst, "use_of_force"); c != 0 || d != 2 {
		t.Fatalf("use_of_force = %d of %d, want 0 of 2", c, d)
	}
	waitFor(t, "the snapshot file", func() bool { _, err := os.Stat(file); return err == nil })

	// A change while no process runs; the next process reads the file,
	// not the rows, and catches up.
	l.put(1, cacheEnc(2, outcomes.ForceLethal))
	l.put(1, cacheEnc(3, outcomes.ForcePhysical))
	svc = outcomes.NewCachedServiceWith(l, clock, opts)
	if c, d := figure(t, svc, analyst, "use_of_force"); c != 2 || d != 3 {
		t.Errorf("after restart use_of_force = %d of %d, want 2 of 3", c, d)
	}
	if n := l.count("LoadAll"); n != 1 {
		t.Errorf("LoadAll called %d times, want once (the file read instead)", n)
	}

	// A damaged file is not used: the rows are read again, and the file
	// written anew.
	if err := os.WriteFile(file, []byte("CITDOUTC not really"), 0o600); err != nil {
		t.Fatal(err)
	}
	svc = outcomes.NewCachedServiceWith(l, clock, opts)
	if c, d := figure(t, svc, analyst, "use_of_force"); c != 2 || d != 3 {
		t.Errorf("with a damaged file use_of_force = %d of %d, want 2 of 3", c, d)
	}
	if n := l.count("LoadAll"); n != 2 {
		t.Errorf("LoadAll called %d times, want 2 (the damaged file refused)", n)
	}
	waitFor(t, "the file rewritten", func() bool { fi, err := os.Stat(file); return err == nil && fi.Size() > 200 })

	// Forget (an erasure, a purge): the file goes at once, and the next
	// request reads the rows, which changed in a way no stamp counts.
	l.mu.Lock()
	delete(l.encs[1], 3)
	l.mu.Unlock()
	svc.(outcomes.Forgetter).Forget(1)
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("after Forget the file is still there: %v", err)
	}
	if c, d := figure(t, svc, analyst, "use_of_force"); c != 1 || d != 2 {
		t.Errorf("after Forget use_of_force = %d of %d, want 1 of 2", c, d)
	}
	if n := l.count("LoadAll"); n != 3 {
		t.Errorf("LoadAll called %d times, want 3", n)
	}
	// The file is written again from the rows, and no temporary file is
	// left behind.
	waitFor(t, "the file written after Forget", func() bool {
		_, err := os.Stat(file)
		tmp, _ := filepath.Glob(filepath.Join(dir, "*.tmp"))
		return err == nil && len(tmp) == 0
	})
}

// TestCachedServiceReconcilesInPlace checks the comparison with the rows
// past MaxAge: a record removed and one changed without a trace in the
// change stamp are put right, in the snapshot and then in its file.
func TestCachedServiceReconcilesInPlace(t *testing.T) {
	l := newFakeLoader()
	clock := citdesk.NewFakeClock(cacheNow)
	dir := t.TempDir()
	opts := outcomes.CacheOptions{MaxAge: 10 * time.Minute, Dir: dir, SaveEvery: time.Minute}
	analyst := as(1, citdesk.RoleAnalyst)
	for id := range int64(5) {
		l.put(1, cacheEnc(id+1, outcomes.ForceNone))
	}
	svc := outcomes.NewCachedServiceWith(l, clock, opts)
	if c, d := figure(t, svc, analyst, "use_of_force"); c != 0 || d != 5 {
		t.Fatalf("use_of_force = %d of %d, want 0 of 5", c, d)
	}
	l.mu.Lock()
	delete(l.encs[1], 4)
	l.mu.Unlock()
	l.set(1, cacheEnc(5, outcomes.ForceLethal))
	clock.Advance(11 * time.Minute)
	figure(t, svc, analyst, "use_of_force") // starts the comparison
	waitFor(t, "the comparison", func() bool {
		c, d := figure(t, svc, analyst, "use_of_force")
		return c == 1 && d == 4
	})
	// The file follows once SaveEvery has passed; a new process reads it
	// and sees the same.
	clock.Advance(2 * time.Minute)
	figure(t, svc, analyst, "use_of_force")
	waitFor(t, "the file rewritten", func() bool {
		other := outcomes.NewCachedServiceWith(l, clock, outcomes.CacheOptions{Dir: dir})
		c, d := figure(t, other, analyst, "use_of_force")
		return c == 1 && d == 4
	})
	waitFor(t, "no write under way", func() bool {
		tmp, _ := filepath.Glob(filepath.Join(dir, "*.tmp"))
		return len(tmp) == 0
	})
}

// TestCachedServiceClose checks Close: it cancels a comparison with the
// rows under way rather than wait for it, the file written after the
// first read is whole, and nothing runs in the background afterwards.
func TestCachedServiceClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newFakeLoader()
		l.reload = make(chan struct{}) // never closed: the comparison waits for its context
		clock := citdesk.NewFakeClock(cacheNow)
		dir := t.TempDir()
		analyst := as(1, citdesk.RoleAnalyst)
		l.put(1, cacheEnc(1, outcomes.ForceNone))
		svc := outcomes.NewCachedServiceWith(l, clock, outcomes.CacheOptions{MaxAge: 10 * time.Minute, Dir: dir})
		figure(t, svc, analyst, "use_of_force")
		clock.Advance(11 * time.Minute)
		figure(t, svc, analyst, "use_of_force") // starts the comparison
		waitFor(t, "the comparison to read", func() bool { return l.count("LoadAll") == 2 })

		closed := make(chan struct{})
		go func() {
			defer close(closed)
			svc.(io.Closer).Close()
		}()
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			t.Fatal("Close still waiting after 5 s for a comparison it should have cancelled")
		}
		if _, err := os.Stat(outcomes.SnapshotFileName(dir, 1)); err != nil {
			t.Errorf("the file written after the first read: %v", err)
		}
		if tmp, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(tmp) != 0 {
			t.Errorf("temporary files left after Close: %v", tmp)
		}

		// Past MaxAge again, a request is still answered, but no comparison
		// starts.
		clock.Advance(11 * time.Minute)
		if c, d := figure(t, svc, analyst, "use_of_force"); c != 0 || d != 1 {
			t.Errorf("after Close use_of_force = %d of %d, want 0 of 1", c, d)
		}
		synctest.Wait() // whatever the request started has run, or waits
		if n := l.count("LoadAll"); n != 2 {
			t.Errorf("LoadAll called %d times after Close, want 2 (no comparison started)", n)
		}
	})
}

// TestCachedServiceRemovesUnfinishedFiles: the temporary file of a
// snapshot write cut short (its process stopped mid-write) is removed when
// the next service starts on the directory, and after each file a service
// writes, once it is older than a write takes. It may hold records erased
// since, and nothing else would ever remove it. This process's own
// temporary files (writes under way, however long) stay, as does another
// process's recent one (a write that may be under way) and other files.
func TestCachedServiceRemovesUnfinishedFiles(t *testing.T) {
	dir := t.TempDir()
	hourAgo := time.Now().Add(-time.Hour)
	write := func(name string, old bool) string {
		t.Helper()
		if err := os.WriteFile(name, []byte("CITDOUTC"), 0o600); err != nil {
			t.Fatal(err)
		}
		if old {
			if err := os.Chtimes(name, hourAgo, hourAgo); err != nil {
				t.Fatal(err)
			}
		}
		return name
	}
	unfinished := []string{
		write(filepath.Join(dir, "outcomes-1.snap.OTHERPROCESSTOKEN234567ABC.1234567.tmp"), true), // another process's, an hour old
		write(filepath.Join(dir, "outcomes-2.snap.7654321.tmp"), true),                            // from before temporary files named their process
	}
	kept := []string{
		write(outcomes.OwnSnapTemp(dir, 3), true),                                              // this process's: a write under way
		write(filepath.Join(dir, "outcomes-4.snap.OTHERPROCESSTOKEN234567ABC.555.tmp"), false), // another process's, just written
		write(outcomes.SnapshotFileName(dir, 5), true),
		write(filepath.Join(dir, "notes.tmp"), true),
	}
	check := func(when string) {
		t.Helper()
		for _, name := range unfinished {
			if _, err := os.Stat(name); !os.IsNotExist(err) {
				t.Errorf("%s: the unfinished snapshot file %s is still there: %v", when, filepath.Base(name), err)
			}
		}
		for _, name := range kept {
			if _, err := os.Stat(name); err != nil {
				t.Errorf("%s: %s: %v", when, filepath.Base(name), err)
			}
		}
	}
	l := newFakeLoader()
	l.put(1, cacheEnc(1, outcomes.ForceNone))
	svc := outcomes.NewCachedServiceWith(l, citdesk.NewFakeClock(cacheNow), outcomes.CacheOptions{Dir: dir})
	check("at start")

	// One more left behind while the service runs: gone after its next
	// file is written.
	unfinished = append(unfinished, write(filepath.Join(dir, "outcomes-6.snap.OTHERPROCESSTOKEN234567ABC.99.tmp"), true))
	figure(t, svc, as(1, citdesk.RoleAnalyst), "use_of_force")
	waitFor(t, "the file written and the unfinished one removed", func() bool {
		_, file := os.Stat(outcomes.SnapshotFileName(dir, 1))
		_, left := os.Stat(unfinished[len(unfinished)-1])
		return file == nil && os.IsNotExist(left)
	})
	check("after a write")
}
