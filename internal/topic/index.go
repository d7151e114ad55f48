package topic

import (
	"slices"
	"sync"
	"sync/atomic"
)

// Index maps topic filters to values (subscriptions, rules) and finds the
// values whose filters match a published topic name. It holds a set of
// (filter, value) pairs, plus shared-subscription groups: (share name,
// filter) pairs, each with a set of member values.
//
// It is a trie with one node per filter level: literal children, and a
// "+" and a "#" child. Matching walks the name's levels once, following
// the literal, "+" and "#" branches; it does not allocate when the
// Matches' slices have room.
//
// Concurrency: all methods are safe for concurrent use. One RWMutex guards
// the trie. Match holds the read lock while it walks and copies values
// out, and runs no caller code under it, so matches never wait for each
// other. Add and Remove hold the write lock for one walk down the filter's
// levels (under a microsecond at 100k subscriptions). Because a waiting
// writer blocks new readers, a storm of Subscribes takes turns with
// matches instead of starving them. Shared groups' member slices are
// copy-on-write, so a Group returned by Match stays valid and unchanged
// after the lock is released. If read-lock contention shows up on machines
// with many cores, shard by first level; the API will not change.
//
// Values are compared with ==, so a value should identify one subscription
// (e.g. a *subscription or a session id), not carry its options: to
// replace a subscription [MQTT-3.8.4-3], Remove the old value and Add the
// new. The Index copies the filter and share-name strings it keeps, so
// callers may pass strings that alias reused buffers.
//
// The zero Index is empty and uses AWSMatching.
type Index[T comparable] struct {
	mu   sync.RWMutex
	mode Matching
	root node[T]
	n    int // (filter, value) pairs, shared members included
}

// NewIndex returns an empty Index that matches with m.
func NewIndex[T comparable](m Matching) *Index[T] { return &Index[T]{mode: m} }

// Matches receives the results of Index.Match. Reuse one per goroutine
// (Reset between publishes) so that matching does not allocate.
type Matches[T comparable] struct {
	// Values of the matching non-shared filters: one entry per matching
	// (filter, value) pair, so a value subscribed with two overlapping
	// filters appears twice (MQTT lets the broker deliver once or once per
	// subscription [MQTT-3.3.4-2]).
	Values []T
	// Groups holds one entry per matching shared subscription (share name
	// and filter), from which the broker delivers to one member.
	Groups []Group[T]
}

// Reset empties m, keeping its capacity and dropping its references.
func (m *Matches[T]) Reset() {
	clear(m.Values)
	m.Values = m.Values[:0]
	clear(m.Groups)
	m.Groups = m.Groups[:0]
}

// Group is a snapshot of one shared subscription "$share/<Name>/<Filter>".
type Group[T comparable] struct {
	Name    string
	Filter  string
	Members []T // never empty; read-only: shared with the Index and other callers
	next    *atomic.Uint32
}

// Pick returns the next member in round-robin order, an order shared by
// every caller that matched this group. Brokers that prefer a member by
// state (online, queue length) iterate Members themselves and may use Pick
// as the starting point.
func (g Group[T]) Pick() T {
	i := g.next.Add(1) - 1
	return g.Members[int(i%uint32(len(g.Members)))]
}

// Len returns the number of (filter, value) pairs, shared members included.
func (x *Index[T]) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.n
}

// Add adds v to the values of filter and reports whether it was not there
// yet. filter must be a valid, non-shared filter: pass a shared one to
// AddShared after ParseShared. A "$share/..." filter given to Add is stored
// as a literal filter.
func (x *Index[T]) Add(filter string, v T) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	n := x.root.ensure(filter)
	if !n.addSub(v) {
		return false
	}
	x.n++
	return true
}

// AddShared adds v to the members of the shared subscription
// "$share/<share>/<filter>" and reports whether it was not a member yet.
func (x *Index[T]) AddShared(share, filter string, v T) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	n := x.root.ensure(filter)
	g := n.group(share)
	if g == nil {
		g = n.addGroup(share, filter)
	} else if slices.Contains(g.members, v) {
		return false
	}
	// Appending in place is safe: readers only see members[:len] of the
	// slices they were given, and slots past len are written once.
	g.members = append(g.members, v)
	x.n++
	return true
}

// Remove removes v from the values of filter and reports whether it was
// there. Nodes left empty are pruned.
func (x *Index[T]) Remove(filter string, v T) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	ok := x.root.remove(filter, func(n *node[T]) bool { return n.removeSub(v) })
	if ok {
		x.n--
	}
	return ok
}

// RemoveShared removes v from the members of "$share/<share>/<filter>" and
// reports whether it was a member. A group left empty is removed.
func (x *Index[T]) RemoveShared(share, filter string, v T) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	ok := x.root.remove(filter, func(n *node[T]) bool { return n.removeMember(share, v) })
	if ok {
		x.n--
	}
	return ok
}

// Match appends to m the values and shared groups whose filters match the
// topic name (see Matching.Match for the rules). name must be a valid
// topic name; for anything else Match returns something harmless and never
// panics. It allocates only to grow m's slices.
func (x *Index[T]) Match(name string, m *Matches[T]) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	dollar := name != "" && name[0] == '$'
	x.match(&x.root, name, !dollar, m)
}

// match collects the filters below n that match name, which has at least
// one level left. wild is false at the root of a "$" name [MQTT-4.7.2-1].
func (x *Index[T]) match(n *node[T], name string, wild bool, m *Matches[T]) {
	level, rest, more := cut(name)
	if wild {
		if n.hash != nil {
			n.hash.collect(m) // "#" takes this level and the rest
		}
		if n.plus != nil {
			x.step(n.plus, rest, more, m)
		}
	}
	if c := n.child(level); c != nil {
		x.step(c, rest, more, m)
	}
}

// step continues the walk at c, which matched one level of the name.
func (x *Index[T]) step(c *node[T], rest string, more bool, m *Matches[T]) {
	if more {
		x.match(c, rest, true, m)
		return
	}
	c.collect(m)
	if x.mode == SpecMatching && c.hash != nil {
		c.hash.collect(m) // "a/#" matches "a" [MQTT-4.7.1-2]
	}
}
