package mqtt_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/roost-iot/roost/internal/mqtt"
	"github.com/roost-iot/roost/internal/mqtt/mqtttest"
)

// FuzzDecode feeds arbitrary bytes to the decoder for either version,
// seeded with every fixture and every malformed case. It must never panic,
// must fail only with *mqtt.Error, and whatever it decodes must encode,
// with Size exact, to bytes that decode to the same packet and encode to
// the same bytes again.
func FuzzDecode(f *testing.F) {
	for _, fx := range mqtttest.Fixtures() {
		f.Add(fx.Raw, byte(fx.Version))
	}
	for _, b := range mqtttest.Malformed() {
		f.Add(b.Raw, byte(b.Version))
	}
	f.Fuzz(func(t *testing.T, raw []byte, version byte) {
		v := mqtt.V311
		if version&1 == 1 {
			v = mqtt.V5
		}
		h, body, _, err := mqtt.ParseFrame(raw, 0)
		if err != nil {
			return
		}
		p, err := mqtt.Decode(h, body, v)
		if err != nil {
			var e *mqtt.Error
			if !errors.As(err, &e) {
				t.Fatalf("error is not an *mqtt.Error: %v", err)
			}
			return
		}
		if c, ok := p.(*mqtt.Connect); ok {
			v = c.Version
		}
		enc, err := p.AppendTo(nil, v)
		if err != nil {
			t.Fatalf("decoded %+v but cannot encode it: %v", p, err)
		}
		if n := p.Size(v); n != len(enc) {
			t.Fatalf("Size %d, encoded %d bytes", n, len(enc))
		}
		h2, body2, n, err := mqtt.ParseFrame(enc, 0)
		if err != nil || n != len(enc) {
			t.Fatalf("re-encoded frame: %v", err)
		}
		p2, err := mqtt.Decode(h2, body2, v)
		if err != nil {
			t.Fatalf("re-encoded % x does not decode: %v", enc, err)
		}
		if !reflect.DeepEqual(p, p2) {
			t.Fatalf("round trip changed the packet:\n%+v\n%+v", p, p2)
		}
		if enc2, _ := p2.AppendTo(nil, v); !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not canonical: % x then % x", enc, enc2)
		}
	})
}
