package mqtt

import "bufio"

// New returns a new, empty packet of type t, or nil for type 0 or a type
// above 15.
func New(t PacketType) Packet {
	switch t {
	case TypeConnect:
		return new(Connect)
	case TypeConnack:
		return new(Connack)
	case TypePublish:
		return new(Publish)
	case TypePuback:
		return new(Puback)
	case TypePubrec:
		return new(Pubrec)
	case TypePubrel:
		return new(Pubrel)
	case TypePubcomp:
		return new(Pubcomp)
	case TypeSubscribe:
		return new(Subscribe)
	case TypeSuback:
		return new(Suback)
	case TypeUnsubscribe:
		return new(Unsubscribe)
	case TypeUnsuback:
		return new(Unsuback)
	case TypePingreq:
		return new(Pingreq)
	case TypePingresp:
		return new(Pingresp)
	case TypeDisconnect:
		return new(Disconnect)
	case TypeAuth:
		return new(Auth)
	}
	return nil
}

// Decode decodes a frame's body into a new packet of the header's type. It
// allocates the packet; a connection's read loop on the hot path decodes
// into packet values it reuses instead. Lifetimes are those of each
// packet's Decode.
func Decode(h Header, body []byte, v Version) (Packet, error) {
	p := New(h.Type)
	if p == nil {
		return nil, malformed(h.Type, rule(v, "§2.2.1", "§2.1.2"),
			"packet type 0 is reserved")
	}
	if err := p.Decode(h, body, v); err != nil {
		return nil, err
	}
	return p, nil
}

// ReadPacket reads and decodes one packet, for a connection of version v
// (0 before CONNECT: then only a CONNECT decodes). See ReadFrame for
// maxSize and the lifetime of what aliases br's buffer.
func ReadPacket(br *bufio.Reader, v Version, maxSize int) (Packet, error) {
	h, body, err := ReadFrame(br, maxSize)
	if err != nil {
		return nil, err
	}
	return Decode(h, body, v)
}

// AppendPacket appends p unless it is larger than maxSize bytes (when
// maxSize > 0), the peer's Maximum Packet Size: then it appends nothing
// and returns an *Error with Code PacketTooLarge, and the server must
// discard the packet as if it had sent it [MQTT-3.1.2-25] (or, for an
// acknowledgement, send it again without Reason String and User Properties
// [MQTT-3.4.2-2]).
func AppendPacket(dst []byte, p Packet, v Version, maxSize int) ([]byte, error) {
	if maxSize > 0 {
		if n := p.Size(v); n > maxSize {
			return dst, &Error{Code: PacketTooLarge, Packet: p.Type(), Rule: "MQTT-3.1.2-24",
				Msg: "packet is larger than the peer's Maximum Packet Size"}
		}
	}
	return p.AppendTo(dst, v)
}
