package shadow

import (
	"context"
	"errors"
	"hash/maphash"
	"net/http"
	"sync"
	"time"

	"github.com/roost-iot/roost/internal/store"
)

// Writes (updates and deletes) go through commit queues. A writer appends
// its job to its shadow's queue; if no job of that queue is committing, it
// becomes the queue's leader: it takes every waiting job (its own first
// among them), runs them in one store transaction, hands each its result,
// and passes the lead to the first job that arrived meanwhile, if any. So
// one transaction commits whatever piled up while the previous one ran,
// jobs of a queue are applied in the order they arrived, and no goroutine
// lives outside a call.

// commitTimeout bounds one transaction. It does not come from a caller's
// context: a batch carries other callers' jobs.
const commitTimeout = 30 * time.Second

type queue struct {
	mu      sync.Mutex
	pending []*job // waiting, in arrival order
	busy    bool   // a leader is committing
}

// job is one write: an update (update set) or a delete. Once its batch
// is committed, either err or (wrote, for an update; result, for a delete)
// is set and wake is signalled (unless the job led the batch).
type job struct {
	thing, name string
	update      *updateRequest
	clientToken string // of a delete

	ctx    context.Context
	wake   chan struct{}
	lead   bool // set under queue.mu before wake: commit the next batch
	wrote  *written
	result UpdateResult
	err    *Error
}

// written is what an update wrote. Its documents are made from it after
// the commit, by the caller's goroutine, so that a batch's transaction
// holds the store's writer only for reading, merging and writing.
type written struct {
	prev   *store.Shadow // nil when the update created the shadow
	next   store.Shadow
	doc    document // next, decoded
	before *object  // the delta before, when the update did not write desired
	ts     int64
}

func (w *written) result(r *updateRequest) UpdateResult {
	res := UpdateResult{Version: w.next.Version}
	res.Accepted = acceptedDocument(r, w.next.Version, w.ts)
	d := &w.doc
	if after := delta(d.desired, d.reported); after != nil && (r.touchesDesired() || !within(after, w.before)) {
		res.Delta = deltaDocument(after, deltaMetadata(after, d.mdDesired), w.next.Version, w.ts, r.clientToken)
	}
	res.Documents = documentsDocument(w.prev, w.next, w.ts, r.clientToken)
	return res
}

var queueSeed = maphash.MakeSeed()

func (s *Service) queueOf(thing, name string) *queue {
	var h maphash.Hash
	h.SetSeed(queueSeed)
	h.WriteString(thing)
	h.WriteByte(0)
	h.WriteString(name)
	return &s.queues[h.Sum64()%uint64(len(s.queues))]
}

// submit runs j and returns once its result or error is set.
func (s *Service) submit(ctx context.Context, j *job) {
	j.ctx = ctx
	j.wake = make(chan struct{}, 1)
	q := s.queueOf(j.thing, j.name)
	q.mu.Lock()
	q.pending = append(q.pending, j)
	lead := !q.busy
	q.busy = true
	q.mu.Unlock()
	if !lead {
		<-j.wake
		lead = j.lead
	}
	if lead {
		s.leadQueue(q, j)
	}
	if j.err == nil && j.wrote != nil {
		j.result = j.wrote.result(j.update)
	}
}

// leadQueue commits the jobs waiting in q (self among them), then hands
// the lead on.
func (s *Service) leadQueue(q *queue, self *job) {
	q.mu.Lock()
	n := min(len(q.pending), s.maxBatch)
	batch := append([]*job(nil), q.pending[:n]...)
	q.pending = append(q.pending[:0], q.pending[n:]...)
	q.mu.Unlock()

	s.commit(batch)
	for _, j := range batch {
		if j != self {
			j.wake <- struct{}{}
		}
	}

	q.mu.Lock()
	if len(q.pending) == 0 {
		q.busy = false
		q.mu.Unlock()
		return
	}
	next := q.pending[0]
	next.lead = true
	q.mu.Unlock()
	next.wake <- struct{}{}
}

// commit runs a batch in one transaction. A job refused for its own
// reasons (version conflict, size) writes nothing and does not disturb the
// others; a store failure aborts the transaction, and then each job is
// retried alone, so that one bad job cannot fail the rest.
func (s *Service) commit(batch []*job) {
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	now := s.now()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		for _, j := range batch {
			if err := s.run(ctx, tx, j, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		return
	}
	if len(batch) > 1 {
		for _, j := range batch {
			s.commit([]*job{j})
		}
		return
	}
	if j := batch[0]; j.err == nil { // the commit failed, or the store did
		j.result, j.wrote, j.err = UpdateResult{}, nil, internal(err)
		j.err.ClientToken = j.token()
	}
}

func (j *job) token() string {
	if j.update != nil {
		return j.update.clientToken
	}
	return j.clientToken
}

// run applies one job inside the batch's transaction and sets its
// result or error. It returns the store's error, which aborts the batch.
func (s *Service) run(ctx context.Context, tx store.Tx, j *job, now time.Time) error {
	j.result, j.wrote, j.err = UpdateResult{}, nil, nil
	if err := j.ctx.Err(); err != nil { // the caller left: write nothing for it
		j.err = internal(err)
		j.err.ClientToken = j.token()
		return nil
	}
	cur, err := tx.Shadows().Get(ctx, j.thing, j.name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	live := err == nil && !cur.Deleted
	if j.update != nil {
		j.wrote, j.err, err = s.runUpdate(ctx, tx, j, cur, live, now)
	} else {
		j.result, j.err, err = s.runDelete(ctx, tx, j, cur, live, now)
	}
	if j.err != nil {
		j.err.ClientToken = j.token()
	}
	return err
}

// runUpdate returns what the update wrote, or its refusal, or the store's
// error.
func (s *Service) runUpdate(ctx context.Context, tx store.Tx, j *job, cur store.Shadow, live bool, now time.Time) (*written, *Error, error) {
	w, e := applyUpdate(j.update, cur, live, now)
	if e != nil {
		return nil, e, nil
	}
	w.next.ThingName, w.next.Name = j.thing, j.name
	if err := tx.Shadows().Put(ctx, w.next); err != nil {
		return nil, nil, err
	}
	return w, nil, nil
}

// applyUpdate computes what update r makes of the shadow cur (live: it
// exists and is not deleted). It touches no store.
func applyUpdate(r *updateRequest, cur store.Shadow, live bool, now time.Time) (*written, *Error) {
	if r.hasVersion && r.version != cur.Version {
		return nil, newError(http.StatusConflict, msgConflict)
	}
	w := &written{ts: now.Unix()}
	if live {
		var err error
		if w.doc, err = decodeDocument(cur.State, cur.Metadata); err != nil {
			return nil, internal(err)
		}
		w.prev = &cur
	}
	if !r.touchesDesired() {
		w.before = delta(w.doc.desired, w.doc.reported)
	}
	w.doc.apply(r, w.ts)
	enc := w.doc.encode(len(cur.State) + r.size)
	if enc.size > MaxStateSize {
		return nil, newError(http.StatusRequestEntityTooLarge, msgTooLarge)
	}
	w.next = store.Shadow{State: enc.state, Metadata: enc.metadata, Version: cur.Version + 1, UpdatedAt: now}
	return w, nil
}

func (s *Service) runDelete(ctx context.Context, tx store.Tx, j *job, cur store.Shadow, live bool, now time.Time) (UpdateResult, *Error, error) {
	if !live {
		return UpdateResult{}, noShadow(j.thing, j.name), nil
	}
	if err := tx.Shadows().Delete(ctx, j.thing, j.name, now); err != nil {
		return UpdateResult{}, nil, err
	}
	return UpdateResult{Accepted: deleteDocument(cur.Version, now.Unix(), j.clientToken), Version: cur.Version}, nil, nil
}
