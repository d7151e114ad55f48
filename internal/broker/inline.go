package broker

import (
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// A quiet connection writes a packet at once, in the goroutine that queued
// it (the publisher's read loop, for a delivery), instead of starting its
// writer goroutine. The writer is a handoff: on 2 cores the scheduler
// often runs it on the other one, and waking that idle core is what shows
// in the tail of publish-to-deliver latency (Roost's p99 at 100 msgs/s fell
// from 1.66 ms to 0.92 ms when run with GOMAXPROCS=1, where nothing is
// handed across cores). A busy connection keeps its writer, which batches
// whatever was queued meanwhile into one write(2).
//
// An inline write must never wait on the peer: it may run under a
// session's lock, and a slow subscriber must not stall the publisher. So
// beneath TLS, recordConn writes what the socket takes at once and leaves
// the rest to a goroutine of its own (flush), which every later write waits
// behind.

// inlineQuiet is how long a connection must have written nothing for its
// next packet to be written inline: below 1,000 packets a second or so.
const inlineQuiet = time.Millisecond

// writeState is recordConn's write side. Only tls.Conn writes to a
// recordConn, one Write at a time (under its own lock); mu orders those
// writes with flush. It is small: every connection has one.
type writeState struct {
	mu   sync.Mutex
	tail []byte        // accepted but not yet written; flush's
	done chan struct{} // non-nil while flush runs, closed when it ends
	err  error         // the first error flush met; every later Write returns it
	// inline is set by the connection's one inline writer around its
	// tls.Conn.Write: then a Write that the socket does not take whole
	// leaves the rest to flush instead of waiting.
	inline atomic.Bool
}

// Write writes p, never waiting when an inline write is under way (see
// writeState.inline); otherwise as net.Conn.Write, after any rest left to
// flush.
func (c *recordConn) Write(p []byte) (int, error) {
	if c.raw == nil {
		return c.Conn.Write(p)
	}
	w := &c.ws
	w.mu.Lock()
	inline := w.inline.Load()
	if w.done != nil && inline {
		w.tail = append(w.tail, p...) // the rest of a record already begun
		w.mu.Unlock()
		return len(p), nil
	}
	for w.done != nil {
		done := w.done
		w.mu.Unlock()
		<-done
		w.mu.Lock()
	}
	if w.err != nil {
		err := w.err
		w.mu.Unlock()
		return 0, err
	}
	n, err := c.writeNow(p)
	if err != nil || n == len(p) {
		w.mu.Unlock()
		return n, err
	}
	if !inline {
		w.mu.Unlock()
		m, err := c.writeAll(p[n:]) // waits for room, under the write deadline
		return n + m, err
	}
	w.tail = append(w.tail[:0], p[n:]...)
	w.done = make(chan struct{})
	w.mu.Unlock()
	go c.flush()
	return len(p), nil
}

// writeNow makes one non-blocking write(2): what the socket takes at once.
func (c *recordConn) writeNow(p []byte) (int, error) {
	return c.rawWrite(p, false)
}

// writeAll is net.Conn.Write made with rawWrite: it waits in the poller,
// under the write deadline, while the socket has no room.
func (c *recordConn) writeAll(p []byte) (int, error) {
	return c.rawWrite(p, true)
}

// rawWrite runs c.wr; the write side makes one call at a time (see
// writeState).
func (c *recordConn) rawWrite(p []byte, all bool) (int, error) {
	c.wr.p, c.wr.all = p, all
	rerr := c.raw.Write(c.wr.fn)
	n, err := c.wr.n, c.wr.err
	c.wr.p, c.wr.n, c.wr.err = nil, 0, nil
	switch {
	case rerr != nil:
		return n, rerr // closed, or the write deadline passed
	case err != nil:
		return n, os.NewSyscallError("write", err)
	}
	return n, nil
}

// rawWriteChunk bounds one write(2): the runtime cannot preempt a raw
// system call, and the socket may take megabytes at once; between chunks it
// can (a GC's stop-the-world waits for no more than a chunk's copy).
const rawWriteChunk = 64 << 10

func (c *recordConn) writeSome(fd uintptr) bool {
	w := &c.wr
	for w.n < len(w.p) {
		m, err := rawWrite(fd, w.p[w.n:min(len(w.p), w.n+rawWriteChunk)])
		switch {
		case err == syscall.EAGAIN:
			return !w.all // a full write waits for the poller
		case err != nil:
			w.err = err
			return true
		}
		w.n += m
	}
	return true
}

// flush writes what an inline write left, waiting for the peer under the
// write deadline the connection set. On an error it closes the socket, so
// that the read loop ends the connection.
func (c *recordConn) flush() {
	w := &c.ws
	var buf []byte
	w.mu.Lock()
	for len(w.tail) > 0 && w.err == nil {
		buf, w.tail = w.tail, buf[:0]
		w.mu.Unlock()
		_, err := c.writeAll(buf)
		w.mu.Lock()
		if err != nil {
			w.err = err
			c.Conn.Close()
		}
	}
	close(w.done)
	w.tail, w.done = nil, nil
	w.mu.Unlock()
}

// flushPending says whether an inline write's rest is still being written.
func (c *recordConn) flushPending() bool {
	c.ws.mu.Lock()
	defer c.ws.mu.Unlock()
	return c.ws.done != nil
}

// canInline says whether the next packet may be written inline: the
// connection can (TLS over a socket), has no writer running, has been
// quiet for inlineQuiet, and nothing is left from an inline write. The
// cheap tests come first: a busy connection's writer is usually running.
// wmu held.
func (c *conn) canInline() (time.Time, bool) {
	if c.idle == nil || c.writing {
		return time.Time{}, false
	}
	now := time.Now()
	return now, now.Sub(c.lastWrite) >= inlineQuiet && !c.idle.rec.flushPending()
}

// writeInline writes what is pending in the calling goroutine. The caller
// holds wmu and has checked canInline; writeInline releases wmu. Nothing
// else makes it wait: the connection has no other writer while writing is
// set, and crypto/tls interlocks Close with Write (a Write after Close
// fails at once; a Close during a Write skips close_notify).
func (c *conn) writeInline(now time.Time) {
	c.writing = true
	buf := c.pending
	c.pending = nil
	c.wmu.Unlock()

	inline := &c.idle.rec.ws.inline
	inline.Store(true)
	err := c.write(buf, now)
	inline.Store(false)

	c.wmu.Lock()
	c.writing = false
	c.lastWrite = time.Now()
	if err != nil {
		c.wmu.Unlock()
		// The caller may hold a session's lock, which close takes.
		go c.close("CONNECTION_LOST")
		return
	}
	if len(c.pending) > 0 || c.closing {
		c.startWriter() // queued while this write ran, or a kick to finish
	} else if cap(buf) <= maxSpare {
		c.pending = buf[:0]
	}
	c.wmu.Unlock()
}
