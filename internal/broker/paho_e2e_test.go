package broker_test

// The harness of the paho conformance tests (paho5_e2e_test.go,
// paho311_e2e_test.go, paho_python_e2e_test.go, malformed_e2e_test.go): a
// whole server on loopback, devices registered with certificates and the
// seed 000 policies, the Eclipse Paho MQTT 5 client (paho.Client, the
// low-level client that leaves every packet to the caller), and a raw MQTT
// connection over mutual TLS for what a well-behaved client never sends or
// does not show (wire).

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"

	"github.com/roost-iot/roost/internal/config"
	"github.com/roost-iot/roost/internal/registry"
	"github.com/roost-iot/roost/internal/roosttest"
)

// wait bounds every single expected event (a packet, a message, a close).
const wait = 10 * time.Second

// closeWait bounds how long a server takes to close a connection it must
// close (it does so at once).
const closeWait = 5 * time.Second

// gateway is a running server with registered devices.
type gateway struct {
	t     *testing.T
	srv   *roosttest.Instance
	reg   *registry.Service
	dir   string // certificate and key files, by device name
	ca    string // the root CA's PEM file
	roots *x509.CertPool
	certs map[string]tls.Certificate
}

// startGateway starts a server with the seed 000 device policy
// (SensorPolicy) and an allow-all policy (Admin).
func startGateway(t *testing.T, mod ...func(*config.Config)) *gateway {
	t.Helper()
	srv := roosttest.StartServer(t, mod...)
	g := &gateway{t: t, srv: srv, reg: srv.Server.Registry(), dir: t.TempDir(),
		ca: filepath.Join(srv.Config.DataDir, "ca.pem"), certs: map[string]tls.Certificate{}}
	pem, err := os.ReadFile(g.ca)
	must(t, err)
	g.roots = x509.NewCertPool()
	if !g.roots.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", g.ca)
	}
	for name, doc := range map[string]string{"SensorPolicy": devicePolicy, "Admin": adminPolicy} {
		_, err := g.reg.CreatePolicy(ctx, name, doc, nil)
		must(t, err)
	}
	return g
}

// with returns g for a subtest: failures go to t.
func (g *gateway) with(t *testing.T) *gateway {
	c := *g
	c.t = t
	return &c
}

// addr is the gateway's address (it changes when the server restarts).
func (g *gateway) addr() string { return g.srv.Server.MQTTAddr() }

// device registers an ACTIVE certificate with policy attached, attached to
// a new thing with attrs when attrs is not nil, and writes its files.
func (g *gateway) device(name, policy string, attrs map[string]string) {
	g.t.Helper()
	c, err := g.reg.CreateKeysAndCertificate(ctx, true)
	must(g.t, err)
	must(g.t, g.reg.AttachPolicy(ctx, policy, c.ARN))
	if attrs != nil {
		_, err = g.reg.CreateThing(ctx, registry.CreateThingInput{Name: name, Attributes: attrs})
		must(g.t, err)
		must(g.t, g.reg.AttachThingPrincipal(ctx, name, c.ARN, ""))
	}
	must(g.t, os.WriteFile(g.certFile(name), []byte(c.PEM), 0o600))
	must(g.t, os.WriteFile(g.keyFile(name), []byte(c.PrivateKeyPEM), 0o600))
	kp, err := tls.X509KeyPair([]byte(c.PEM), []byte(c.PrivateKeyPEM))
	must(g.t, err)
	g.certs[name] = kp
}

func (g *gateway) certFile(name string) string { return filepath.Join(g.dir, name+".pem") }
func (g *gateway) keyFile(name string) string  { return filepath.Join(g.dir, name+".key") }

// tlsConfig is a device's client side of mutual TLS, verifying the server
// against the root CA (the server certificate has an IP SAN for 127.0.0.1).
func (g *gateway) tlsConfig(name string, alpn ...string) *tls.Config {
	g.t.Helper()
	kp, ok := g.certs[name]
	if !ok {
		g.t.Fatalf("no device %q", name)
	}
	host, _, err := net.SplitHostPort(g.addr())
	must(g.t, err)
	return &tls.Config{Certificates: []tls.Certificate{kp}, RootCAs: g.roots, ServerName: host, NextProtos: alpn,
		MinVersion: tls.VersionTLS12}
}

// dial opens a mutual TLS connection as device name; the test closes it
// when it ends.
func (g *gateway) dial(name string, alpn ...string) *tls.Conn {
	g.t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: wait}, "tcp", g.addr(), g.tlsConfig(name, alpn...))
	if err != nil {
		g.t.Fatalf("tls dial as %s: %v", name, err)
	}
	g.t.Cleanup(func() { c.Close() })
	return c
}

// connections is the broker's count of live MQTT connections.
func (g *gateway) connections() int64 { return g.srv.Server.Broker().Stats().Connections.Load() }

// settle waits until the broker counts exactly n live connections: after a
// client goes away, its session is offline (and its will settled) only once
// the broker has noticed.
func (g *gateway) settle(n int64) {
	g.t.Helper()
	deadline := time.Now().Add(wait)
	for g.connections() != n {
		if time.Now().After(deadline) {
			g.t.Fatalf("waited for %d live connections, the broker counts %d", n, g.connections())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// client5 is a connected paho MQTT 5 client that queues what it receives.
type client5 struct {
	*paho.Client
	t     *testing.T
	msgs  chan *paho.Publish    // application messages, in arrival order
	discs chan *paho.Disconnect // DISCONNECTs from the server
}

// v5 connects a paho MQTT 5 client as device name and fails the test if the
// CONNACK is not a success.
func (g *gateway) v5(name string, cp *paho.Connect) (*client5, *paho.Connack) {
	g.t.Helper()
	c, ack, err := g.tryV5(name, cp)
	if err != nil {
		g.t.Fatalf("MQTT 5 connect %q as %s: %v (CONNACK %+v)", cp.ClientID, name, err, ack)
	}
	return c, ack
}

// tryV5 connects a paho MQTT 5 client and returns the CONNACK, if any.
func (g *gateway) tryV5(name string, cp *paho.Connect, alpn ...string) (*client5, *paho.Connack, error) {
	g.t.Helper()
	c := &client5{t: g.t, msgs: make(chan *paho.Publish, 1024), discs: make(chan *paho.Disconnect, 1)}
	c.Client = paho.NewClient(paho.ClientConfig{
		Conn: packets.NewThreadSafeConn(g.dial(name, alpn...)),
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(r paho.PublishReceived) (bool, error) {
			select {
			case c.msgs <- r.Packet:
			default:
				c.t.Errorf("client %s: more than %d messages not read by the test", cp.ClientID, cap(c.msgs))
			}
			return true, nil
		}},
		OnServerDisconnect: func(d *paho.Disconnect) { c.discs <- d },
		PacketTimeout:      wait,
	})
	cctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	ack, err := c.Connect(cctx, cp)
	if err != nil {
		return nil, ack, err
	}
	g.t.Cleanup(func() { c.Disconnect(&paho.Disconnect{}) })
	return c, ack, nil
}

// with returns c for a subtest: failures go to t.
func (c *client5) with(t *testing.T) *client5 {
	d := *c
	d.t = t
	return &d
}

// conn5 is a CONNECT for client id: Clean Start, keep alive 60 s, and
// Session Expiry Interval expiry (0: the session ends with the connection).
func conn5(clientID string, cleanStart bool, expiry uint32) *paho.Connect {
	cp := &paho.Connect{ClientID: clientID, CleanStart: cleanStart, KeepAlive: 60,
		Properties: &paho.ConnectProperties{RequestProblemInfo: true}}
	if expiry > 0 {
		cp.Properties.SessionExpiryInterval = &expiry
	}
	return cp
}

// sub subscribes to one filter with options and returns the SUBACK reason
// code; a refusal is returned, not failed.
func (c *client5) sub(o paho.SubscribeOptions, subID ...int) byte {
	c.t.Helper()
	s := &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{o}}
	if len(subID) > 0 {
		s.Properties = &paho.SubscribeProperties{SubscriptionIdentifier: &subID[0]}
	}
	sctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	ack, err := c.Subscribe(sctx, s)
	if ack == nil || len(ack.Reasons) != 1 {
		c.t.Fatalf("subscribe %q: no SUBACK with one reason code (%+v, %v)", o.Topic, ack, err)
	}
	return ack.Reasons[0]
}

// mustSub subscribes at QoS 1 and fails the test unless QoS 1 is granted.
func (c *client5) mustSub(filter string) {
	c.t.Helper()
	if code := c.sub(paho.SubscribeOptions{Topic: filter, QoS: 1}); code != 1 {
		c.t.Fatalf("subscribe %q: SUBACK reason 0x%02x, want 0x01 (granted QoS 1)", filter, code)
	}
}

// pub publishes and returns the PUBACK reason code (0 for QoS 0); a refusal
// is returned, not failed.
func (c *client5) pub(p *paho.Publish) byte {
	c.t.Helper()
	pctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	r, err := c.Publish(pctx, p)
	if r == nil {
		c.t.Fatalf("publish to %q: no PUBACK: %v", p.Topic, err)
	}
	return r.ReasonCode
}

// mustPub publishes at QoS 1 and fails the test unless the PUBACK says
// success.
func (c *client5) mustPub(topic, payload string) {
	c.t.Helper()
	if code := c.pub(&paho.Publish{Topic: topic, QoS: 1, Payload: []byte(payload)}); code != 0 {
		c.t.Fatalf("publish to %q: PUBACK reason 0x%02x", topic, code)
	}
}

// next returns the next application message, failing after wait.
func (c *client5) next() *paho.Publish {
	c.t.Helper()
	return c.nextWithin(wait)
}

func (c *client5) nextWithin(d time.Duration) *paho.Publish {
	c.t.Helper()
	select {
	case m := <-c.msgs:
		return m
	case <-time.After(d):
		c.t.Fatalf("no message within %s", d)
		return nil
	}
}

// expect reads the next message and checks its topic and payload.
func (c *client5) expect(topic, payload string) *paho.Publish {
	c.t.Helper()
	m := c.next()
	if m.Topic != topic || string(m.Payload) != payload {
		c.t.Fatalf("got %q on %q, want %q on %q", m.Payload, m.Topic, payload, topic)
	}
	return m
}

// gone waits until the server has ended the connection and returns its
// DISCONNECT, nil if it closed without one.
func (c *client5) gone() *paho.Disconnect {
	c.t.Helper()
	select {
	case <-c.Done():
	case <-time.After(wait):
		c.t.Fatalf("the connection is still open after %s", wait)
	}
	select {
	case d := <-c.discs:
		return d
	case <-time.After(time.Second): // OnServerDisconnect runs in its own goroutine, after Done
		return nil
	}
}

// wire is a raw MQTT connection over mutual TLS: packets are written as the
// test builds them (with paho's packet codec or by hand) and frames are
// read as the server sent them.
type wire struct {
	t    *testing.T
	conn *tls.Conn
	in   chan []byte   // frames, fixed header included
	end  chan struct{} // closed when the server has closed the connection
	mu   sync.Mutex
	err  error // why reading ended; mu held
}

// wire opens a raw connection as device name.
func (g *gateway) wire(name string) *wire {
	g.t.Helper()
	w := &wire{t: g.t, conn: g.dial(name), in: make(chan []byte, 1024), end: make(chan struct{})}
	go w.read()
	return w
}

func (w *wire) read() {
	defer close(w.end)
	for {
		f, err := readFrame(w.conn)
		if err != nil {
			w.mu.Lock()
			w.err = err
			w.mu.Unlock()
			return
		}
		w.in <- f
	}
}

// readFrame reads one MQTT frame: the fixed header byte, the Remaining
// Length (§1.5.5) and that many bytes.
func readFrame(r io.Reader) ([]byte, error) {
	f := make([]byte, 1, 64)
	if _, err := io.ReadFull(r, f); err != nil {
		return nil, err
	}
	n, mul := 0, 1
	for i := 0; ; i++ {
		var b [1]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, err
		}
		f = append(f, b[0])
		n += int(b[0]&0x7f) * mul
		if b[0]&0x80 == 0 {
			break
		}
		if mul *= 128; i == 3 {
			return nil, errors.New("remaining length longer than 4 bytes")
		}
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	return append(f, body...), nil
}

// send writes a packet built with paho's codec.
func (w *wire) send(p io.WriterTo) {
	w.t.Helper()
	var b bytes.Buffer
	if _, err := p.WriteTo(&b); err != nil {
		w.t.Fatalf("encode %T: %v", p, err)
	}
	w.sendRaw(b.Bytes())
}

// sendRaw writes bytes as they are.
func (w *wire) sendRaw(b []byte) {
	w.t.Helper()
	w.conn.SetWriteDeadline(time.Now().Add(wait))
	if _, err := w.conn.Write(b); err != nil {
		w.t.Fatalf("write % x: %v", b, err)
	}
}

// frame returns the next frame the server sent, failing if none comes or
// the connection ends.
func (w *wire) frame() []byte {
	w.t.Helper()
	select {
	case f := <-w.in:
		return f
	case <-w.end:
		select {
		case f := <-w.in:
			return f
		default:
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		w.t.Fatalf("the server closed the connection (%v) instead of sending a packet", w.err)
	case <-time.After(wait):
		w.t.Fatalf("no packet from the server within %s", wait)
	}
	return nil
}

// next returns the next packet, decoded by paho's MQTT 5 codec.
func (w *wire) next() *packets.ControlPacket {
	w.t.Helper()
	f := w.frame()
	p, err := packets.ReadPacket(bytes.NewReader(f))
	if err != nil {
		w.t.Fatalf("decode % x: %v", f, err)
	}
	return p
}

// expect returns the next packet's content, failing unless it is a T.
func expect[T any](w *wire) T {
	w.t.Helper()
	p := w.next()
	c, ok := p.Content.(T)
	if !ok {
		var want T
		w.t.Fatalf("got %s, want %T", p, want)
	}
	return c
}

// closed waits for the server to close the connection and returns the
// frames it sent before closing.
func (w *wire) closed() [][]byte {
	w.t.Helper()
	var got [][]byte
	deadline := time.After(closeWait)
	for {
		select {
		case f := <-w.in:
			got = append(got, f)
		case <-w.end:
			for {
				select {
				case f := <-w.in:
					got = append(got, f)
				default:
					return got
				}
			}
		case <-deadline:
			w.t.Fatalf("the connection is still open %s after the packet (received % x)", closeWait, got)
		}
	}
}

// disconnectedWith checks that the server sent a DISCONNECT with code and
// closed the connection [MQTT-4.13.1-1].
func (w *wire) disconnectedWith(code byte) {
	w.t.Helper()
	got := w.closed()
	if len(got) == 0 {
		w.t.Fatalf("the server closed without a DISCONNECT, want DISCONNECT 0x%02x", code)
	}
	last := got[len(got)-1]
	p, err := packets.ReadPacket(bytes.NewReader(last))
	if err != nil {
		w.t.Fatalf("decode % x: %v", last, err)
	}
	d, ok := p.Content.(*packets.Disconnect)
	if !ok || d.ReasonCode != code {
		w.t.Fatalf("the server ended with %s, want DISCONNECT 0x%02x", p, code)
	}
}

// connect5 sends an MQTT 5 CONNECT and returns the CONNACK.
func (w *wire) connect5(cp *packets.Connect) *packets.Connack {
	w.t.Helper()
	cp.ProtocolName, cp.ProtocolVersion = "MQTT", 5
	if cp.Properties == nil {
		cp.Properties = &packets.Properties{}
	}
	if cp.KeepAlive == 0 {
		cp.KeepAlive = 60
	}
	w.send(cp)
	return expect[*packets.Connack](w)
}

// mustConnect5 connects with Clean Start and Session Expiry expiry, and
// fails the test unless the CONNACK is a success.
func (w *wire) mustConnect5(clientID string, cleanStart bool, expiry uint32) *packets.Connack {
	w.t.Helper()
	cp := &packets.Connect{ClientID: clientID, CleanStart: cleanStart, Properties: &packets.Properties{}}
	if expiry > 0 {
		cp.Properties.SessionExpiryInterval = &expiry
	}
	ack := w.connect5(cp)
	if ack.ReasonCode != 0 {
		w.t.Fatalf("CONNACK reason 0x%02x", ack.ReasonCode)
	}
	return ack
}

// subscribe sends a SUBSCRIBE and returns the SUBACK's reason codes.
func (w *wire) subscribe(id uint16, subID int, subs ...packets.SubOptions) []byte {
	w.t.Helper()
	s := &packets.Subscribe{PacketID: id, Subscriptions: subs, Properties: &packets.Properties{}}
	if subID > 0 {
		s.Properties.SubscriptionIdentifier = &subID
	}
	w.send(s)
	ack := expect[*packets.Suback](w)
	if ack.PacketID != id {
		w.t.Fatalf("SUBACK for packet id %d, want %d [MQTT-3.8.4-2]", ack.PacketID, id)
	}
	return ack.Reasons
}

// publish builds a PUBLISH.
func publish(topic, payload string, qos byte, id uint16) *packets.Publish {
	return &packets.Publish{Topic: topic, Payload: []byte(payload), QoS: qos, PacketID: id, Properties: &packets.Properties{}}
}

// puback acknowledges a QoS 1 delivery.
func (w *wire) puback(id uint16) {
	w.t.Helper()
	w.send(&packets.Puback{PacketID: id, Properties: &packets.Properties{}})
}

// publishSubIDs returns every Subscription Identifier of a raw MQTT 5
// PUBLISH (paho's decoder keeps only the last one, and a message that
// matched several subscriptions carries one per subscription
// [MQTT-3.3.4-4]).
func publishSubIDs(f []byte) ([]int, error) {
	i := 1
	for f[i]&0x80 != 0 { // Remaining Length
		i++
	}
	i++
	topicLen := int(f[i])<<8 | int(f[i+1])
	i += 2 + topicLen
	if f[0]>>1&3 > 0 {
		i += 2 // packet identifier
	}
	propLen, n := vbi(f[i:])
	i += n
	props, ids := f[i:i+propLen], []int(nil)
	for j := 0; j < len(props); {
		id := props[j]
		j++
		switch id {
		case 0x01: // Payload Format Indicator
			j++
		case 0x02: // Message Expiry Interval
			j += 4
		case 0x23: // Topic Alias
			j += 2
		case 0x03, 0x08, 0x09: // Content Type, Response Topic, Correlation Data
			j += 2 + (int(props[j])<<8 | int(props[j+1]))
		case 0x26: // User Property
			for range 2 {
				j += 2 + (int(props[j])<<8 | int(props[j+1]))
			}
		case 0x0B: // Subscription Identifier
			v, n := vbi(props[j:])
			ids = append(ids, v)
			j += n
		default:
			return nil, fmt.Errorf("property 0x%02x in a PUBLISH", id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// vbi decodes a Variable Byte Integer (§1.5.5) and its length.
func vbi(b []byte) (int, int) {
	v, mul := 0, 1
	for i, c := range b {
		v += int(c&0x7f) * mul
		if c&0x80 == 0 {
			return v, i + 1
		}
		mul *= 128
	}
	return v, len(b)
}

func ptr[T any](v T) *T { return &v }

// mustOK fails the test unless a PUBACK or SUBACK reason code is a success.
func mustOK(t *testing.T, code byte) {
	t.Helper()
	if code >= 0x80 {
		t.Fatalf("reason code 0x%02x", code)
	}
}
