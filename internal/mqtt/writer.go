package mqtt

// writer encodes a packet body twice with the same code: first counting
// (count true: only n grows, and errors are found), then appending to b.
// A packet's body method therefore both sizes and writes it.
type writer struct {
	b     []byte
	n     int
	count bool
	t     PacketType
	err   error
}

func (w *writer) fail(code ReasonCode, rule, msg string) {
	if w.err == nil {
		w.err = &Error{Code: code, Packet: w.t, Rule: rule, Msg: msg}
	}
}

// start turns a counting writer into an appending one and writes the fixed
// header of a packet whose body is rem bytes.
// On failure w.b is dst, unchanged, and w stays counting.
func (w *writer) start(dst []byte, first byte, rem int) {
	w.b = dst
	if rem > MaxRemainingLength {
		w.fail(PacketTooLarge, "§2.2.3", "body is longer than 268,435,455 bytes")
		return
	}
	w.count = false
	w.b = appendVBI(append(w.b, first), rem)
}

func (w *writer) u8(v byte) {
	if w.count {
		w.n++
		return
	}
	w.b = append(w.b, v)
}

func (w *writer) u16(v uint16) {
	if w.count {
		w.n += 2
		return
	}
	w.b = append(w.b, byte(v>>8), byte(v))
}

func (w *writer) u32(v uint32) {
	if w.count {
		w.n += 4
		return
	}
	w.b = append(w.b, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

func (w *writer) vbi(v int) {
	if v < 0 || v > MaxRemainingLength {
		w.fail(MalformedPacket, "§1.5.5", "variable byte integer out of range")
		return
	}
	if w.count {
		w.n += vbiLen(v)
		return
	}
	w.b = appendVBI(w.b, v)
}

func (w *writer) raw(b []byte) {
	if w.count {
		w.n += len(b)
		return
	}
	w.b = append(w.b, b...)
}

func (w *writer) rawString(s string) {
	if w.count {
		w.n += len(s)
		return
	}
	w.b = append(w.b, s...)
}

// binary writes Binary Data (§1.5.6).
func (w *writer) binary(b []byte) {
	if len(b) > 0xffff {
		w.fail(MalformedPacket, "§1.5.6", "binary data longer than 65,535 bytes")
		return
	}
	w.u16(uint16(len(b)))
	w.raw(b)
}

// string writes a UTF-8 Encoded String (§1.5.4). The string is trusted to
// be valid UTF-8: it comes from a decoded packet or from the broker.
func (w *writer) string(s string) {
	if len(s) > 0xffff {
		w.fail(MalformedPacket, "§1.5.4", "string longer than 65,535 bytes")
		return
	}
	w.u16(uint16(len(s)))
	w.rawString(s)
}

func (w *writer) qos(q QoS) {
	if q > QoS2 {
		w.fail(MalformedPacket, "MQTT-3.3.1-4", "QoS is 3")
	}
}

// packetID writes a Packet Identifier, which must not be 0.
func (w *writer) packetID(id uint16) {
	if id == 0 {
		w.fail(ProtocolError, packetIDRule(w.t, V5), "packet identifier is 0")
	}
	w.u16(id)
}

// reasonCode writes a 5.0 reason code the packet may carry.
func (w *writer) reasonCode(c ReasonCode) {
	if !c.ValidFor(w.t) {
		w.fail(ProtocolError, reasonRule[w.t], "reason code "+c.String()+" is not one of this packet's")
	}
	w.u8(byte(c))
}

// version fails for anything but the two versions this package speaks.
func (w *writer) version(v Version) {
	if v != V311 && v != V5 {
		w.fail(ProtocolError, "MQTT-3.1.0-1", "no CONNECT has set the protocol version")
	}
}
