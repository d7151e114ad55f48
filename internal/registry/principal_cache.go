package registry

import "sync"

// maxCachedPrincipals bounds the principal cache; past it the cache starts
// over (a fleet reconnecting after a restart refills it at connect rate).
const maxCachedPrincipals = 100_000

// recentChanges is how many invalidations the principal cache remembers
// to decide whether a load that overlapped them is still good. Loads take
// about a millisecond; a fleet provisioning hundreds of devices a second
// makes a few changes in that time.
const recentChanges = 256

// principalCache keeps resolved principals by certificate id, so that a
// device's CONNECT does not cost four store queries. It is invalidated
// from notify, before the watchers run, so that the gateway's live
// revocation re-resolves from the store. A load that overlaps a change
// that would have dropped it is returned but not cached (gen and recent),
// so a stale principal never sticks; one that overlaps only unrelated
// changes (other devices being provisioned) is cached.
type principalCache struct {
	mu      sync.Mutex
	gen     uint64                         // mu held; count of invalidations
	recent  [recentChanges]Change          // mu held; invalidation g is recent[g%recentChanges]
	m       map[string]*Principal          // mu held
	byThing map[string]map[string]struct{} // thing name -> certificate ids; mu held
}

func (c *principalCache) get(id string) (*Principal, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[id], c.gen
}

// generation is the current generation, for a put after a known number
// of invalidations.
func (c *principalCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put caches p, loaded after generation gen was read, unless a later
// invalidation other than skip (the loader's own, 0 for none) would have
// dropped it, or is too old to tell.
func (c *principalCache) put(p *Principal, gen, skip uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen-gen > recentChanges {
		return
	}
	for g := gen + 1; g <= c.gen; g++ {
		if g != skip && affects(c.recent[g%recentChanges], p) {
			return
		}
	}
	if c.m == nil || len(c.m) >= maxCachedPrincipals {
		c.m, c.byThing = map[string]*Principal{}, map[string]map[string]struct{}{}
	}
	c.m[p.CertID] = p
	for _, t := range p.Things {
		ids := c.byThing[t.Name]
		if ids == nil {
			ids = map[string]struct{}{}
			c.byThing[t.Name] = ids
		}
		ids[p.CertID] = struct{}{}
	}
}

// affects says whether invalidate(ch) drops p: the same rule, for a
// principal that was being loaded rather than cached.
func affects(ch Change, p *Principal) bool {
	if ch.Policy != "" || ch.Group != "" || ch.CertID == p.CertID {
		return true
	}
	for _, t := range p.Things {
		if ch.Thing != "" && t.Name == ch.Thing {
			return true
		}
	}
	return false
}

// invalidate drops what a change can affect and returns the change's
// generation. Policy and group changes reach principals through documents
// and memberships the cache does not index, and are rare: they clear it.
func (c *principalCache) invalidate(ch Change) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.recent[c.gen%recentChanges] = ch
	if ch.Policy != "" || ch.Group != "" {
		c.m, c.byThing = nil, nil
		return c.gen
	}
	if ch.CertID != "" {
		c.drop(ch.CertID)
	}
	if ch.Thing != "" {
		for id := range c.byThing[ch.Thing] {
			c.drop(id)
		}
		delete(c.byThing, ch.Thing)
	}
	return c.gen
}

func (c *principalCache) drop(id string) {
	p := c.m[id]
	if p == nil {
		return
	}
	delete(c.m, id)
	for _, t := range p.Things {
		if ids := c.byThing[t.Name]; ids != nil {
			delete(ids, id)
			if len(ids) == 0 {
				delete(c.byThing, t.Name)
			}
		}
	}
}

// loadCache is a map of values loaded from the store that a change can
// drop. Like the principal cache, it has a generation: a value loaded while
// any drop happened is returned to its caller but not stored.
type loadCache[V any] struct {
	mu  sync.Mutex
	max int
	gen uint64       // mu held
	m   map[string]V // mu held
}

func (c *loadCache[V]) get(k string) (V, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, c.gen, ok
}

// put stores v unless something was dropped since gen was read; a full
// cache starts over.
func (c *loadCache[V]) put(k string, v V, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil || len(c.m) >= c.max {
		c.m = map[string]V{}
	}
	c.m[k] = v
}

func (c *loadCache[V]) drop(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, k)
}

func (c *loadCache[V]) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.m = nil
}
