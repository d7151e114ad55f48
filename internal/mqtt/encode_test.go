package mqtt_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unsafe"

	"github.com/roost-iot/roost/internal/mqtt"
	"github.com/roost-iot/roost/internal/mqtt/mqtttest"
)

// TestEncodeRefuses: AppendTo refuses to write a packet the peer would
// have to refuse, appends nothing, and says which rule it breaks.
func TestEncodeRefuses(t *testing.T) {
	long := strings.Repeat("a", 65536)
	tests := []struct {
		name string
		v    mqtt.Version
		p    mqtt.Packet
		code mqtt.ReasonCode
		rule string
	}{
		{"fail/v5/publish/qos-3", mqtt.V5, &mqtt.Publish{QoS: 3, Topic: "a", PacketID: 1},
			mqtt.MalformedPacket, "MQTT-3.3.1-4"},
		{"fail/v311/publish/packet-id-0", mqtt.V311, &mqtt.Publish{QoS: 1, Topic: "a"},
			mqtt.ProtocolError, "MQTT-2.3.1-1"},
		{"fail/v5/publish/dup-qos-0", mqtt.V5, &mqtt.Publish{Dup: true, Topic: "a"},
			mqtt.MalformedPacket, "MQTT-3.3.1-2"},
		{"fail/v311/publish/empty-topic", mqtt.V311, &mqtt.Publish{TopicAlias: 1},
			mqtt.ProtocolError, "MQTT-4.7.3-1"},
		{"fail/v5/publish/empty-topic-without-alias", mqtt.V5, &mqtt.Publish{},
			mqtt.ProtocolError, "MQTT-4.7.3-1"},
		{"fail/v5/publish/payload-format-2", mqtt.V5, &mqtt.Publish{Topic: "a", PayloadFormatIndicator: 2},
			mqtt.ProtocolError, "§3.3.2.3.2"},
		{"fail/v5/publish/subscription-identifier-0", mqtt.V5,
			&mqtt.Publish{Topic: "a", SubscriptionIdentifiers: []uint32{0}}, mqtt.ProtocolError, "§3.3.2.3.8"},
		{"fail/v5/publish/subscription-identifier-too-big", mqtt.V5,
			&mqtt.Publish{Topic: "a", SubscriptionIdentifiers: []uint32{1 << 28}}, mqtt.MalformedPacket, "§1.5.5"},
		{"fail/v311/publish/topic-too-long", mqtt.V311, &mqtt.Publish{Topic: long},
			mqtt.MalformedPacket, "§1.5.4"},
		{"fail/v311/connect/password-without-username", 0,
			&mqtt.Connect{Version: mqtt.V311, ClientID: "a", HasPassword: true}, mqtt.MalformedPacket, "MQTT-3.1.2-22"},
		{"fail/connect/no-version", 0, &mqtt.Connect{ClientID: "a"},
			mqtt.UnsupportedProtocolVersion, "MQTT-3.1.2-2"},
		{"fail/v5/connect/will-qos-3", mqtt.V5, &mqtt.Connect{Will: &mqtt.Will{Topic: "w", QoS: 3}},
			mqtt.MalformedPacket, "MQTT-3.3.1-4"},
		{"fail/v5/connect/authentication-data-without-method", mqtt.V5,
			&mqtt.Connect{AuthenticationData: []byte{1}}, mqtt.ProtocolError, "§3.1.2.11.10"},
		{"fail/v5/connect/will-payload-too-long", mqtt.V5,
			&mqtt.Connect{Will: &mqtt.Will{Topic: "w", Payload: []byte(long)}}, mqtt.MalformedPacket, "§1.5.6"},
		{"fail/v5/connack/session-present-with-refusal", mqtt.V5,
			&mqtt.Connack{SessionPresent: true, ReasonCode: mqtt.NotAuthorized}, mqtt.ProtocolError, "MQTT-3.2.2-6"},
		{"fail/v5/connack/maximum-qos-2", mqtt.V5, &mqtt.Connack{HasMaximumQoS: true, MaximumQoS: 2},
			mqtt.ProtocolError, "§3.2.2.3.4"},
		{"fail/v5/connack/reason-code-not-for-connack", mqtt.V5, &mqtt.Connack{ReasonCode: mqtt.SessionTakenOver},
			mqtt.ProtocolError, "MQTT-3.2.2-8"},
		{"fail/v5/puback/reason-code-not-for-puback", mqtt.V5,
			&mqtt.Puback{PacketID: 1, ReasonCode: mqtt.PacketIdentifierNotFound}, mqtt.ProtocolError, "MQTT-3.4.2-1"},
		{"fail/v5/pubrel/packet-id-0", mqtt.V5, &mqtt.Pubrel{}, mqtt.ProtocolError, "MQTT-2.2.1-5"},
		{"fail/v311/subscribe/no-filter", mqtt.V311, &mqtt.Subscribe{PacketID: 1},
			mqtt.ProtocolError, "MQTT-3.8.3-3"},
		{"fail/v5/subscribe/retain-handling-3", mqtt.V5,
			&mqtt.Subscribe{PacketID: 1, Subscriptions: []mqtt.Subscription{{Filter: "a", RetainHandling: 3}}},
			mqtt.ProtocolError, "§3.8.3.1"},
		{"fail/v311/suback/code-without-3.1.1-equivalent", mqtt.V311,
			&mqtt.Suback{PacketID: 1, ReasonCodes: []mqtt.ReasonCode{mqtt.NoMatchingSubscribers}},
			mqtt.ProtocolError, "MQTT-3.9.3-2"},
		{"fail/v5/unsubscribe/no-filter", mqtt.V5, &mqtt.Unsubscribe{PacketID: 1},
			mqtt.ProtocolError, "MQTT-3.10.3-2"},
		{"fail/v5/unsuback/reason-code-not-for-unsuback", mqtt.V5,
			&mqtt.Unsuback{PacketID: 1, ReasonCodes: []mqtt.ReasonCode{mqtt.GrantedQoS1}},
			mqtt.ProtocolError, "MQTT-3.11.3-2"},
		{"fail/v5/disconnect/reason-code-not-for-disconnect", mqtt.V5,
			&mqtt.Disconnect{ReasonCode: mqtt.NoMatchingSubscribers}, mqtt.ProtocolError, "MQTT-3.14.2-1"},
		{"fail/v311/auth", mqtt.V311, &mqtt.Auth{}, mqtt.ProtocolError, "§2.2.1"},
		{"fail/v5/auth/data-without-method", mqtt.V5, &mqtt.Auth{AuthenticationData: []byte{}},
			mqtt.ProtocolError, "§3.15.2.2.3"},
		{"fail/no-version/puback", 0, &mqtt.Puback{PacketID: 1}, mqtt.ProtocolError, "MQTT-3.1.0-1"},
		{"fail/no-version/pingreq", 0, &mqtt.Pingreq{}, mqtt.ProtocolError, "MQTT-3.1.0-1"},
		{"fail/no-version/publish", 0, &mqtt.Publish{Topic: "a"}, mqtt.ProtocolError, "MQTT-3.1.0-1"},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			dst := []byte("keep")
			out, err := c.p.AppendTo(dst, c.v)
			var e *mqtt.Error
			if !errors.As(err, &e) || e.Code != c.code || e.Rule != c.rule {
				t.Fatalf("err = %v, want code %s rule %q", err, c.code, c.rule)
			}
			if string(out) != "keep" {
				t.Fatalf("AppendTo changed dst on error: %q", out)
			}
		})
	}
}

// TestEncodeFor311 checks that one packet value serves both versions: 5.0
// fields are left out for 3.1.1 and reason codes become return codes.
func TestEncodeFor311(t *testing.T) {
	tests := []struct {
		name string
		p    mqtt.Packet
		want string
	}{
		{"ok/v311/publish/drops-properties", &mqtt.Publish{QoS: 1, Topic: "a", PacketID: 7, Payload: []byte("x"),
			ContentType: "text/plain", UserProperties: []mqtt.UserProperty{{Key: "k", Value: "v"}},
			SubscriptionIdentifiers: []uint32{3}, HasMessageExpiryInterval: true}, "32 06 00 01 61 00 07 78"},
		{"ok/v311/connack/not-authorized", &mqtt.Connack{ReasonCode: mqtt.NotAuthorized}, "20 02 00 05"},
		{"ok/v311/connack/banned", &mqtt.Connack{ReasonCode: mqtt.Banned, ReasonString: "no"}, "20 02 00 05"},
		{"ok/v311/connack/bad-authentication-method", &mqtt.Connack{ReasonCode: mqtt.BadAuthenticationMethod}, "20 02 00 04"},
		{"ok/v311/connack/server-busy", &mqtt.Connack{ReasonCode: mqtt.ServerBusy}, "20 02 00 03"},
		{"ok/v311/connack/quota-exceeded", &mqtt.Connack{ReasonCode: mqtt.QuotaExceeded}, "20 02 00 03"},
		{"ok/v311/connack/client-identifier-not-valid", &mqtt.Connack{ReasonCode: mqtt.ClientIdentifierNotValid}, "20 02 00 02"},
		{"ok/v311/suback/failures", &mqtt.Suback{PacketID: 2, ReasonCodes: []mqtt.ReasonCode{
			mqtt.GrantedQoS1, mqtt.NotAuthorized, mqtt.TopicFilterInvalid}}, "90 05 00 02 01 80 80"},
		{"ok/v311/puback/drops-reason", &mqtt.Puback{PacketID: 2, ReasonCode: mqtt.NotAuthorized, ReasonString: "no"},
			"40 02 00 02"},
		{"ok/v311/unsuback/drops-reason-codes", &mqtt.Unsuback{PacketID: 2,
			ReasonCodes: []mqtt.ReasonCode{mqtt.NoSubscriptionExisted}}, "b0 02 00 02"},
		{"ok/v311/subscribe/drops-options", &mqtt.Subscribe{PacketID: 2, SubscriptionIdentifier: 5,
			Subscriptions: []mqtt.Subscription{{Filter: "a", QoS: 1, NoLocal: true, RetainHandling: 2}}},
			"82 06 00 02 00 01 61 01"},
		{"ok/v311/disconnect/drops-reason", &mqtt.Disconnect{ReasonCode: mqtt.ServerShuttingDown}, "e0 00"},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.p.AppendTo(nil, mqtt.V311)
			if err != nil || !bytes.Equal(got, hx(c.want)) {
				t.Fatalf("got % x, %v; want %s", got, err, c.want)
			}
		})
	}
}

func TestReturnCodes(t *testing.T) {
	for rc := mqtt.Accepted; rc <= mqtt.RefusedNotAuthorized; rc++ {
		if got := rc.ReasonCode().ReturnCode(); got != rc {
			t.Errorf("return code %d maps to %s and back to %d", rc, rc.ReasonCode(), got)
		}
	}
	if got := mqtt.ReturnCode(6).ReasonCode(); got != mqtt.UnspecifiedError {
		t.Errorf("reserved return code maps to %s", got)
	}
	if mqtt.SubackFailure != mqtt.UnspecifiedError || !mqtt.SubackFailure.IsError() {
		t.Errorf("SubackFailure must be 0x80")
	}
	if s := mqtt.ReasonCode(0x03).String(); s != "reason code 0x3" {
		t.Errorf("String of an unknown code = %q", s)
	}
	if s := mqtt.NotAuthorized.String(); s != "not authorized" {
		t.Errorf("String = %q", s)
	}
}

// TestAppendPacket: a packet larger than the peer's Maximum Packet Size is
// not written [MQTT-3.1.2-24].
func TestAppendPacket(t *testing.T) {
	p := &mqtt.Publish{Topic: "a/b", Payload: make([]byte, 100)}
	size := p.Size(mqtt.V5)
	if size != 2+2+3+1+100 {
		t.Fatalf("Size = %d", size)
	}
	out, err := mqtt.AppendPacket([]byte("x"), p, mqtt.V5, size)
	if err != nil || len(out) != 1+size {
		t.Fatalf("at the limit: %d bytes, %v", len(out), err)
	}
	out, err = mqtt.AppendPacket([]byte("x"), p, mqtt.V5, size-1)
	var e *mqtt.Error
	if !errors.As(err, &e) || e.Code != mqtt.PacketTooLarge || string(out) != "x" {
		t.Fatalf("over the limit: %q, %v", out, err)
	}
	if out, err = mqtt.AppendPacket(nil, p, mqtt.V5, 0); err != nil || len(out) != size {
		t.Fatalf("no limit: %d bytes, %v", len(out), err)
	}
}

func TestPublishAppendHeader(t *testing.T) {
	p := &mqtt.Publish{QoS: 1, PacketID: 9, Topic: "t", Payload: []byte("payload"), ContentType: "c"}
	for _, v := range []mqtt.Version{mqtt.V311, mqtt.V5} {
		whole, err := p.AppendTo(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		head, err := p.AppendHeader(nil, v)
		if err != nil || !bytes.Equal(append(head, p.Payload...), whole) {
			t.Fatalf("%s: header % x + payload != % x (%v)", v, head, whole, err)
		}
	}
}

// TestPublishAliasing: Payload and CorrelationData alias the body; Clone
// owns them.
func TestPublishAliasing(t *testing.T) {
	raw := hx("30 0e 00 01 74 07 09 00 04 63 6f 72 72 70 61 79")
	h, body, _, err := mqtt.ParseFrame(raw, 0)
	if err != nil {
		t.Fatal(err)
	}
	var p mqtt.Publish
	if err := p.Decode(h, body, mqtt.V5); err != nil {
		t.Fatal(err)
	}
	c := p.Clone()
	for i := range raw {
		raw[i] = 'X'
	}
	if string(p.Payload) != "XXX" || string(p.CorrelationData) != "XXXX" {
		t.Fatalf("decoded fields do not alias the body: %q %q", p.Payload, p.CorrelationData)
	}
	if string(c.Payload) != "pay" || string(c.CorrelationData) != "corr" || p.Topic != "t" {
		t.Fatalf("clone or topic changed with the body: %q %q %q", c.Payload, c.CorrelationData, p.Topic)
	}
	if cap(p.Payload) != len(p.Payload) {
		t.Fatalf("Payload has spare capacity into the caller's buffer")
	}
}

// TestPublishReusesTopic: decoding the same topic again into the same value
// keeps the string and allocates nothing.
func TestPublishReusesTopic(t *testing.T) {
	raw := hx("30 0c 00 0a 72 6f 6f 73 74 2f 64 65 76 31")
	h, body, _, _ := mqtt.ParseFrame(raw, 0)
	var p mqtt.Publish
	if err := p.Decode(h, body, mqtt.V311); err != nil {
		t.Fatal(err)
	}
	data := unsafe.StringData(p.Topic)
	allocs := testing.AllocsPerRun(100, func() {
		if err := p.Decode(h, body, mqtt.V311); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 || unsafe.StringData(p.Topic) != data {
		t.Fatalf("%v allocations, same string %v", allocs, unsafe.StringData(p.Topic) == data)
	}
}

// TestEncodeAllocs: every packet of the fixtures encodes into a buffer with
// room without allocating.
func TestEncodeAllocs(t *testing.T) {
	buf := make([]byte, 0, 1<<16)
	for _, f := range mqtttest.Fixtures() {
		p := f.Packet
		if n := testing.AllocsPerRun(10, func() { buf, _ = p.AppendTo(buf[:0], f.Version) }); n != 0 {
			t.Errorf("%s: %v allocations", f.Name, n)
		}
	}
}
