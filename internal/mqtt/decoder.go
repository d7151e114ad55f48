package mqtt

import (
	"strconv"
	"unicode/utf8"
)

// decoder reads the fields of one packet body. Its error is sticky: after
// the first failure every read returns a zero value and consumes nothing,
// so a Decode method reads its fields in order and checks err once.
type decoder struct {
	b   []byte
	t   PacketType
	v   Version
	err error
}

func (d *decoder) fail(err *Error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *decoder) malformed(rule, msg string) { d.fail(malformed(d.t, rule, msg)) }

func (d *decoder) protocol(rule, msg string) { d.fail(protocolError(d.t, rule, msg)) }

// need reports whether n more bytes are there, failing if not.
func (d *decoder) need(n int) bool {
	if d.err != nil {
		return false
	}
	if len(d.b) < n {
		d.malformed("", "packet ends inside a field")
		return false
	}
	return true
}

func (d *decoder) u8() byte {
	if !d.need(1) {
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) u16() uint16 {
	if !d.need(2) {
		return 0
	}
	v := uint16(d.b[0])<<8 | uint16(d.b[1])
	d.b = d.b[2:]
	return v
}

func (d *decoder) u32() uint32 {
	if !d.need(4) {
		return 0
	}
	v := uint32(d.b[0])<<24 | uint32(d.b[1])<<16 | uint32(d.b[2])<<8 | uint32(d.b[3])
	d.b = d.b[4:]
	return v
}

// vbi reads a Variable Byte Integer inside the body (property lengths,
// identifiers and Subscription Identifiers).
func (d *decoder) vbi() int {
	if d.err != nil {
		return 0
	}
	v, n, err := parseVBI(d.b)
	if err != nil {
		if e, ok := err.(*Error); ok {
			e.Packet = d.t
			d.fail(e)
		} else {
			d.malformed("", "packet ends inside a variable byte integer")
		}
		return 0
	}
	d.b = d.b[n:]
	return v
}

// take returns the next n bytes, aliasing the body.
func (d *decoder) take(n int) []byte {
	if !d.need(n) {
		return nil
	}
	b := d.b[:n:n]
	d.b = d.b[n:]
	return b
}

// binary reads Binary Data: a two-byte length and that many bytes,
// aliasing the body (§1.5.6).
func (d *decoder) binary() []byte {
	return d.take(int(d.u16()))
}

// utf8 reads a UTF-8 Encoded String and checks it, aliasing the body.
func (d *decoder) utf8() []byte {
	b := d.binary()
	if d.err == nil {
		d.checkUTF8(b)
	}
	return b
}

// string reads a UTF-8 Encoded String into a new string.
func (d *decoder) string() string { return string(d.utf8()) }

// checkUTF8 enforces well-formed UTF-8 without surrogates
// [MQTT-1.5.3-1]/[MQTT-1.5.4-1] and without U+0000
// [MQTT-1.5.3-2]/[MQTT-1.5.4-2]. Both are Malformed Packets in 5.0 (§1.5.4).
func (d *decoder) checkUTF8(b []byte) {
	for i, c := range b {
		if c == 0 {
			d.malformed(rule(d.v, "MQTT-1.5.3-2", "MQTT-1.5.4-2"), "string holds U+0000")
			return
		}
		if c >= utf8.RuneSelf {
			d.checkNonASCII(b[i:])
			return
		}
	}
}

func (d *decoder) checkNonASCII(b []byte) {
	if !utf8.Valid(b) { // utf8.Valid also refuses surrogates
		d.malformed(rule(d.v, "MQTT-1.5.3-1", "MQTT-1.5.4-1"), "string is not well-formed UTF-8")
		return
	}
	for _, c := range b {
		if c == 0 {
			d.malformed(rule(d.v, "MQTT-1.5.3-2", "MQTT-1.5.4-2"), "string holds U+0000")
			return
		}
	}
}

// end fails if bytes are left after the last field.
func (d *decoder) end() error {
	if d.err == nil && len(d.b) > 0 {
		d.malformed("", strconv.Itoa(len(d.b))+" bytes after the last field")
	}
	return d.err
}

// packetID reads a Packet Identifier, which must not be 0 where one is
// required [MQTT-2.3.1-1]/[MQTT-2.2.1-3], and which is never 0 in the
// acknowledgements that echo one [MQTT-2.3.1-6]/[MQTT-2.2.1-5]
// [MQTT-2.3.1-7]/[MQTT-2.2.1-6].
func (d *decoder) packetID() uint16 {
	id := d.u16()
	if d.err == nil && id == 0 {
		d.protocol(packetIDRule(d.t, d.v), "packet identifier is 0")
	}
	return id
}

func packetIDRule(t PacketType, v Version) string {
	switch t {
	case TypePuback, TypePubrec, TypePubrel, TypePubcomp:
		return rule(v, "MQTT-2.3.1-6", "MQTT-2.2.1-5")
	case TypeSuback, TypeUnsuback:
		return rule(v, "MQTT-2.3.1-7", "MQTT-2.2.1-6")
	}
	return rule(v, "MQTT-2.3.1-1", "MQTT-2.2.1-3")
}

// reasonCode reads a 5.0 reason code and checks that the packet may carry
// it [MQTT-3.4.2-1] and the like.
func (d *decoder) reasonCode() ReasonCode {
	c := ReasonCode(d.u8())
	if d.err == nil && !c.ValidFor(d.t) {
		d.protocol(reasonRule[d.t], "reason code "+c.String()+" is not one of this packet's")
	}
	return c
}

var reasonRule = [16]string{
	TypeConnack: "MQTT-3.2.2-8", TypePuback: "MQTT-3.4.2-1", TypePubrec: "MQTT-3.5.2-1",
	TypePubrel: "MQTT-3.6.2-1", TypePubcomp: "MQTT-3.7.2.1-1", TypeSuback: "MQTT-3.9.3-2",
	TypeUnsuback: "MQTT-3.11.3-2", TypeDisconnect: "MQTT-3.14.2-1", TypeAuth: "MQTT-3.15.2-1",
}

// checkHeader validates the fixed header flags [MQTT-2.2.2-1]/[MQTT-2.1.3-1]
// and the version, for every packet but CONNECT and PUBLISH.
func checkHeader(h Header, t PacketType, v Version) error {
	if v != V311 && v != V5 {
		return protocolError(t, "MQTT-3.1.0-1", "no CONNECT has set the protocol version")
	}
	if h.Type != t {
		return malformed(t, "", "fixed header is of "+h.Type.String())
	}
	want := byte(0)
	if t == TypePubrel || t == TypeSubscribe || t == TypeUnsubscribe {
		want = 0x2
	}
	if h.Flags != want {
		return malformed(t, flagRule(t, v), "reserved fixed header flags are "+
			strconv.FormatUint(uint64(h.Flags), 2))
	}
	return nil
}

func flagRule(t PacketType, v Version) string {
	switch t {
	case TypePubrel:
		return "MQTT-3.6.1-1"
	case TypeSubscribe:
		return "MQTT-3.8.1-1"
	case TypeUnsubscribe:
		return "MQTT-3.10.1-1"
	case TypeDisconnect:
		return "MQTT-3.14.1-1"
	case TypeAuth:
		return "MQTT-3.15.1-1"
	}
	return rule(v, "MQTT-2.2.2-1", "MQTT-2.1.3-1")
}
