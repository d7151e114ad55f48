package broker

import (
	"strings"
	"sync"
	"time"

	"github.com/roost-iot/roost/internal/mqtt"
	"github.com/roost-iot/roost/internal/policy"
	"github.com/roost-iot/roost/internal/topic"
)

// onPublish handles an inbound PUBLISH; false ends the connection.
func (c *conn) onPublish(p *mqtt.Publish) bool {
	name, code := c.resolveAlias(p)
	if code != mqtt.Success {
		c.kick(code, "CLIENT_ERROR")
		return false
	}
	l := c.b.limits
	if p.QoS > l.MaxQoS {
		c.kick(mqtt.QoSNotSupported, "CLIENT_ERROR") // [MQTT-3.2.2-11]; AWS IoT serves QoS 0 and 1
		return false
	}
	if err := l.Topic.ValidateName(name); err != nil {
		c.kick(mqtt.TopicNameInvalid, "CLIENT_ERROR")
		return false
	}
	if len(p.Payload) > l.MaxPayload {
		c.kick(mqtt.PacketTooLarge, "CLIENT_ERROR") // AWS refuses payloads over 128 KB
		return false
	}
	c.b.stats.MessagesIn.Add(1)
	if c.rate.limited() && !c.rate.allow(time.Now()) {
		c.b.stats.Dropped.Add(1)
		return c.refusePublish(p, mqtt.QuotaExceeded, "THROTTLED")
	}
	g := c.grant.Load()
	if !g.Allow(policy.Publish, policy.KindTopic, name) ||
		(p.Retain && (!g.Allow(policy.RetainPublish, policy.KindTopic, name) || strings.HasPrefix(name, "$aws/"))) {
		c.b.stats.PublishDenied.Add(1)
		return c.refusePublish(p, mqtt.NotAuthorized, "FORBIDDEN_ACCESS")
	}
	if p.QoS == 2 && !c.s.firstQoS2(p.PacketID) {
		c.send(&mqtt.Pubrec{PacketID: p.PacketID}) // a resent QoS 2 PUBLISH is not delivered again [MQTT-4.3.3-9]
		return true
	}
	if h := c.b.handler(name); h != nil {
		c.serveReserved(h, name, p.Payload) // a service request: not fanned out
		c.ackPublish(p)
		return true
	}
	m := newMessage(name, p, c.s)
	if p.Retain {
		c.b.retain(m)
	}
	if _, _, basicIngest := topic.BasicIngest(name); !basicIngest {
		c.b.publish(m) // $aws/rules/ messages go to the rules engine only, never to subscribers
	}
	c.ackPublish(p)
	return true
}

// ackPublish acknowledges an accepted PUBLISH.
func (c *conn) ackPublish(p *mqtt.Publish) {
	switch p.QoS {
	case 1:
		ack := mqtt.Puback{PacketID: p.PacketID}
		c.enqueueWith(false, mqtt.TypePuback, ack.Size, ack.AppendTo) // [MQTT-4.3.2-2]
	case 2:
		c.send(&mqtt.Pubrec{PacketID: p.PacketID}) // [MQTT-4.3.3-8]
	}
}

// refusePublish answers a PUBLISH that is not allowed. AWS IoT disconnects
// a 3.1.1 client; a 5.0 client gets a PUBACK with the reason for QoS 1, and
// a QoS 0 message is dropped.
func (c *conn) refusePublish(p *mqtt.Publish, code mqtt.ReasonCode, reason string) bool {
	if c.v != mqtt.V5 {
		c.kick(0, reason)
		return false
	}
	switch p.QoS {
	case 1:
		c.send(&mqtt.Puback{PacketID: p.PacketID, ReasonCode: code})
	case 2:
		c.send(&mqtt.Pubrec{PacketID: p.PacketID, ReasonCode: code})
	}
	return true
}

// resolveAlias applies a 5.0 Topic Alias [MQTT-3.3.2-8..12]: an alias
// above the maximum is Topic Alias Invalid [MQTT-3.3.2-9]; an empty topic
// with no alias, or with an alias this connection never mapped, is a
// Protocol Error (§3.3.4).
func (c *conn) resolveAlias(p *mqtt.Publish) (string, mqtt.ReasonCode) {
	if p.TopicAlias == 0 {
		if p.Topic == "" {
			return "", mqtt.ProtocolError
		}
		return p.Topic, mqtt.Success
	}
	if p.TopicAlias > c.b.limits.TopicAliasMaximum {
		return "", mqtt.TopicAliasInvalid
	}
	if p.Topic != "" {
		if c.aliases == nil {
			c.aliases = map[uint16]string{}
		}
		c.aliases[p.TopicAlias] = p.Topic
		return p.Topic, mqtt.Success
	}
	if name, ok := c.aliases[p.TopicAlias]; ok {
		return name, mqtt.Success
	}
	return "", mqtt.ProtocolError
}

// newMessage copies a decoded PUBLISH (whose payload aliases the read
// buffer) into a message the broker owns.
func newMessage(name string, p *mqtt.Publish, from *session) *message {
	m := &message{
		topic: name, payload: append([]byte(nil), p.Payload...), qos: p.QoS, retain: p.Retain,
		from: from, at: time.Now(), formatIndicator: p.PayloadFormatIndicator,
		hasExpiry: p.HasMessageExpiryInterval, expiry: p.MessageExpiryInterval,
		contentType: p.ContentType, responseTopic: p.ResponseTopic,
	}
	if len(p.CorrelationData) > 0 {
		m.correlation = append([]byte(nil), p.CorrelationData...)
	}
	if len(p.UserProperties) > 0 {
		m.userProps = append([]mqtt.UserProperty(nil), p.UserProperties...)
	}
	return m
}

// retain stores or, for an empty payload, deletes the retained message of
// a topic [MQTT-3.3.1-6], [MQTT-3.3.1-10].
func (b *Broker) retain(m *message) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(m.payload) == 0 {
		delete(b.retained, m.topic)
	} else {
		b.retained[m.topic] = m
	}
	b.saveRetained(m)
}

// publishWill sends a connection's will message.
func (b *Broker) publishWill(c *conn, w *mqtt.Will) {
	m := &message{topic: w.Topic, payload: w.Payload, qos: w.QoS, retain: w.Retain, from: c.s, at: time.Now(),
		formatIndicator: w.PayloadFormatIndicator, hasExpiry: w.HasMessageExpiryInterval,
		expiry: w.MessageExpiryInterval, contentType: w.ContentType, responseTopic: w.ResponseTopic,
		correlation: w.CorrelationData, userProps: w.UserProperties}
	send := func() {
		if m.retain {
			b.retain(m)
		}
		b.publish(m)
	}
	d := time.Duration(w.WillDelayInterval) * time.Second
	if c.s != nil {
		// The will goes when the delay passes or the session ends,
		// whichever comes first [MQTT-3.1.3-9]: a session that ends with
		// its connection (expiry 0) sends it at once.
		c.s.mu.Lock()
		if !c.s.persistent {
			d = 0
		}
		d = min(d, c.s.expiry)
		c.s.mu.Unlock()
	}
	if c.v != mqtt.V5 || d == 0 || c.s == nil {
		send()
		return
	}
	// A delayed will is not sent if the session reconnects first
	// [MQTT-3.1.3-9]: attach stops this timer.
	s := c.s
	s.mu.Lock()
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		s.mu.Lock()
		due := s.willT == t
		s.willT = nil
		s.mu.Unlock()
		if due {
			send()
		}
	})
	s.willT = t
	s.mu.Unlock()
}

var matchesPool = sync.Pool{New: func() any { return new(topic.Matches[*subscription]) }}

// publish fans a message out to every matching subscription: one delivery
// per session at the highest QoS of its matching subscriptions, and one
// member of each shared group.
func (b *Broker) publish(m *message) {
	ms := matchesPool.Get().(*topic.Matches[*subscription])
	defer func() { ms.Reset(); matchesPool.Put(ms) }()
	b.index.Match(m.topic, ms)
	if len(ms.Values) == 1 {
		b.deliver(ms.Values[0], m, nil)
	} else if len(ms.Values) > 1 {
		b.deliverMerged(ms.Values, m)
	}
	for _, g := range ms.Groups {
		b.deliver(pickMember(g), m, nil)
	}
}

// deliverMerged delivers once per session when several of its
// subscriptions match, at the highest of their QoS [MQTT-3.3.4-2], with all
// their subscription identifiers [MQTT-3.3.4-3].
func (b *Broker) deliverMerged(subs []*subscription, m *message) {
	best := make(map[*session]*subscription, len(subs))
	ids := map[*session][]uint32{}
	for _, sub := range subs {
		if cur, ok := best[sub.s]; !ok || sub.qos > cur.qos {
			best[sub.s] = sub
		}
		if sub.id != 0 {
			ids[sub.s] = append(ids[sub.s], sub.id)
		}
	}
	for s, sub := range best {
		b.deliver(sub, m, ids[s])
	}
}

// pickMember chooses a shared group's member, preferring online ones.
func pickMember(g topic.Group[*subscription]) *subscription {
	first := g.Pick()
	if first.s.online() {
		return first
	}
	for _, sub := range g.Members {
		if sub.s.online() {
			return sub
		}
	}
	return first
}

func (b *Broker) deliver(sub *subscription, m *message, ids []uint32) {
	if sub.noLocal && m.from == sub.s {
		return // [MQTT-3.8.3-3]
	}
	if ids == nil && sub.id != 0 {
		ids = []uint32{sub.id}
	}
	// The retain flag is cleared for established subscriptions unless
	// Retain As Published [MQTT-3.3.1-12], [MQTT-3.3.1-13].
	sub.s.deliver(b, delivery{m: m, qos: min(m.qos, sub.qos), retain: m.retain && sub.retainAsPublished, subIDs: ids})
}
