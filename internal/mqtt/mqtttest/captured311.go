package mqtttest

import "github.com/roost-iot/roost/internal/mqtt"

// captured311 are MQTT 3.1.1 packets captured from real clients and from the
// mosquitto 2.0.11 broker answering them.
func captured311() []Fixture {
	return []Fixture{
		{
			Name:    "v311/connect/mosquitto_sub",
			Version: mqtt.V311,
			Source:  "mosquitto_sub 2.0.11 -V mqttv311 -q 2 -t roost/+/telemetry -t roost/#",
			Raw:     x("10 12 00 04 4d 51 54 54 04 02 00 1e 00 06 73 75 62 33 31 31"),
			Packet: &mqtt.Connect{
				Version:    mqtt.V311,
				CleanStart: true,
				KeepAlive:  30,
				ClientID:   "sub311",
			},
		},
		{
			Name:    "v311/subscribe/mosquitto_sub",
			Version: mqtt.V311,
			Source:  "mosquitto_sub 2.0.11 -V mqttv311 -q 2 -t roost/+/telemetry -t roost/#",
			Raw:     x("82 20 00 01 00 11 72 6f 6f 73 74 2f 2b 2f 74 65 6c 65 6d 65 74 72 79 02 00 07 72 6f 6f 73 74 2f 23 02"),
			Packet: &mqtt.Subscribe{
				PacketID: 1,
				Subscriptions: []mqtt.Subscription{{
					Filter: "roost/+/telemetry",
					QoS:    mqtt.QoS2,
				}, {
					Filter: "roost/#",
					QoS:    mqtt.QoS2,
				}},
			},
		},
		{
			Name:    "v311/disconnect/mosquitto_sub",
			Version: mqtt.V311,
			Source:  "mosquitto_sub 2.0.11 -V mqttv311 -q 2 -t roost/+/telemetry -t roost/#",
			Raw:     x("e0 00"),
			Packet:  &mqtt.Disconnect{},
		},
		{
			Name:    "v311/connack/mosquitto-to-mosquitto_sub",
			Version: mqtt.V311,
			Source:  "mosquitto 2.0.11 broker to mosquitto_sub 2.0.11 -V mqttv311 -q 2 -t roost/+/telemetry -t roost/#",
			Raw:     x("20 02 00 00"),
			Packet:  &mqtt.Connack{},
		},
		{
			Name:    "v311/suback/mosquitto-to-mosquitto_sub",
			Version: mqtt.V311,
			Source:  "mosquitto 2.0.11 broker to mosquitto_sub 2.0.11 -V mqttv311 -q 2 -t roost/+/telemetry -t roost/#",
			Raw:     x("90 04 00 01 02 02"),
			Packet: &mqtt.Suback{
				PacketID:    1,
				ReasonCodes: []mqtt.ReasonCode{mqtt.GrantedQoS2, mqtt.GrantedQoS2},
			},
		},
		{
			Name:    "v311/publish/mosquitto-to-mosquitto_sub",
			Version: mqtt.V311,
			Source:  "mosquitto 2.0.11 broker to mosquitto_sub 2.0.11 -V mqttv311 -q 2 -t roost/+/telemetry -t roost/#",
			Raw:     x("32 22 00 14 72 6f 6f 73 74 2f 64 65 76 31 2f 74 65 6c 65 6d 65 74 72 79 00 01 7b 22 74 22 3a 32 31 2e 35 7d"),
			Packet: &mqtt.Publish{
				QoS:      mqtt.QoS1,
				Topic:    "roost/dev1/telemetry",
				PacketID: 1,
				Payload:  []byte("{\"t\":21.5}"),
			},
		},
		{
			Name:    "v311/publish/mosquitto-to-mosquitto_sub-2",
			Version: mqtt.V311,
			Source:  "mosquitto 2.0.11 broker to mosquitto_sub 2.0.11 -V mqttv311 -q 2 -t roost/+/telemetry -t roost/#",
			Raw:     x("30 1b 00 14 72 6f 6f 73 74 2f 64 65 76 31 2f 74 65 6c 65 6d 65 74 72 79 68 65 6c 6c 6f"),
			Packet: &mqtt.Publish{
				Topic:   "roost/dev1/telemetry",
				Payload: []byte("hello"),
			},
		},
		{
			Name:    "v311/publish/mosquitto-to-mosquitto_sub-3",
			Version: mqtt.V311,
			Source:  "mosquitto 2.0.11 broker to mosquitto_sub 2.0.11 -V mqttv311 -q 2 -t roost/+/telemetry -t roost/#",
			Raw:     x("34 1a 00 14 72 6f 6f 73 74 2f 64 65 76 31 2f 74 65 6c 65 6d 65 74 72 79 00 03 71 32"),
			Packet: &mqtt.Publish{
				QoS:      mqtt.QoS2,
				Topic:    "roost/dev1/telemetry",
				PacketID: 3,
				Payload:  []byte("q2"),
			},
		},
		{
			Name:    "v311/pubrel/mosquitto-to-mosquitto_sub",
			Version: mqtt.V311,
			Source:  "mosquitto 2.0.11 broker to mosquitto_sub 2.0.11 -V mqttv311 -q 2 -t roost/+/telemetry -t roost/#",
			Raw:     x("62 02 00 03"),
			Packet: &mqtt.Pubrel{
				PacketID: 3,
			},
		},
		{
			Name:    "v311/publish/mosquitto_pub-qos0-retain",
			Version: mqtt.V311,
			Source:  "mosquitto_pub 2.0.11 -V mqttv311 -q 0 -r",
			Raw:     x("31 1b 00 14 72 6f 6f 73 74 2f 64 65 76 31 2f 74 65 6c 65 6d 65 74 72 79 68 65 6c 6c 6f"),
			Packet: &mqtt.Publish{
				Retain:  true,
				Topic:   "roost/dev1/telemetry",
				Payload: []byte("hello"),
			},
		},
		{
			Name:    "v311/connect/mosquitto_pub-will-auth-qos2",
			Version: mqtt.V311,
			Source:  "mosquitto_pub 2.0.11 -V mqttv311 -u alice -P secret --will-topic roost/dev1/lwt --will-qos 1 --will-retain -q 2",
			Raw:     x("10 39 00 04 4d 51 54 54 04 ee 00 3c 00 08 70 75 62 33 31 31 71 32 00 0e 72 6f 6f 73 74 2f 64 65 76 31 2f 6c 77 74 00 04 67 6f 6e 65 00 05 61 6c 69 63 65 00 06 73 65 63 72 65 74"),
			Packet: &mqtt.Connect{
				Version:    mqtt.V311,
				CleanStart: true,
				KeepAlive:  60,
				ClientID:   "pub311q2",
				Will: &mqtt.Will{
					Topic:   "roost/dev1/lwt",
					Payload: []byte("gone"),
					QoS:     mqtt.QoS1,
					Retain:  true,
				},
				HasUsername: true,
				Username:    "alice",
				HasPassword: true,
				Password:    []byte("secret"),
			},
		},
		{
			Name:    "v311/publish/mosquitto_pub-will-auth-qos2",
			Version: mqtt.V311,
			Source:  "mosquitto_pub 2.0.11 -V mqttv311 -u alice -P secret --will-topic roost/dev1/lwt --will-qos 1 --will-retain -q 2",
			Raw:     x("34 1a 00 14 72 6f 6f 73 74 2f 64 65 76 31 2f 74 65 6c 65 6d 65 74 72 79 00 01 71 32"),
			Packet: &mqtt.Publish{
				QoS:      mqtt.QoS2,
				Topic:    "roost/dev1/telemetry",
				PacketID: 1,
				Payload:  []byte("q2"),
			},
		},
		{
			Name:    "v311/pubrec/mosquitto-to-mosquitto_pub-will-auth-qos2",
			Version: mqtt.V311,
			Source:  "mosquitto 2.0.11 broker to mosquitto_pub 2.0.11 -V mqttv311 -u alice -P secret --will-topic roost/dev1/lwt --will-qos 1 --will-retain -q 2",
			Raw:     x("50 02 00 01"),
			Packet: &mqtt.Pubrec{
				PacketID: 1,
			},
		},
		{
			Name:    "v311/pubcomp/mosquitto-to-mosquitto_pub-will-auth-qos2",
			Version: mqtt.V311,
			Source:  "mosquitto 2.0.11 broker to mosquitto_pub 2.0.11 -V mqttv311 -u alice -P secret --will-topic roost/dev1/lwt --will-qos 1 --will-retain -q 2",
			Raw:     x("70 02 00 01"),
			Packet: &mqtt.Pubcomp{
				PacketID: 1,
			},
		},
		{
			Name:    "v311/publish/mosquitto_pub-clear-retained",
			Version: mqtt.V311,
			Source:  "mosquitto_pub 2.0.11 -V mqttv311 -n -r",
			Raw:     x("31 16 00 14 72 6f 6f 73 74 2f 64 65 76 31 2f 74 65 6c 65 6d 65 74 72 79"),
			Packet: &mqtt.Publish{
				Retain:  true,
				Topic:   "roost/dev1/telemetry",
				Payload: []byte(""),
			},
		},
		{
			Name:    "v311/connect/mosquitto_sub-persistent",
			Version: mqtt.V311,
			Source:  "mosquitto_sub 2.0.11 -V mqttv311 -c -q 1 -t a/b -U a/b",
			Raw:     x("10 14 00 04 4d 51 54 54 04 00 00 3c 00 08 75 6e 73 75 62 33 31 31"),
			Packet: &mqtt.Connect{
				Version:   mqtt.V311,
				KeepAlive: 60,
				ClientID:  "unsub311",
			},
		},
		{
			Name:    "v311/subscribe/mosquitto_sub-persistent",
			Version: mqtt.V311,
			Source:  "mosquitto_sub 2.0.11 -V mqttv311 -c -q 1 -t a/b -U a/b",
			Raw:     x("82 08 00 01 00 03 61 2f 62 01"),
			Packet: &mqtt.Subscribe{
				PacketID: 1,
				Subscriptions: []mqtt.Subscription{{
					Filter: "a/b",
					QoS:    mqtt.QoS1,
				}},
			},
		},
		{
			Name:    "v311/unsubscribe/mosquitto_sub-persistent",
			Version: mqtt.V311,
			Source:  "mosquitto_sub 2.0.11 -V mqttv311 -c -q 1 -t a/b -U a/b",
			Raw:     x("a2 07 00 02 00 03 61 2f 62"),
			Packet: &mqtt.Unsubscribe{
				PacketID:     2,
				TopicFilters: []string{"a/b"},
			},
		},
		{
			Name:    "v311/connack/mosquitto-to-mosquitto_sub-persistent",
			Version: mqtt.V311,
			Source:  "mosquitto 2.0.11 broker to mosquitto_sub 2.0.11 -V mqttv311 -c -q 1 -t a/b -U a/b",
			Raw:     x("20 02 01 00"),
			Packet: &mqtt.Connack{
				SessionPresent: true,
			},
		},
		{
			Name:    "v311/unsuback/mosquitto-to-mosquitto_sub-persistent",
			Version: mqtt.V311,
			Source:  "mosquitto 2.0.11 broker to mosquitto_sub 2.0.11 -V mqttv311 -c -q 1 -t a/b -U a/b",
			Raw:     x("b0 02 00 02"),
			Packet: &mqtt.Unsuback{
				PacketID: 2,
			},
		},
		{
			Name:    "v311/connect/mqttjs",
			Version: mqtt.V311,
			Source:  "MQTT.js 5.16.0, protocolVersion 4",
			Raw:     x("10 37 00 04 4d 51 54 54 04 ce 00 2d 00 07 6d 71 74 74 6a 73 34 00 10 72 6f 6f 73 74 2f 6d 71 74 74 6a 73 2f 6c 77 74 00 07 6f 66 66 6c 69 6e 65 00 03 64 65 76 00 02 70 77"),
			Packet: &mqtt.Connect{
				Version:    mqtt.V311,
				CleanStart: true,
				KeepAlive:  45,
				ClientID:   "mqttjs4",
				Will: &mqtt.Will{
					Topic:   "roost/mqttjs/lwt",
					Payload: []byte("offline"),
					QoS:     mqtt.QoS1,
				},
				HasUsername: true,
				Username:    "dev",
				HasPassword: true,
				Password:    []byte("pw"),
			},
		},
		{
			Name:    "v311/subscribe/mqttjs",
			Version: mqtt.V311,
			Source:  "MQTT.js 5.16.0, protocolVersion 4",
			Raw:     x("82 13 69 c0 00 0e 72 6f 6f 73 74 2f 6d 71 74 74 6a 73 2f 2b 01"),
			Packet: &mqtt.Subscribe{
				PacketID: 27072,
				Subscriptions: []mqtt.Subscription{{
					Filter: "roost/mqttjs/+",
					QoS:    mqtt.QoS1,
				}},
			},
		},
		{
			Name:    "v311/publish/mqttjs",
			Version: mqtt.V311,
			Source:  "MQTT.js 5.16.0, protocolVersion 4",
			Raw:     x("34 15 00 0e 72 6f 6f 73 74 2f 6d 71 74 74 6a 73 2f 74 69 c2 00 01 02"),
			Packet: &mqtt.Publish{
				QoS:      mqtt.QoS2,
				Topic:    "roost/mqttjs/t",
				PacketID: 27074,
				Payload:  []byte{0x0, 0x1, 0x2},
			},
		},
		{
			Name:    "v311/pubrel/mqttjs",
			Version: mqtt.V311,
			Source:  "MQTT.js 5.16.0, protocolVersion 4",
			Raw:     x("62 02 69 c2"),
			Packet: &mqtt.Pubrel{
				PacketID: 27074,
			},
		},
		{
			Name:    "v311/unsubscribe/mqttjs",
			Version: mqtt.V311,
			Source:  "MQTT.js 5.16.0, protocolVersion 4",
			Raw:     x("a2 12 69 c3 00 0e 72 6f 6f 73 74 2f 6d 71 74 74 6a 73 2f 2b"),
			Packet: &mqtt.Unsubscribe{
				PacketID:     27075,
				TopicFilters: []string{"roost/mqttjs/+"},
			},
		},
		{
			Name:    "v311/connect/aws-crt",
			Version: mqtt.V311,
			Source:  "aws-iot-device-sdk-v2 1.28.0 (aws-crt 1.33.1) MQTT 3.1.1 client",
			Raw:     x("10 9f 01 00 04 4d 51 54 54 04 8e 04 b0 00 06 63 72 74 33 31 31 00 0d 72 6f 6f 73 74 2f 63 72 74 2f 6c 77 74 00 03 62 79 65 00 77 63 72 74 3f 53 44 4b 3d 4e 6f 64 65 4a 53 76 32 26 56 65 72 73 69 6f 6e 3d 31 2e 32 38 2e 30 26 50 6c 61 74 66 6f 72 6d 3d 55 6e 69 78 26 4d 65 74 61 64 61 74 61 3d 28 43 52 54 56 65 72 73 69 6f 6e 3d 31 2e 33 33 2e 31 3b 49 6f 54 53 44 4b 46 65 61 74 75 72 65 3d 46 2f 33 2c 47 2f 41 3b 49 6f 54 53 44 4b 4d 65 74 72 69 63 73 56 65 72 73 69 6f 6e 3d 31 29"),
			Packet: &mqtt.Connect{
				Version:    mqtt.V311,
				CleanStart: true,
				KeepAlive:  1200,
				ClientID:   "crt311",
				Will: &mqtt.Will{
					Topic:   "roost/crt/lwt",
					Payload: []byte("bye"),
					QoS:     mqtt.QoS1,
				},
				HasUsername: true,
				Username:    "crt?SDK=NodeJSv2&Version=1.28.0&Platform=Unix&Metadata=(CRTVersion=1.33.1;IoTSDKFeature=F/3,G/A;IoTSDKMetricsVersion=1)",
			},
		},
		{
			Name:    "v311/subscribe/aws-crt",
			Version: mqtt.V311,
			Source:  "aws-iot-device-sdk-v2 1.28.0 (aws-crt 1.33.1) MQTT 3.1.1 client",
			Raw:     x("82 10 00 01 00 0b 72 6f 6f 73 74 2f 63 72 74 2f 2b 01"),
			Packet: &mqtt.Subscribe{
				PacketID: 1,
				Subscriptions: []mqtt.Subscription{{
					Filter: "roost/crt/+",
					QoS:    mqtt.QoS1,
				}},
			},
		},
		{
			Name:    "v311/publish/aws-crt",
			Version: mqtt.V311,
			Source:  "aws-iot-device-sdk-v2 1.28.0 (aws-crt 1.33.1) MQTT 3.1.1 client",
			Raw:     x("32 16 00 0b 72 6f 6f 73 74 2f 63 72 74 2f 74 00 02 7b 22 74 22 3a 31 7d"),
			Packet: &mqtt.Publish{
				QoS:      mqtt.QoS1,
				Topic:    "roost/crt/t",
				PacketID: 2,
				Payload:  []byte("{\"t\":1}"),
			},
		},
		{
			Name:    "v311/unsubscribe/aws-crt",
			Version: mqtt.V311,
			Source:  "aws-iot-device-sdk-v2 1.28.0 (aws-crt 1.33.1) MQTT 3.1.1 client",
			Raw:     x("a2 0f 00 03 00 0b 72 6f 6f 73 74 2f 63 72 74 2f 2b"),
			Packet: &mqtt.Unsubscribe{
				PacketID:     3,
				TopicFilters: []string{"roost/crt/+"},
			},
		},
	}
}
