package mqtttest

import "github.com/roost-iot/roost/internal/mqtt"

// Shorthands for the tables below.
const (
	v311      = mqtt.V311
	v5        = mqtt.V5
	malformed = mqtt.MalformedPacket
	protocol  = mqtt.ProtocolError
)

// Malformed returns packets that must be refused, each with the rule it
// breaks and the reason code that answers it. A broker test sends one after
// a successful CONNECT of Version (the CONNECT cases are the first packet
// themselves) and expects, in 5.0, a DISCONNECT (or CONNACK) with Code and
// then the connection closed; in 3.1.1 the connection closed.
func Malformed() []Bad {
	return append(append(malformedFrames(), malformedConnect()...), malformedOthers()...)
}

func malformedFrames() []Bad {
	return []Bad{
		{"fail/v311/frame/remaining-length-5-bytes", "§1.5.5", v311, x("30 ff ff ff ff 7f"), 0, malformed},
		{"fail/v5/frame/too-large", "MQTT-3.2.2-15", v5, x("30 0a 00 03 61 2f 62 00 61 62 63 64"), 11, mqtt.PacketTooLarge},
		{"fail/v311/frame/type-0", "§2.2.1", v311, x("00 00"), 0, malformed},
		{"fail/v5/frame/type-0", "§2.1.2", v5, x("00 00"), 0, malformed},
		{"fail/v311/puback/flags", "MQTT-2.2.2-1", v311, x("41 02 00 01"), 0, malformed},
		{"fail/v5/pingreq/flags", "MQTT-2.1.3-1", v5, x("c1 00"), 0, malformed},
		{"fail/v311/pubrel/flags", "MQTT-3.6.1-1", v311, x("60 02 00 01"), 0, malformed},
		{"fail/v311/subscribe/flags", "MQTT-3.8.1-1", v311, x("80 08 00 01 00 03 61 2f 62 00"), 0, malformed},
		{"fail/v5/unsubscribe/flags", "MQTT-3.10.1-1", v5, x("a0 08 00 01 00 00 03 61 2f 62"), 0, malformed},
		{"fail/v5/disconnect/flags", "MQTT-3.14.1-1", v5, x("e2 00"), 0, malformed},
		{"fail/v5/auth/flags", "MQTT-3.15.1-1", v5, x("f1 00"), 0, malformed},
		{"fail/v311/auth/reserved-type", "§2.2.1", v311, x("f0 00"), 0, malformed},
		{"fail/v311/publish/before-connect", "MQTT-3.1.0-1", 0, x("30 05 00 03 61 2f 62"), 0, protocol},
		{"fail/v311/puback/before-connect", "MQTT-3.1.0-1", 0, x("40 02 00 01"), 0, protocol},
	}
}

func malformedConnect() []Bad {
	return []Bad{
		{"fail/v311/connect/reserved-flag", "MQTT-3.1.2-3", v311, x("10 0d 00 04 4d 51 54 54 04 03 00 3c 00 01 61"), 0, malformed},
		{"fail/v5/connect/reserved-flag", "MQTT-3.1.2-3", v5, x("10 0e 00 04 4d 51 54 54 05 03 00 3c 00 00 01 61"), 0, malformed},
		{"fail/v311/connect/will-qos-3", "MQTT-3.1.2-14", v311, x("10 0d 00 04 4d 51 54 54 04 1e 00 3c 00 01 61"), 0, malformed},
		{"fail/v5/connect/will-qos-3", "MQTT-3.1.2-12", v5, x("10 0e 00 04 4d 51 54 54 05 1e 00 3c 00 00 01 61"), 0, malformed},
		{"fail/v311/connect/will-qos-without-will", "MQTT-3.1.2-13", v311, x("10 0d 00 04 4d 51 54 54 04 0a 00 3c 00 01 61"), 0, malformed},
		{"fail/v5/connect/will-qos-without-will", "MQTT-3.1.2-11", v5, x("10 0e 00 04 4d 51 54 54 05 0a 00 3c 00 00 01 61"), 0, malformed},
		{"fail/v311/connect/will-retain-without-will", "MQTT-3.1.2-15", v311, x("10 0d 00 04 4d 51 54 54 04 22 00 3c 00 01 61"), 0, malformed},
		{"fail/v5/connect/will-retain-without-will", "MQTT-3.1.2-13", v5, x("10 0e 00 04 4d 51 54 54 05 22 00 3c 00 00 01 61"), 0, malformed},
		{"fail/v311/connect/password-without-username", "MQTT-3.1.2-22", v311, x("10 10 00 04 4d 51 54 54 04 42 00 3c 00 01 61 00 01 70"), 0, malformed},
		{"fail/v311/connect/protocol-name", "MQTT-3.1.2-1", v311, x("10 0d 00 04 4d 51 54 58 04 02 00 3c 00 01 61"), 0, malformed},
		{"fail/v311/connect/protocol-level-6", "MQTT-3.1.2-2", v311, x("10 0d 00 04 4d 51 54 54 06 02 00 3c 00 01 61"), 0, mqtt.UnsupportedProtocolVersion},
		{"fail/v311/connect/mqtt-3.1", "MQTT-3.1.2-2", v311, x("10 0f 00 06 4d 51 49 73 64 70 03 02 00 3c 00 01 61"), 0, mqtt.UnsupportedProtocolVersion},
		{"fail/v311/connect/empty-client-id-persistent", "MQTT-3.1.3-8", v311, x("10 0c 00 04 4d 51 54 54 04 00 00 3c 00 00"), 0, mqtt.ClientIdentifierNotValid},
		{"fail/v311/connect/trailing-bytes", "", v311, x("10 0e 00 04 4d 51 54 54 04 02 00 3c 00 01 61 ff"), 0, malformed},
		{"fail/v311/connect/client-id-invalid-utf8", "MQTT-1.5.3-1", v311, x("10 0d 00 04 4d 51 54 54 04 02 00 3c 00 01 ff"), 0, malformed},
		{"fail/v311/connect/missing-password", "", v311, x("10 10 00 04 4d 51 54 54 04 c2 00 3c 00 01 61 00 01 75"), 0, malformed},
		{"fail/v5/connect/receive-maximum-0", "§3.1.2.11.3", v5, x("10 11 00 04 4d 51 54 54 05 02 00 3c 03 21 00 00 00 01 61"), 0, protocol},
		{"fail/v5/connect/maximum-packet-size-0", "§3.1.2.11.4", v5, x("10 13 00 04 4d 51 54 54 05 02 00 3c 05 27 00 00 00 00 00 01 61"), 0, protocol},
		{"fail/v5/connect/duplicate-session-expiry", "§3.1.2.11.2", v5, x("10 18 00 04 4d 51 54 54 05 02 00 3c 0a 11 00 00 00 01 11 00 00 00 02 00 01 61"), 0, protocol},
		{"fail/v5/connect/request-problem-information-2", "§3.1.2.11.7", v5, x("10 10 00 04 4d 51 54 54 05 02 00 3c 02 17 02 00 01 61"), 0, protocol},
		{"fail/v5/connect/will-delay-in-connect-properties", "§2.2.2.2", v5, x("10 13 00 04 4d 51 54 54 05 02 00 3c 05 18 00 00 00 05 00 01 61"), 0, malformed},
		{"fail/v5/connect/authentication-data-without-method", "§3.1.2.11.10", v5, x("10 12 00 04 4d 51 54 54 05 02 00 3c 04 16 00 01 aa 00 01 61"), 0, protocol},
		{"fail/v5/connect/topic-alias-in-will-properties", "§2.2.2.2", v5, x("10 17 00 04 4d 51 54 54 05 06 00 3c 00 00 01 61 03 23 00 01 00 01 77 00 00"), 0, malformed},
		{"fail/v5/connect/properties-beyond-packet", "", v5, x("10 0e 00 04 4d 51 54 54 05 02 00 3c 09 00 01 61"), 0, malformed},
	}
}

func malformedOthers() []Bad {
	return append(malformedPublish(), malformedAcks()...)
}

func malformedPublish() []Bad {
	return []Bad{
		{"fail/v311/publish/qos-3", "MQTT-3.3.1-4", v311, x("36 07 00 03 61 2f 62 00 01"), 0, malformed},
		{"fail/v5/publish/qos-3", "MQTT-3.3.1-4", v5, x("36 08 00 03 61 2f 62 00 01 00"), 0, malformed},
		{"fail/v311/publish/dup-qos-0", "MQTT-3.3.1-2", v311, x("38 05 00 03 61 2f 62"), 0, malformed},
		{"fail/v5/publish/dup-qos-0", "MQTT-3.3.1-2", v5, x("38 06 00 03 61 2f 62 00"), 0, malformed},
		{"fail/v311/publish/packet-id-0", "MQTT-2.3.1-1", v311, x("32 07 00 03 61 2f 62 00 00"), 0, protocol},
		{"fail/v5/publish/packet-id-0", "MQTT-2.2.1-3", v5, x("32 08 00 03 61 2f 62 00 00 00"), 0, protocol},
		{"fail/v311/publish/topic-invalid-utf8", "MQTT-1.5.3-1", v311, x("30 05 00 03 61 ff 62"), 0, malformed},
		{"fail/v5/publish/topic-surrogate", "MQTT-1.5.4-1", v5, x("30 06 00 03 ed a0 80 00"), 0, malformed},
		{"fail/v311/publish/topic-nul", "MQTT-1.5.3-2", v311, x("30 05 00 03 61 00 62"), 0, malformed},
		{"fail/v5/publish/topic-nul-after-non-ascii", "MQTT-1.5.4-2", v5, x("30 08 00 05 c3 a9 00 61 62 00"), 0, malformed},
		{"fail/v311/publish/empty-topic", "MQTT-4.7.3-1", v311, x("30 02 00 00"), 0, malformed},
		{"fail/v5/publish/empty-topic-without-alias", "§3.3.2.3.4", v5, x("30 03 00 00 00"), 0, protocol},
		{"fail/v5/publish/topic-alias-0", "MQTT-3.3.2-8", v5, x("30 06 00 00 03 23 00 00"), 0, mqtt.TopicAliasInvalid},
		{"fail/v5/publish/topic-beyond-packet", "", v5, x("30 03 00 05 61"), 0, malformed},
		{"fail/v5/publish/session-expiry-property", "§2.2.2.2", v5, x("30 0b 00 03 61 2f 62 05 11 00 00 00 01"), 0, malformed},
		{"fail/v5/publish/unknown-property", "§2.2.2.2", v5, x("30 08 00 03 61 2f 62 02 7f 00"), 0, malformed},
		{"fail/v5/publish/duplicate-payload-format", "§3.3.2.3.2", v5, x("30 0a 00 03 61 2f 62 04 01 01 01 01"), 0, protocol},
		{"fail/v5/publish/payload-format-2", "§3.3.2.3.2", v5, x("30 08 00 03 61 2f 62 02 01 02"), 0, protocol},
		{"fail/v5/publish/properties-beyond-packet", "", v5, x("30 07 00 03 61 2f 62 05 01"), 0, malformed},
		{"fail/v5/publish/subscription-identifier-0", "§3.8.2.1.2", v5, x("30 08 00 03 61 2f 62 02 0b 00"), 0, protocol},
		{"fail/v5/publish/user-property-invalid-utf8", "MQTT-1.5.4-1", v5, x("30 0d 00 03 61 2f 62 07 26 00 01 ff 00 01 61"), 0, malformed},
	}
}

func malformedAcks() []Bad {
	return []Bad{
		{"fail/v311/connack/reserved-flags", "§3.2.2.1", v311, x("20 02 02 00"), 0, malformed},
		{"fail/v5/connack/reserved-flags", "MQTT-3.2.2-1", v5, x("20 03 02 00 00"), 0, malformed},
		{"fail/v311/connack/reserved-return-code", "§3.2.2.3", v311, x("20 02 00 06"), 0, malformed},
		{"fail/v311/connack/session-present-with-refusal", "MQTT-3.2.2-4", v311, x("20 02 01 05"), 0, protocol},
		{"fail/v5/connack/session-present-with-refusal", "MQTT-3.2.2-6", v5, x("20 03 01 87 00"), 0, protocol},
		{"fail/v5/connack/reason-code-not-for-connack", "MQTT-3.2.2-8", v5, x("20 03 00 04 00"), 0, protocol},
		{"fail/v5/connack/maximum-qos-2", "§3.2.2.3.4", v5, x("20 05 00 00 02 24 02"), 0, protocol},
		{"fail/v311/puback/packet-id-0", "MQTT-2.3.1-6", v311, x("40 02 00 00"), 0, protocol},
		{"fail/v5/pubrec/packet-id-0", "MQTT-2.2.1-5", v5, x("50 02 00 00"), 0, protocol},
		{"fail/v311/puback/trailing-bytes", "", v311, x("40 03 00 01 00"), 0, malformed},
		{"fail/v5/puback/reason-code-not-for-puback", "MQTT-3.4.2-1", v5, x("40 03 00 01 92"), 0, protocol},
		{"fail/v5/pubrel/reason-code-not-for-pubrel", "MQTT-3.6.2-1", v5, x("62 03 00 01 10"), 0, protocol},
		{"fail/v5/puback/message-expiry-property", "§2.2.2.2", v5, x("40 09 00 01 00 05 02 00 00 00 3c"), 0, malformed},
		{"fail/v5/pubcomp/short", "", v5, x("70 01 00"), 0, malformed},
		{"fail/v311/subscribe/no-filter", "MQTT-3.8.3-3", v311, x("82 02 00 01"), 0, protocol},
		{"fail/v5/subscribe/no-filter", "MQTT-3.8.3-2", v5, x("82 03 00 01 00"), 0, protocol},
		{"fail/v311/subscribe/packet-id-0", "MQTT-2.3.1-1", v311, x("82 08 00 00 00 03 61 2f 62 00"), 0, protocol},
		{"fail/v311/subscribe/reserved-bits", "MQTT-3.8.3-4", v311, x("82 08 00 01 00 03 61 2f 62 04"), 0, malformed},
		{"fail/v311/subscribe/qos-3", "MQTT-3.8.3-4", v311, x("82 08 00 01 00 03 61 2f 62 03"), 0, malformed},
		{"fail/v5/subscribe/reserved-bits", "MQTT-3.8.3-5", v5, x("82 09 00 01 00 00 03 61 2f 62 40"), 0, malformed},
		{"fail/v5/subscribe/qos-3", "§3.8.3.1", v5, x("82 09 00 01 00 00 03 61 2f 62 03"), 0, protocol},
		{"fail/v5/subscribe/retain-handling-3", "§3.8.3.1", v5, x("82 09 00 01 00 00 03 61 2f 62 30"), 0, protocol},
		{"fail/v5/subscribe/subscription-identifier-0", "§3.8.2.1.2", v5, x("82 0b 00 01 02 0b 00 00 03 61 2f 62 00"), 0, protocol},
		{"fail/v5/subscribe/two-subscription-identifiers", "§3.8.2.1.2", v5, x("82 0d 00 01 04 0b 01 0b 02 00 03 61 2f 62 00"), 0, protocol},
		{"fail/v5/subscribe/filter-without-options", "", v5, x("82 08 00 01 00 00 03 61 2f 62"), 0, malformed},
		{"fail/v311/subscribe/filter-invalid-utf8", "MQTT-1.5.3-1", v311, x("82 08 00 01 00 03 61 c3 28 01"), 0, malformed},
		{"fail/v311/unsubscribe/no-filter", "MQTT-3.10.3-2", v311, x("a2 02 00 01"), 0, protocol},
		{"fail/v5/unsubscribe/no-filter", "MQTT-3.10.3-2", v5, x("a2 03 00 01 00"), 0, protocol},
		{"fail/v311/unsubscribe/packet-id-0", "MQTT-2.3.1-1", v311, x("a2 07 00 00 00 03 61 2f 62"), 0, protocol},
		{"fail/v5/unsubscribe/subscription-identifier-property", "§2.2.2.2", v5, x("a2 0a 00 01 02 0b 01 00 03 61 2f 62"), 0, malformed},
		{"fail/v311/suback/reserved-return-code", "MQTT-3.9.3-2", v311, x("90 03 00 01 03"), 0, malformed},
		{"fail/v5/suback/reason-code-not-for-suback", "MQTT-3.9.3-2", v5, x("90 04 00 01 00 11"), 0, protocol},
		{"fail/v311/unsuback/trailing-bytes", "", v311, x("b0 03 00 01 00"), 0, malformed},
		{"fail/v5/unsuback/reason-code-not-for-unsuback", "MQTT-3.11.3-2", v5, x("b0 04 00 01 00 01"), 0, protocol},
		{"fail/v311/pingreq/body", "§3.12.1", v311, x("c0 01 00"), 0, malformed},
		{"fail/v5/pingresp/body", "§3.13.1", v5, x("d0 01 00"), 0, malformed},
		{"fail/v311/disconnect/body", "", v311, x("e0 01 00"), 0, malformed},
		{"fail/v5/disconnect/reason-code-not-for-disconnect", "MQTT-3.14.2-1", v5, x("e0 01 10"), 0, protocol},
		{"fail/v5/disconnect/payload-format-property", "§2.2.2.2", v5, x("e0 04 00 02 01 00"), 0, malformed},
		{"fail/v5/auth/reason-code-not-for-auth", "MQTT-3.15.2-1", v5, x("f0 01 87"), 0, protocol},
		{"fail/v5/auth/data-without-method", "§3.15.2.2.3", v5, x("f0 06 18 04 16 00 01 aa"), 0, protocol},
	}
}
