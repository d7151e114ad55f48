package loadgen

import (
	"testing"
	"time"
)

// TestDue checks the pacing of a fixed-rate publisher: nothing before its
// phase (the bug it guards: the first message of every publisher went out
// at once, a burst of one per publisher at the start of each latency run),
// then one at once and one per interval.
func TestDue(t *testing.T) {
	const rate = 10 // msgs/s: one every 100 ms
	for _, tc := range []struct {
		elapsed time.Duration
		want    int64
	}{
		{-99 * time.Millisecond, 0},
		{-time.Millisecond, 0},
		{-time.Nanosecond, 0},
		{0, 1},
		{99 * time.Millisecond, 1},
		{100 * time.Millisecond, 2},
		{time.Second, 11},
	} {
		if got := due(tc.elapsed, rate); got != tc.want {
			t.Errorf("due(%v, %d) = %d, want %d", tc.elapsed, rate, got, tc.want)
		}
	}
}
