package server

import (
	"testing"
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
