package broker

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roost-iot/roost/internal/mqtt"
)

// conn is one device connection. Its read loop runs in the goroutine that
// accepted it; writes are queued as encoded bytes and flushed by a writer
// goroutine that runs only while there is something to write, so an idle
// connection holds one goroutine.
type conn struct {
	b    *Broker
	nc   net.Conn    // TLS, or a WebSocket carrying MQTT
	src  io.Reader   // what rd.br reads: nc, or the TLS reader beneath the idle wait
	rd   *reading    // nil while an idle connection waits for data (idle)
	idle *idleWaiter // nil when the read loop cannot wait for data with a small stack
	v    mqtt.Version
	id   Identity
	s    *session

	grant     atomic.Pointer[Grant]
	keepAlive time.Duration
	recvMax   uint16 // the client's Receive Maximum [MQTT-3.3.4-9]
	maxOut    int    // the client's Maximum Packet Size, 0 = none
	aliases   map[uint16]string
	sessionID string // AWS sessionIdentifier of lifecycle events
	version   int64  // AWS versionNumber of this connection's events
	will      atomic.Pointer[mqtt.Will]
	rate      bucket

	wmu       sync.Mutex
	pending   []byte    // encoded packets waiting for the writer; wmu held
	writing   bool      // a writer goroutine or an inline write is running; wmu held
	lastWrite time.Time // when the last write ended; wmu held
	closing   bool      // close once pending is written; wmu held
	closed    bool      // wmu held
	reason    string    // disconnect reason (AWS disconnectReason); wmu held
	closeOnce sync.Once
}

// newConn wraps a connection whose peer is already authenticated (client
// certificate or SigV4); the client id is added at CONNECT.
func newConn(b *Broker, nc net.Conn, peer Identity) *conn {
	c := &conn{b: b, nc: nc, src: nc, id: peer, recvMax: 65535}
	if tr, idle := newIdleWaiter(nc, b.limits.IdleParkAfter, &b.stats.Parked); tr != nil {
		c.src, c.idle = tr, idle
		if idle != nil {
			idle.resume = c.resume
		}
	}
	c.rd = getReading(c.src)
	return c
}

// reading is what a connection needs only while it has input: its read
// buffer and the decoded packets the read loop reuses (about 1 KB). A
// connection that waits for data with the idle wait gives it back to a
// pool meanwhile. The packets are only used while dispatching one frame,
// and frames alias the buffer, so nothing may keep them beyond that.
type reading struct {
	br    bufio.Reader
	pub   mqtt.Publish
	ack   mqtt.Puback
	sub   mqtt.Subscribe
	unsub mqtt.Unsubscribe
	disc  mqtt.Disconnect
}

var readings = sync.Pool{New: func() any { return &reading{br: *bufio.NewReaderSize(nil, readBuffer)} }}

func getReading(src io.Reader) *reading {
	rd := readings.Get().(*reading)
	rd.br.Reset(src)
	return rd
}

func putReading(rd *reading) {
	rd.br.Reset(nil)
	readings.Put(rd)
}

// readBuffer is small on purpose: an idle connection holds it for its whole
// life. Telemetry PUBLISHes fit; a larger packet is read into a slice of its
// own (mqtt.ReadFrame), and tls.Conn buffers a whole record beneath anyway.
const readBuffer = 512

// maxPendingBytes bounds what may wait for a slow client before QoS 0
// deliveries to it are dropped (counted in Stats.Dropped).
const maxPendingBytes = 1 << 20

// start reads CONNECT, then leaves the read loop to a new goroutine and
// returns: the goroutine that did the TLS handshake has a stack grown by
// the crypto, which an idle connection should not keep.
func (c *conn) start() {
	if !c.open() {
		c.finish()
		return
	}
	go c.serve()
}

// serve runs the read loop until the connection ends or parks.
func (c *conn) serve() {
	if !c.readLoop() {
		c.finish()
	}
}

// resume restarts a parked connection's read loop on a resumer
// (resumer.go): its socket became readable, or (timedOut) its keep-alive
// deadline passed.
func (c *conn) resume(timedOut bool) {
	if timedOut {
		go func() {
			c.readFailed(os.ErrDeadlineExceeded)
			c.finish()
		}()
		return
	}
	theResumers.run(c.serveResumed)
}

func (c *conn) serveResumed() {
	c.rd = getReading(c.src)
	c.serve()
}

// run is start for callers that must block until the connection ends
// (an HTTP handler serving a WebSocket): it never parks.
func (c *conn) run() {
	defer c.finish()
	if c.idle != nil {
		c.idle.parker = nil
	}
	if c.open() {
		c.readLoop()
	}
}

// open reads and answers CONNECT; false ends the connection.
func (c *conn) open() bool {
	c.nc.SetReadDeadline(time.Now().Add(c.b.limits.ConnectTimeout))
	p, err := mqtt.ReadPacket(&c.rd.br, 0, c.b.limits.maxPacket())
	if err != nil {
		c.refuseConnect(err)
		return false
	}
	cp, ok := p.(*mqtt.Connect)
	if !ok {
		return false // the first packet must be CONNECT [MQTT-3.1.0-1]
	}
	return c.connect(cp)
}

// refuseConnect answers a CONNECT the codec rejected.
func (c *conn) refuseConnect(err error) {
	var me *mqtt.Error
	if !errors.As(err, &me) {
		return
	}
	switch me.Code {
	case mqtt.UnsupportedProtocolVersion:
		c.writeNow(&mqtt.Connack{ReasonCode: mqtt.UnsupportedProtocolVersion}, mqtt.V311) // [MQTT-3.1.2-2]
	case mqtt.ClientIdentifierNotValid:
		c.writeNow(&mqtt.Connack{ReasonCode: mqtt.ClientIdentifierNotValid}, mqtt.V311) // [MQTT-3.1.3-9]
	}
}

// writeNow writes one packet synchronously, before the writer exists.
func (c *conn) writeNow(p mqtt.Packet, v mqtt.Version) {
	b, err := p.AppendTo(nil, v)
	if err == nil {
		c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
		c.nc.Write(b)
	}
}

// readLoop serves the connection's input until it ends (false) or, quiet
// for long enough, parks (true): the goroutine then ends, and resume
// starts another when there is input.
func (c *conn) readLoop() (parked bool) {
	if c.idle != nil {
		defer func() {
			if !parked {
				putReading(c.rd)
				c.rd = nil
			}
		}()
	}
	max := c.b.limits.maxPacket()
	for {
		now := time.Now() // one clock read per packet, for both deadlines
		var deadline time.Time
		if c.keepAlive > 0 {
			// The server closes after 1.5 times the Keep Alive [MQTT-3.1.2-22].
			deadline = now.Add(c.keepAlive * 3 / 2)
		}
		if !c.idle.canWait(c.rd.br.Buffered()) {
			c.nc.SetReadDeadline(deadline)
		} else {
			putReading(c.rd)
			c.rd = nil
			parked, err := c.idle.wait(now, deadline) // sets the read deadline itself
			if parked {
				return true
			}
			c.rd = getReading(c.src)
			if err != nil {
				c.readFailed(err)
				return false
			}
		}
		h, body, err := mqtt.ReadFrame(&c.rd.br, max)
		if err != nil {
			c.readFailed(err)
			return false
		}
		c.b.stats.BytesIn.Add(int64(len(body) + 2))
		if !c.dispatch(h, body) {
			return false
		}
	}
}

func (c *conn) readFailed(err error) {
	var me *mqtt.Error
	var ne net.Error
	switch {
	case errors.As(err, &me):
		c.protocolFailure(me)
	case errors.As(err, &ne) && ne.Timeout():
		c.kick(mqtt.KeepAliveTimeout, "MQTT_KEEP_ALIVE_TIMEOUT")
	case errors.Is(err, io.EOF):
		c.close("CONNECTION_LOST")
	default:
		c.close("CONNECTION_LOST")
	}
}

// protocolFailure ends the connection for a malformed or forbidden packet:
// in 5.0 with a DISCONNECT carrying the reason, in 3.1.1 by closing
// [MQTT-4.8.0-1].
func (c *conn) protocolFailure(me *mqtt.Error) {
	c.b.log.Debug("mqtt protocol error", "client", c.id.ClientID, "err", me)
	c.kick(me.Code, "CLIENT_ERROR")
}

// dispatch handles one packet; false ends the connection.
func (c *conn) dispatch(h mqtt.Header, body []byte) bool {
	var err error
	switch h.Type {
	case mqtt.TypePublish:
		if err = c.rd.pub.Decode(h, body, c.v); err == nil {
			return c.onPublish(&c.rd.pub)
		}
	case mqtt.TypePuback:
		if err = c.rd.ack.Decode(h, body, c.v); err == nil {
			c.onPuback(c.rd.ack.PacketID)
			return true
		}
	case mqtt.TypePubrec:
		var p mqtt.Pubrec
		if err = p.Decode(h, body, c.v); err == nil {
			c.onPubrec((*mqtt.Puback)(&p))
			return true
		}
	case mqtt.TypePubrel:
		var p mqtt.Pubrel
		if err = p.Decode(h, body, c.v); err == nil {
			c.onPubrel(p.PacketID)
			return true
		}
	case mqtt.TypePubcomp:
		var p mqtt.Pubcomp
		if err = p.Decode(h, body, c.v); err == nil {
			c.onPuback(p.PacketID)
			return true
		}
	case mqtt.TypeSubscribe:
		if err = c.rd.sub.Decode(h, body, c.v); err == nil {
			c.onSubscribe(&c.rd.sub)
			return true
		}
	case mqtt.TypeUnsubscribe:
		if err = c.rd.unsub.Decode(h, body, c.v); err == nil {
			c.onUnsubscribe(&c.rd.unsub)
			return true
		}
	case mqtt.TypePingreq:
		var p mqtt.Pingreq
		if err = p.Decode(h, body, c.v); err == nil {
			c.send(&mqtt.Pingresp{}) // [MQTT-3.12.4-1]
			return true
		}
	case mqtt.TypeDisconnect:
		if err = c.rd.disc.Decode(h, body, c.v); err == nil {
			c.onDisconnect(&c.rd.disc)
			return false
		}
	default:
		// A malformed packet is answered as malformed (0x81); a well-formed
		// one that has no place here is a Protocol Error (0x82): CONNECT
		// twice [MQTT-3.1.0-2], server-to-client packets, and AUTH (no
		// extended authentication was negotiated).
		if _, err = mqtt.Decode(h, body, c.v); err == nil {
			err = &mqtt.Error{Code: mqtt.ProtocolError, Packet: h.Type, Msg: "unexpected packet"}
		}
	}
	var me *mqtt.Error
	if errors.As(err, &me) {
		c.protocolFailure(me)
	} else {
		c.close("CLIENT_ERROR")
	}
	return false
}

// send queues a packet for the writer. It reports false when the packet
// was not queued (connection closing, or too much already waiting and
// droppable is set).
func (c *conn) send(p mqtt.Packet) bool { return c.enqueue(p, false) }

func (c *conn) enqueue(p mqtt.Packet, droppable bool) bool {
	return c.enqueueWith(droppable, p.Type(), p.Size, p.AppendTo)
}

// enqueueWith is enqueue for a packet given by its methods. A packet
// passed as mqtt.Packet escapes to the heap (the compiler cannot see
// through an interface call); method values of a concrete packet, as the
// publish and acknowledgement paths pass, keep it on their stack.
func (c *conn) enqueueWith(droppable bool, t mqtt.PacketType, size func(mqtt.Version) int,
	appendTo func([]byte, mqtt.Version) ([]byte, error)) bool {
	c.wmu.Lock()
	if c.closed || c.closing {
		c.wmu.Unlock()
		return false
	}
	if droppable && len(c.pending) > maxPendingBytes {
		c.wmu.Unlock()
		return false
	}
	if c.maxOut > 0 && size(c.v) > c.maxOut {
		c.wmu.Unlock()
		return false // never send more than the client accepts [MQTT-3.1.2-24]
	}
	var err error
	if c.pending, err = appendTo(c.pending, c.v); err != nil {
		c.wmu.Unlock()
		c.b.log.Error("mqtt encode failed", "client", c.id.ClientID, "packet", t, "err", err)
		return false
	}
	if now, ok := c.canInline(); ok {
		c.writeInline(now) // releases wmu
		return true
	}
	c.startWriter()
	c.wmu.Unlock()
	return true
}

// startWriter runs the writer if it is not running. wmu held.
func (c *conn) startWriter() {
	if !c.writing {
		c.writing = true
		go c.writeLoop()
	}
}

// writeTimeout bounds one write to a client that does not read.
const writeTimeout = 30 * time.Second

// maxSpare is the largest write buffer a connection keeps for its next
// packets; a bigger one goes to the GC.
const maxSpare = 16 * 1024

// write writes encoded packets, under the write deadline, and counts them.
func (c *conn) write(buf []byte, now time.Time) error {
	c.nc.SetWriteDeadline(now.Add(writeTimeout))
	n, err := c.nc.Write(buf)
	c.b.stats.BytesOut.Add(int64(n))
	return err
}

func (c *conn) writeLoop() {
	var spare []byte
	var wrote time.Time
	for {
		c.wmu.Lock()
		if !wrote.IsZero() {
			c.lastWrite = wrote
		}
		if len(c.pending) == 0 || c.closed {
			c.writing = false
			closing := c.closing && !c.closed
			c.wmu.Unlock()
			if closing {
				c.close("")
			}
			return
		}
		buf := c.pending
		c.pending = spare[:0]
		c.wmu.Unlock()
		if err := c.write(buf, time.Now()); err != nil {
			c.close("CONNECTION_LOST")
			return
		}
		wrote = time.Now()
		spare = nil
		if cap(buf) <= maxSpare {
			spare = buf[:0]
		}
	}
}

// kick ends the connection from the server side: a DISCONNECT with code in
// 5.0 (3.1.1 has no server DISCONNECT), then close once it is written.
func (c *conn) kick(code mqtt.ReasonCode, reason string) {
	c.wmu.Lock()
	if c.closed || c.closing {
		c.wmu.Unlock()
		return
	}
	c.reason = reason
	if c.v == mqtt.V5 && code != 0 {
		if b, err := (&mqtt.Disconnect{ReasonCode: code}).AppendTo(c.pending, c.v); err == nil {
			c.pending = b
		}
	}
	c.closing = true
	c.startWriter()
	c.wmu.Unlock()
	time.AfterFunc(2*time.Second, func() { c.close(reason) })
}

// finish runs when the read loop ends, on the goroutine that read: nothing
// reads the connection after it. If a kick is sending its
// DISCONNECT, the writer (or kick's timer) closes once it is written;
// closing here would cut it off.
func (c *conn) finish() {
	c.idle.done()
	c.wmu.Lock()
	kicking := c.closing && !c.closed
	c.wmu.Unlock()
	if !kicking {
		c.close("CONNECTION_LOST")
	}
}

// close ends the connection at once and settles its session and will.
func (c *conn) close(reason string) {
	c.closeOnce.Do(func() {
		c.wmu.Lock()
		c.closed = true
		if c.reason == "" {
			c.reason = reason
		}
		c.wmu.Unlock()
		c.nc.Close()
		c.idle.unpark()
		c.b.detach(c)
	})
}
