package broker

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// An idle device connection costs what its goroutine and buffers hold while
// it waits. A goroutine parked inside tls.Conn.Read keeps a 4 KB stack (the
// TLS record path is deep); one parked in a bare readiness wait shrinks to
// 2 KB at the next GC. So the read loop waits for the socket to become
// readable first, and only then reads through TLS, which then finds its
// record already there. That is only correct when TLS holds nothing
// already read: recordConn keeps tls.Conn from reading past the record it
// is on, and tlsReader tells whether its last Read drained the record.

// NewListener is tls.NewListener for the device gateway: each accepted
// TCP connection is served by TLS through a recordConn, so that its read
// loop can wait for data with a small stack.
func NewListener(inner net.Listener, config *tls.Config) net.Listener {
	return &listener{Listener: inner, config: config}
}

type listener struct {
	net.Listener
	config *tls.Config
}

func (l *listener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return tls.Server(newRecordConn(nc), l.config), nil
}

// recordHeaderLen is the TLS record header: type, version, length
// (RFC 8446 section 5.1, the same in TLS 1.2).
const recordHeaderLen = 5

// recordConn hands the bytes of a TCP connection to tls.Conn one TLS record
// at a time: a Read never returns bytes past the end of the current record,
// so once tls.Conn has consumed a record it holds nothing more. What the
// socket delivers beyond that waits here, in a pooled buffer that only a
// connection with unread input holds, so one read(2) still serves many
// records. Only tls.Conn reads it (serially).
type recordConn struct {
	net.Conn
	raw    syscall.RawConn // nil when the connection has no descriptor to wait on
	buf    *[]byte         // pooled; nil when nothing is buffered
	r, w   int             // (*buf)[r:w] is unread
	hdr    [recordHeaderLen]byte
	nh     int // header bytes of the current record handed over so far
	left   int // body bytes of the current record not yet handed over, once nh is complete
	peek   [1]byte
	polled bool                  // waitReadable has waited for the poller once
	wait   func(fd uintptr) bool // the readiness test, made once
	rd     rawCall               // the read side's read(2)

	ws writeState // the write side (inline.go)
	wr rawCall    // the write side's write(2), under ws's ordering
}

// rawCall is one read(2) or write(2) made through syscall.RawConn, its
// arguments and results kept in the connection: its func is made once per
// connection, so a call allocates nothing (a closure over locals would
// escape, several allocations per packet).
type rawCall struct {
	fn  func(fd uintptr) bool
	p   []byte
	n   int
	err error
	all bool // a write of all of p, waiting for room; otherwise what the socket takes now
}

// readChunk is what one read(2) may take: a full TLS record and then some.
const readChunk = 16 << 10

var readChunks = sync.Pool{New: func() any { b := make([]byte, readChunk); return &b }}

func newRecordConn(nc net.Conn) *recordConn {
	c := &recordConn{Conn: nc}
	if sc, ok := nc.(syscall.Conn); ok && waitsOnDescriptor {
		if raw, err := sc.SyscallConn(); err == nil {
			c.raw = raw
			c.wait = c.readable
			c.rd.fn = c.readSome
			c.wr.fn = c.writeSome
		}
	}
	return c
}

func (c *recordConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if c.r == c.w {
		if err := c.fill(); err != nil {
			return 0, err
		}
	}
	in := (*c.buf)[c.r:c.w]
	var n int
	if c.nh < recordHeaderLen {
		n = copy(p[:min(len(p), recordHeaderLen-c.nh)], in)
		copy(c.hdr[c.nh:], p[:n])
		c.nh += n
		if c.nh == recordHeaderLen {
			c.left = int(c.hdr[3])<<8 | int(c.hdr[4])
		}
	}
	// The body goes with its header when there is room: tls.Conn then
	// finds the whole record after its first read (each of its reads
	// allocates).
	if c.nh == recordHeaderLen {
		m := copy(p[n:min(len(p), n+c.left)], in[n:])
		c.left -= m
		n += m
		if c.left == 0 {
			c.nh = 0
		}
	}
	if c.r += n; c.r == c.w {
		c.release()
	}
	return n, nil
}

// fill reads what the socket has into an empty buffer. An error that comes
// with data is left for the next read to meet again.
func (c *recordConn) fill() error {
	if c.buf == nil {
		c.buf = readChunks.Get().(*[]byte)
	}
	n, err := c.read(*c.buf)
	c.r, c.w = 0, n
	if n > 0 {
		return nil
	}
	c.release()
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// read is net.Conn.Read made with rawRead: it waits in the poller, under
// the read deadline, while the socket is empty.
func (c *recordConn) read(p []byte) (int, error) {
	if c.raw == nil {
		return c.Conn.Read(p)
	}
	c.rd.p = p
	rerr := c.raw.Read(c.rd.fn)
	n, err := c.rd.n, c.rd.err
	c.rd.p, c.rd.n, c.rd.err = nil, 0, nil
	switch {
	case rerr != nil:
		return 0, rerr // closed, or the read deadline passed
	case err != nil:
		return 0, os.NewSyscallError("read", err)
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

func (c *recordConn) readSome(fd uintptr) bool {
	c.rd.n, c.rd.err = rawRead(fd, c.rd.p)
	return c.rd.err != syscall.EAGAIN // otherwise wait for the poller
}

func (c *recordConn) release() {
	if c.buf != nil {
		readChunks.Put(c.buf)
		c.buf, c.r, c.w = nil, 0, 0
	}
}

// drained says whether tls.Conn has been handed every byte read from the
// socket, ending on a record boundary: nothing is half-read beneath it.
func (c *recordConn) drained() bool { return c.buf == nil && c.nh == 0 }

// waitReadable blocks until the socket has data, is closed by the peer, or
// fails, without reading; it returns the read deadline's or the close's
// error. It must not run concurrently with Read.
func (c *recordConn) waitReadable() error {
	c.polled = false
	return c.raw.Read(c.wait)
}

// readable peeks at the socket: true when a read would not block (data,
// end of stream or an error, which the TLS read then reports). Once the
// poller has woken the wait, the socket is readable without asking again
// (if the wake-up was spurious, the TLS read waits instead, correctly,
// with a larger stack).
func (c *recordConn) readable(fd uintptr) bool {
	if c.polled {
		return true
	}
	c.polled = true
	return !rawPeekEmpty(fd, &c.peek)
}

// tlsReader is the tls.Conn beneath a connection's bufio.Reader. It
// remembers whether its last Read returned less than asked, which means
// tls.Conn handed over all it had decrypted (tls.Conn.Read copies from its
// current record and returns; it reads another only when that one is
// empty).
type tlsReader struct {
	*tls.Conn
	short bool
}

func (r *tlsReader) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.short = n < len(p)
	return n, err
}

// idleWaiter is how a read loop waits with a small stack, and then with
// none (parked); nil for connections that cannot (WebSocket, plain TCP).
type idleWaiter struct {
	tls *tlsReader
	rec *recordConn

	// Parking (park_linux.go); parker is nil where it is unavailable.
	parker     *parker
	parkAfter  time.Duration
	gauge      *atomic.Int64       // the broker's count of parked connections
	resume     func(timedOut bool) // restarts the read loop on a resumer (resumer.go)
	registered bool                // the socket is in the parker's epoll set
	// Under parker.mu:
	token    uint64
	deadline time.Time
	timer    *time.Timer
}

func newIdleWaiter(nc net.Conn, parkAfter time.Duration, gauge *atomic.Int64) (*tlsReader, *idleWaiter) {
	tc, ok := nc.(*tls.Conn)
	if !ok {
		return nil, nil
	}
	tr := &tlsReader{Conn: tc}
	rec, ok := tc.NetConn().(*recordConn)
	if !ok || rec.raw == nil {
		return tr, nil
	}
	w := &idleWaiter{tls: tr, rec: rec, parkAfter: parkAfter, gauge: gauge}
	if parkAfter > 0 {
		w.parker = getParker()
	}
	return tr, w
}

// canWait says whether the read loop may wait with wait: nothing is
// buffered above TLS (buffered, what the bufio.Reader holds), in it, or
// beneath it.
func (w *idleWaiter) canWait(buffered int) bool {
	return w != nil && buffered == 0 && w.tls.short && w.rec.drained()
}

// wait blocks until data arrives, the keep-alive deadline (zero: none)
// passes or the connection closes, and leaves the read deadline set to
// it. A connection still quiet parkAfter after now is parked instead:
// wait returns true, the read loop's goroutine ends, and w.resume starts
// another when there is something to do.
func (w *idleWaiter) wait(now, deadline time.Time) (parked bool, err error) {
	var park time.Time
	if w.parker != nil {
		park = now.Add(w.parkAfter)
	}
	if park.IsZero() || !deadline.IsZero() && !park.Before(deadline) {
		w.rec.SetReadDeadline(deadline)
		return false, w.rec.waitReadable()
	}
	w.rec.SetReadDeadline(park)
	err = w.rec.waitReadable()
	if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
		w.rec.SetReadDeadline(deadline)
		return false, err
	}
	if w.parker.park(w, deadline) {
		return true, nil
	}
	w.rec.SetReadDeadline(deadline)
	return false, w.rec.waitReadable()
}

// done gives the read buffer beneath TLS back to its pool once the
// connection has stopped reading for good. It may still hold input nobody
// will read: a client's close_notify arrives with its DISCONNECT, and
// without this every such connection would leave a 16 KB chunk to the GC.
func (w *idleWaiter) done() {
	if w != nil {
		w.rec.release()
	}
}

// unpark drops the connection from the parker, for a connection closed
// while parked: it is then never resumed.
func (w *idleWaiter) unpark() {
	if w != nil && w.parker != nil {
		w.parker.take(w)
	}
}
