package registry

import "sync"

// Change says which part of the registry changed in a way that can alter
// what a connected device may do. The device gateway re-resolves the
// connections it affects (live revocation). Empty fields are unaffected.
type Change struct {
	CertID string // status, attachments or existence of a certificate
	Policy string // a policy's default version or its targets
	Thing  string // a thing's type, attributes, principals or groups
	Group  string // a thing group's policies, membership or existence
}

// watchers is the set of Change subscribers. Notification happens after
// the change is committed, synchronously, so subscribers must be quick
// (queue the work) and must not call back into the registry's writers.
type watchers struct {
	mu   sync.Mutex
	next int
	fns  map[int]func(Change) // mu held
}

// Watch calls fn after every committed change that can affect
// authorization, until cancel is called.
func (s *Service) Watch(fn func(Change)) (cancel func()) {
	w := &s.watchers
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fns == nil {
		w.fns = map[int]func(Change){}
	}
	id := w.next
	w.next++
	w.fns[id] = fn
	return func() {
		w.mu.Lock()
		delete(w.fns, id)
		w.mu.Unlock()
	}
}

// notify tells the watchers about c when err (the committed operation's
// result) is nil, and returns err.
func (s *Service) notify(err error, c Change) error {
	_, err = s.notifyGen(err, c)
	return err
}

// notifyGen is notify that also returns the change's principal-cache
// generation, for a writer that caches what its own transaction read.
func (s *Service) notifyGen(err error, c Change) (uint64, error) {
	if err != nil {
		return 0, err
	}
	gen := s.principals.invalidate(c)
	if c.Thing != "" {
		s.things.drop(c.Thing)
	}
	w := &s.watchers
	w.mu.Lock()
	fns := make([]func(Change), 0, len(w.fns))
	for _, fn := range w.fns {
		fns = append(fns, fn)
	}
	w.mu.Unlock()
	for _, fn := range fns {
		fn(c)
	}
	return gen, nil
}
