package mqtt_test

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/roost-iot/roost/internal/mqtt"
	"github.com/roost-iot/roost/internal/mqtt/mqtttest"
)

// benchPublish is the PUBLISH of the benchmarks: a device's telemetry
// topic and a 100-byte payload.
func benchPublish(qos mqtt.QoS) *mqtt.Publish {
	p := &mqtt.Publish{QoS: qos, Topic: "dt/roost/dev-000123/telemetry", Payload: bytes.Repeat([]byte("x"), 100)}
	if qos > 0 {
		p.PacketID = 4242
	}
	return p
}

var benchCases = []struct {
	name string
	v    mqtt.Version
	qos  mqtt.QoS
}{
	{"v311/qos0", mqtt.V311, 0}, {"v311/qos1", mqtt.V311, 1},
	{"v5/qos0", mqtt.V5, 0}, {"v5/qos1", mqtt.V5, 1},
}

// BenchmarkDecodePublish guards the inbound hot path: splitting a PUBLISH
// off a buffer and decoding it into a reused value must not allocate.
func BenchmarkDecodePublish(b *testing.B) {
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			raw, _ := benchPublish(c.qos).AppendTo(nil, c.v)
			var p mqtt.Publish
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				h, body, _, err := mqtt.ParseFrame(raw, 4096)
				if err == nil {
					err = p.Decode(h, body, c.v)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// repeat is an endless stream of the same bytes.
type repeat struct {
	b   []byte
	off int
}

func (r *repeat) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], r.b[r.off:])
		n += k
		r.off = (r.off + k) % len(r.b)
	}
	return n, nil
}

// BenchmarkReadPublish guards a connection's read loop: ReadFrame from a
// bufio.Reader, then Decode, with no allocation.
func BenchmarkReadPublish(b *testing.B) {
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			raw, _ := benchPublish(c.qos).AppendTo(nil, c.v)
			br := bufio.NewReaderSize(&repeat{b: raw}, 4096)
			var p mqtt.Publish
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				h, body, err := mqtt.ReadFrame(br, 4096)
				if err == nil {
					err = p.Decode(h, body, c.v)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncodePublish guards the outbound hot path: appending a PUBLISH
// to a connection's reused write buffer must not allocate.
func BenchmarkEncodePublish(b *testing.B) {
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			p := benchPublish(c.qos)
			buf := make([]byte, 0, 4096)
			b.SetBytes(int64(p.Size(c.v)))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if buf, err = p.AppendTo(buf[:0], c.v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncodePublishV5Props: a forwarded 5.0 PUBLISH with a
// Subscription Identifier, a Content Type and a User Property.
func BenchmarkEncodePublishV5Props(b *testing.B) {
	p := benchPublish(1)
	p.SubscriptionIdentifiers = []uint32{7}
	p.ContentType = "application/json"
	p.UserProperties = []mqtt.UserProperty{{Key: "source", Value: "roost"}}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = p.AppendTo(buf[:0], mqtt.V5)
	}
}

// BenchmarkEncodePuback guards the acknowledgement of every QoS 1 PUBLISH.
func BenchmarkEncodePuback(b *testing.B) {
	p := &mqtt.Puback{PacketID: 4242}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = p.AppendTo(buf[:0], mqtt.V5)
	}
}

// BenchmarkDecodeConnect measures a CONNECT of each version as real
// clients send them: the AWS IoT Device SDK's 3.1.1 one (long metrics user
// name, a will) and MQTT.js's 5.0 one (properties, will properties).
func BenchmarkDecodeConnect(b *testing.B) {
	for _, name := range []string{"v311/connect/aws-crt", "v5/connect/mqttjs"} {
		raw := fixtureRaw(b, name)
		b.Run(name, func(b *testing.B) {
			var c mqtt.Connect
			b.ReportAllocs()
			for b.Loop() {
				h, body, _, err := mqtt.ParseFrame(raw, 0)
				if err == nil {
					err = c.Decode(h, body, 0)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func fixtureRaw(b *testing.B, name string) []byte {
	f, ok := mqtttest.Lookup(name)
	if !ok {
		b.Fatalf("no fixture %s", name)
	}
	return f.Raw
}
