package broker_test

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"
)

// A subscriber that stops reading never holds up its publisher: every
// PUBLISH is acknowledged while the subscriber's socket is full (deliveries
// are written inline until the socket refuses, then by a goroutine), and
// once it reads again it gets each delivery whole and in order.
func TestSlowSubscriberDoesNotStallPublisher(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("admin", "Admin", nil)

	// The subscriber's receive buffer is small and fixed, so the server's
	// socket fills after a few messages.
	d := &net.Dialer{Timeout: wait, Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 8<<10)
		})
	}}
	sc, err := tls.DialWithDialer(d, "tcp", g.addr(), g.tlsConfig("admin"))
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	w := &wire{t: t, conn: sc, in: make(chan []byte, 1), end: make(chan struct{})}
	w.send(&packets.Connect{ProtocolName: "MQTT", ProtocolVersion: 5, ClientID: "slow-sub", CleanStart: true,
		KeepAlive: 60, Properties: &packets.Properties{}})
	if f := w.readNow(); f[0]>>4 != packets.CONNACK || f[3] != 0 {
		t.Fatalf("CONNACK % x", f)
	}
	w.send(&packets.Subscribe{PacketID: 1, Properties: &packets.Properties{},
		Subscriptions: []packets.SubOptions{{Topic: "slow/t", QoS: 1}}})
	if f := w.readNow(); f[0]>>4 != packets.SUBACK {
		t.Fatalf("SUBACK % x", f)
	}

	pub, _ := g.v5("admin", conn5("fast-pub", true, 0))
	const n, size = 40, 32 << 10 // 1.25 MB: far more than the subscriber's socket holds
	payload := func(i int) []byte {
		return append([]byte(fmt.Sprintf("%04d", i)), bytes.Repeat([]byte{byte(i)}, size)...)
	}
	for i := range n {
		if code := pub.pub(&paho.Publish{Topic: "slow/t", QoS: 1, Payload: payload(i)}); code != 0 {
			t.Fatalf("publish %d: PUBACK reason 0x%02x", i, code)
		}
	}

	// Now read: QoS 1 deliveries in order, each acknowledged; the broker
	// sends at most the in-flight window before the acknowledgements.
	for i := range n {
		cp, err := packets.ReadPacket(bytes.NewReader(w.readNow()))
		if err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
		p, ok := cp.Content.(*packets.Publish)
		if !ok {
			t.Fatalf("delivery %d: got %s", i, cp)
		}
		if !bytes.Equal(p.Payload, payload(i)) {
			t.Fatalf("delivery %d: payload %q..., want message %d whole", i, p.Payload[:4], i)
		}
		w.send(&packets.Puback{PacketID: p.PacketID, Properties: &packets.Properties{}})
	}
}

// readNow reads the next frame from the socket itself (this wire has no
// reading goroutine), failing after wait.
func (w *wire) readNow() []byte {
	w.t.Helper()
	w.conn.SetReadDeadline(time.Now().Add(wait))
	f, err := readFrame(w.conn)
	if err != nil {
		w.t.Fatalf("read: %v", err)
	}
	return f
}
