package mqtttest

import "github.com/roost-iot/roost/internal/mqtt"

// handmade311 are MQTT 3.1.1 packets built by hand from the examples of
// the 3.1.1 specification and for what the captures do not show.
func handmade311() []Fixture {
	return []Fixture{{
		Name:    "v311/connect/spec-example",
		Version: mqtt.V311,
		Source:  "MQTT 3.1.1 §3.1.2.10 example variable header (flags 0xCE, keep alive 10) with a payload",
		Raw: x("10 1f 00 04 4d 51 54 54 04 ce 00 0a 00 05 72 6f 6f 73 74" +
			" 00 01 77 00 03 62 79 65 00 01 75 00 01 70"),
		Packet: &mqtt.Connect{Version: mqtt.V311, CleanStart: true, KeepAlive: 10, ClientID: "roost",
			Will:        &mqtt.Will{Topic: "w", Payload: []byte("bye"), QoS: mqtt.QoS1},
			HasUsername: true, Username: "u", HasPassword: true, Password: []byte("p")},
	}, {
		Name:    "v311/connack/not-authorized",
		Version: mqtt.V311,
		Source:  "MQTT 3.1.1 §3.2.2.3 return code 5",
		Raw:     x("20 02 00 05"),
		Packet:  &mqtt.Connack{ReasonCode: mqtt.NotAuthorized},
	}, {
		Name:    "v311/connack/unsupported-version",
		Version: mqtt.V311,
		Source:  "MQTT 3.1.1 §3.2.2.3 return code 1, the answer to an unknown protocol level",
		Raw:     x("20 02 00 01"),
		Packet:  &mqtt.Connack{ReasonCode: mqtt.UnsupportedProtocolVersion},
	}, {
		Name:    "v311/publish/spec-example",
		Version: mqtt.V311,
		Source:  "MQTT 3.1.1 §3.3.2.3 example: topic a/b, packet identifier 10",
		Raw:     x("32 08 00 03 61 2f 62 00 0a 78"),
		Packet:  &mqtt.Publish{QoS: mqtt.QoS1, Topic: "a/b", PacketID: 10, Payload: []byte("x")},
	}, {
		Name:    "v311/publish/two-byte-remaining-length",
		Version: mqtt.V311,
		Source:  "MQTT 3.1.1 §2.2.3: remaining length 205 is cd 01",
		Raw:     cat(x("30 cd 01 00 03 61 2f 62"), rep('x', 200)),
		Packet:  &mqtt.Publish{Topic: "a/b", Payload: rep('x', 200)},
	}, {
		Name:    "v311/publish/three-byte-remaining-length",
		Version: mqtt.V311,
		Source:  "MQTT 3.1.1 §2.2.3: remaining length 16,389 is 85 80 01",
		Raw:     cat(x("30 85 80 01 00 03 61 2f 62"), rep('y', 16384)),
		Packet:  &mqtt.Publish{Topic: "a/b", Payload: rep('y', 16384)},
	}, {
		Name:    "v311/publish/dup-retain-qos1",
		Version: mqtt.V311,
		Source:  "MQTT 3.1.1 §3.3.1: a redelivered retained QoS 1 message",
		Raw:     x("3b 07 00 03 61 2f 62 00 2a"),
		Packet: &mqtt.Publish{Dup: true, QoS: mqtt.QoS1, Retain: true, Topic: "a/b", PacketID: 42,
			Payload: []byte{}},
	}, {
		Name:    "v311/subscribe/spec-example",
		Version: mqtt.V311,
		Source:  "MQTT 3.1.1 §3.8.3 example filters a/b QoS 1 and c/d QoS 2",
		Raw:     x("82 0e 00 0a 00 03 61 2f 62 01 00 03 63 2f 64 02"),
		Packet: &mqtt.Subscribe{PacketID: 10, Subscriptions: []mqtt.Subscription{
			{Filter: "a/b", QoS: mqtt.QoS1}, {Filter: "c/d", QoS: mqtt.QoS2}}},
	}, {
		Name:    "v311/suback/spec-example",
		Version: mqtt.V311,
		Source:  "MQTT 3.1.1 §3.9.3 example: QoS 0, QoS 2, failure",
		Raw:     x("90 05 00 0a 00 02 80"),
		Packet: &mqtt.Suback{PacketID: 10, ReasonCodes: []mqtt.ReasonCode{
			mqtt.GrantedQoS0, mqtt.GrantedQoS2, mqtt.SubackFailure}},
	}, {
		Name:    "v311/unsubscribe/spec-example",
		Version: mqtt.V311,
		Source:  "MQTT 3.1.1 §3.10.3 example filters a/b and c/d",
		Raw:     x("a2 0c 00 0b 00 03 61 2f 62 00 03 63 2f 64"),
		Packet:  &mqtt.Unsubscribe{PacketID: 11, TopicFilters: []string{"a/b", "c/d"}},
	}, {
		Name:    "v311/unsuback/spec",
		Version: mqtt.V311,
		Source:  "MQTT 3.1.1 §3.11",
		Raw:     x("b0 02 00 0b"),
		Packet:  &mqtt.Unsuback{PacketID: 11},
	}, {
		Name:    "v311/pingreq/spec",
		Version: mqtt.V311,
		Source:  "MQTT 3.1.1 §3.12",
		Raw:     x("c0 00"),
		Packet:  &mqtt.Pingreq{},
	}, {
		Name:    "v311/pingresp/spec",
		Version: mqtt.V311,
		Source:  "MQTT 3.1.1 §3.13",
		Raw:     x("d0 00"),
		Packet:  &mqtt.Pingresp{},
	}, {
		Name:    "v311/puback/spec",
		Version: mqtt.V311,
		Source:  "MQTT 3.1.1 §3.4",
		Raw:     x("40 02 00 0a"),
		Packet:  &mqtt.Puback{PacketID: 10},
	}}
}

// handmade5 are MQTT 5.0 packets built by hand for what the captures do
// not show: every reason code a server sends, every CONNACK property,
// enhanced authentication, topic aliases.
func handmade5() []Fixture {
	return []Fixture{{
		Name:    "v5/connect/enhanced-auth",
		Version: mqtt.V5,
		Source:  "MQTT 5.0 §3.1.2.11: empty client identifier, authentication method and data",
		Raw: x("10 29 00 04 4d 51 54 54 05 02 00 00 1c 15 00 0d 53 43 52 41 4d 2d 53 48 41" +
			" 2d 32 35 36 16 00 02 ab cd 17 01 27 00 00 10 00 00 00"),
		Packet: &mqtt.Connect{Version: mqtt.V5, CleanStart: true,
			AuthenticationMethod: "SCRAM-SHA-256", AuthenticationData: []byte{0xab, 0xcd},
			HasRequestProblemInformation: true, RequestProblemInformation: true,
			MaximumPacketSize: 4096},
	}, {
		Name:    "v5/connack/every-property",
		Version: mqtt.V5,
		Source:  "MQTT 5.0 §3.2.2.3: what a Roost server may announce",
		Raw: x("20 27 01 00 24 11 00 00 0e 10 12 00 04 64 65 76 31 13 04 b0 21 00 64 22 00 08" +
			" 24 01 25 01 27 00 02 00 40 28 01 29 01 2a 00"),
		Packet: &mqtt.Connack{SessionPresent: true,
			HasSessionExpiryInterval: true, SessionExpiryInterval: 3600,
			AssignedClientIdentifier: "dev1", HasServerKeepAlive: true, ServerKeepAlive: 1200,
			ReceiveMaximum: 100, TopicAliasMaximum: 8, HasMaximumQoS: true, MaximumQoS: mqtt.QoS1,
			HasRetainAvailable: true, RetainAvailable: true, MaximumPacketSize: 131136,
			HasWildcardSubscriptionAvailable: true, WildcardSubscriptionAvailable: true,
			HasSubscriptionIdentifiersAvailable: true, SubscriptionIdentifiersAvailable: true,
			HasSharedSubscriptionAvailable: true},
	}, {
		Name:    "v5/connack/not-authorized",
		Version: mqtt.V5,
		Source:  "MQTT 5.0 §3.2.2.2 reason code 0x87",
		Raw:     x("20 03 00 87 00"),
		Packet:  &mqtt.Connack{ReasonCode: mqtt.NotAuthorized},
	}, {
		Name:    "v5/connack/banned-with-reason",
		Version: mqtt.V5,
		Source:  "MQTT 5.0 §3.2.2.3.9 Reason String",
		Raw:     x("20 0c 00 8a 09 1f 00 06 62 61 6e 6e 65 64"),
		Packet:  &mqtt.Connack{ReasonCode: mqtt.Banned, ReasonString: "banned"},
	}, {
		Name:    "v5/publish/topic-alias-only",
		Version: mqtt.V5,
		Source:  "MQTT 5.0 §3.3.2.3.4: empty topic name standing for Topic Alias 1",
		Raw:     x("30 08 00 00 03 23 00 01 68 69"),
		Packet:  &mqtt.Publish{TopicAlias: 1, Payload: []byte("hi")},
	}, {
		Name:    "v5/puback/no-matching-subscribers",
		Version: mqtt.V5,
		Source:  "MQTT 5.0 §3.4.2.1: reason code without properties",
		Raw:     x("40 03 00 01 10"),
		Packet:  &mqtt.Puback{PacketID: 1, ReasonCode: mqtt.NoMatchingSubscribers},
	}, {
		Name:    "v5/puback/not-authorized-with-properties",
		Version: mqtt.V5,
		Source:  "MQTT 5.0 §3.4.2.2: Reason String and User Property",
		Raw: x("40 1c 00 05 87 18 1f 00 0e 6e 6f 74 20 61 75 74 68 6f 72 69 7a 65 64" +
			" 26 00 01 6b 00 01 76"),
		Packet: &mqtt.Puback{PacketID: 5, ReasonCode: mqtt.NotAuthorized,
			ReasonString: "not authorized", UserProperties: []mqtt.UserProperty{{Key: "k", Value: "v"}}},
	}, {
		Name:    "v5/pubrec/no-matching-subscribers",
		Version: mqtt.V5,
		Source:  "MQTT 5.0 §3.5.2.1",
		Raw:     x("50 03 00 02 10"),
		Packet:  &mqtt.Pubrec{PacketID: 2, ReasonCode: mqtt.NoMatchingSubscribers},
	}, {
		Name:    "v5/pubrel/not-found",
		Version: mqtt.V5,
		Source:  "MQTT 5.0 §3.6.2.1",
		Raw:     x("62 03 00 09 92"),
		Packet:  &mqtt.Pubrel{PacketID: 9, ReasonCode: mqtt.PacketIdentifierNotFound},
	}, {
		Name:    "v5/pubcomp/not-found",
		Version: mqtt.V5,
		Source:  "MQTT 5.0 §3.7.2.1",
		Raw:     x("70 03 00 09 92"),
		Packet:  &mqtt.Pubcomp{PacketID: 9, ReasonCode: mqtt.PacketIdentifierNotFound},
	}, {
		Name:    "v5/subscribe/options",
		Version: mqtt.V5,
		Source:  "MQTT 5.0 §3.8.3.1: No Local, Retain As Published, Retain Handling 2; a shared subscription",
		Raw:     x("82 18 00 03 00 00 03 61 2f 23 2e 00 0c 24 73 68 61 72 65 2f 67 2f 61 2f 2b 01"),
		Packet: &mqtt.Subscribe{PacketID: 3, Subscriptions: []mqtt.Subscription{
			{Filter: "a/#", QoS: mqtt.QoS2, NoLocal: true, RetainAsPublished: true, RetainHandling: 2},
			{Filter: "$share/g/a/+", QoS: mqtt.QoS1}}},
	}, {
		Name:    "v5/suback/every-reason-code",
		Version: mqtt.V5,
		Source:  "MQTT 5.0 §3.9.3: all twelve SUBACK reason codes, with a Reason String",
		Raw:     x("90 14 00 03 05 1f 00 02 6e 6f 00 01 02 80 83 87 8f 91 97 9e a1 a2"),
		Packet: &mqtt.Suback{PacketID: 3, ReasonString: "no", ReasonCodes: []mqtt.ReasonCode{
			mqtt.GrantedQoS0, mqtt.GrantedQoS1, mqtt.GrantedQoS2, mqtt.UnspecifiedError,
			mqtt.ImplementationSpecificError, mqtt.NotAuthorized, mqtt.TopicFilterInvalid,
			mqtt.PacketIdentifierInUse, mqtt.QuotaExceeded, mqtt.SharedSubscriptionsNotSupported,
			mqtt.SubscriptionIdentifiersNotSupported, mqtt.WildcardSubscriptionsNotSupported}},
	}, {
		Name:    "v5/unsuback/every-reason-code",
		Version: mqtt.V5,
		Source:  "MQTT 5.0 §3.11.3: all seven UNSUBACK reason codes",
		Raw:     x("b0 0a 00 0c 00 00 11 80 83 87 8f 91"),
		Packet: &mqtt.Unsuback{PacketID: 12, ReasonCodes: []mqtt.ReasonCode{
			mqtt.Success, mqtt.NoSubscriptionExisted, mqtt.UnspecifiedError,
			mqtt.ImplementationSpecificError, mqtt.NotAuthorized, mqtt.TopicFilterInvalid,
			mqtt.PacketIdentifierInUse}},
	}, {
		Name:    "v5/disconnect/session-taken-over",
		Version: mqtt.V5,
		Source:  "MQTT 5.0 §3.14.2.1 reason code 0x8E with a Reason String",
		Raw:     x("e0 0f 8e 0d 1f 00 0a 74 61 6b 65 6e 20 6f 76 65 72"),
		Packet:  &mqtt.Disconnect{ReasonCode: mqtt.SessionTakenOver, ReasonString: "taken over"},
	}, {
		Name:    "v5/disconnect/use-another-server",
		Version: mqtt.V5,
		Source:  "MQTT 5.0 §3.14.2.2.5 Server Reference",
		Raw:     x("e0 11 9c 0f 1c 00 0c 72 6f 6f 73 74 2d 32 3a 38 38 38 33"),
		Packet:  &mqtt.Disconnect{ReasonCode: mqtt.UseAnotherServer, ServerReference: "roost-2:8883"},
	}, {
		Name:    "v5/disconnect/with-will",
		Version: mqtt.V5,
		Source:  "MQTT 5.0 §3.14.2.1: reason code without properties",
		Raw:     x("e0 01 04"),
		Packet:  &mqtt.Disconnect{ReasonCode: mqtt.DisconnectWithWill},
	}, {
		Name:    "v5/auth/success-short",
		Version: mqtt.V5,
		Source:  "MQTT 5.0 §3.15.2.1: Remaining Length 0 is Success",
		Raw:     x("f0 00"),
		Packet:  &mqtt.Auth{},
	}, {
		Name:    "v5/auth/continue",
		Version: mqtt.V5,
		Source:  "MQTT 5.0 §4.12 enhanced authentication step",
		Raw: x("f0 19 18 17 15 00 0d 53 43 52 41 4d 2d 53 48 41 2d 32 35 36" +
			" 16 00 04 01 02 03 04"),
		Packet: &mqtt.Auth{ReasonCode: mqtt.ContinueAuthentication,
			AuthenticationMethod: "SCRAM-SHA-256", AuthenticationData: []byte{1, 2, 3, 4}},
	}, {
		Name:    "v5/pingreq/spec",
		Version: mqtt.V5,
		Source:  "MQTT 5.0 §3.12",
		Raw:     x("c0 00"),
		Packet:  &mqtt.Pingreq{},
	}, {
		Name:    "v5/pingresp/spec",
		Version: mqtt.V5,
		Source:  "MQTT 5.0 §3.13",
		Raw:     x("d0 00"),
		Packet:  &mqtt.Pingresp{},
	}}
}
