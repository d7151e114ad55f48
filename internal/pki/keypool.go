package pki

import (
	"crypto/rsa"
	"sync"
	"sync/atomic"
	"time"
)

// KeyPool keeps up to a fixed number of RSA-2048 keys generated in the
// background, so that a burst of CreateKeysAndCertificate or fleet
// provisioning requests does not wait tens of milliseconds per key. Get takes
// a ready key or, when the pool is empty, generates one inline, so a pool
// never blocks and never fails for lack of keys. A nil *KeyPool is valid and
// always generates inline.
//
// Set Workers before Start; Start, Stop, Get, Len and Stats are safe for
// concurrent use. Keys never leave the process except through Get.
type KeyPool struct {
	// Workers is the number of goroutines that refill the pool, each using
	// up to one core while the pool is not full; 0 means 1.
	Workers int

	keys   chan *rsa.PrivateKey // bounded: the pool's capacity
	armed  atomic.Bool          // the next Get starts the pool
	hits   atomic.Uint64
	misses atomic.Uint64

	mu   sync.Mutex     // guards stop and wg.Add/Wait
	stop chan struct{}  // nil when stopped
	wg   sync.WaitGroup // the refill goroutines
}

// NewKeyPool returns a stopped pool holding at most size keys (at least 1).
func NewKeyPool(size int) *KeyPool {
	return &KeyPool{keys: make(chan *rsa.PrivateKey, max(size, 1))}
}

// Start starts the refill goroutines; it does nothing if they run already.
func (p *KeyPool) Start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stop != nil {
		return
	}
	p.stop = make(chan struct{})
	for range max(p.Workers, 1) {
		p.wg.Add(1)
		go p.refill(p.stop)
	}
}

// Arm makes the first Get start the pool, so that a server whose devices
// bring their own keys (CreateCertificateFromCsr) spends no CPU on RSA
// keys: each costs tens of milliseconds of a core.
func (p *KeyPool) Arm() { p.armed.Store(true) }

// Stop stops the refill goroutines and waits for them; keys already in the
// pool stay available to Get. It does nothing if the pool is stopped.
func (p *KeyPool) Stop() {
	p.armed.Store(false)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stop == nil {
		return
	}
	close(p.stop)
	p.stop = nil
	p.wg.Wait() // the workers never take mu
}

func (p *KeyPool) refill(stop <-chan struct{}) {
	defer p.wg.Done()
	for {
		select {
		case <-stop:
			return
		default:
		}
		key, err := generateRSA()
		if err != nil { // the system's randomness failed: back off
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
			}
			continue
		}
		select {
		case p.keys <- key:
		case <-stop:
			return
		}
	}
}

// Get returns a pooled key, or a freshly generated one when the pool is
// empty or p is nil.
func (p *KeyPool) Get() (*rsa.PrivateKey, error) {
	if p == nil {
		return generateRSA()
	}
	if p.armed.Load() && p.armed.CompareAndSwap(true, false) {
		p.Start()
	}
	select {
	case key := <-p.keys:
		p.hits.Add(1)
		return key, nil
	default:
		p.misses.Add(1)
		return generateRSA()
	}
}

// Len returns the number of keys ready in the pool.
func (p *KeyPool) Len() int { return len(p.keys) }

// Cap returns the pool's capacity.
func (p *KeyPool) Cap() int { return cap(p.keys) }

// Stats returns how many Get calls found a ready key (hits) and how many
// generated one inline (misses).
func (p *KeyPool) Stats() (hits, misses uint64) { return p.hits.Load(), p.misses.Load() }
