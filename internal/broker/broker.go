package broker

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roost-iot/roost/internal/mqtt"
	"github.com/roost-iot/roost/internal/registry"
	"github.com/roost-iot/roost/internal/shadow"
	"github.com/roost-iot/roost/internal/store"
	"github.com/roost-iot/roost/internal/topic"
)

// Limits are the gateway's per-connection limits. Defaults follow AWS IoT
// Core's quotas (reference §8); every one is configurable because Roost is
// also a general MQTT broker.
type Limits struct {
	MaxPayload          int           // PUBLISH payload bytes (AWS: 128 KB)
	Topic               topic.Limits  // topic length and levels (AWS: 256 bytes, 8 levels)
	MaxClientID         int           // client id bytes (AWS: 128)
	MaxSubscriptions    int           // per connection (AWS: 50)
	MaxFiltersPerPacket int           // per SUBSCRIBE (AWS: 8)
	PublishRate         float64       // inbound PUBLISH per second per connection (AWS: 100); 0 = unlimited
	KeepAliveMin        uint16        // seconds (AWS: 30)
	KeepAliveMax        uint16        // seconds; also used for 0 (AWS: 1200)
	MaxInflight         uint16        // unacknowledged QoS 1 deliveries per connection (AWS: 100)
	MaxQueued           int           // messages queued for one client beyond the in-flight window
	MaxQoS              mqtt.QoS      // 1 as AWS IoT (QoS 2 refused); 2 serves QoS 2 as a general broker
	SessionExpiry       time.Duration // how long a persistent session outlives its connection (AWS: 1 h)
	ConnectTimeout      time.Duration // TLS handshake plus CONNECT
	TopicAliasMaximum   uint16        // client-to-server aliases accepted (MQTT 5)
	// IdleParkAfter: a device connection quiet this long gives up its
	// goroutine until it has input or its keep-alive runs out (Linux);
	// 0 never parks.
	IdleParkAfter time.Duration
}

// AWSLimits are AWS IoT Core's defaults.
func AWSLimits() Limits {
	return Limits{
		MaxPayload: 128 * 1024, Topic: topic.AWSLimits(), MaxClientID: 128, MaxSubscriptions: 50,
		MaxFiltersPerPacket: 8, PublishRate: 100, KeepAliveMin: 30, KeepAliveMax: 1200, MaxInflight: 100,
		MaxQueued: 1000, MaxQoS: 1, SessionExpiry: time.Hour, ConnectTimeout: 10 * time.Second, TopicAliasMaximum: 8,
		IdleParkAfter: 2 * time.Second,
	}
}

// maxPacket is the largest packet accepted: the payload limit plus room for
// the topic, properties and header.
func (l Limits) maxPacket() int { return l.MaxPayload + 16*1024 }

// Options configure a Broker.
type Options struct {
	Authorizer *Authorizer
	Limits     Limits
	Logger     *slog.Logger
	// Store, when set, keeps retained messages and persistent sessions
	// across restarts.
	Store store.Store
	// RetainedOnWildcard delivers retained messages to matching wildcard
	// subscriptions (MQTT spec); off by default, as in AWS IoT.
	RetainedOnWildcard bool
}

// Broker is the device gateway.
type Broker struct {
	auth   *Authorizer
	limits Limits
	log    *slog.Logger
	index  *topic.Index[*subscription]

	mu       sync.Mutex
	sessions map[string]*session   // by client id; mu held
	conns    map[*conn]struct{}    // live connections; mu held
	retained map[string]*message   // by topic; mu held
	versions map[string]int64      // presence event version per client id; mu held
	shadows  *shadow.Service       // device shadows, nil when not served; mu held
	lns      map[net.Listener]bool // mu held
	closed   bool                  // mu held

	// retainedOnWildcard sends retained messages to wildcard subscriptions
	// as the MQTT spec does; AWS IoT does not.
	retainedOnWildcard bool

	stats Stats

	persist *persister              // nil without a store
	routes  atomic.Pointer[[]route] // reserved topics served by services; copy on write under mu

	changes   chan registry.Change // registry changes to re-evaluate
	rescanAll atomic.Bool          // changes overflowed: re-evaluate every connection
	stop      chan struct{}
}

// Stats are the gateway's counters.
type Stats struct {
	Connections   atomic.Int64
	Parked        atomic.Int64 // connections parked: quiet, with no goroutine
	Subscriptions atomic.Int64 // live subscriptions, online and offline sessions
	MessagesIn    atomic.Int64
	MessagesOut   atomic.Int64
	Dropped       atomic.Int64 // deliveries dropped: a client's queue full, or throttled
	BytesIn       atomic.Int64 // MQTT packet bytes read
	BytesOut      atomic.Int64 // MQTT packet bytes written

	// Authorization failures by reason.
	TLSFailures     atomic.Int64 // handshakes refused (no or untrusted client certificate)
	ConnectDenied   atomic.Int64 // unknown or inactive certificate, or iot:Connect denied
	PublishDenied   atomic.Int64 // iot:Publish or iot:RetainPublish denied (MQTT and HTTPS)
	SubscribeDenied atomic.Int64 // iot:Subscribe denied, per filter
	ReceiveDenied   atomic.Int64 // iot:Receive denied, per delivery
}

// New returns a broker.
func New(o Options) *Broker {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	b := &Broker{
		auth: o.Authorizer, limits: o.Limits, log: log, index: topic.NewIndex[*subscription](topic.AWSMatching),
		sessions: map[string]*session{}, conns: map[*conn]struct{}{}, retained: map[string]*message{},
		versions: map[string]int64{},
		lns:      map[net.Listener]bool{}, retainedOnWildcard: o.RetainedOnWildcard,
		changes: make(chan registry.Change, 1024), stop: make(chan struct{}),
	}
	if o.Store != nil {
		b.persist = newPersister(o.Store, log.Error)
		if err := b.restore(o.Store); err != nil {
			log.Error("gateway state not restored", "err", err)
		}
	}
	go b.revalidate(b.stop)
	return b
}

// Stats returns the broker's live counters.
func (b *Broker) Stats() *Stats { return &b.stats }

// Serve accepts device connections on ln (a TLS listener made with
// TLSConfig) until ln is closed.
func (b *Broker) Serve(ln net.Listener) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return net.ErrClosed
	}
	b.lns[ln] = true
	b.mu.Unlock()
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(delay*2, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		tc, ok := nc.(*tls.Conn)
		if !ok {
			nc.Close()
			continue
		}
		go b.handle(tc)
	}
}

// Close stops accepting, disconnects every client (as a server shutdown)
// and drops the sessions.
func (b *Broker) Close() error {
	b.mu.Lock()
	if !b.closed {
		close(b.stop)
	}
	b.closed = true
	for ln := range b.lns {
		ln.Close()
	}
	conns := make([]*conn, 0, len(b.conns))
	for c := range b.conns {
		conns = append(conns, c)
	}
	b.mu.Unlock()
	for _, c := range conns {
		c.kick(mqtt.ServerShuttingDown, "SERVER_INITIATED_DISCONNECT")
	}
	// Wait (bounded) for the connections to settle their sessions, then
	// write what is left before the store closes.
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b.mu.Lock()
		n := len(b.conns)
		b.mu.Unlock()
		if n == 0 {
			break
		}
	}
	b.stopTimers()
	b.persist.stop()
	return nil
}

// stopTimers stops every session's expiry and delayed-will timer: after
// Close nothing may fire into the closed store.
func (b *Broker) stopTimers() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.sessions {
		s.mu.Lock()
		if s.expireT != nil {
			s.expireT.Stop()
		}
		if s.willT != nil {
			s.willT.Stop()
			s.willT = nil
		}
		s.mu.Unlock()
	}
}

// handle runs one connection from TLS handshake to close.
func (b *Broker) handle(tc *tls.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), b.limits.ConnectTimeout)
	err := tc.HandshakeContext(ctx)
	cancel()
	if err != nil {
		b.stats.TLSFailures.Add(1)
		b.log.Debug("tls handshake failed", "remote", tc.RemoteAddr().String(), "err", err)
		tc.Close()
		return
	}
	c := newConn(b, tc, PeerIdentity(tc))
	c.start()
}

// ServeDev accepts plain MQTT on ln for local development: no TLS, no
// certificate, every client gets the named policy. The caller decides
// where ln listens (loopback unless the operator allowed more).
func (b *Broker) ServeDev(ln net.Listener, policyName string) error {
	b.mu.Lock()
	b.lns[ln] = true
	b.mu.Unlock()
	for {
		nc, err := ln.Accept()
		if err != nil {
			return err
		}
		peer := Identity{AnonymousPolicy: policyName}
		if host, _, err := net.SplitHostPort(nc.RemoteAddr().String()); err == nil {
			peer.SourceIP = host
		}
		go b.ServeConn(nc, peer)
	}
}

// ServeConn runs MQTT on a connection another listener authenticated (MQTT
// over WebSocket with SigV4); it returns when the connection ends.
func (b *Broker) ServeConn(nc net.Conn, peer Identity) {
	newConn(b, nc, peer).run()
}
