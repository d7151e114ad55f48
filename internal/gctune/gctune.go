// Package gctune owns the garbage collector's target (GOGC) while a
// long-running Roost process runs: the server, and the load generator of
// `roost bench`. It sets the target from two readings taken every second,
// the live heap and the allocation rate. It does not return memory to the
// OS (the server's idle trim does) and leaves an operator's own GOGC alone.
package gctune

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Go's GC lets the heap grow to twice what was live before it collects
// (GOGC=100). Two cases call for another target:
//
//   - A large heap of long-lived connection state. The objects that last
//     are interleaved with the garbage of the handshakes that made them,
//     and the spans of the last growth stay resident half used once the
//     fleet is connected and quiet: Go does not compact. Measured with
//     10,000 idle mutual-TLS connections: 15.0 KB per connection in use
//     for 10.4 KB live. A lower target (gcLarge) bounds that growth, at the
//     price of more frequent collections, which a large and mostly idle
//     heap can afford.
//   - A small heap under a high allocation rate. A connect storm leaves
//     ~50 KB of handshake garbage per connect; at 2,500 connects/s on a
//     5 MB live heap the default target collects ~25 times a second, and
//     each cycle has fixed costs. A higher target, so that a cycle comes
//     at most gcMaxCycles times a second, with the heap allowed at most
//     gcMaxHeadroom above what is live, cut the server's CPU per connect
//     by 8% here (GOGC 400 against 100, bench/run.sh connect, four
//     interleaved rounds). When the rate falls, the default returns within
//     a second; what the burst left resident is the idle trim's.
const (
	gcLargeHeap   = 64 << 20 // live heap from which the lower target applies
	gcSmallHeap   = 48 << 20 // back from it below this (no flapping at the edge)
	gcDefault     = 100
	gcLarge       = 50
	gcMaxCycles   = 8        // a second, under a high allocation rate
	gcMaxHeadroom = 32 << 20 // bytes the heap may grow past what is live, at most
	gcMaxPercent  = 800
	tuneEvery     = time.Second
	liveMetric    = "/gc/heap/live:bytes"
	allocsMetric  = "/gc/heap/allocs:bytes"
)

// Run sets the GC target from the live heap and the allocation rate until
// ctx ends, then restores Go's default. It does nothing when GOGC is set.
func Run(ctx context.Context) {
	if os.Getenv("GOGC") != "" {
		return
	}
	t := time.NewTicker(tuneEvery)
	defer t.Stop()
	sample := []metrics.Sample{{Name: liveMetric}, {Name: allocsMetric}}
	metrics.Read(sample)
	lastAllocs, lastAt := sample[1].Value.Uint64(), time.Now()
	current := gcDefault
	defer func() {
		if current != gcDefault {
			debug.SetGCPercent(gcDefault)
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			metrics.Read(sample)
			allocs := sample[1].Value.Uint64()
			rate := float64(allocs-lastAllocs) / now.Sub(lastAt).Seconds()
			lastAllocs, lastAt = allocs, now
			if next := percentFor(current, sample[0].Value.Uint64(), uint64(rate)); next != current {
				debug.SetGCPercent(next)
				current = next
			}
		}
	}
}

// percentFor is the GC target for a live heap and an allocation rate
// (bytes a second), given the current target.
func percentFor(current int, live, rate uint64) int {
	switch {
	case live >= gcLargeHeap:
		return gcLarge
	case live >= gcSmallHeap && current == gcLarge:
		return current
	}
	// Double the target while a cycle would still come more often than
	// gcMaxCycles a second and the heap may grow that far.
	want := min(rate/gcMaxCycles, gcMaxHeadroom)
	p := gcDefault
	for p < gcMaxPercent && uint64(p)*live/100 < want && uint64(2*p)*live/100 <= gcMaxHeadroom {
		p *= 2
	}
	return p
}
