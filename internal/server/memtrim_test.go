package server

import (
	"context"
	"os"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func TestShouldTrim(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		name                       string
		heap, allocated, trimmedAt uint64
		want                       bool
	}{
		{"idle after a connect burst", 150 * mb, 1 * mb, 0, true},
		{"small heap", 10 * mb, 0, 0, false},
		{"idle after 2,000 connections", 40 * mb, 1 * mb, 0, true},
		{"busy", 150 * mb, 40 * mb, 0, false},
		{"trimmed already, not grown", 150 * mb, 0, 140 * mb, false},
		{"grown since the last trim", 200 * mb, 0, 140 * mb, true},
	} {
		if got := shouldTrim(c.heap, c.allocated, c.trimmedAt); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestGCPercentFor(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		name    string
		current int
		live    uint64
		want    int
	}{
		{"small gateway", gcDefault, 20 * mb, gcDefault},
		{"large heap", gcDefault, 64 * mb, gcLarge},
		{"between the edges, lowered", gcLarge, 56 * mb, gcLarge},
		{"between the edges, default", gcDefault, 56 * mb, gcDefault},
		{"shrunk", gcLarge, 47 * mb, gcDefault},
	} {
		if got := gcPercentFor(c.current, c.live); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

// tuneGC lowers the GC target while the live heap is large and restores
// Go's default when it shrinks and when it stops.
func TestTuneGC(t *testing.T) {
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
	go func() { tuneGC(ctx); close(done) }()
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
