//go:build linux

package broker

import (
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// parkedPair is a loopback TCP connection whose server side is an
// idleWaiter on the process's parker; resumes are recorded.
type parkedPair struct {
	client net.Conn
	w      *idleWaiter
	gauge  atomic.Int64
	woken  chan bool // each resume's timedOut
}

func newParkedPair(t *testing.T) *parkedPair {
	t.Helper()
	server, client := tcpPair(t, nil)
	p := &parkedPair{client: client, woken: make(chan bool, 4)}
	p.w = &idleWaiter{rec: newRecordConn(server), parker: getParker(), gauge: &p.gauge}
	p.w.resume = func(timedOut bool) { p.woken <- timedOut }
	if p.w.parker == nil {
		t.Skip("no epoll")
	}
	return p
}

// resumed waits for one resume and returns its timedOut.
func (p *parkedPair) resumed(t *testing.T) bool {
	t.Helper()
	select {
	case to := <-p.woken:
		return to
	case <-time.After(10 * time.Second):
		t.Fatal("a parked connection was not resumed")
	}
	return false
}

// quiet checks that no resume comes within d.
func (p *parkedPair) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case to := <-p.woken:
		t.Fatalf("resumed (timedOut %v) when it should not be", to)
	case <-time.After(d):
	}
}

// The parker resumes a connection exactly once: for input, for its
// deadline, or not at all once taken back (closed); a late timer of an
// earlier park does not resume a later one.
func TestParker(t *testing.T) {
	p := newParkedPair(t)

	// Input wakes it, and re-parking re-arms the one-shot registration.
	for range 3 {
		if !p.w.parker.park(p.w, time.Time{}) {
			t.Fatal("park failed")
		}
		if p.gauge.Load() != 1 {
			t.Fatalf("gauge %d while parked", p.gauge.Load())
		}
		p.quiet(t, 30*time.Millisecond)
		p.client.Write([]byte{0xc0, 0x00})
		if p.resumed(t) {
			t.Fatal("input resumed it as timed out")
		}
		buf := make([]byte, 8)
		p.w.rec.Conn.Read(buf) // consume, as the read loop would
		if p.gauge.Load() != 0 {
			t.Fatalf("gauge %d after a wake", p.gauge.Load())
		}
	}

	// Data already there when it parks: reported at once (level-triggered).
	p.client.Write([]byte{0xc0, 0x00})
	time.Sleep(20 * time.Millisecond)
	p.w.parker.park(p.w, time.Time{})
	if p.resumed(t) {
		t.Fatal("pending input resumed it as timed out")
	}
	p.w.rec.Conn.Read(make([]byte, 8))

	// The deadline passes: resumed as timed out, once.
	p.w.parker.park(p.w, time.Now().Add(50*time.Millisecond))
	if !p.resumed(t) {
		t.Fatal("the deadline resumed it as not timed out")
	}
	p.quiet(t, 100*time.Millisecond)

	// Input before the deadline: resumed once, and the stopped timer (or a
	// late one) does not resume the next park, whose deadline is later.
	p.w.parker.park(p.w, time.Now().Add(80*time.Millisecond))
	p.client.Write([]byte{0xc0, 0x00})
	if p.resumed(t) {
		t.Fatal("input resumed it as timed out")
	}
	p.w.rec.Conn.Read(make([]byte, 8))
	p.w.parker.park(p.w, time.Now().Add(time.Hour))
	p.quiet(t, 150*time.Millisecond)

	// Taken back (the connection closed meanwhile): never resumed, even
	// when input then comes.
	p.w.unpark()
	if p.gauge.Load() != 0 {
		t.Fatalf("gauge %d after unpark", p.gauge.Load())
	}
	p.client.Write([]byte{0xc0, 0x00})
	p.quiet(t, 50*time.Millisecond)

	// A closed socket cannot park: the caller keeps waiting itself.
	p.w.rec.Close()
	if p.w.parker.park(p.w, time.Time{}) {
		t.Fatal("a closed connection parked")
	}
	if p.gauge.Load() != 0 {
		t.Fatalf("gauge %d after a failed park", p.gauge.Load())
	}
}

// The peer closing a parked connection wakes it (the read then finds the
// end of stream).
func TestParkerWakesOnPeerClose(t *testing.T) {
	p := newParkedPair(t)
	p.w.parker.park(p.w, time.Time{})
	p.client.Close()
	if p.resumed(t) {
		t.Fatal("a peer close resumed it as timed out")
	}
}

// More connections than one epoll_wait takes (256) become readable at
// once: every one is resumed. The parker waits for its epoll instance in
// Go's poller, which reports it edge-triggered, so it must take events
// until none are left before it waits again.
func TestParkerResumesABurstBeyondOneWait(t *testing.T) {
	const n = 300
	pairs := make([]*parkedPair, n)
	for i := range pairs {
		pairs[i] = newParkedPair(t)
		if !pairs[i].w.parker.park(pairs[i].w, time.Time{}) {
			t.Fatal("park failed")
		}
	}
	time.Sleep(20 * time.Millisecond) // every registration in place before any input
	for _, p := range pairs {
		p.client.Write([]byte{0xc0, 0x00})
	}
	for _, p := range pairs {
		if p.resumed(t) {
			t.Fatal("input resumed it as timed out")
		}
	}
}
