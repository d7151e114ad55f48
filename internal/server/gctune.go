package server

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Go's GC lets the heap grow to twice what was live before it collects
// (GOGC=100). When most of the heap is long-lived connection state, the
// objects that last are interleaved with the garbage of the handshakes that
// made them, and the spans of the last growth stay resident half used once
// the fleet is connected and quiet: Go does not compact. Measured with
// 10,000 idle mutual-TLS connections: 15.0 KB per connection in use for
// 10.4 KB live. A lower target bounds that growth, at the price of more
// frequent collections, which a large and mostly idle heap can afford. So
// the target follows the live heap: Go's default below 64 MB (a small
// gateway, or a benchmark of connects or messages, pays nothing), half of
// it above. An operator's own GOGC wins.
const (
	gcLargeHeap  = 64 << 20 // live heap from which the lower target applies
	gcSmallHeap  = 48 << 20 // back to the default below this (no flapping at the edge)
	gcDefault    = 100
	gcLarge      = 50
	gcTuneEvery  = time.Second
	gcLiveMetric = "/gc/heap/live:bytes"
	gcGOGCMetric = "/gc/gogc:percent"
)

// tuneGC sets the GC target from the live heap until ctx ends.
func tuneGC(ctx context.Context) {
	if os.Getenv("GOGC") != "" {
		return
	}
	t := time.NewTicker(gcTuneEvery)
	defer t.Stop()
	sample := []metrics.Sample{{Name: gcLiveMetric}}
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
		case <-t.C:
		}
		metrics.Read(sample)
		if next := gcPercentFor(current, sample[0].Value.Uint64()); next != current {
			debug.SetGCPercent(next)
			current = next
		}
	}
}

// gcPercentFor is the GC target for a live heap, given the current one.
func gcPercentFor(current int, live uint64) int {
	switch {
	case live >= gcLargeHeap:
		return gcLarge
	case live < gcSmallHeap:
		return gcDefault
	}
	return current
}
