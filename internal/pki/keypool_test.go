package pki

import (
	"sync"
	"testing"
	"time"
)

func TestKeyPool(t *testing.T) {
	p := NewKeyPool(2)
	p.Workers = 2
	p.Start()
	p.Start() // idempotent
	waitFor(t, func() bool { return p.Len() == p.Cap() })

	ca := newTestCA(t)
	ca.UseKeyPool(p)
	var wg sync.WaitGroup
	for range 4 { // 2 from the pool, the rest inline or refilled
		wg.Go(func() {
			resp, err := ca.Issue(t.Context(), &IssueRequest{Now: testNow})
			if err != nil {
				t.Error(err)
				return
			}
			checkDeviceCert(t, ca, resp)
		})
	}
	wg.Wait()
	hits, misses := p.Stats()
	if hits+misses != 4 || hits < 2 {
		t.Errorf("hits=%d misses=%d, want 4 gets with at least 2 hits", hits, misses)
	}
	p.Stop()
	p.Stop() // idempotent

	// Stopped: keys left are still served, then Get generates inline.
	n := p.Len()
	for range n + 1 {
		k, err := p.Get()
		if err != nil || k.N.BitLen() != 2048 {
			t.Fatalf("Get after Stop: %v", err)
		}
	}
	if p.Len() != 0 {
		t.Errorf("Len = %d after draining a stopped pool", p.Len())
	}
	// Restart after Stop.
	p.Start()
	waitFor(t, func() bool { return p.Len() > 0 })
	p.Stop()
}

func TestKeyPoolNil(t *testing.T) {
	var p *KeyPool
	k, err := p.Get()
	if err != nil || k.N.BitLen() != 2048 {
		t.Fatalf("nil pool Get: %v", err)
	}
	ca := newTestCA(t)
	ca.UseKeyPool(nil)
	if _, err := ca.Issue(t.Context(), &IssueRequest{Now: testNow}); err != nil {
		t.Fatal(err)
	}
}

func TestKeyPoolStopWhileGenerating(t *testing.T) {
	p := NewKeyPool(1)
	p.Workers = 3 // more workers than room: some block on a full pool
	p.Start()
	waitFor(t, func() bool { return p.Len() == 1 })
	done := make(chan struct{})
	go func() { p.Stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Stop did not return")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met before the deadline")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// An armed pool generates nothing until a key is asked for, then fills.
func TestKeyPoolArmStartsOnFirstGet(t *testing.T) {
	p := NewKeyPool(2)
	p.Arm()
	t.Cleanup(p.Stop)
	time.Sleep(300 * time.Millisecond) // time for a started pool to make a key
	if p.Len() != 0 {
		t.Fatalf("armed pool made %d keys before any Get", p.Len())
	}
	if _, err := p.Get(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return p.Len() == p.Cap() })
}
