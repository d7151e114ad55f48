package sqlite

import (
	"context"
	"strconv"

	"github.com/roost-iot/roost/internal/store"
)

var (
	_ store.Retained = retained{}
	_ store.Sessions = sessions{}
)

func (t *tx) Retained() store.Retained { return retained{t} }
func (t *tx) Sessions() store.Sessions { return sessions{t} }

// retained is one row per topic.
type retained struct{ t *tx }

func scanRetained(s scanner) (store.RetainedMessage, error) {
	var m store.RetainedMessage
	var at int64
	if err := s.Scan(&m.Topic, &m.Payload, &m.QoS, &m.Props, &at); err != nil {
		return m, err
	}
	m.UpdatedAt = utc(at)
	return m, nil
}

func (s retained) Put(ctx context.Context, m store.RetainedMessage) error {
	_, err := s.t.exec(ctx, `INSERT INTO retained (topic, payload, qos, props, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (topic) DO UPDATE SET payload = excluded.payload, qos = excluded.qos,
		props = excluded.props, updated_at = excluded.updated_at`,
		m.Topic, nonNilBytes(m.Payload), m.QoS, m.Props, m.UpdatedAt.UnixMilli())
	if err != nil {
		return wrap(ctx, "put retained "+strconv.Quote(m.Topic), err)
	}
	return nil
}

// nonNilBytes keeps an empty payload from being stored as NULL.
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func (s retained) Delete(ctx context.Context, topic string) error {
	if _, err := s.t.exec(ctx, "DELETE FROM retained WHERE topic = ?", topic); err != nil {
		return wrap(ctx, "delete retained "+strconv.Quote(topic), err)
	}
	return nil
}

func (s retained) Get(ctx context.Context, topic string) (store.RetainedMessage, error) {
	m, err := scanRetained(s.t.queryRow(ctx, "SELECT topic, payload, qos, props, updated_at FROM retained WHERE topic = ?", topic))
	if err != nil {
		return m, wrap(ctx, "get retained "+strconv.Quote(topic), err)
	}
	return m, nil
}

func (s retained) List(ctx context.Context, p store.Page) ([]store.RetainedMessage, string, error) {
	after, err := decodeCursor(p.After)
	if err != nil {
		return nil, "", err
	}
	var q sel
	q.b.WriteString("SELECT topic, payload, qos, props, updated_at FROM retained")
	if after != "" {
		q.and("topic > ?", after)
	}
	q.page("topic", p)
	out, err := list(ctx, s.t, "list retained", scanRetained, q.b.String(), q.args...)
	if err != nil {
		return nil, "", err
	}
	out, next := cut(out, p, func(m store.RetainedMessage) string { return m.Topic })
	return out, next, nil
}

// sessions is one row per persistent session, and its queue in
// session_queue.
type sessions struct{ t *tx }

func scanSession(s scanner) (store.Session, error) {
	var x store.Session
	var exp, at int64
	if err := s.Scan(&x.ClientID, &x.Subscriptions, &exp, &at); err != nil {
		return x, err
	}
	if exp != 0 {
		x.ExpiresAt = utc(exp)
	}
	x.UpdatedAt = utc(at)
	return x, nil
}

func millis(t interface {
	UnixMilli() int64
	IsZero() bool
}) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func (s sessions) Get(ctx context.Context, clientID string) (store.Session, error) {
	x, err := scanSession(s.t.queryRow(ctx, "SELECT client_id, subscriptions, expires_at, updated_at FROM sessions WHERE client_id = ?", clientID))
	if err != nil {
		return x, wrap(ctx, "get session "+strconv.Quote(clientID), err)
	}
	return x, nil
}

func (s sessions) Put(ctx context.Context, x store.Session) error {
	_, err := s.t.exec(ctx, `INSERT INTO sessions (client_id, subscriptions, expires_at, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (client_id) DO UPDATE SET subscriptions = excluded.subscriptions,
		expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
		x.ClientID, x.Subscriptions, millis(x.ExpiresAt), x.UpdatedAt.UnixMilli())
	if err != nil {
		return wrap(ctx, "put session "+strconv.Quote(x.ClientID), err)
	}
	return nil
}

func (s sessions) Delete(ctx context.Context, clientID string) error {
	op := "delete session " + strconv.Quote(clientID)
	if _, err := s.t.exec(ctx, "DELETE FROM session_queue WHERE client_id = ?", clientID); err != nil {
		return wrap(ctx, op, err)
	}
	if _, err := s.t.exec(ctx, "DELETE FROM sessions WHERE client_id = ?", clientID); err != nil {
		return wrap(ctx, op, err)
	}
	return nil
}

func (s sessions) List(ctx context.Context, p store.Page) ([]store.Session, string, error) {
	after, err := decodeCursor(p.After)
	if err != nil {
		return nil, "", err
	}
	var q sel
	q.b.WriteString("SELECT client_id, subscriptions, expires_at, updated_at FROM sessions")
	if after != "" {
		q.and("client_id > ?", after)
	}
	q.page("client_id", p)
	out, err := list(ctx, s.t, "list sessions", scanSession, q.b.String(), q.args...)
	if err != nil {
		return nil, "", err
	}
	out, next := cut(out, p, func(x store.Session) string { return x.ClientID })
	return out, next, nil
}

func (s sessions) Enqueue(ctx context.Context, m store.QueuedMessage) (int64, error) {
	res, err := s.t.exec(ctx, `INSERT INTO session_queue (client_id, topic, payload, qos, props, at) VALUES (?, ?, ?, ?, ?, ?)`,
		m.ClientID, m.Topic, nonNilBytes(m.Payload), m.QoS, m.Props, m.At.UnixMilli())
	if err != nil {
		return 0, wrap(ctx, "enqueue for "+strconv.Quote(m.ClientID), err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return 0, wrap(ctx, "enqueue for "+strconv.Quote(m.ClientID), err)
	}
	return seq, nil
}

func (s sessions) Dequeue(ctx context.Context, clientID string, seq int64) error {
	if _, err := s.t.exec(ctx, "DELETE FROM session_queue WHERE client_id = ? AND seq = ?", clientID, seq); err != nil {
		return wrap(ctx, "dequeue for "+strconv.Quote(clientID), err)
	}
	return nil
}

func scanQueued(s scanner) (store.QueuedMessage, error) {
	var m store.QueuedMessage
	var at int64
	if err := s.Scan(&m.ClientID, &m.Seq, &m.Topic, &m.Payload, &m.QoS, &m.Props, &at); err != nil {
		return m, err
	}
	m.At = utc(at)
	return m, nil
}

func (s sessions) Queued(ctx context.Context, clientID string) ([]store.QueuedMessage, error) {
	return list(ctx, s.t, "queued for "+strconv.Quote(clientID), scanQueued,
		"SELECT client_id, seq, topic, payload, qos, props, at FROM session_queue WHERE client_id = ? ORDER BY seq", clientID)
}
