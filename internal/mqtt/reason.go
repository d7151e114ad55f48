package mqtt

import (
	"slices"
	"strconv"
)

// ReasonCode is an MQTT 5.0 Reason Code (§2.4): below 0x80 success, from
// 0x80 failure. It is the value that reaches the wire in 5.0; in 3.1.1 the
// CONNACK and SUBACK encoders map it to the 3.1.1 return codes.
type ReasonCode byte

// The MQTT 5.0 reason codes (Table 2-6). Several names share a value.
const (
	Success                             ReasonCode = 0x00
	NormalDisconnection                 ReasonCode = 0x00
	GrantedQoS0                         ReasonCode = 0x00
	GrantedQoS1                         ReasonCode = 0x01
	GrantedQoS2                         ReasonCode = 0x02
	DisconnectWithWill                  ReasonCode = 0x04
	NoMatchingSubscribers               ReasonCode = 0x10
	NoSubscriptionExisted               ReasonCode = 0x11
	ContinueAuthentication              ReasonCode = 0x18
	ReAuthenticate                      ReasonCode = 0x19
	UnspecifiedError                    ReasonCode = 0x80
	MalformedPacket                     ReasonCode = 0x81
	ProtocolError                       ReasonCode = 0x82
	ImplementationSpecificError         ReasonCode = 0x83
	UnsupportedProtocolVersion          ReasonCode = 0x84
	ClientIdentifierNotValid            ReasonCode = 0x85
	BadUserNameOrPassword               ReasonCode = 0x86
	NotAuthorized                       ReasonCode = 0x87
	ServerUnavailable                   ReasonCode = 0x88
	ServerBusy                          ReasonCode = 0x89
	Banned                              ReasonCode = 0x8A
	ServerShuttingDown                  ReasonCode = 0x8B
	BadAuthenticationMethod             ReasonCode = 0x8C
	KeepAliveTimeout                    ReasonCode = 0x8D
	SessionTakenOver                    ReasonCode = 0x8E
	TopicFilterInvalid                  ReasonCode = 0x8F
	TopicNameInvalid                    ReasonCode = 0x90
	PacketIdentifierInUse               ReasonCode = 0x91
	PacketIdentifierNotFound            ReasonCode = 0x92
	ReceiveMaximumExceeded              ReasonCode = 0x93
	TopicAliasInvalid                   ReasonCode = 0x94
	PacketTooLarge                      ReasonCode = 0x95
	MessageRateTooHigh                  ReasonCode = 0x96
	QuotaExceeded                       ReasonCode = 0x97
	AdministrativeAction                ReasonCode = 0x98
	PayloadFormatInvalid                ReasonCode = 0x99
	RetainNotSupported                  ReasonCode = 0x9A
	QoSNotSupported                     ReasonCode = 0x9B
	UseAnotherServer                    ReasonCode = 0x9C
	ServerMoved                         ReasonCode = 0x9D
	SharedSubscriptionsNotSupported     ReasonCode = 0x9E
	ConnectionRateExceeded              ReasonCode = 0x9F
	MaximumConnectTime                  ReasonCode = 0xA0
	SubscriptionIdentifiersNotSupported ReasonCode = 0xA1
	WildcardSubscriptionsNotSupported   ReasonCode = 0xA2
)

// SubackFailure is the 3.1.1 SUBACK failure return code [MQTT-3.9.3-2].
// Encoding a SUBACK for 3.1.1 turns every reason code of 0x80 or more into
// it, and decoding one turns it into UnspecifiedError, which has its value.
const SubackFailure ReasonCode = 0x80

var reasonNames = [256]string{
	0x00: "success", 0x01: "granted QoS 1", 0x02: "granted QoS 2",
	0x04: "disconnect with will message", 0x10: "no matching subscribers",
	0x11: "no subscription existed", 0x18: "continue authentication", 0x19: "re-authenticate",
	0x80: "unspecified error", 0x81: "malformed packet", 0x82: "protocol error",
	0x83: "implementation specific error", 0x84: "unsupported protocol version",
	0x85: "client identifier not valid", 0x86: "bad user name or password",
	0x87: "not authorized", 0x88: "server unavailable", 0x89: "server busy", 0x8A: "banned",
	0x8B: "server shutting down", 0x8C: "bad authentication method",
	0x8D: "keep alive timeout", 0x8E: "session taken over", 0x8F: "topic filter invalid",
	0x90: "topic name invalid", 0x91: "packet identifier in use",
	0x92: "packet identifier not found", 0x93: "receive maximum exceeded",
	0x94: "topic alias invalid", 0x95: "packet too large", 0x96: "message rate too high",
	0x97: "quota exceeded", 0x98: "administrative action", 0x99: "payload format invalid",
	0x9A: "retain not supported", 0x9B: "QoS not supported", 0x9C: "use another server",
	0x9D: "server moved", 0x9E: "shared subscriptions not supported",
	0x9F: "connection rate exceeded", 0xA0: "maximum connect time",
	0xA1: "subscription identifiers not supported",
	0xA2: "wildcard subscriptions not supported",
}

func (c ReasonCode) String() string {
	if s := reasonNames[c]; s != "" {
		return s
	}
	return "reason code 0x" + strconv.FormatUint(uint64(c), 16)
}

// IsError reports whether c is a failure (0x80 or more).
func (c ReasonCode) IsError() bool { return c >= 0x80 }

// reasonCodesFor lists the reason codes each 5.0 packet may carry, from the
// tables of §3.2.2.2, §3.4.2.1, §3.5.2.1, §3.6.2.1, §3.7.2.1, §3.9.3,
// §3.11.3, §3.14.2.1 and §3.15.2.1.
var reasonCodesFor = [16][]ReasonCode{
	TypeConnack: {Success, UnspecifiedError, MalformedPacket, ProtocolError,
		ImplementationSpecificError, UnsupportedProtocolVersion, ClientIdentifierNotValid,
		BadUserNameOrPassword, NotAuthorized, ServerUnavailable, ServerBusy, Banned,
		BadAuthenticationMethod, TopicNameInvalid, PacketTooLarge, QuotaExceeded,
		PayloadFormatInvalid, RetainNotSupported, QoSNotSupported, UseAnotherServer,
		ServerMoved, ConnectionRateExceeded},
	TypePuback:  pubackCodes,
	TypePubrec:  pubackCodes,
	TypePubrel:  {Success, PacketIdentifierNotFound},
	TypePubcomp: {Success, PacketIdentifierNotFound},
	TypeSuback: {GrantedQoS0, GrantedQoS1, GrantedQoS2, UnspecifiedError,
		ImplementationSpecificError, NotAuthorized, TopicFilterInvalid, PacketIdentifierInUse,
		QuotaExceeded, SharedSubscriptionsNotSupported, SubscriptionIdentifiersNotSupported,
		WildcardSubscriptionsNotSupported},
	TypeUnsuback: {Success, NoSubscriptionExisted, UnspecifiedError,
		ImplementationSpecificError, NotAuthorized, TopicFilterInvalid, PacketIdentifierInUse},
	TypeDisconnect: {NormalDisconnection, DisconnectWithWill, UnspecifiedError,
		MalformedPacket, ProtocolError, ImplementationSpecificError, NotAuthorized, ServerBusy,
		ServerShuttingDown, BadAuthenticationMethod, KeepAliveTimeout, SessionTakenOver,
		TopicFilterInvalid, TopicNameInvalid, ReceiveMaximumExceeded, TopicAliasInvalid,
		PacketTooLarge, MessageRateTooHigh, QuotaExceeded, AdministrativeAction,
		PayloadFormatInvalid, RetainNotSupported, QoSNotSupported, UseAnotherServer,
		ServerMoved, SharedSubscriptionsNotSupported, ConnectionRateExceeded,
		MaximumConnectTime, SubscriptionIdentifiersNotSupported,
		WildcardSubscriptionsNotSupported},
	TypeAuth: {Success, ContinueAuthentication, ReAuthenticate},
}

var pubackCodes = []ReasonCode{Success, NoMatchingSubscribers, UnspecifiedError,
	ImplementationSpecificError, NotAuthorized, TopicNameInvalid, PacketIdentifierInUse,
	QuotaExceeded, PayloadFormatInvalid}

// ValidFor reports whether a 5.0 packet of type t may carry c.
func (c ReasonCode) ValidFor(t PacketType) bool {
	return t < 16 && slices.Contains(reasonCodesFor[t], c)
}

// ReturnCode is a 3.1.1 CONNACK return code (§3.2.2.3 of 3.1.1).
type ReturnCode byte

// The 3.1.1 CONNACK return codes; 6 to 255 are reserved.
const (
	Accepted                     ReturnCode = 0
	RefusedProtocolVersion       ReturnCode = 1
	RefusedIdentifierRejected    ReturnCode = 2
	RefusedServerUnavailable     ReturnCode = 3
	RefusedBadUsernameOrPassword ReturnCode = 4
	RefusedNotAuthorized         ReturnCode = 5
)

// ReturnCode maps a CONNACK reason code to the 3.1.1 return code a 3.1.1
// client understands: NotAuthorized and Banned to 5, bad credentials to 4,
// ClientIdentifierNotValid to 2, UnsupportedProtocolVersion to 1, Success
// to 0, and every other failure to 3 (server unavailable). A 3.1.1 server
// answers a malformed CONNECT by closing the connection without a CONNACK
// [MQTT-3.1.4-1], so MalformedPacket and ProtocolError should not get here.
func (c ReasonCode) ReturnCode() ReturnCode {
	switch c {
	case Success:
		return Accepted
	case UnsupportedProtocolVersion:
		return RefusedProtocolVersion
	case ClientIdentifierNotValid:
		return RefusedIdentifierRejected
	case BadUserNameOrPassword, BadAuthenticationMethod:
		return RefusedBadUsernameOrPassword
	case NotAuthorized, Banned:
		return RefusedNotAuthorized
	}
	return RefusedServerUnavailable
}

// ReasonCode maps a 3.1.1 return code to the reason code that means the
// same; reserved return codes map to UnspecifiedError.
func (r ReturnCode) ReasonCode() ReasonCode {
	switch r {
	case Accepted:
		return Success
	case RefusedProtocolVersion:
		return UnsupportedProtocolVersion
	case RefusedIdentifierRejected:
		return ClientIdentifierNotValid
	case RefusedServerUnavailable:
		return ServerUnavailable
	case RefusedBadUsernameOrPassword:
		return BadUserNameOrPassword
	case RefusedNotAuthorized:
		return NotAuthorized
	}
	return UnspecifiedError
}
