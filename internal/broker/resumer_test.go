package broker

import (
	"bytes"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// goid is the running goroutine's id, from its stack trace's first line
// ("goroutine 42 [running]:"); for tests only.
func goid() uint64 {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	buf = bytes.TrimPrefix(buf, []byte("goroutine "))
	id, _ := strconv.ParseUint(string(buf[:bytes.IndexByte(buf, ' ')]), 10, 64)
	return id
}

// waitIdle waits until r has n free resumers.
func waitIdle(t *testing.T, r *resumers, n int32) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); r.idle.Load() != n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d free resumers, want %d", r.idle.Load(), n)
		}
	}
}

// A free resumer runs the next job (on the goroutine, and so the stack, of
// the last); no more than maxIdle stay free after a burst; a free one ends
// after idleFor.
func TestResumers(t *testing.T) {
	r := newResumers(2, time.Hour)
	ids := make(chan uint64)
	job := func() { ids <- goid() }
	r.run(job)
	first := <-ids
	waitIdle(t, r, 1)
	for range 5 {
		r.run(job)
		if id := <-ids; id != first {
			t.Fatalf("job ran on goroutine %d, not on the free resumer %d", id, first)
		}
		waitIdle(t, r, 1)
	}

	// A burst of 5 at once: 4 more goroutines, of which 2 stay free.
	release := make(chan struct{})
	started := make(chan struct{})
	for range 5 {
		r.run(func() { started <- struct{}{}; <-release })
	}
	for range 5 {
		<-started
	}
	if r.idle.Load() != 0 {
		t.Fatalf("%d free resumers while all run", r.idle.Load())
	}
	close(release)
	waitIdle(t, r, 2)

	// A free resumer ends after idleFor.
	short := newResumers(2, 10*time.Millisecond)
	short.run(job)
	id := <-ids
	all := make([]byte, 1<<20)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		dump := all[:runtime.Stack(all, true)]
		if !bytes.Contains(dump, []byte("goroutine "+strconv.FormatUint(id, 10)+" [")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the free resumer %d did not end", id)
		}
	}
	if short.idle.Load() != 0 {
		t.Fatalf("%d free resumers after the last ended", short.idle.Load())
	}
}
