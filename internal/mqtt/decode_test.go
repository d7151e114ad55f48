package mqtt_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/roost-iot/roost/internal/mqtt"
	"github.com/roost-iot/roost/internal/mqtt/mqtttest"
)

func hx(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// TestDecode covers the decoding rules: ok/ cases are edge cases both
// specifications allow (each citing why), fail/ cases are the shared table
// mqtttest.Malformed, each naming the rule it breaks.
func TestDecode(t *testing.T) {
	ok := []struct {
		name string
		v    mqtt.Version
		raw  string
		want mqtt.Packet
	}{
		// [MQTT-3.1.2-22] binds only 3.1.1: 5.0 allows a password alone (§3.1.2.9).
		{"ok/v5/connect/password-without-username", mqtt.V5,
			"10 11 00 04 4d 51 54 54 05 42 00 3c 00 00 01 61 00 01 70",
			&mqtt.Connect{Version: mqtt.V5, CleanStart: true, KeepAlive: 60, ClientID: "a",
				HasPassword: true, Password: []byte("p")}},
		// [MQTT-3.1.3-7]: an empty client identifier needs CleanSession 1 in 3.1.1.
		{"ok/v311/connect/empty-client-id-clean", mqtt.V311,
			"10 0c 00 04 4d 51 54 54 04 02 00 3c 00 00",
			&mqtt.Connect{Version: mqtt.V311, CleanStart: true, KeepAlive: 60}},
		// [MQTT-3.1.3-6]: 5.0 assigns an identifier whatever Clean Start says.
		{"ok/v5/connect/empty-client-id-persistent", mqtt.V5,
			"10 0d 00 04 4d 51 54 54 05 00 00 3c 00 00 00",
			&mqtt.Connect{Version: mqtt.V5, KeepAlive: 60}},
		// [MQTT-1.5.5-1] binds the sender: a non-minimal length still decodes.
		{"ok/v311/publish/non-minimal-remaining-length", mqtt.V311,
			"30 85 00 00 03 61 2f 62",
			&mqtt.Publish{Topic: "a/b", Payload: []byte{}}},
		{"ok/v5/publish/utf8-topic", mqtt.V5, "30 08 00 05 c3 a9 2f 61 62 00",
			&mqtt.Publish{Topic: "é/ab", Payload: []byte{}}},
		// [MQTT-1.5.4-3]: a BOM is a character like any other, kept.
		{"ok/v5/publish/bom-kept", mqtt.V5, "30 07 00 04 ef bb bf 61 00",
			&mqtt.Publish{Topic: "\ufeffa", Payload: []byte{}}},
		// [MQTT-3.3.4-3]: several Subscription Identifiers in one PUBLISH.
		{"ok/v5/publish/two-subscription-identifiers", mqtt.V5,
			"30 0a 00 03 61 2f 62 04 0b 01 0b 02",
			&mqtt.Publish{Topic: "a/b", Payload: []byte{}, SubscriptionIdentifiers: []uint32{1, 2}}},
		// [MQTT-3.3.2-18]: User Properties may repeat a key; order is kept.
		{"ok/v5/publish/repeated-user-property", mqtt.V5,
			"30 14 00 03 61 2f 62 0e 26 00 01 6b 00 01 31 26 00 01 6b 00 01 32",
			&mqtt.Publish{Topic: "a/b", Payload: []byte{}, UserProperties: []mqtt.UserProperty{
				{Key: "k", Value: "1"}, {Key: "k", Value: "2"}}}},
		// Wildcards in topic names and filter syntax belong to package topic.
		{"ok/v5/publish/wildcard-left-to-topic-package", mqtt.V5, "30 06 00 03 61 2f 2b 00",
			&mqtt.Publish{Topic: "a/+", Payload: []byte{}}},
		{"ok/v311/subscribe/filter-syntax-left-to-topic-package", mqtt.V311,
			"82 0a 00 01 00 05 61 2f 23 2f 62 00",
			&mqtt.Subscribe{PacketID: 1, Subscriptions: []mqtt.Subscription{{Filter: "a/#/b"}}}},
		// §3.4.2.2.1: a Property Length of 0 may be sent explicitly.
		{"ok/v5/puback/long-form", mqtt.V5, "40 04 00 01 00 00", &mqtt.Puback{PacketID: 1}},
		{"ok/v5/disconnect/long-form", mqtt.V5, "e0 02 00 00", &mqtt.Disconnect{}},
		// §3.15.2.1: an AUTH may stop after its reason code.
		{"ok/v5/auth/reason-code-only", mqtt.V5, "f0 01 19",
			&mqtt.Auth{ReasonCode: mqtt.ReAuthenticate}},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			got := decodeAll(t, hx(c.raw), c.v)
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %+v\nwant %+v", got, c.want)
			}
		})
	}
	for _, b := range mqtttest.Malformed() {
		t.Run(b.Name, func(t *testing.T) { checkBad(t, b) })
	}
}

// checkBad decodes b through ParseFrame and through ReadFrame and expects
// the same *mqtt.Error from both.
func checkBad(t *testing.T, b mqtttest.Bad) {
	t.Helper()
	var err error
	h, body, _, err := mqtt.ParseFrame(b.Raw, b.MaxSize)
	if err == nil {
		_, err = mqtt.Decode(h, body, b.Version)
	}
	checkErr(t, err, b)
	_, err = mqtt.ReadPacket(bufio.NewReader(bytes.NewReader(b.Raw)), b.Version, b.MaxSize)
	checkErr(t, err, b)
}

func checkErr(t *testing.T, err error, b mqtttest.Bad) {
	t.Helper()
	var e *mqtt.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want an *mqtt.Error", err)
	}
	if e.Code != b.Code || e.Rule != b.Rule {
		t.Fatalf("err = %v\nwant code %s, rule %q", err, b.Code, b.Rule)
	}
}
