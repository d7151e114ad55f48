package mqtt

import "strconv"

// Version is a protocol level, the byte that CONNECT carries.
type Version byte

// The protocol levels this package speaks.
const (
	V311 Version = 4 // MQTT 3.1.1
	V5   Version = 5 // MQTT 5.0
)

func (v Version) String() string {
	switch v {
	case V311:
		return "3.1.1"
	case V5:
		return "5.0"
	}
	return "level " + strconv.Itoa(int(v))
}

// PacketType is the MQTT Control Packet type, the high nibble of the first
// byte of every packet.
type PacketType byte

// The packet types. Type 0 is reserved in both versions and type 15 (AUTH)
// exists only in 5.0.
const (
	TypeConnect     PacketType = 1
	TypeConnack     PacketType = 2
	TypePublish     PacketType = 3
	TypePuback      PacketType = 4
	TypePubrec      PacketType = 5
	TypePubrel      PacketType = 6
	TypePubcomp     PacketType = 7
	TypeSubscribe   PacketType = 8
	TypeSuback      PacketType = 9
	TypeUnsubscribe PacketType = 10
	TypeUnsuback    PacketType = 11
	TypePingreq     PacketType = 12
	TypePingresp    PacketType = 13
	TypeDisconnect  PacketType = 14
	TypeAuth        PacketType = 15
)

var typeNames = [16]string{"RESERVED", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC",
	"PUBREL", "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ",
	"PINGRESP", "DISCONNECT", "AUTH"}

func (t PacketType) String() string {
	if t < 16 {
		return typeNames[t]
	}
	return "type " + strconv.Itoa(int(t))
}

// QoS is a delivery quality of service level.
type QoS byte

// The three QoS levels; 3 is malformed wherever a QoS appears.
const (
	QoS0 QoS = 0 // at most once
	QoS1 QoS = 1 // at least once
	QoS2 QoS = 2 // exactly once
)

// Header is a packet's fixed header without its Remaining Length (which is
// the length of the body that comes with it).
type Header struct {
	Type  PacketType
	Flags byte // the low nibble of the first byte
}

// UserProperty is one User Property (5.0): a UTF-8 string pair. The same
// key may appear more than once and the order is kept [MQTT-3.3.2-18].
type UserProperty struct {
	Key, Value string
}

// Packet is implemented by the pointer types of the fifteen packets. A
// packet value is reused by decoding into it again: Decode resets it first.
type Packet interface {
	// Type is the packet's type.
	Type() PacketType
	// Decode reads the packet from the body of a frame whose fixed header
	// is h, for a connection of version v (ignored by Connect, which reads
	// its version from the packet).
	Decode(h Header, body []byte, v Version) error
	// AppendTo appends the encoded packet to dst.
	AppendTo(dst []byte, v Version) ([]byte, error)
	// Size is the number of bytes AppendTo appends, fixed header included.
	Size(v Version) int
}

// Limits of the wire format.
const (
	// MaxRemainingLength is the largest Remaining Length a four-byte
	// Variable Byte Integer holds.
	MaxRemainingLength = 268_435_455
	// MaxPacketSize is the largest packet on the wire, fixed header
	// included.
	MaxPacketSize = 1 + 4 + MaxRemainingLength
	// MaxSubscriptionIdentifier is the largest Subscription Identifier.
	MaxSubscriptionIdentifier = MaxRemainingLength
)

// Compile-time checks that every packet is a Packet.
var (
	_ Packet = (*Connect)(nil)
	_ Packet = (*Connack)(nil)
	_ Packet = (*Publish)(nil)
	_ Packet = (*Puback)(nil)
	_ Packet = (*Pubrec)(nil)
	_ Packet = (*Pubrel)(nil)
	_ Packet = (*Pubcomp)(nil)
	_ Packet = (*Subscribe)(nil)
	_ Packet = (*Suback)(nil)
	_ Packet = (*Unsubscribe)(nil)
	_ Packet = (*Unsuback)(nil)
	_ Packet = (*Pingreq)(nil)
	_ Packet = (*Pingresp)(nil)
	_ Packet = (*Disconnect)(nil)
	_ Packet = (*Auth)(nil)
)
