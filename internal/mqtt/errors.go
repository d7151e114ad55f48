package mqtt

// Error is a packet that breaks the specification, found while decoding
// (or refused while encoding). Code is the reason code that answers it:
//
//   - MalformedPacket, ProtocolError, TopicAliasInvalid: in 5.0 send
//     DISCONNECT with Code (CONNACK with Code if it was the CONNECT), then
//     close; in 3.1.1 close without sending anything [MQTT-4.8.0-1].
//   - PacketTooLarge: the frame is bigger than the maximum given to
//     ReadFrame; handled like MalformedPacket (DISCONNECT 0x95 in 5.0).
//   - UnsupportedProtocolVersion: CONNECT with a protocol level other than
//     4 or 5; send a CONNACK encoded for 3.1.1 (20 02 00 01), then close
//     [MQTT-3.1.2-2].
//   - ClientIdentifierNotValid: a 3.1.1 CONNECT with an empty client
//     identifier and CleanSession 0; send a CONNACK with it, then close
//     [MQTT-3.1.3-8].
//
// Errors from encoding carry the code the peer would answer such a packet
// with. Compare with errors.As and read Code.
type Error struct {
	Code   ReasonCode
	Packet PacketType // 0 when the packet type is not known yet
	Rule   string     // conformance statement or section, e.g. "MQTT-3.1.2-3"
	Msg    string
}

func (e *Error) Error() string {
	s := "mqtt: "
	if e.Packet != 0 {
		s += e.Packet.String() + ": "
	}
	s += e.Msg
	if e.Rule != "" {
		s += " [" + e.Rule + "]"
	}
	return s + " (" + e.Code.String() + ")"
}

func malformed(t PacketType, rule, msg string) *Error {
	return &Error{Code: MalformedPacket, Packet: t, Rule: rule, Msg: msg}
}

func protocolError(t PacketType, rule, msg string) *Error {
	return &Error{Code: ProtocolError, Packet: t, Rule: rule, Msg: msg}
}

// rule picks the conformance statement of the version in use: the two
// specifications number many of the same rules differently.
func rule(v Version, r311, r5 string) string {
	if v == V5 {
		return r5
	}
	return r311
}
