package broker

import (
	"sync/atomic"
	"time"
)

// A parked connection's read loop is resumed on a goroutine that has run
// read loops before, when one is free, rather than on a new one. A new
// goroutine starts with a small stack and grows it, by copying the whole
// stack each time it doubles, to what reading a TLS record and routing its
// packet takes: two or three copies for every message of a device that
// publishes every few seconds (its connection parks in between). In a
// profile of 100 such devices that copying was 12% of the gateway's CPU.
// A resumer keeps its grown stack between read loops; the GC shrinks the
// stacks of the idle ones like any other.

// resumers is a set of such goroutines.
type resumers struct {
	jobs    chan func() // unbuffered: a send succeeds only when a resumer is free
	idle    atomic.Int32
	maxIdle int32         // resumers kept free at most
	idleFor time.Duration // how long a free resumer waits for work before it ends
}

func newResumers(maxIdle int32, idleFor time.Duration) *resumers {
	return &resumers{jobs: make(chan func()), maxIdle: maxIdle, idleFor: idleFor}
}

// theResumers serves the process's parked connections. A burst of resumes
// (a fleet reconnecting, keep-alives falling together) starts as many
// goroutines as it needs; all but 64 end when done.
var theResumers = newResumers(64, 10*time.Second)

// run runs job (a read loop) on a free resumer, or on a new one.
func (r *resumers) run(job func()) {
	select {
	case r.jobs <- job:
	default:
		go r.serve(job)
	}
}

func (r *resumers) serve(job func()) {
	var t *time.Timer
	for {
		job()
		if r.idle.Add(1) > r.maxIdle {
			r.idle.Add(-1)
			return
		}
		if t == nil {
			t = time.NewTimer(r.idleFor)
		} else {
			t.Reset(r.idleFor)
		}
		select {
		case job = <-r.jobs:
			r.idle.Add(-1)
		case <-t.C:
			r.idle.Add(-1)
			return
		}
	}
}
