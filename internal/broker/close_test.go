package broker_test

import (
	"testing"
	"time"
)

// After Close, an offline persistent session's expiry timer must not write
// into the closed store (it used to panic: send on closed channel).
func TestCloseStopsSessionTimers(t *testing.T) {
	f := newFleet(t)
	f.principal("admin", "Admin", nil)
	s := f.sub("admin", "-V", "mqttv5", "-c", "-x", "1", "-q", "1", "-i", "persistent", "-t", "a/b")
	f.subscribed(1)
	must(t, f.srv.Server.Close())
	s.cmd.Process.Kill()
	time.Sleep(2 * time.Second) // past the 1 s session expiry: its timer must not fire into the closed store
}
