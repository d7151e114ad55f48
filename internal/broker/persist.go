package broker

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/roost-iot/roost/internal/mqtt"
	"github.com/roost-iot/roost/internal/store"
	"github.com/roost-iot/roost/internal/topic"
)

// Persistence: retained messages and persistent sessions (subscriptions
// and queued QoS 1 messages) are written to the store so that a restart
// keeps them. Writes never run on the publish path: they go, in order, to
// one persister goroutine that applies them in batched transactions.
//
// What is queued for an offline session is written as it arrives; what is
// in flight to a connected client is written when the client goes away
// (or the server shuts down), so a crash while a client is connected can
// lose at most its in-flight window.

// stored ties a queued delivery to its store row. Only the persister
// goroutine reads or writes seq; ops are applied in order, so a dequeue
// always follows its enqueue.
type stored struct{ seq int64 }

type persistOp struct {
	apply func(ctx context.Context, tx store.Tx) error
	done  chan struct{} // closed once applied (flush)
}

type persister struct {
	st  store.Store
	ops chan persistOp
	log func(msg string, args ...any)
	end chan struct{}

	mu      sync.RWMutex // held for reading while sending on ops
	stopped bool         // mu held
}

func newPersister(st store.Store, log func(string, ...any)) *persister {
	p := &persister{st: st, ops: make(chan persistOp, 4096), log: log, end: make(chan struct{})}
	go p.run()
	return p
}

// do queues a write; it blocks only when 4096 writes are already waiting,
// which slows publishers down rather than losing data.
func (p *persister) do(fn func(ctx context.Context, tx store.Tx) error) {
	p.send(persistOp{apply: fn})
}

// send queues an op; after stop (the store is closing) it drops it.
func (p *persister) send(op persistOp) bool {
	if p == nil {
		return false
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.stopped {
		return false
	}
	p.ops <- op
	return true
}

// flush waits until every write queued before it is applied.
func (p *persister) flush() {
	if p == nil {
		return
	}
	done := make(chan struct{})
	if p.send(persistOp{done: done}) {
		<-done
	}
}

// stop applies what is queued and ends the goroutine.
func (p *persister) stop() {
	if p == nil {
		return
	}
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return
	}
	p.stopped = true
	close(p.ops)
	p.mu.Unlock()
	<-p.end
}

func (p *persister) run() {
	defer close(p.end)
	for op := range p.ops {
		batch := []persistOp{op}
		for len(batch) < 256 {
			select {
			case more, ok := <-p.ops:
				if !ok {
					p.apply(batch)
					return
				}
				batch = append(batch, more)
				continue
			default:
			}
			break
		}
		p.apply(batch)
	}
}

func (p *persister) apply(batch []persistOp) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := p.st.Update(ctx, func(tx store.Tx) error {
		for _, op := range batch {
			if op.apply != nil {
				if err := op.apply(ctx, tx); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		p.log("gateway state not persisted", "ops", len(batch), "err", err)
	}
	for _, op := range batch {
		if op.done != nil {
			close(op.done)
		}
	}
}

// props is how a message's MQTT 5 properties are kept in the store.
type props struct {
	PFI byte                `json:"pfi,omitempty"`
	Exp *uint32             `json:"exp,omitempty"`
	CT  string              `json:"ct,omitempty"`
	RT  string              `json:"rt,omitempty"`
	CD  []byte              `json:"cd,omitempty"`
	UP  []mqtt.UserProperty `json:"up,omitempty"`
}

func encodeProps(m *message) []byte {
	p := props{PFI: m.formatIndicator, CT: m.contentType, RT: m.responseTopic, CD: m.correlation, UP: m.userProps}
	if m.hasExpiry {
		p.Exp = &m.expiry
	}
	if p.PFI == 0 && p.Exp == nil && p.CT == "" && p.RT == "" && p.CD == nil && p.UP == nil {
		return nil
	}
	b, _ := json.Marshal(p)
	return b
}

func decodeMessage(topic string, payload []byte, qos byte, raw []byte, at time.Time) *message {
	m := &message{topic: topic, payload: payload, qos: mqtt.QoS(qos), at: at}
	var p props
	if len(raw) > 0 && json.Unmarshal(raw, &p) == nil {
		m.formatIndicator, m.contentType, m.responseTopic, m.correlation, m.userProps = p.PFI, p.CT, p.RT, p.CD, p.UP
		if p.Exp != nil {
			m.hasExpiry, m.expiry = true, *p.Exp
		}
	}
	return m
}

// subRecord is how a subscription is kept in the store.
type subRecord struct {
	Filter string   `json:"f"`
	QoS    mqtt.QoS `json:"q"`
	NL     bool     `json:"nl,omitempty"`
	RAP    bool     `json:"rap,omitempty"`
	ID     uint32   `json:"id,omitempty"`
}

// saveSession writes a persistent session's subscriptions; expires is zero
// while it is connected. mu held.
func (b *Broker) saveSession(s *session, expires time.Time) {
	if !s.persistent || b.persist == nil {
		return
	}
	recs := make([]subRecord, 0, len(s.subs))
	for _, sub := range s.subs {
		recs = append(recs, subRecord{Filter: sub.filter, QoS: sub.qos, NL: sub.noLocal, RAP: sub.retainAsPublished, ID: sub.id})
	}
	raw, _ := json.Marshal(recs)
	row := store.Session{ClientID: s.clientID, Subscriptions: raw, ExpiresAt: expires, UpdatedAt: time.Now()}
	b.persist.do(func(ctx context.Context, tx store.Tx) error { return tx.Sessions().Put(ctx, row) })
}

func (b *Broker) deleteSession(clientID string) {
	b.persist.do(func(ctx context.Context, tx store.Tx) error { return tx.Sessions().Delete(ctx, clientID) })
}

// storeDelivery writes a QoS 1 delivery into its session's stored queue,
// once. mu of the session held.
func (b *Broker) storeDelivery(s *session, d *delivery) {
	if b.persist == nil || d.stored != nil {
		return
	}
	st := &stored{}
	d.stored = st
	m := d.m
	q := store.QueuedMessage{ClientID: s.clientID, Topic: m.topic, Payload: m.payload, QoS: byte(d.qos), Props: encodeProps(m), At: m.at}
	b.persist.do(func(ctx context.Context, tx store.Tx) error {
		seq, err := tx.Sessions().Enqueue(ctx, q)
		st.seq = seq
		return err
	})
}

// unstoreDelivery removes an acknowledged delivery from the stored queue.
func (b *Broker) unstoreDelivery(clientID string, d *delivery) {
	if b.persist == nil || d.stored == nil {
		return
	}
	st := d.stored
	b.persist.do(func(ctx context.Context, tx store.Tx) error {
		if st.seq == 0 {
			return nil
		}
		return tx.Sessions().Dequeue(ctx, clientID, st.seq)
	})
}

func (b *Broker) saveRetained(m *message) {
	if b.persist == nil {
		return
	}
	if len(m.payload) == 0 {
		topic := m.topic
		b.persist.do(func(ctx context.Context, tx store.Tx) error { return tx.Retained().Delete(ctx, topic) })
		return
	}
	row := store.RetainedMessage{Topic: m.topic, Payload: m.payload, QoS: byte(m.qos), Props: encodeProps(m), UpdatedAt: m.at}
	b.persist.do(func(ctx context.Context, tx store.Tx) error { return tx.Retained().Put(ctx, row) })
}

// saveOffline writes a session that just went offline: its subscriptions,
// its expiry, and every QoS 1 message it still owes (in flight, in send
// order, then queued). mu of the session held.
func (b *Broker) saveOffline(s *session, expires time.Time) {
	if b.persist == nil {
		return
	}
	b.saveSession(s, expires)
	for _, id := range s.order {
		if d := s.inflight[id]; d != nil {
			b.storeDelivery(s, d)
		}
	}
	for i := range s.queue {
		b.storeDelivery(s, &s.queue[i])
	}
}

// restore loads retained messages and persistent sessions at start.
func (b *Broker) restore(st store.Store) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return st.View(ctx, func(tx store.Tx) error {
		rs, _, err := tx.Retained().List(ctx, store.Page{})
		if err != nil {
			return err
		}
		for _, r := range rs {
			m := decodeMessage(r.Topic, r.Payload, r.QoS, r.Props, r.UpdatedAt)
			m.retain = true
			b.retained[r.Topic] = m
		}
		rows, _, err := tx.Sessions().List(ctx, store.Page{})
		if err != nil {
			return err
		}
		for _, row := range rows {
			if err := b.restoreSession(ctx, tx, row); err != nil {
				return err
			}
		}
		return nil
	})
}

func (b *Broker) restoreSession(ctx context.Context, tx store.Tx, row store.Session) error {
	now := time.Now()
	expires := row.ExpiresAt
	if expires.IsZero() { // connected when the server stopped
		expires = now.Add(b.limits.SessionExpiry)
	}
	if !expires.After(now) {
		b.deleteSession(row.ClientID)
		return nil
	}
	s := newSession(row.ClientID)
	s.persistent, s.expiry = true, b.limits.SessionExpiry
	var recs []subRecord
	json.Unmarshal(row.Subscriptions, &recs)
	for _, r := range recs {
		sub := &subscription{s: s, filter: r.Filter, qos: r.QoS, noLocal: r.NL, retainAsPublished: r.RAP, id: r.ID}
		inner := r.Filter
		if strings.HasPrefix(r.Filter, "$share/") {
			sub.share, inner, _ = topic.ParseShared(r.Filter)
		}
		s.subs[r.Filter] = sub
		b.stats.Subscriptions.Add(1)
		if sub.share != "" {
			b.index.AddShared(sub.share, inner, sub)
		} else {
			b.index.Add(sub.filter, sub)
		}
	}
	queued, err := tx.Sessions().Queued(ctx, row.ClientID)
	if err != nil {
		return err
	}
	for _, q := range queued {
		m := decodeMessage(q.Topic, q.Payload, q.QoS, q.Props, q.At)
		s.queue = append(s.queue, delivery{m: m, qos: m.qos, stored: &stored{seq: q.Seq}})
	}
	s.expireT = time.AfterFunc(expires.Sub(now), func() { b.expire(s) })
	b.sessions[s.clientID] = s
	return nil
}
