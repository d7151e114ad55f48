// Package mqtttest holds Roost's shared MQTT wire fixtures: packets as real
// clients and the specifications put them on the wire, with what they
// decode to (Fixtures), and packets that must be refused, with the reason
// code that refuses them (Malformed). The codec, the broker and end-to-end
// tests use the same tables.
//
// It is imported only by tests, never by code that ships in the binary.
package mqtttest

import (
	"encoding/hex"
	"slices"
	"strings"

	"github.com/roost-iot/roost/internal/mqtt"
)

// Fixture is one packet as it is on the wire and as it decodes.
type Fixture struct {
	// Name is version/packet/origin, e.g. "v5/publish/mqttjs".
	Name string
	// Version is the version of the connection the packet travels on.
	Version mqtt.Version
	// Source says where the bytes come from: the client and command that
	// sent them (captured through a logging TCP proxy in front of a
	// mosquitto 2.0.11 broker), or the specification section.
	Source string
	// Raw is the packet on the wire, fixed header included.
	Raw []byte
	// Canonical is what AppendTo writes for Packet when it differs from
	// Raw: properties in ascending identifier order, shortest forms.
	Canonical []byte
	// Packet is what Raw decodes to.
	Packet mqtt.Packet
}

// Encoded is what AppendTo writes for f.Packet.
func (f Fixture) Encoded() []byte {
	if f.Canonical != nil {
		return f.Canonical
	}
	return f.Raw
}

// Fixtures returns every fixture; each call returns new values, which a
// test may change.
func Fixtures() []Fixture {
	return slices.Concat(captured311(), captured5(), handmade311(), handmade5())
}

// Lookup returns the fixture of that name.
func Lookup(name string) (Fixture, bool) {
	for _, f := range Fixtures() {
		if f.Name == name {
			return f, true
		}
	}
	return Fixture{}, false
}

// Bad is a packet the codec must refuse, and how.
type Bad struct {
	// Name is "fail/" + version/packet/what.
	Name string
	// Rule is the conformance statement (or section) that the packet
	// breaks, as mqtt.Error.Rule reports it.
	Rule string
	// Version is the connection's version (ignored for CONNECT).
	Version mqtt.Version
	// Raw is the packet, fixed header included.
	Raw []byte
	// MaxSize, when not 0, is the maximum packet size to read it with.
	MaxSize int
	// Code is the reason code that answers it (mqtt.Error.Code).
	Code mqtt.ReasonCode
}

// x decodes hex written with spaces; it panics on a typing mistake, which
// the first test run shows.
func x(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic("mqtttest: bad hex " + s)
	}
	return b
}

// cat joins byte slices.
func cat(parts ...[]byte) []byte { return slices.Concat(parts...) }

// rep is n copies of c.
func rep(c byte, n int) []byte { return []byte(strings.Repeat(string(c), n)) }
