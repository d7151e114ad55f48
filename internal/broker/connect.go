package broker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/roost-iot/roost/internal/mqtt"
	"github.com/roost-iot/roost/internal/policy"
)

// connect authorizes a CONNECT and answers it; false ends the connection.
func (c *conn) connect(cp *mqtt.Connect) bool {
	c.v = cp.Version
	ack := &mqtt.Connack{}
	clientID := cp.ClientID
	if clientID == "" {
		// An empty id is allowed with a clean session; the server assigns
		// one [MQTT-3.1.3-6] and tells a 5.0 client [MQTT-3.2.2-16].
		clientID = "roost-" + randomHex(8)
		ack.AssignedClientIdentifier = clientID
	}
	if len(clientID) > c.b.limits.MaxClientID {
		return c.refuse(mqtt.ClientIdentifierNotValid, "client id is longer than the limit")
	}
	c.id.ClientID = clientID
	c.sessionID = newSessionID()
	g, code := c.authorize(cp)
	if code != mqtt.Success {
		c.b.stats.ConnectDenied.Add(1)
		return c.refuse(code, "")
	}
	c.grant.Store(g)
	c.applyClientLimits(cp, ack)
	c.will.Store(cp.Will)
	// The events' version is set before attach makes the connection
	// visible: Close may detach it (and read the version) from then on.
	if !noEvents(clientID) {
		c.version = c.b.versionFor(clientID)
	}
	present := c.b.attach(c, cp)
	ack.SessionPresent = present // [MQTT-3.2.2-2], [MQTT-3.2.2-3]
	c.serverProperties(ack)
	c.send(ack)
	c.b.stats.Connections.Add(1)
	c.s.resume(c)
	c.b.connectedEvent(c)
	return true
}

// authorize resolves the certificate's grant and checks iot:Connect and,
// when a will is set, iot:Publish (and iot:RetainPublish) on its topic:
// AWS authorizes the will at CONNECT.
func (c *conn) authorize(cp *mqtt.Connect) (*Grant, mqtt.ReasonCode) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	g, err := c.b.auth.Grant(ctx, c.id)
	if err != nil {
		if !errors.Is(err, ErrUnknownCertificate) && !errors.Is(err, ErrInactive) {
			c.b.log.Error("authorize connection", "client", c.id.ClientID, "err", err)
			return nil, mqtt.ServerUnavailable
		}
		return nil, mqtt.NotAuthorized
	}
	persistent := !cp.CleanStart
	if cp.Version == mqtt.V5 {
		persistent = cp.SessionExpiryInterval > 0
	}
	if !g.AllowConnect(c.id.ClientID, persistent, cp.Will != nil).Allowed() {
		return nil, mqtt.NotAuthorized
	}
	if w := cp.Will; w != nil {
		if c.b.limits.Topic.ValidateName(w.Topic) != nil {
			return nil, mqtt.TopicNameInvalid
		}
		if w.QoS > c.b.limits.MaxQoS {
			return nil, mqtt.QoSNotSupported // [MQTT-3.2.2-12]
		}
		if !g.Allow(policy.Publish, policy.KindTopic, w.Topic) ||
			(w.Retain && !g.Allow(policy.RetainPublish, policy.KindTopic, w.Topic)) {
			return nil, mqtt.NotAuthorized
		}
	}
	return g, mqtt.Success
}

// refuse sends a CONNACK with a failure code and ends the connection
// [MQTT-3.2.2-5]. 3.1.1 clients get the matching return code.
func (c *conn) refuse(code mqtt.ReasonCode, reason string) bool {
	c.writeNow(&mqtt.Connack{ReasonCode: code, ReasonString: reason}, c.v)
	return false
}

// applyClientLimits records the client's limits and bounds its keep alive
// to the configured range (AWS: 30 to 1200 s; 0 means the maximum).
func (c *conn) applyClientLimits(cp *mqtt.Connect, ack *mqtt.Connack) {
	l := c.b.limits
	ka := cp.KeepAlive
	if ka == 0 || ka > l.KeepAliveMax {
		ka = l.KeepAliveMax
	}
	ka = max(ka, l.KeepAliveMin)
	c.keepAlive = time.Duration(ka) * time.Second
	if ka != cp.KeepAlive {
		ack.HasServerKeepAlive, ack.ServerKeepAlive = true, ka // [MQTT-3.2.2-21]
	}
	if cp.ReceiveMaximum > 0 {
		c.recvMax = cp.ReceiveMaximum
	}
	c.maxOut = int(cp.MaximumPacketSize)
	c.rate = newBucket(l.PublishRate)
}

// serverProperties tells a 5.0 client the server's limits (§3.2.2.3).
func (c *conn) serverProperties(ack *mqtt.Connack) {
	l := c.b.limits
	ack.ReceiveMaximum = l.MaxInflight
	if l.MaxQoS < 2 {
		ack.HasMaximumQoS, ack.MaximumQoS = true, l.MaxQoS
	}
	ack.MaximumPacketSize = uint32(l.maxPacket())
	ack.TopicAliasMaximum = l.TopicAliasMaximum
}

// newSessionID is a UUID-shaped random id, as AWS's sessionIdentifier.
func newSessionID() string {
	h := randomHex(16)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// attach binds c to its client id's session: it ends a connection that
// holds the same client id (AWS: the new connection wins, the old one is
// disconnected with DUPLICATE_CLIENTID), discards the old session on a
// clean start, and reports whether a session was resumed.
func (b *Broker) attach(c *conn, cp *mqtt.Connect) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.conns[c] = struct{}{}
	old := b.sessions[c.id.ClientID]
	if old != nil {
		old.mu.Lock()
		prev := old.conn
		old.conn = nil
		old.mu.Unlock()
		if prev != nil {
			prev.kick(mqtt.SessionTakenOver, "DUPLICATE_CLIENTID") // [MQTT-3.1.4-3]
		}
	}
	persistent, expiry := !cp.CleanStart, b.limits.SessionExpiry
	if cp.Version == mqtt.V5 {
		persistent = cp.SessionExpiryInterval > 0
		expiry = min(time.Duration(cp.SessionExpiryInterval)*time.Second, b.limits.SessionExpiry)
	}
	present := old != nil && !cp.CleanStart
	if old != nil && cp.CleanStart {
		b.dropSession(old)
		old = nil
	}
	s := old
	if s == nil {
		s = newSession(c.id.ClientID)
		b.sessions[c.id.ClientID] = s
	}
	s.mu.Lock()
	wasPersistent := s.persistent
	s.conn, s.persistent, s.expiry = c, persistent, expiry
	if s.expireT != nil {
		s.expireT.Stop()
		s.expireT = nil
	}
	if s.willT != nil { // reconnected within the Will Delay Interval [MQTT-3.1.3-9]
		s.willT.Stop()
		s.willT = nil
	}
	b.saveSession(s, time.Time{})
	s.mu.Unlock()
	if wasPersistent && !persistent {
		b.deleteSession(s.clientID)
	}
	c.s = s
	return present
}

// dropSession removes a session and its subscriptions, and its stored row
// if it has one (only persistent sessions are stored: a clean session's
// end costs no write). b.mu held.
func (b *Broker) dropSession(s *session) {
	s.mu.Lock()
	stored := s.persistent
	subs := s.subs
	s.subs = map[string]*subscription{}
	s.queue, s.inflight, s.order = nil, map[uint16]*delivery{}, nil
	s.mu.Unlock()
	for _, sub := range subs {
		b.unindex(sub)
	}
	if b.sessions[s.clientID] == s {
		delete(b.sessions, s.clientID)
	}
	if b.persist != nil && stored {
		b.deleteSession(s.clientID)
	}
}

// detach settles a closed connection: its will (unless it disconnected
// normally), then its session, dropped now or when it expires.
func (b *Broker) detach(c *conn) {
	b.mu.Lock()
	delete(b.conns, c)
	s := c.s
	if s == nil {
		b.mu.Unlock()
		return
	}
	s.mu.Lock()
	mine := s.conn == c
	if mine {
		s.conn = nil
		if s.space != nil { // publishers waiting for room: stop waiting
			close(s.space)
			s.space = nil
		}
	}
	persistent, expiry := s.persistent, s.expiry
	s.mu.Unlock()
	if mine && !persistent {
		b.dropSession(s)
	} else if mine {
		s.mu.Lock()
		s.expireT = time.AfterFunc(expiry, func() { b.expire(s) })
		b.saveOffline(s, time.Now().Add(expiry))
		s.mu.Unlock()
	}
	b.mu.Unlock()
	b.stats.Connections.Add(-1)
	c.wmu.Lock()
	reason := c.reason
	c.wmu.Unlock()
	b.disconnectedEvent(c, reason)
	if w := c.will.Swap(nil); w != nil {
		b.publishWill(c, w)
	}
}

// expire drops a persistent session that stayed offline past its expiry.
func (b *Broker) expire(s *session) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s.mu.Lock()
	offline := s.conn == nil
	s.mu.Unlock()
	if offline && b.sessions[s.clientID] == s {
		b.dropSession(s)
	}
}

// onDisconnect handles a client's DISCONNECT: a normal disconnection
// discards the will [MQTT-3.14.4-3]; 5.0's 0x04 keeps it.
func (c *conn) onDisconnect(d *mqtt.Disconnect) {
	if c.v != mqtt.V5 || d.ReasonCode != mqtt.DisconnectWithWill {
		c.will.Store(nil)
	}
	if c.v == mqtt.V5 && d.HasSessionExpiryInterval {
		c.s.mu.Lock()
		c.s.expiry = min(time.Duration(d.SessionExpiryInterval)*time.Second, c.b.limits.SessionExpiry)
		c.s.persistent = d.SessionExpiryInterval > 0
		c.s.mu.Unlock()
	}
	c.close("CLIENT_INITIATED_DISCONNECT")
}
