//go:build linux

package broker_test

import (
	"testing"
	"time"

	"github.com/roost-iot/roost/internal/config"
)

// parked waits until the broker counts n parked connections.
func (g *gateway) parked(n int64) {
	g.t.Helper()
	st := g.srv.Server.Broker().Stats()
	deadline := time.Now().Add(wait)
	for st.Parked.Load() != n {
		if time.Now().After(deadline) {
			g.t.Fatalf("waited for %d parked connections, the broker counts %d", n, st.Parked.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Quiet connections park (no goroutine waits for them) and their input
// wakes them: a parked subscriber still gets deliveries, a parked
// publisher's PUBLISH is read and acknowledged, and both park again.
// A parked connection its client closes, or another connection with its
// client id takes over, ends and leaves the parker.
func TestQuietConnectionsParkAndWake(t *testing.T) {
	t.Parallel()
	g := startGateway(t, func(c *config.Config) { c.MQTTIdleParkAfter = 50 * time.Millisecond })
	g.device("admin", "Admin", nil)
	sub, _ := g.v311("admin", "park-sub", true)
	if got := sub.subscribe("park/#"); got["park/#"] != 1 {
		t.Fatalf("SUBACK %v", got)
	}
	pub, _ := g.v311("admin", "park-pub", true)
	g.parked(2)
	for i := range 3 {
		tok := pub.Publish("park/a", 1, false, []byte{byte(i)})
		if !tok.WaitTimeout(wait) || tok.Error() != nil {
			t.Fatalf("publish %d from a parked connection: %v", i, tok.Error())
		}
		select {
		case m := <-sub.msgs:
			if m.Topic() != "park/a" || m.Payload()[0] != byte(i) {
				t.Fatalf("delivered %s % x", m.Topic(), m.Payload())
			}
		case <-time.After(wait):
			t.Fatalf("message %d not delivered to the parked subscriber", i)
		}
		g.parked(2)
	}

	// Taken over while parked: the old connection ends.
	_, _ = g.v311("admin", "park-pub", true)
	select {
	case <-pub.lost:
	case <-time.After(wait):
		t.Fatal("the parked connection was not closed by the takeover")
	}
	g.settle(2)
	time.Sleep(200 * time.Millisecond) // the new connection parks too
	g.parked(2)

	// Closed by its client while parked: the broker notices at once.
	sub.Disconnect(0)
	g.settle(1)
	g.parked(1)
}

// With parking off, nothing parks (and everything works as before).
func TestParkingOff(t *testing.T) {
	t.Parallel()
	g := startGateway(t, func(c *config.Config) { c.MQTTIdleParkAfter = 0 })
	g.device("admin", "Admin", nil)
	c, _ := g.v311("admin", "no-park", true)
	time.Sleep(200 * time.Millisecond)
	if n := g.srv.Server.Broker().Stats().Parked.Load(); n != 0 {
		t.Fatalf("%d parked with parking off", n)
	}
	if tok := c.Publish("park/x", 1, false, []byte("x")); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("publish: %v", tok.Error())
	}
}
