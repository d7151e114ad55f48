package broker_test

import (
	"bytes"
	"crypto/tls"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

// batchConn holds what TLS writes until flush, so that several TLS
// records reach the server in one TCP write.
type batchConn struct {
	net.Conn
	mu    sync.Mutex
	hold  bool
	queue bytes.Buffer
}

func (c *batchConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hold {
		return c.queue.Write(p)
	}
	return c.Conn.Write(p)
}

func (c *batchConn) flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hold = false
	_, err := c.Conn.Write(c.queue.Bytes())
	c.queue.Reset()
	return err
}

// The read loop waits for the socket to become readable before reading
// through TLS (an idle connection then keeps a small stack). Input that
// TLS or the connection's buffer already holds must not wait for more:
// here three TLS records arrive in one TCP write, one of them carrying two
// packets and more plaintext than the connection's read buffer. Every
// answer must come without the client sending anything else.
func TestPipelinedRecordsAreServedWithoutMoreInput(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("admin", "Admin", nil)
	raw, err := net.DialTimeout("tcp", g.addr(), wait)
	if err != nil {
		t.Fatal(err)
	}
	bc := &batchConn{Conn: raw}
	tc := tls.Client(bc, g.tlsConfig("admin"))
	t.Cleanup(func() { tc.Close() })
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	bc.mu.Lock()
	bc.hold = true
	bc.mu.Unlock()

	record := func(ps ...packets.ControlPacket) {
		var b bytes.Buffer
		for _, p := range ps {
			if err := p.Write(&b); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := tc.Write(b.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	w := &wire{t: t, conn: tc, in: make(chan []byte, 16), end: make(chan struct{})}
	go w.read()
	expectFrames := func(want ...[]byte) {
		t.Helper()
		for _, f := range want {
			if got := w.frame(); !bytes.Equal(got, f) {
				t.Fatalf("got % x, want % x", got[:min(len(got), 24)], f[:min(len(f), 24)])
			}
		}
	}

	// Three small records in one TCP write: TLS must not have read the
	// later ones while the first is served.
	conn := packets.NewControlPacket(packets.Connect).(*packets.ConnectPacket)
	conn.ProtocolName, conn.ProtocolVersion, conn.CleanSession, conn.Keepalive, conn.ClientIdentifier = "MQTT", 4, true, 60, "admin"
	sub := packets.NewControlPacket(packets.Subscribe).(*packets.SubscribePacket)
	sub.MessageID, sub.Topics, sub.Qoss = 1, []string{"pipe/#"}, []byte{0}
	record(conn)
	record(sub)
	record(packets.NewControlPacket(packets.Pingreq))
	if err := bc.flush(); err != nil {
		t.Fatal(err)
	}
	pingresp := []byte{0xd0, 0x00}
	expectFrames([]byte{0x20, 0x02, 0x00, 0x00}, []byte{0x90, 0x03, 0x00, 0x01, 0x00}, pingresp)

	// One record holding more plaintext than the read buffer takes, its
	// last packet left inside TLS once the PUBLISH is read.
	pub := packets.NewControlPacket(packets.Publish).(*packets.PublishPacket)
	pub.TopicName, pub.Payload = "pipe/a", []byte(strings.Repeat("x", 1500))
	bc.mu.Lock()
	bc.hold = true
	bc.mu.Unlock()
	record(pub, packets.NewControlPacket(packets.Pingreq))
	if err := bc.flush(); err != nil {
		t.Fatal(err)
	}
	var delivered bytes.Buffer
	pub.Write(&delivered)
	expectFrames(delivered.Bytes(), pingresp)
}
