package broker_test

// MQTT 5 conformance of the gateway with the Eclipse Paho Go client
// (github.com/eclipse/paho.golang, its low-level paho.Client) over mutual
// TLS, and with raw packets where a test needs what a well-behaved client
// does not send or does not show. Clauses are MQTT 5.0's.

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"
)

func TestPaho5SessionPresentAndOfflineRedelivery(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("admin", "Admin", nil)
	pub, _ := g.v5("admin", conn5("p5-publisher", true, 0))
	base := g.connections()

	// Clean Start 0 and no Session State: a new session, Session Present 0 [MQTT-3.2.2-3].
	sub, ack := g.v5("admin", conn5("p5-session", false, 300))
	if ack.SessionPresent {
		t.Fatal("first CONNECT: Session Present 1 without any prior session [MQTT-3.2.2-3]")
	}
	sub.mustSub("offline/p5")
	must(t, sub.Disconnect(&paho.Disconnect{}))
	g.settle(base)

	// QoS 1 messages published while the client is offline are kept in its session [MQTT-3.1.2-23].
	for _, m := range []string{"m1", "m2", "m3"} {
		pub.mustPub("offline/p5", m)
	}
	sub, ack = g.v5("admin", conn5("p5-session", false, 300))
	if !ack.SessionPresent {
		t.Fatal("resume (Clean Start 0, Session Expiry 300): Session Present 0, want 1 [MQTT-3.2.2-3]")
	}
	for _, m := range []string{"m1", "m2", "m3"} { // in order [MQTT-4.6.0-6]
		if got := sub.expect("offline/p5", m); got.QoS != 1 {
			t.Errorf("%s redelivered at QoS %d, want 1", m, got.QoS)
		}
	}
	// The subscription is part of the session: live messages keep coming.
	pub.mustPub("offline/p5", "m4")
	sub.expect("offline/p5", "m4")
	must(t, sub.Disconnect(&paho.Disconnect{}))
	g.settle(base)

	// Clean Start 1 discards the session [MQTT-3.1.2-4] and says so [MQTT-3.2.2-2].
	sub, ack = g.v5("admin", conn5("p5-session", true, 300))
	if ack.SessionPresent {
		t.Error("Clean Start 1: Session Present 1 [MQTT-3.2.2-2]")
	}
	sub.mustSub("sentinel/p5")
	pub.mustPub("offline/p5", "m5")
	pub.mustPub("sentinel/p5", "s")
	sub.expect("sentinel/p5", "s") // m5 would come first had the old subscription survived
	must(t, sub.Disconnect(&paho.Disconnect{}))
	g.settle(base)

	// Session Expiry 0 (absent): the session ends with the connection (§3.1.2.11.2).
	sub, _ = g.v5("admin", conn5("p5-short", false, 0))
	sub.mustSub("offline/p5")
	must(t, sub.Disconnect(&paho.Disconnect{}))
	g.settle(base)
	if _, ack = g.v5("admin", conn5("p5-short", false, 0)); ack.SessionPresent {
		t.Error("Session Expiry 0: the session outlived its connection (Session Present 1)")
	}

	// Session Expiry 1 s: gone once the interval has passed (§4.1). Only time shows this.
	sub, _ = g.v5("admin", conn5("p5-expiring", false, 1))
	sub.mustSub("offline/p5")
	must(t, sub.Disconnect(&paho.Disconnect{}))
	g.settle(base + 1)
	time.Sleep(1500 * time.Millisecond)
	sub, ack = g.v5("admin", conn5("p5-expiring", false, 1))
	if ack.SessionPresent {
		t.Error("Session Expiry 1 s: the session was still present 1.5 s after the disconnection")
	}
	// A DISCONNECT may shorten the interval to 0: the session ends now (§3.14.2.2.2).
	must(t, sub.Disconnect(&paho.Disconnect{Properties: &paho.DisconnectProperties{SessionExpiryInterval: ptr(uint32(0))}}))
	g.settle(base + 1)
	if sub, ack = g.v5("admin", conn5("p5-expiring", false, 1)); ack.SessionPresent {
		t.Error("DISCONNECT with Session Expiry 0: the session was still present")
	}
	must(t, sub.Disconnect(&paho.Disconnect{Properties: &paho.DisconnectProperties{SessionExpiryInterval: ptr(uint32(0))}}))
	g.settle(base + 1) // the session is gone before the server stops
}

func TestPaho5InflightRedeliveredWithDup(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("admin", "Admin", nil)
	pub, _ := g.v5("admin", conn5("p5-publisher", true, 0))
	base := g.connections()

	w := g.wire("admin")
	w.mustConnect5("p5-dup", false, 300)
	if got := w.subscribe(1, 0, packets.SubOptions{Topic: "dup/p5", QoS: 1}); !slices.Equal(got, []byte{1}) {
		t.Fatalf("SUBACK % x, want 01", got)
	}
	pub.mustPub("dup/p5", "once")
	first := expect[*packets.Publish](w)
	if first.Duplicate || first.QoS != 1 || string(first.Payload) != "once" {
		t.Fatalf("first delivery: %s", first)
	}
	w.conn.Close() // no PUBACK, no DISCONNECT: the delivery stays in flight
	g.settle(base)

	w = g.wire("admin")
	if ack := w.mustConnect5("p5-dup", false, 300); !ack.SessionPresent {
		t.Fatal("Session Present 0 on resume [MQTT-3.2.2-3]")
	}
	// Unacknowledged PUBLISH packets are resent with their original packet
	// identifiers [MQTT-4.4.0-1] and the DUP flag set [MQTT-3.3.1-1].
	again := expect[*packets.Publish](w)
	if !again.Duplicate || again.PacketID != first.PacketID || string(again.Payload) != "once" || again.Topic != "dup/p5" {
		t.Fatalf("redelivery: %s; want DUP 1, packet id %d, payload once", again, first.PacketID)
	}
	w.puback(again.PacketID)
	pub.mustPub("dup/p5", "next")
	if p := expect[*packets.Publish](w); p.Duplicate || string(p.Payload) != "next" {
		t.Fatalf("after the PUBACK: %s; want a new delivery of next without DUP", p)
	}
}

func TestPaho5PacketIDReuse(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("admin", "Admin", nil)
	sub, _ := g.v5("admin", conn5("p5-sub", true, 0))
	sub.mustSub("pid/p5")

	t.Run("client reuses an identifier after PUBACK", func(t *testing.T) {
		// A packet identifier is free again once its PUBACK is processed
		// (§2.2.1): the second PUBLISH is a new message, not a duplicate.
		g, sub := g.with(t), sub.with(t)
		w := g.wire("admin")
		w.mustConnect5("p5-reuse", true, 0)
		for _, m := range []string{"first", "second"} {
			w.send(publish("pid/p5", m, 1, 7))
			if ack := expect[*packets.Puback](w); ack.PacketID != 7 || ack.ReasonCode != 0 {
				t.Fatalf("PUBACK %s, want packet id 7, success", ack)
			}
		}
		sub.expect("pid/p5", "first")
		sub.expect("pid/p5", "second")
	})

	t.Run("server identifiers in flight are distinct within Receive Maximum", func(t *testing.T) {
		g := g.with(t)
		w := g.wire("admin")
		ack := w.connect5(&packets.Connect{ClientID: "p5-window", CleanStart: true,
			Properties: &packets.Properties{ReceiveMaximum: ptr(uint16(2))}})
		if ack.ReasonCode != 0 {
			t.Fatalf("CONNACK 0x%02x", ack.ReasonCode)
		}
		w.subscribe(1, 0, packets.SubOptions{Topic: "pid/flow", QoS: 1})
		pub, _ := g.v5("admin", conn5("p5-flow-pub", true, 0))
		for _, m := range []string{"a", "b", "c", "d"} {
			pub.mustPub("pid/flow", m)
		}
		a, b := expect[*packets.Publish](w), expect[*packets.Publish](w)
		if a.PacketID == 0 || b.PacketID == 0 || a.PacketID == b.PacketID {
			t.Fatalf("in-flight packet ids %d and %d: want distinct and non-zero [MQTT-2.2.1-4]", a.PacketID, b.PacketID)
		}
		// The client's Receive Maximum 2 holds c back [MQTT-3.3.4-9]; only a
		// quiet interval shows nothing else was sent.
		select {
		case f := <-w.in:
			t.Fatalf("a third PUBLISH with two unacknowledged (Receive Maximum 2): % x", f)
		case <-time.After(300 * time.Millisecond):
		}
		w.puback(a.PacketID)
		c := expect[*packets.Publish](w)
		if string(c.Payload) != "c" || c.PacketID == b.PacketID {
			t.Fatalf("after one PUBACK got %s; want c with an id other than %d (still in flight)", c, b.PacketID)
		}
		w.puback(b.PacketID)
		w.puback(c.PacketID)
		if d := expect[*packets.Publish](w); string(d.Payload) != "d" {
			t.Fatalf("got %s, want d", d)
		}
	})
}

func TestPaho5TopicAlias(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("admin", "Admin", nil)
	sub, _ := g.v5("admin", conn5("p5-alias-sub", true, 0))
	sub.mustSub("alias/p5/+")

	t.Run("ok/round trip", func(t *testing.T) {
		g, sub := g.with(t), sub.with(t)
		pub, ack := g.v5("admin", conn5("p5-alias-pub", true, 0))
		if ack.Properties == nil || ack.Properties.TopicAliasMaximum == nil || *ack.Properties.TopicAliasMaximum == 0 {
			t.Fatal("CONNACK has no Topic Alias Maximum: the client may not use aliases (§3.2.2.3.8)")
		}
		steps := []struct{ topic, payload, want string }{
			{"alias/p5/a", "one", "alias/p5/a"}, // sets alias 1, which the server accepts [MQTT-3.3.2-12]
			{"", "two", "alias/p5/a"},           // uses it
			{"alias/p5/b", "three", "alias/p5/b"},
			{"", "four", "alias/p5/b"}, // remapped by the previous PUBLISH
		}
		for _, s := range steps {
			p := &paho.Publish{Topic: s.topic, QoS: 1, Payload: []byte(s.payload),
				Properties: &paho.PublishProperties{TopicAlias: ptr(uint16(1))}}
			if code := pub.pub(p); code != 0 {
				t.Fatalf("publish %q with alias 1: PUBACK 0x%02x", s.payload, code)
			}
			m := sub.expect(s.want, s.payload)
			// The subscriber set no Topic Alias Maximum: the server sends
			// topic names, never aliases [MQTT-3.1.2-26].
			if m.Properties != nil && m.Properties.TopicAlias != nil {
				t.Errorf("delivery of %q carries Topic Alias %d", s.payload, *m.Properties.TopicAlias)
			}
		}
	})

	bad := []struct {
		name  string
		topic string
		alias uint16
		code  byte
	}{
		// 0 and values above the server's Topic Alias Maximum (8) are
		// invalid: DISCONNECT 0x94 [MQTT-3.3.2-8], [MQTT-3.3.2-9], §3.3.4.
		{"fail/alias 0", "alias/p5/a", 0, 0x94},
		{"fail/alias above maximum", "alias/p5/a", 9, 0x94},
		// An alias this connection never mapped, with an empty topic, is a
		// Protocol Error: DISCONNECT 0x82 (§3.3.4, item 3a). Aliases live
		// only as long as their network connection [MQTT-3.3.2-7].
		{"fail/unmapped alias", "", 2, 0x82},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			w := g.with(t).wire("admin")
			w.mustConnect5("p5-alias-bad", true, 0)
			p := publish(c.topic, "x", 1, 1)
			p.Properties.TopicAlias = &c.alias
			w.send(p)
			w.disconnectedWith(c.code)
		})
	}
}

func TestPaho5RetainAsPublished(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("admin", "Admin", nil)
	rap, _ := g.v5("admin", conn5("p5-rap-on", true, 0))
	if code := rap.sub(paho.SubscribeOptions{Topic: "rap/p5", QoS: 1, RetainAsPublished: true}); code != 1 {
		t.Fatalf("SUBACK 0x%02x", code)
	}
	plain, _ := g.v5("admin", conn5("p5-rap-off", true, 0))
	plain.mustSub("rap/p5")
	pub, _ := g.v5("admin", conn5("p5-rap-pub", true, 0))

	if code := pub.pub(&paho.Publish{Topic: "rap/p5", QoS: 1, Retain: true, Payload: []byte("kept")}); code != 0 {
		t.Fatalf("retained publish: PUBACK 0x%02x", code)
	}
	// Retain As Published 1 keeps the RETAIN flag [MQTT-3.3.1-13]; 0 clears
	// it on an established subscription [MQTT-3.3.1-12].
	if m := rap.expect("rap/p5", "kept"); !m.Retain {
		t.Error("Retain As Published 1: RETAIN 0 on the delivery, want 1 [MQTT-3.3.1-13]")
	}
	if m := plain.expect("rap/p5", "kept"); m.Retain {
		t.Error("Retain As Published 0: RETAIN 1 on the delivery, want 0 [MQTT-3.3.1-12]")
	}
	pub.mustPub("rap/p5", "plain")
	if m := rap.expect("rap/p5", "plain"); m.Retain {
		t.Error("a message published without RETAIN was delivered with RETAIN 1")
	}
	plain.expect("rap/p5", "plain")
	// A new subscription receives the retained message with RETAIN 1 (§3.3.1.3).
	late, _ := g.v5("admin", conn5("p5-rap-late", true, 0))
	late.mustSub("rap/p5")
	if m := late.expect("rap/p5", "kept"); !m.Retain {
		t.Error("the retained message sent on SUBSCRIBE has RETAIN 0 (§3.3.1.3)")
	}
}

func TestPaho5NoLocal(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("admin", "Admin", nil)
	c, _ := g.v5("admin", conn5("p5-nolocal", true, 0))
	if code := c.sub(paho.SubscribeOptions{Topic: "nolocal/p5", QoS: 1, NoLocal: true}); code != 1 {
		t.Fatalf("SUBACK 0x%02x", code)
	}
	c.mustSub("local/p5")
	other, _ := g.v5("admin", conn5("p5-other", true, 0))
	other.mustSub("nolocal/p5")

	c.mustPub("nolocal/p5", "mine")
	c.mustPub("local/p5", "echo")
	// No Local: never sent back to its publisher [MQTT-3.8.3-3]; the echo on
	// the other subscription comes after where "mine" would have been.
	c.expect("local/p5", "echo")
	other.expect("nolocal/p5", "mine")
	// Others publishing to the No Local filter still reach c.
	other.mustPub("nolocal/p5", "theirs")
	c.expect("nolocal/p5", "theirs")

	t.Run("fail/No Local on a shared subscription", func(t *testing.T) {
		// A Protocol Error [MQTT-3.8.3-4]: DISCONNECT 0x82 (§4.13).
		w := g.with(t).wire("admin")
		w.mustConnect5("p5-nolocal-shared", true, 0)
		w.send(&packets.Subscribe{PacketID: 1, Properties: &packets.Properties{},
			Subscriptions: []packets.SubOptions{{Topic: "$share/g/nolocal/p5", QoS: 1, NoLocal: true}}})
		w.disconnectedWith(0x82)
	})
}

func TestPaho5SubscriptionIdentifiers(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("admin", "Admin", nil)
	pub, _ := g.v5("admin", conn5("p5-sid-pub", true, 0))
	w := g.wire("admin")
	if ack := w.mustConnect5("p5-sid", true, 0); ack.Properties.SubIDAvailable != nil && *ack.Properties.SubIDAvailable == 0 {
		t.Fatal("CONNACK says Subscription Identifiers are not available")
	}
	for i, s := range []struct {
		filter string
		id     int
	}{{"sid/p5/a", 7}, {"sid/p5/+", 9}, {"sid/p5/#", 0}, {"sid/end", 42}} {
		if got := w.subscribe(uint16(i+1), s.id, packets.SubOptions{Topic: s.filter, QoS: 1}); !slices.Equal(got, []byte{1}) {
			t.Fatalf("SUBACK for %s: % x", s.filter, got)
		}
	}
	// deliveries publishes to a topic, then to sid/end, and returns the
	// Subscription Identifiers of each copy that came before sid/end.
	deliveries := func(topic string) [][]int {
		t.Helper()
		pub.mustPub(topic, "x")
		pub.mustPub("sid/end", "end")
		var out [][]int
		for {
			f := w.frame()
			p, ids := mustPublish(t, f)
			if p.QoS == 1 {
				w.puback(p.PacketID)
			}
			if p.Topic == "sid/end" {
				if !slices.Equal(ids, []int{42}) {
					t.Errorf("sid/end delivered with ids %v, want [42]", ids)
				}
				return out
			}
			if p.Topic != topic {
				t.Fatalf("delivery on %q, want %q", p.Topic, topic)
			}
			out = append(out, ids)
		}
	}
	check := func(topic string, want []int) {
		t.Helper()
		copies := deliveries(topic)
		var union []int
		for _, ids := range copies {
			union = append(union, ids...)
		}
		slices.Sort(union)
		if len(copies) == 0 || !slices.Equal(slices.Compact(union), want) || (len(copies) == 1 && !slices.Equal(copies[0], want)) {
			// One copy carries every matching subscription's id
			// [MQTT-3.3.4-4]; several copies carry one each [MQTT-3.3.4-5].
			t.Errorf("%s: copies with ids %v, want the ids %v", topic, copies, want)
		}
	}
	check("sid/p5/a", []int{7, 9}) // three overlapping subscriptions, two with ids
	check("sid/p5/b", []int{9})
	check("sid/p5/x/y", nil) // only the subscription without id matches
	// Subscribing again to the same filter replaces the subscription and
	// its identifier [MQTT-3.8.4-3].
	w.subscribe(9, 11, packets.SubOptions{Topic: "sid/p5/a", QoS: 1})
	check("sid/p5/a", []int{9, 11})
}

// mustPublish decodes a PUBLISH frame and its Subscription Identifiers.
func mustPublish(t *testing.T, f []byte) (*packets.Publish, []int) {
	t.Helper()
	ids, err := publishSubIDs(f)
	if err != nil {
		t.Fatalf("% x: %v", f, err)
	}
	cp, err := packets.ReadPacket(bytes.NewReader(f))
	if err != nil {
		t.Fatalf("decode % x: %v", f, err)
	}
	p, ok := cp.Content.(*packets.Publish)
	if !ok {
		t.Fatalf("got %s, want a PUBLISH", cp)
	}
	return p, ids
}

func TestPaho5WillDelay(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("admin", "Admin", nil)
	watch, _ := g.v5("admin", conn5("p5-will-watch", true, 0))
	watch.mustSub("will/p5/+")
	pub, _ := g.v5("admin", conn5("p5-will-pub", true, 0))
	base := g.connections()

	// withWill is a CONNECT with a will on will/p5/<name>.
	withWill := func(clientID, name string, delay, expiry uint32) *paho.Connect {
		cp := conn5(clientID, true, expiry)
		cp.WillMessage = &paho.WillMessage{Topic: "will/p5/" + name, Payload: []byte(clientID + " gone"), QoS: 1}
		cp.WillProperties = &paho.WillProperties{WillDelayInterval: &delay}
		return cp
	}
	// quiet checks that nothing reaches the watcher before a sentinel
	// published now to will/p5/sentinel.
	quiet := func(t *testing.T, what string) {
		t.Helper()
		pub, watch := pub.with(t), watch.with(t)
		pub.mustPub("will/p5/sentinel", "sentinel")
		if m := watch.next(); m.Topic != "will/p5/sentinel" {
			t.Errorf("%s: got %q on %q before the sentinel", what, m.Payload, m.Topic)
			watch.expect("will/p5/sentinel", "sentinel")
		}
	}

	t.Run("published once the delay has passed", func(t *testing.T) {
		g, watch := g.with(t), watch.with(t)
		dying, _ := g.v5("admin", withWill("p5-will-a", "a", 2, 60))
		start := time.Now()
		dying.TerminateConnectionForTest() // the network connection is lost: no DISCONNECT
		g.settle(base)
		m := watch.expect("will/p5/a", "p5-will-a gone")
		if d := time.Since(start); d < 2*time.Second {
			t.Errorf("will published %s after the connection was lost, before its 2 s Will Delay Interval (§3.1.3.2.2)", d)
		}
		if m.QoS != 1 {
			t.Errorf("will delivered at QoS %d, want 1", m.QoS)
		}
	})

	t.Run("not published when the client reconnects within the delay", func(t *testing.T) {
		g := g.with(t)
		dying, _ := g.v5("admin", withWill("p5-will-b", "b", 2, 60))
		start := time.Now()
		dying.TerminateConnectionForTest()
		g.settle(base)
		again, ack := g.v5("admin", conn5("p5-will-b", false, 60))
		if !ack.SessionPresent {
			t.Error("Session Present 0 on resume within the Session Expiry Interval")
		}
		// A new connection to the session before the Will Delay Interval has
		// passed: the will MUST NOT be sent [MQTT-3.1.3-9]. Only waiting out
		// the delay shows it.
		time.Sleep(time.Until(start.Add(2500 * time.Millisecond)))
		quiet(t, "reconnected within the will delay")
		again.Disconnect(&paho.Disconnect{})
		g.settle(base)
	})

	t.Run("published when the session ends before the delay", func(t *testing.T) {
		// The will waits for the delay or the end of the session, whichever
		// comes first (§3.1.3.2.2): Session Expiry 0 ends it at once.
		g := g.with(t)
		dying, _ := g.v5("admin", withWill("p5-will-c", "c", 30, 0))
		start := time.Now()
		dying.TerminateConnectionForTest()
		g.settle(base)
		select {
		case m := <-watch.msgs:
			if m.Topic != "will/p5/c" {
				t.Fatalf("got %q on %q, want the will on will/p5/c", m.Payload, m.Topic)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("no will %s after a connection loss that ended the session (Session Expiry 0, Will Delay 30 s)", time.Since(start))
		}
	})

	t.Run("normal disconnection discards it, 0x04 sends it", func(t *testing.T) {
		g, watch := g.with(t), watch.with(t)
		c, _ := g.v5("admin", withWill("p5-will-d", "d", 0, 0))
		must(t, c.Disconnect(&paho.Disconnect{ReasonCode: 0x00}))
		g.settle(base)
		quiet(t, "DISCONNECT 0x00 [MQTT-3.1.2-10]")
		c, _ = g.v5("admin", withWill("p5-will-e", "e", 0, 0))
		must(t, c.Disconnect(&paho.Disconnect{ReasonCode: 0x04}))
		watch.expect("will/p5/e", "p5-will-e gone") // Disconnect with Will Message (§3.14.2.1)
	})
}

func TestPaho5MessageExpiry(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("admin", "Admin", nil)
	pub, _ := g.v5("admin", conn5("p5-exp-pub", true, 0))
	base := g.connections()
	withExpiry := func(payload string, secs uint32) *paho.Publish {
		return &paho.Publish{Topic: "expiry/p5", QoS: 1, Payload: []byte(payload),
			Properties: &paho.PublishProperties{MessageExpiry: &secs}}
	}

	sub, _ := g.v5("admin", conn5("p5-exp", false, 300))
	sub.mustSub("expiry/p5")
	mustOK(t, pub.pub(withExpiry("online", 60)))
	if m := sub.expect("expiry/p5", "online"); m.Properties == nil || m.Properties.MessageExpiry == nil || *m.Properties.MessageExpiry > 60 {
		t.Errorf("online delivery: Message Expiry Interval %v, want present and at most 60 [MQTT-3.3.2-6]", m.Properties)
	}
	must(t, sub.Disconnect(&paho.Disconnect{}))
	g.settle(base)

	mustOK(t, pub.pub(withExpiry("short", 1)))
	mustOK(t, pub.pub(withExpiry("long", 60)))
	pub.mustPub("expiry/p5", "forever")
	time.Sleep(2100 * time.Millisecond) // let "short" expire while it waits in the session

	sub, _ = g.v5("admin", conn5("p5-exp", false, 300))
	// An expired message is not delivered [MQTT-3.3.2-5]; the others carry
	// what is left of their interval [MQTT-3.3.2-6].
	m := sub.next()
	if string(m.Payload) == "short" {
		t.Error("a message whose 1 s Message Expiry Interval had passed was delivered [MQTT-3.3.2-5]")
		m = sub.next()
	}
	if string(m.Payload) != "long" {
		t.Fatalf("got %q, want long", m.Payload)
	}
	if m.Properties == nil || m.Properties.MessageExpiry == nil {
		t.Error("long: no Message Expiry Interval on delivery [MQTT-3.3.2-6]")
	} else if left := *m.Properties.MessageExpiry; left >= 60 || left < 50 {
		t.Errorf("long: Message Expiry Interval %d after ~2 s offline, want 60 minus the wait [MQTT-3.3.2-6]", left)
	}
	if m := sub.expect("expiry/p5", "forever"); m.Properties != nil && m.Properties.MessageExpiry != nil {
		t.Errorf("forever: Message Expiry Interval %d on a message published without one", *m.Properties.MessageExpiry)
	}
}

func TestPaho5QoS2Refused(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("admin", "Admin", nil)
	watch, _ := g.v5("admin", conn5("p5-qos2-watch", true, 0))
	watch.mustSub("qos2/p5")

	w := g.wire("admin")
	ack := w.mustConnect5("p5-qos2", true, 0)
	// AWS IoT serves QoS 0 and 1: the server says so [MQTT-3.2.2-9].
	if ack.Properties.MaximumQOS == nil || *ack.Properties.MaximumQOS != 1 {
		t.Errorf("CONNACK Maximum QoS %v, want 1", ack.Properties.MaximumQOS)
	}
	// A QoS 2 subscription is granted QoS 1 (§3.9.3).
	if got := w.subscribe(1, 0, packets.SubOptions{Topic: "qos2/p5", QoS: 2}); !slices.Equal(got, []byte{1}) {
		t.Errorf("SUBACK for a QoS 2 subscription: % x, want 01 (granted QoS 1)", got)
	}
	// A QoS 2 PUBLISH beyond Maximum QoS: DISCONNECT 0x9B [MQTT-3.2.2-11].
	w.send(publish("qos2/p5", "exactly once", 2, 1))
	w.disconnectedWith(0x9B)
	pub, _ := g.v5("admin", conn5("p5-qos2-pub", true, 0))
	pub.mustPub("qos2/p5", "after")
	watch.expect("qos2/p5", "after") // the refused message was not delivered

	// A QoS 2 will: CONNACK 0x9B [MQTT-3.2.2-12].
	w = g.wire("admin")
	got := w.connect5(&packets.Connect{ClientID: "p5-qos2-will", CleanStart: true, WillFlag: true, WillQOS: 2,
		WillTopic: "qos2/p5", WillMessage: []byte("x"), WillProperties: &packets.Properties{}})
	if got.ReasonCode != 0x9B {
		t.Errorf("CONNECT with a QoS 2 will: CONNACK 0x%02x, want 0x9B", got.ReasonCode)
	}
}

func TestPaho5DeniedPublishAndSubscribe(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("sensor_a", "SensorPolicy", seedAttrs("loft"))
	own, other := "temperature/home417/loft/sensor_a", "temperature/home417/cellar/sensor_b"
	c, _ := g.v5("sensor_a", conn5("sensor_a", true, 0))

	// One reason code per filter, in order [MQTT-3.8.4-6]; 0x87 where
	// iot:Subscribe is denied.
	sctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	sa, _ := c.Subscribe(sctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{
		{Topic: "temperature/#", QoS: 1}, {Topic: own, QoS: 1}, {Topic: other, QoS: 1}}})
	if sa == nil || !slices.Equal(sa.Reasons, []byte{0x87, 0x01, 0x87}) {
		t.Fatalf("SUBACK %+v, want reason codes 87 01 87", sa)
	}
	// A denied QoS 1 PUBLISH gets PUBACK 0x87 and the connection stays up (AWS, §3.4.2.1).
	if code := c.pub(&paho.Publish{Topic: other, QoS: 1, Payload: []byte("forged")}); code != 0x87 {
		t.Errorf("PUBACK 0x%02x for a publish iot:Publish denies, want 0x87", code)
	}
	// A denied QoS 0 PUBLISH is dropped.
	c.pub(&paho.Publish{Topic: other, QoS: 0, Payload: []byte("forged")})
	// A retained PUBLISH needs iot:RetainPublish, which the seed policy does not grant.
	if code := c.pub(&paho.Publish{Topic: own, QoS: 1, Retain: true, Payload: []byte("kept")}); code != 0x87 {
		t.Errorf("PUBACK 0x%02x for a retained publish without iot:RetainPublish, want 0x87", code)
	}
	c.mustPub(own, `{"temp":21.5}`)
	c.expect(own, `{"temp":21.5}`) // still connected, and nothing denied was delivered
}

func TestPaho5ALPN(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("admin", "Admin", nil)
	for _, c := range []struct {
		offer []string
		want  string
	}{
		{[]string{"x-amzn-mqtt-ca"}, "x-amzn-mqtt-ca"}, // what the AWS IoT Device SDKs offer on 443
		{[]string{"mqtt"}, "mqtt"},
		{nil, ""},
	} {
		conn := g.dial("admin", c.offer...)
		if got := conn.ConnectionState().NegotiatedProtocol; got != c.want {
			t.Errorf("offered %q: negotiated %q, want %q", c.offer, got, c.want)
		}
		conn.Close()
		// An MQTT session works over each.
		cl, ack, err := g.tryV5("admin", conn5("p5-alpn", true, 0), c.offer...)
		if err != nil {
			t.Errorf("offered %q: MQTT CONNECT failed: %v (%+v)", c.offer, err, ack)
			continue
		}
		cl.mustSub("alpn/p5")
		cl.mustPub("alpn/p5", "x")
		cl.expect("alpn/p5", "x")
		must(t, cl.Disconnect(&paho.Disconnect{}))
	}
}

func TestPaho5UsernameIgnoredOnMutualTLS(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("sensor_a", "SensorPolicy", seedAttrs("loft"))
	own := "temperature/home417/loft/sensor_a"
	// The AWS IoT Device SDKs send their metrics as the username, even on
	// mutual TLS; the certificate alone decides who the client is.
	for _, user := range []string{"?SDK=PythonV2&Version=1.0", "sensor_b"} {
		cp := conn5("sensor_a", true, 0)
		cp.Username, cp.UsernameFlag = user, true
		cp.Password, cp.PasswordFlag = []byte("ignored"), true
		c, ack, err := g.tryV5("sensor_a", cp)
		if err != nil {
			t.Errorf("username %q: refused: %v (%+v)", user, err, ack)
			continue
		}
		c.mustSub(own)
		c.mustPub(own, user)
		c.expect(own, user)
		if code := c.pub(&paho.Publish{Topic: "temperature/home417/cellar/sensor_b", QoS: 1}); code != 0x87 {
			t.Errorf("username %q: publish on sensor_b's topic: PUBACK 0x%02x, want 0x87", user, code)
		}
		must(t, c.Disconnect(&paho.Disconnect{}))
	}
}

func TestPaho5KeepAliveBounds(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("admin", "Admin", nil)
	// AWS bounds keep alive to 30..1200 s, 0 meaning 1200; a server that
	// changes the client's value says so in Server Keep Alive [MQTT-3.2.2-21].
	for _, c := range []struct{ ask, want uint16 }{{5, 30}, {0, 1200}, {4000, 1200}, {60, 60}} {
		cp := conn5("p5-keepalive", true, 0)
		cp.KeepAlive = c.ask
		cl, ack := g.v5("admin", cp)
		var got *uint16
		if ack.Properties != nil {
			got = ack.Properties.ServerKeepAlive
		}
		switch {
		case got == nil && c.ask != c.want:
			t.Errorf("keep alive %d: no Server Keep Alive, want %d", c.ask, c.want)
		case got != nil && *got != c.want:
			t.Errorf("keep alive %d: Server Keep Alive %d, want %d", c.ask, *got, c.want)
		}
		must(t, cl.Disconnect(&paho.Disconnect{}))
	}
}

func TestPaho5SessionTakeover(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("admin", "Admin", nil)
	first, _ := g.v5("admin", conn5("p5-twin", true, 0))
	first.mustSub("twin/p5")
	second, _ := g.v5("admin", conn5("p5-twin", true, 0))
	// The server disconnects the existing connection with 0x8E Session taken
	// over [MQTT-3.1.4-3]; AWS: DUPLICATE_CLIENTID.
	if d := first.gone(); d == nil || d.ReasonCode != 0x8E {
		t.Errorf("first connection ended with %+v, want DISCONNECT 0x8E", d)
	}
	second.mustSub("twin/p5")
	second.mustPub("twin/p5", "x")
	second.expect("twin/p5", "x")
}

func TestPaho5SessionAndRetainedSurviveRestart(t *testing.T) {
	t.Parallel()
	g := startGateway(t)
	g.device("admin", "Admin", nil)
	sub, _ := g.v5("admin", conn5("p5-restart", false, 3600))
	sub.mustSub("restart/p5")
	must(t, sub.Disconnect(&paho.Disconnect{}))
	pub, _ := g.v5("admin", conn5("p5-restart-pub", true, 0))
	pub.mustPub("restart/p5", "queued")
	mustOK(t, pub.pub(&paho.Publish{Topic: "restart/retained", QoS: 1, Retain: true, Payload: []byte("kept")}))
	must(t, pub.Disconnect(&paho.Disconnect{}))
	g.settle(0)

	// Persistent sessions, their queued QoS 1 messages and retained
	// messages outlive a server restart (issue 3; AWS keeps both).
	g.srv.Restart()
	sub, ack := g.v5("admin", conn5("p5-restart", false, 3600))
	if !ack.SessionPresent {
		t.Error("after a restart: Session Present 0 for a persistent session [MQTT-3.2.2-3]")
	} else {
		sub.expect("restart/p5", "queued")
	}
	late, _ := g.v5("admin", conn5("p5-restart-late", true, 0))
	late.mustSub("restart/retained")
	if m := late.next(); string(m.Payload) != "kept" || !m.Retain {
		t.Errorf("after a restart: got %q (RETAIN %v), want the retained message kept", m.Payload, m.Retain)
	}
}
