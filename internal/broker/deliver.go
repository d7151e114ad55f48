package broker

import (
	"time"

	"github.com/roost-iot/roost/internal/mqtt"
	"github.com/roost-iot/roost/internal/policy"
)

func (s *session) online() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn != nil
}

// window is how many QoS 1 deliveries may be in flight to c: the client's
// Receive Maximum, capped by the server's (AWS: 100). mu held.
func (s *session) window(c *conn, l Limits) int {
	return int(min(c.recvMax, l.MaxInflight))
}

// backPressure bounds how long a publisher waits for room in a connected
// subscriber's full QoS 1 queue before the delivery is dropped (counted).
// Waiting slows the publisher's read loop, and so its socket: QoS 1 is not
// lost to a subscriber that is slower than its publishers but alive.
const backPressure = 5 * time.Second

// deliver sends d now, or queues it: QoS 1 beyond the in-flight window or
// while a persistent session is offline (AWS stores QoS 1 only). A QoS 1
// delivery to a connected session whose queue is full waits for room
// (back-pressure); otherwise a full queue drops the message and counts it.
func (s *session) deliver(b *Broker, d delivery) {
	deadline := time.Time{}
	for {
		wait := s.tryDeliver(b, d)
		if wait == nil {
			return
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(backPressure)
		}
		left := time.Until(deadline)
		if left <= 0 {
			b.stats.Dropped.Add(1)
			return
		}
		t := time.NewTimer(left)
		select {
		case <-wait:
		case <-t.C:
		}
		t.Stop()
	}
}

// tryDeliver delivers or queues d, or returns a channel to wait on when a
// QoS 1 delivery meets a connected session's full queue.
func (s *session) tryDeliver(b *Broker, d delivery) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil && d.qos > 0 && len(s.queue) >= b.limits.MaxQueued && !d.noWait && d.m.from != s {
		if s.space == nil {
			s.space = make(chan struct{})
		}
		return s.space
	}
	s.deliverLocked(b, d)
	return nil
}

// deliverLocked is deliver with mu held and room in the queue.
func (s *session) deliverLocked(b *Broker, d delivery) {
	c := s.conn
	if c == nil {
		if s.persistent && d.qos == 1 {
			s.push(b, d)
		}
		return
	}
	if d.qos == 0 {
		c.sendPublish(b, d, 0)
		return
	}
	if len(s.inflight) >= s.window(c, b.limits) || len(s.queue) > 0 {
		s.push(b, d)
		return
	}
	s.sendReliable(b, c, d)
}

// push queues a delivery. mu held.
func (s *session) push(b *Broker, d delivery) {
	if len(s.queue) >= b.limits.MaxQueued {
		b.stats.Dropped.Add(1)
		return
	}
	s.queue = append(s.queue, d)
	if s.conn == nil {
		b.storeDelivery(s, &s.queue[len(s.queue)-1])
	}
}

// sendReliable puts a QoS 1 or 2 delivery in flight under a new packet
// id. mu held.
func (s *session) sendReliable(b *Broker, c *conn, d delivery) {
	id := s.packetID()
	if !c.sendPublish(b, d, id) {
		return
	}
	dd := d
	s.inflight[id] = &dd
	s.order = append(s.order, id)
}

// drain moves queued deliveries into the in-flight window. mu held.
func (s *session) drain(b *Broker, c *conn) {
	for len(s.queue) > 0 && len(s.inflight) < s.window(c, b.limits) {
		d := s.queue[0]
		s.queue[0] = delivery{}
		s.queue = s.queue[1:]
		if d.qos == 0 {
			c.sendPublish(b, d, 0)
			continue
		}
		s.sendReliable(b, c, d)
	}
	if len(s.queue) == 0 {
		s.queue = nil
	}
	if s.space != nil && len(s.queue) < b.limits.MaxQueued {
		close(s.space) // wake publishers waiting for room
		s.space = nil
	}
}

// resume runs after CONNACK on a resumed session: unacknowledged QoS 1
// messages go again with DUP set, in their original order [MQTT-4.4.0-1],
// then the queue drains.
func (s *session) resume(c *conn) {
	b := c.b
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range s.order {
		d := s.inflight[id]
		switch {
		case d == nil:
		case d.released:
			c.send(&mqtt.Pubrel{PacketID: id})
		default:
			c.publishPacket(b, *d, id, true)
		}
	}
	s.drain(b, c)
}

// onPuback completes a QoS 1 delivery [MQTT-4.3.2-5] (or, from PUBCOMP,
// a QoS 2 one [MQTT-4.3.3-?]) and lets the next queued one go.
func (c *conn) onPuback(id uint16) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.inflight[id]
	if !ok {
		return
	}
	c.b.unstoreDelivery(s.clientID, d)
	delete(s.inflight, id)
	s.removeOrder(id)
	s.drain(c.b, c)
}

// sendPublish checks iot:Receive for this delivery (AWS checks Receive on
// every delivery, so a policy change stops messages on live subscriptions)
// and queues the PUBLISH. It reports whether it was sent.
func (c *conn) sendPublish(b *Broker, d delivery, id uint16) bool {
	if !c.grant.Load().Allow(policy.Receive, policy.KindTopic, d.m.topic) {
		b.stats.ReceiveDenied.Add(1)
		return false
	}
	return c.publishPacket(b, d, id, false)
}

func (c *conn) publishPacket(b *Broker, d delivery, id uint16, dup bool) bool {
	m := d.m
	expired, left := m.expired(time.Now())
	if expired {
		return false // [MQTT-3.3.2-5]
	}
	p := mqtt.Publish{Topic: m.topic, Payload: m.payload, QoS: d.qos, Retain: d.retain, PacketID: id, Dup: dup}
	if c.v == mqtt.V5 {
		p.PayloadFormatIndicator, p.ContentType, p.ResponseTopic = m.formatIndicator, m.contentType, m.responseTopic
		p.CorrelationData, p.UserProperties, p.SubscriptionIdentifiers = m.correlation, m.userProps, d.subIDs
		p.HasMessageExpiryInterval, p.MessageExpiryInterval = m.hasExpiry, left // [MQTT-3.3.2-6]
	}
	if !c.enqueueWith(d.qos == 0, mqtt.TypePublish, p.Size, p.AppendTo) {
		b.stats.Dropped.Add(1)
		return false
	}
	b.stats.MessagesOut.Add(1)
	return true
}

// bucket is a token bucket limiting inbound publishes per second.
type bucket struct {
	rate   float64 // tokens per second; 0 = unlimited
	tokens float64
	last   time.Time
}

func newBucket(rate float64) bucket { return bucket{rate: rate, tokens: rate} }

// limited reports whether a rate is set; callers skip reading the clock
// (on every PUBLISH) when it is not.
func (k *bucket) limited() bool { return k.rate > 0 }

// allow takes one token. The burst is one second's worth.
func (k *bucket) allow(now time.Time) bool {
	if k.rate <= 0 {
		return true
	}
	if !k.last.IsZero() {
		k.tokens = min(k.rate, k.tokens+now.Sub(k.last).Seconds()*k.rate)
	}
	k.last = now
	if k.tokens < 1 {
		return false
	}
	k.tokens--
	return true
}

// onPubrec is the receiver's first answer to a QoS 2 delivery: the server
// releases the packet id with PUBREL [MQTT-4.3.3-4], or, for a 5.0 error
// reason code, drops the delivery.
func (c *conn) onPubrec(p *mqtt.Puback) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.inflight[p.PacketID]
	if !ok {
		if c.v == mqtt.V5 {
			c.send(&mqtt.Pubrel{PacketID: p.PacketID, ReasonCode: mqtt.PacketIdentifierNotFound})
		}
		return
	}
	if p.ReasonCode.IsError() {
		c.b.unstoreDelivery(s.clientID, d)
		delete(s.inflight, p.PacketID)
		s.removeOrder(p.PacketID)
		s.drain(c.b, c)
		return
	}
	d.released = true
	c.send(&mqtt.Pubrel{PacketID: p.PacketID})
}

// onPubrel releases a QoS 2 message the client sent: its id may be used
// again, and PUBCOMP says so [MQTT-4.3.3-11].
func (c *conn) onPubrel(id uint16) {
	s := c.s
	s.mu.Lock()
	_, ok := s.qos2In[id]
	delete(s.qos2In, id)
	s.mu.Unlock()
	ack := &mqtt.Pubcomp{PacketID: id}
	if !ok && c.v == mqtt.V5 {
		ack.ReasonCode = mqtt.PacketIdentifierNotFound
	}
	c.send(ack)
}

// firstQoS2 records an inbound QoS 2 packet id and reports whether this is
// its first PUBLISH (a resent one must not be delivered again).
func (s *session) firstQoS2(id uint16) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, seen := s.qos2In[id]; seen {
		return false
	}
	if s.qos2In == nil {
		s.qos2In = map[uint16]struct{}{}
	}
	s.qos2In[id] = struct{}{}
	return true
}
