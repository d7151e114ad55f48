package broker

import (
	"context"
	"slices"
	"time"

	"github.com/roost-iot/roost/internal/mqtt"
	"github.com/roost-iot/roost/internal/registry"
)

// Live revocation: every registry change that can alter what a connected
// device may do (certificate status, policy attachments and default
// versions, thing attachments and attributes, group membership) re-resolves
// the grant of each connection it affects. A connection whose certificate
// is no longer ACTIVE, or whose policies no longer allow iot:Connect, is
// disconnected; the others continue under the new grant, which every later
// Publish, Subscribe and Receive check uses.

// Changed queues a registry change for re-evaluation. It never blocks: it
// is called from the registry after a commit (registry.Service.Watch).
func (b *Broker) Changed(ch registry.Change) {
	select {
	case b.changes <- ch:
	default:
		b.rescanAll.Store(true) // queue full: re-evaluate everyone
		select {
		case b.changes <- registry.Change{}:
		default:
		}
	}
}

// revalidate runs until stop is closed, applying queued changes.
func (b *Broker) revalidate(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case ch := <-b.changes:
			all := b.rescanAll.Swap(false)
			for _, c := range b.liveConns() {
				if all || affects(ch, c) {
					b.regrant(c)
				}
			}
		}
	}
}

func (b *Broker) liveConns() []*conn {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]*conn, 0, len(b.conns))
	for c := range b.conns {
		out = append(out, c)
	}
	return out
}

// affects reports whether a change can alter c's grant.
func affects(ch registry.Change, c *conn) bool {
	g := c.grant.Load()
	if g == nil {
		return false
	}
	switch {
	case ch.CertID != "" && ch.CertID == c.id.CertID:
		return true
	case ch.Thing != "" && (ch.Thing == g.Thing || ch.Thing == c.id.ClientID):
		return true
	case ch.Policy != "" && slices.Contains(g.Policies, ch.Policy):
		return true
	case ch.Group != "" && g.Thing != "":
		return true
	}
	return false
}

// regrant recompiles c's grant, or disconnects c when it may no longer
// connect.
func (b *Broker) regrant(c *conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	g, err := b.auth.Grant(ctx, c.id)
	if err != nil {
		b.log.Info("disconnecting client: authorization revoked", "client", c.id.ClientID, "reason", err)
		c.kick(mqtt.NotAuthorized, "AUTH_ERROR")
		return
	}
	c.s.mu.Lock()
	persistent := c.s.persistent
	c.s.mu.Unlock()
	if !g.AllowConnect(c.id.ClientID, persistent, c.will.Load() != nil).Allowed() {
		b.log.Info("disconnecting client: iot:Connect no longer allowed", "client", c.id.ClientID)
		c.kick(mqtt.NotAuthorized, "FORBIDDEN_ACCESS")
		return
	}
	c.grant.Store(g)
}
