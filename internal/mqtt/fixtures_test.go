package mqtt_test

import (
	"bufio"
	"bytes"
	"reflect"
	"testing"

	"github.com/roost-iot/roost/internal/mqtt"
	"github.com/roost-iot/roost/internal/mqtt/mqtttest"
)

// TestFixtures decodes every shared fixture and encodes it again: Raw must
// decode to Packet, Packet must encode to Encoded (Raw unless the fixture
// says otherwise), Size must be exact, and the canonical bytes must decode
// to the same packet.
func TestFixtures(t *testing.T) {
	names := map[string]bool{}
	for _, f := range mqtttest.Fixtures() {
		t.Run(f.Name, func(t *testing.T) {
			if names[f.Name] {
				t.Fatalf("duplicate fixture name")
			}
			names[f.Name] = true
			got := decodeAll(t, f.Raw, f.Version)
			if !reflect.DeepEqual(got, f.Packet) {
				t.Fatalf("decode:\n got %+v\nwant %+v", got, f.Packet)
			}
			enc, err := f.Packet.AppendTo([]byte("prefix"), f.Version)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if !bytes.Equal(enc[6:], f.Encoded()) || string(enc[:6]) != "prefix" {
				t.Fatalf("encode:\n got % x\nwant % x", enc[6:], f.Encoded())
			}
			if n := f.Packet.Size(f.Version); n != len(f.Encoded()) {
				t.Fatalf("Size = %d, encoded %d bytes", n, len(f.Encoded()))
			}
			if f.Canonical != nil {
				if again := decodeAll(t, f.Canonical, f.Version); !reflect.DeepEqual(again, f.Packet) {
					t.Fatalf("canonical bytes decode to %+v", again)
				}
			}
		})
	}
}

// decodeAll decodes raw through ParseFrame, then through ReadFrame with a
// large and a tiny bufio buffer, and checks that all three agree.
func decodeAll(t *testing.T, raw []byte, v mqtt.Version) mqtt.Packet {
	t.Helper()
	h, body, n, err := mqtt.ParseFrame(raw, 0)
	if err != nil || n != len(raw) {
		t.Fatalf("ParseFrame: n=%d of %d, %v", n, len(raw), err)
	}
	p, err := mqtt.Decode(h, body, v)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	for _, size := range []int{4096, 16} {
		br := bufio.NewReaderSize(bytes.NewReader(raw), size)
		q, err := mqtt.ReadPacket(br, v, len(raw))
		if err != nil {
			t.Fatalf("ReadPacket(buffer %d): %v", size, err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("ReadPacket(buffer %d) = %+v, ParseFrame gave %+v", size, q, p)
		}
	}
	return p
}

// TestFixtureCoverage makes sure the fixtures hold every packet type in
// both versions (AUTH only in 5.0).
func TestFixtureCoverage(t *testing.T) {
	seen := map[mqtt.Version]map[mqtt.PacketType]int{mqtt.V311: {}, mqtt.V5: {}}
	for _, f := range mqtttest.Fixtures() {
		seen[f.Version][f.Packet.Type()]++
	}
	for v, types := range seen {
		for pt := mqtt.TypeConnect; pt <= mqtt.TypeAuth; pt++ {
			if types[pt] == 0 && (pt != mqtt.TypeAuth || v == mqtt.V5) {
				t.Errorf("no %s fixture for %s", pt, v)
			}
		}
	}
}
