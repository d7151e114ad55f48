package topic

import (
	"slices"
	"strings"
	"sync/atomic"
)

// node is one level of a filter; the filter it ends holds subs and the
// shared groups. A node holding nothing is pruned. It is kept small (72
// bytes on 64-bit) because a fleet has several per device: what few nodes
// need lives in spill.
type node[T comparable] struct {
	kids []edge[T] // literal children while few (then spill.kidMap is nil)
	plus *node[T]
	hash *node[T]
	subs []T
	more *spill[T]
}

type edge[T comparable] struct {
	level string
	n     *node[T]
}

// spill holds the parts of a node that only busy nodes have.
type spill[T comparable] struct {
	kidMap map[string]*node[T] // literal children once many (then kids is nil)
	pos    map[T]int           // index of each value in subs once subs is long
	groups []*group[T]
}

type group[T comparable] struct {
	name, filter string
	members      []T // copy-on-write: a published slice is never modified
	next         atomic.Uint32
}

const (
	maxKids = 8  // literal children kept in a slice; more go to a map
	maxSubs = 16 // values found by scanning; more are indexed by pos
)

// collect appends what n holds to m.
func (n *node[T]) collect(m *Matches[T]) {
	m.Values = append(m.Values, n.subs...)
	if n.more == nil {
		return
	}
	for _, g := range n.more.groups {
		m.Groups = append(m.Groups, Group[T]{Name: g.name, Filter: g.filter, Members: g.members, next: &g.next})
	}
}

// child returns the literal child for level, or nil.
func (n *node[T]) child(level string) *node[T] {
	if n.more != nil && n.more.kidMap != nil {
		return n.more.kidMap[level]
	}
	for i := range n.kids {
		if n.kids[i].level == level {
			return n.kids[i].n
		}
	}
	return nil
}

// next returns the child for a filter level, wildcards included, or nil.
func (n *node[T]) next(level string) *node[T] {
	switch level {
	case "+":
		return n.plus
	case "#":
		return n.hash
	}
	return n.child(level)
}

// spill returns n.more, creating it.
func (n *node[T]) spill() *spill[T] {
	if n.more == nil {
		n.more = new(spill[T])
	}
	return n.more
}

// tidy drops n.more once it holds nothing.
func (n *node[T]) tidy() {
	if m := n.more; m != nil && m.kidMap == nil && m.pos == nil && m.groups == nil {
		n.more = nil
	}
}

func (n *node[T]) empty() bool {
	return len(n.kids) == 0 && n.plus == nil && n.hash == nil && len(n.subs) == 0 && n.more == nil
}

// ensure returns the node of filter, creating the missing ones.
func (n *node[T]) ensure(filter string) *node[T] {
	for {
		level, rest, more := cut(filter)
		c := n.next(level)
		if c == nil {
			c = n.addChild(level)
		}
		if !more {
			return c
		}
		n, filter = c, rest
	}
}

func (n *node[T]) addChild(level string) *node[T] {
	c := new(node[T])
	switch level {
	case "+":
		n.plus = c
		return c
	case "#":
		n.hash = c
		return c
	}
	level = strings.Clone(level)
	switch {
	case n.more != nil && n.more.kidMap != nil:
		n.more.kidMap[level] = c
	case len(n.kids) < maxKids:
		n.kids = append(n.kids, edge[T]{level, c})
	default:
		kidMap := make(map[string]*node[T], 2*maxKids)
		for _, e := range n.kids {
			kidMap[e.level] = e.n
		}
		kidMap[level] = c
		n.spill().kidMap = kidMap
		n.kids = nil
	}
	return c
}

func (n *node[T]) dropChild(level string) {
	switch level {
	case "+":
		n.plus = nil
	case "#":
		n.hash = nil
	default:
		if n.more != nil && n.more.kidMap != nil {
			delete(n.more.kidMap, level)
			if len(n.more.kidMap) == 0 {
				n.more.kidMap = nil
				n.tidy()
			}
			return
		}
		i := slices.IndexFunc(n.kids, func(e edge[T]) bool { return e.level == level })
		if i >= 0 {
			n.kids = slices.Delete(n.kids, i, i+1)
		}
		if len(n.kids) == 0 {
			n.kids = nil
		}
	}
}

// remove finds the node of filter, applies drop to it and, if drop removed
// something, prunes the nodes left empty on the way back up.
func (n *node[T]) remove(filter string, drop func(*node[T]) bool) bool {
	level, rest, more := cut(filter)
	c := n.next(level)
	if c == nil {
		return false
	}
	var ok bool
	if more {
		ok = c.remove(rest, drop)
	} else {
		ok = drop(c)
	}
	if ok && c.empty() {
		n.dropChild(level)
	}
	return ok
}

func (n *node[T]) addSub(v T) bool {
	if n.more != nil && n.more.pos != nil {
		pos := n.more.pos
		if _, ok := pos[v]; ok {
			return false
		}
		pos[v] = len(n.subs)
	} else if slices.Contains(n.subs, v) {
		return false
	}
	n.subs = append(n.subs, v)
	if len(n.subs) > maxSubs && (n.more == nil || n.more.pos == nil) {
		pos := make(map[T]int, 2*len(n.subs))
		for i, s := range n.subs {
			pos[s] = i
		}
		n.spill().pos = pos
	}
	return true
}

// removeSub removes v from subs by moving the last value into its place;
// Match copies subs under the lock, so changes in place are safe.
func (n *node[T]) removeSub(v T) bool {
	var pos map[T]int
	if n.more != nil {
		pos = n.more.pos
	}
	i, ok := -1, false
	if pos != nil {
		i, ok = pos[v]
		delete(pos, v)
	} else {
		i = slices.Index(n.subs, v)
		ok = i >= 0
	}
	if !ok {
		return false
	}
	last := len(n.subs) - 1
	if i != last {
		n.subs[i] = n.subs[last]
		if pos != nil {
			pos[n.subs[i]] = i
		}
	}
	var zero T
	n.subs[last] = zero
	n.subs = n.subs[:last]
	if len(n.subs) == 0 {
		n.subs = nil
	}
	if pos != nil && len(n.subs) <= maxSubs/2 {
		n.more.pos = nil
		n.tidy()
	}
	return true
}

func (n *node[T]) group(name string) *group[T] {
	if n.more == nil {
		return nil
	}
	for _, g := range n.more.groups {
		if g.name == name {
			return g
		}
	}
	return nil
}

func (n *node[T]) addGroup(name, filter string) *group[T] {
	g := &group[T]{name: strings.Clone(name), filter: strings.Clone(filter)}
	s := n.spill()
	s.groups = append(s.groups, g)
	return g
}

// removeMember removes v from group name with a fresh members slice, since
// Groups handed out by Match may still be reading the old one.
func (n *node[T]) removeMember(name string, v T) bool {
	g := n.group(name)
	if g == nil {
		return false
	}
	i := slices.Index(g.members, v)
	if i < 0 {
		return false
	}
	if len(g.members) > 1 {
		members := make([]T, 0, len(g.members)-1)
		members = append(members, g.members[:i]...)
		g.members = append(members, g.members[i+1:]...)
		return true
	}
	groups := slices.DeleteFunc(n.more.groups, func(h *group[T]) bool { return h == g })
	if len(groups) == 0 {
		groups = nil
	}
	n.more.groups = groups
	n.tidy()
	return true
}
