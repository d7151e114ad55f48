package server

import (
	"context"
	"runtime"
	"runtime/debug"
	"time"
)

// Go collects garbage when the heap doubles and returns freed pages to
// the OS only slowly, so after a burst (a fleet connecting, a provisioning
// wave) an idle gateway keeps up to twice its live heap resident, for as
// long as it stays idle (it allocates too little to trigger a GC).
// trimMemory notices that state, little allocation and a heap grown since
// the last trim, and collects and hands the pages back at once. A trim is a
// full GC: milliseconds on an idle server, and skipped while it is busy.
const (
	trimEvery   = 10 * time.Second
	trimMinHeap = 16 << 20 // below this heap, a trim is not worth it
)

func trimMemory(ctx context.Context) {
	t := time.NewTicker(trimEvery)
	defer t.Stop()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	lastAlloc, trimmedAt := ms.TotalAlloc, uint64(0)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		runtime.ReadMemStats(&ms)
		allocated := ms.TotalAlloc - lastAlloc
		lastAlloc = ms.TotalAlloc
		if shouldTrim(ms.HeapAlloc, allocated, trimmedAt) {
			debug.FreeOSMemory()
			runtime.ReadMemStats(&ms)
			trimmedAt, lastAlloc = ms.HeapAlloc, ms.TotalAlloc
		}
	}
}

// shouldTrim: the heap is big enough to matter, the server is idle (it
// allocated less than a tenth of the heap since the last look) and the
// heap grew by a fifth since the last trim.
func shouldTrim(heap, allocated, trimmedAt uint64) bool {
	return heap >= trimMinHeap && allocated < heap/10 && heap > trimmedAt+trimmedAt/5
}
