package broker_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/roost-iot/roost/internal/mqtt"
	"github.com/roost-iot/roost/internal/mqtt/mqtttest"
)

// TestMalformedPacketClosesOnlyThatConnection sends each client-to-server
// packet of the shared malformed fixtures (mqtttest.Malformed) over its own
// mutual TLS connection, after a successful CONNECT of the fixture's
// version (CONNECT fixtures are the first packet themselves). The server
// must close that connection: in 5.0 after a DISCONNECT with the fixture's
// reason code [MQTT-4.13.1-1], in 3.1.1 without sending anything
// [MQTT-4.8.0-1]. A client connected alongside keeps working throughout.
func TestMalformedPacketClosesOnlyThatConnection(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("admin", "Admin", nil)
	bystander, _ := g.v5("admin", conn5("bystander", true, 0))
	bystander.mustSub("bystander/t")

	n := 0
	t.Run("fixtures", func(t *testing.T) {
		for i, b := range mqtttest.Malformed() {
			if sentByClients(b) {
				n++
				t.Run(b.Name, func(t *testing.T) {
					t.Parallel()
					sendMalformed(g.with(t), b, fmt.Sprintf("malformed-%d", i))
				})
			}
		}
	})
	if n < 40 {
		t.Fatalf("only %d fixtures apply; mqtttest.Malformed changed?", n)
	}
	// The bystander's connection was never touched.
	select {
	case <-bystander.Done():
		t.Fatal("the bystander's connection ended")
	default:
	}
	bystander.mustPub("bystander/t", "still here")
	bystander.expect("bystander/t", "still here")
}

// sendMalformed connects, sends b and checks how the server ends the
// connection.
func sendMalformed(g *gateway, b mqtttest.Bad, clientID string) {
	t := g.t
	w := g.wire("admin")
	isConnect := mqtt.PacketType(b.Raw[0]>>4) == mqtt.TypeConnect
	switch {
	case isConnect:
	case b.Version == mqtt.V5:
		w.mustConnect5(clientID, true, 0)
	default:
		w.sendRaw(connect311(clientID))
		if f := w.frame(); !bytes.Equal(f, []byte{0x20, 0x02, 0x00, 0x00}) {
			t.Fatalf("3.1.1 CONNACK % x, want 20 02 00 00", f)
		}
	}
	w.sendRaw(b.Raw)
	got := w.closed()
	switch {
	case isConnect:
		checkConnectRefused(t, b, got)
	case b.Version == mqtt.V5:
		want := []byte{0xe0, 0x01, byte(b.Code)}
		if len(got) == 0 || !bytes.Equal(disconnectShort(got[len(got)-1]), want) {
			t.Errorf("%s (%s): the server sent % x before closing, want DISCONNECT 0x%02x (e0 01 %02x) [MQTT-4.13.1-1]",
				b.Name, b.Rule, got, byte(b.Code), byte(b.Code))
		}
	case len(got) > 0:
		t.Errorf("%s (%s): a 3.1.1 server closes on a protocol violation; it sent % x [MQTT-4.8.0-1]", b.Name, b.Rule, got)
	}
}

// sentByClients keeps the fixtures a client can send the server: CONNECT
// first, then PUBLISH, PUBACK, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT,
// AUTH and reserved types. Server-to-client packets, the QoS 2 flow (the
// gateway refuses QoS 2, so it may answer those with 0x82 rather than the
// codec's code), fixtures for a smaller maximum packet size and packets
// before CONNECT are left out.
func sentByClients(b mqtttest.Bad) bool {
	if b.MaxSize != 0 || (b.Version != mqtt.V311 && b.Version != mqtt.V5) {
		return false
	}
	switch mqtt.PacketType(b.Raw[0] >> 4) {
	case mqtt.TypeConnack, mqtt.TypeSuback, mqtt.TypeUnsuback, mqtt.TypePingresp,
		mqtt.TypePubrec, mqtt.TypePubrel, mqtt.TypePubcomp:
		return false
	}
	return true
}

// checkConnectRefused checks the answer to a malformed CONNECT: closed,
// with at most a failing CONNACK, which 3.1.1 requires for an unsupported
// protocol level (return code 1, [MQTT-3.1.2-2]) and a refused client id
// (return code 2, [MQTT-3.1.3-9]).
func checkConnectRefused(t *testing.T, b mqtttest.Bad, got [][]byte) {
	t.Helper()
	want311 := map[mqtt.ReasonCode]byte{mqtt.UnsupportedProtocolVersion: 1, mqtt.ClientIdentifierNotValid: 2}
	if rc, ok := want311[b.Code]; ok && b.Version == mqtt.V311 {
		if len(got) != 1 || !bytes.Equal(got[0], []byte{0x20, 0x02, 0x00, rc}) {
			t.Errorf("%s (%s): got % x, want CONNACK 20 02 00 %02x then close", b.Name, b.Rule, got, rc)
		}
		return
	}
	for _, f := range got {
		failing := len(f) >= 4 && f[0] == 0x20 && f[3] >= 0x80 // 5.0 reason code
		if b.Version == mqtt.V311 {
			failing = len(f) == 4 && f[0] == 0x20 && f[3] >= 1 && f[3] <= 5 // 3.1.1 return code
		}
		if !failing {
			t.Errorf("%s (%s): the server sent % x to a malformed CONNECT; want nothing or a failing CONNACK", b.Name, b.Rule, f)
		}
	}
}

// disconnectShort rewrites a DISCONNECT with an empty property length
// (e0 02 rc 00) to its short form (e0 01 rc), the same packet.
func disconnectShort(f []byte) []byte {
	if len(f) == 4 && f[0] == 0xe0 && f[1] == 0x02 && f[3] == 0 {
		return []byte{0xe0, 0x01, f[2]}
	}
	return f
}

// connect311 is a 3.1.1 CONNECT with Clean Session and keep alive 60 s.
func connect311(clientID string) []byte {
	body := append([]byte{0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, byte(len(clientID) >> 8), byte(len(clientID))}, clientID...)
	return append([]byte{0x10, byte(len(body))}, body...)
}
