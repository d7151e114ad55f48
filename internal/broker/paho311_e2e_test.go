package broker_test

// MQTT 3.1.1 conformance of the gateway with the Eclipse Paho Go client
// (github.com/eclipse/paho.mqtt.golang) over mutual TLS. Clauses are MQTT
// 3.1.1's.

import (
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// client311 is a connected paho MQTT 3.1.1 client that queues what it
// receives on any subscription.
type client311 struct {
	mqtt.Client
	t    *testing.T
	msgs chan mqtt.Message
	lost chan error // the connection ended without Disconnect
}

// v311 connects as device name with client id and Clean Session, and
// returns the client and whether the server resumed a session.
func (g *gateway) v311(name, clientID string, clean bool, opts ...func(*mqtt.ClientOptions)) (*client311, bool) {
	g.t.Helper()
	c := &client311{t: g.t, msgs: make(chan mqtt.Message, 1024), lost: make(chan error, 1)}
	o := mqtt.NewClientOptions().AddBroker("ssl://" + g.addr()).SetClientID(clientID).
		SetTLSConfig(g.tlsConfig(name)).SetProtocolVersion(4).SetCleanSession(clean).
		SetAutoReconnect(false).SetConnectRetry(false).SetKeepAlive(60 * time.Second).
		SetConnectTimeout(wait).SetWriteTimeout(wait).SetOrderMatters(true).
		SetDefaultPublishHandler(func(_ mqtt.Client, m mqtt.Message) {
			select {
			case c.msgs <- m:
			default:
				c.t.Errorf("client %s: more than %d messages not read by the test", clientID, cap(c.msgs))
			}
		}).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) { c.lost <- err })
	for _, f := range opts {
		f(o)
	}
	c.Client = mqtt.NewClient(o)
	tok := c.Connect()
	if !tok.WaitTimeout(wait) || tok.Error() != nil {
		g.t.Fatalf("MQTT 3.1.1 connect %q as %s: %v", clientID, name, tok.Error())
	}
	g.t.Cleanup(func() { c.Disconnect(0) })
	return c, tok.(*mqtt.ConnectToken).SessionPresent()
}

// subscribe subscribes to filters at QoS 1 and returns the SUBACK return
// code of each.
func (c *client311) subscribe(filters ...string) map[string]byte {
	c.t.Helper()
	want := map[string]byte{}
	for _, f := range filters {
		want[f] = 1
	}
	tok := c.SubscribeMultiple(want, nil) // nil: the default handler receives
	if !tok.WaitTimeout(wait) {
		c.t.Fatalf("subscribe %q: no SUBACK", filters)
	}
	return tok.(*mqtt.SubscribeToken).Result()
}

// publish publishes at QoS 1 and waits for the PUBACK.
func (c *client311) publish(topic, payload string) {
	c.t.Helper()
	tok := c.Publish(topic, 1, false, payload)
	if !tok.WaitTimeout(wait) || tok.Error() != nil {
		c.t.Fatalf("publish to %q: %v", topic, tok.Error())
	}
}

// expect reads the next message and checks its topic and payload.
func (c *client311) expect(topic, payload string) mqtt.Message {
	c.t.Helper()
	select {
	case m := <-c.msgs:
		if m.Topic() != topic || string(m.Payload()) != payload {
			c.t.Fatalf("got %q on %q, want %q on %q", m.Payload(), m.Topic(), payload, topic)
		}
		return m
	case <-time.After(wait):
		c.t.Fatalf("no message within %s, want %q on %q", wait, payload, topic)
		return nil
	}
}

// dropped waits until the server has closed the connection.
func (c *client311) dropped(what string) {
	c.t.Helper()
	select {
	case <-c.lost:
	case <-time.After(wait):
		c.t.Errorf("%s: the connection is still open after %s", what, wait)
	}
}

func TestPaho311PersistentSession(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("admin", "Admin", nil)
	pub, _ := g.v311("admin", "p311-pub", true)
	base := g.connections()

	sub, present := g.v311("admin", "p311-session", false)
	if present {
		t.Fatal("first CONNECT with Clean Session 0: Session Present 1 without a stored session [MQTT-3.2.2-2]")
	}
	if got := sub.subscribe("offline/p311"); got["offline/p311"] != 1 {
		t.Fatalf("SUBACK %v", got)
	}
	sub.Disconnect(250)
	g.settle(base)

	// QoS 1 messages for an offline persistent session are stored
	// [MQTT-3.1.2-5] and sent when it resumes.
	for _, m := range []string{"m1", "m2", "m3"} {
		pub.publish("offline/p311", m)
	}
	sub, present = g.v311("admin", "p311-session", false)
	if !present {
		t.Fatal("reconnect with Clean Session 0: Session Present 0, want 1 [MQTT-3.2.2-2]")
	}
	for _, m := range []string{"m1", "m2", "m3"} { // in order (§4.6)
		if got := sub.expect("offline/p311", m); got.Qos() != 1 {
			t.Errorf("%s redelivered at QoS %d, want 1", m, got.Qos())
		}
	}
	pub.publish("offline/p311", "m4") // the subscription is part of the session
	sub.expect("offline/p311", "m4")
	sub.Disconnect(250)
	g.settle(base)

	// Clean Session 1 discards the session [MQTT-3.1.2-6] and says so [MQTT-3.2.2-1].
	sub, present = g.v311("admin", "p311-session", true)
	if present {
		t.Error("Clean Session 1: Session Present 1 [MQTT-3.2.2-1]")
	}
	sub.subscribe("sentinel/p311")
	pub.publish("offline/p311", "m5")
	pub.publish("sentinel/p311", "s")
	sub.expect("sentinel/p311", "s") // m5 would come first had the old subscription survived
}

func TestPaho311DeniedPublishClosesConnection(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("sensor_a", "SensorPolicy", seedAttrs("loft"))
	own, other := "temperature/home417/loft/sensor_a", "temperature/home417/cellar/sensor_b"
	// The AWS IoT Device SDKs send their metrics as the username; on mutual
	// TLS it is ignored.
	c, _ := g.v311("sensor_a", "sensor_a", true, func(o *mqtt.ClientOptions) {
		o.SetUsername("?SDK=PythonV2&Version=1.0")
	})
	// 0x80 for the filter iot:Subscribe denies, in the SUBACK of the same
	// SUBSCRIBE [MQTT-3.9.3-1].
	got := c.subscribe("temperature/#", own)
	if got["temperature/#"] != 0x80 || got[own] != 1 {
		t.Fatalf("SUBACK %v, want temperature/#: 0x80 (failure) and %s: 1", got, own)
	}
	c.publish(own, `{"temp":21.5}`)
	c.expect(own, `{"temp":21.5}`)
	// AWS IoT closes a 3.1.1 connection that publishes where iot:Publish is
	// denied (3.1.1 has no negative PUBACK).
	c.Publish(other, 1, false, "forged")
	c.dropped("publish denied by iot:Publish")
}

func TestPaho311SessionTakeover(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("admin", "Admin", nil)
	first, _ := g.v311("admin", "p311-twin", true)
	second, _ := g.v311("admin", "p311-twin", true)
	// The server disconnects the existing client [MQTT-3.1.4-2].
	first.dropped("a second CONNECT with the same client id")
	second.subscribe("twin/p311")
	second.publish("twin/p311", "x")
	second.expect("twin/p311", "x")
}
