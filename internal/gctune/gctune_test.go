package gctune

import (
	"context"
	"os"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func TestPercentFor(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		name       string
		current    int
		live, rate uint64
		want       int
	}{
		{"small gateway", gcDefault, 20 * mb, 0, gcDefault},
		{"large heap", gcDefault, 64 * mb, 0, gcLarge},
		{"large heap, busy", gcDefault, 64 * mb, 500 * mb, gcLarge},
		{"between the edges, lowered", gcLarge, 56 * mb, 0, gcLarge},
		{"between the edges, default", gcDefault, 56 * mb, 0, gcDefault},
		{"shrunk", gcLarge, 47 * mb, 0, gcDefault},
		{"connect storm", gcDefault, 5 * mb, 125 * mb, 400},
		{"connect storm, still", 400, 5 * mb, 125 * mb, 400},
		{"storm over", 400, 5 * mb, 1 * mb, gcDefault},
		{"a little busy", gcDefault, 5 * mb, 60 * mb, 200},
		{"headroom capped", gcDefault, 12 * mb, 1000 * mb, 200},
		{"nothing live yet", gcDefault, 0, 1000 * mb, gcMaxPercent},
		{"2,000 connections arriving", gcDefault, 25 * mb, 125 * mb, gcDefault},
	} {
		if got := percentFor(c.current, c.live, c.rate); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

// Run lowers the GC target while the live heap is large and restores
// Go's default when it shrinks and when it stops.
func TestRun(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set: the tuner leaves it alone")
	}
	gogc := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	waitFor := func(want uint64) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for gogc() != want {
			if time.Now().After(deadline) {
				t.Fatalf("GOGC %d, want %d", gogc(), want)
			}
			runtime.GC()
			time.Sleep(50 * time.Millisecond)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { Run(ctx); close(done) }()
	live := make([][]byte, 80)
	for i := range live {
		live[i] = make([]byte, 1<<20)
	}
	waitFor(gcLarge)
	runtime.KeepAlive(live)
	live = nil
	waitFor(gcDefault)
	live = make([][]byte, 80)
	for i := range live {
		live[i] = make([]byte, 1<<20)
	}
	waitFor(gcLarge)
	cancel()
	<-done
	if got := gogc(); got != gcDefault {
		t.Fatalf("GOGC %d after the tuner stopped", got)
	}
	runtime.KeepAlive(live)
}
