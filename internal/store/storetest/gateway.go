package storetest

import (
	"testing"

	"github.com/roost-iot/roost/internal/store"
)

func testRetained(t *testing.T, s store.Store) {
	m := store.RetainedMessage{Topic: "config/a", Payload: []byte("v1"), QoS: 1, Props: []byte(`{"ct":"text"}`), UpdatedAt: at(0)}
	update(t, s, func(tx store.Tx) error { return tx.Retained().Put(t.Context(), m) })
	m.Payload, m.UpdatedAt = []byte("v2"), at(1) // Put replaces
	update(t, s, func(tx store.Tx) error { return tx.Retained().Put(t.Context(), m) })
	view(t, s, func(tx store.Tx) error {
		got, err := tx.Retained().Get(t.Context(), "config/a")
		must(t, "get retained", err)
		same(t, "retained", got, m)
		_, err = tx.Retained().Get(t.Context(), "config/none")
		wantErr(t, "get missing retained", err, store.ErrNotFound)
		return nil
	})
	topics := names("t/", 7)
	update(t, s, func(tx store.Tx) error {
		for i, name := range topics {
			must(t, "put", tx.Retained().Put(t.Context(), store.RetainedMessage{Topic: name, Payload: []byte{byte(i)}, UpdatedAt: at(i)}))
		}
		must(t, "delete", tx.Retained().Delete(t.Context(), "config/a"))
		return tx.Retained().Delete(t.Context(), "config/a") // missing is not an error
	})
	samePaged(t, s, func(tx store.Tx, p store.Page) ([]store.RetainedMessage, string, error) {
		return tx.Retained().List(t.Context(), p)
	}, func(m store.RetainedMessage) string { return m.Topic }, topics)
}

func testSessions(t *testing.T, s store.Store) {
	x := store.Session{ClientID: "dev-1", Subscriptions: []byte(`[{"f":"a/#"}]`), ExpiresAt: at(3600), UpdatedAt: at(0)}
	update(t, s, func(tx store.Tx) error { return tx.Sessions().Put(t.Context(), x) })
	x.ExpiresAt = at(0).AddDate(0, 0, 1) // Put replaces
	update(t, s, func(tx store.Tx) error { return tx.Sessions().Put(t.Context(), x) })
	connected := store.Session{ClientID: "dev-2", UpdatedAt: at(1)}
	update(t, s, func(tx store.Tx) error { return tx.Sessions().Put(t.Context(), connected) })
	view(t, s, func(tx store.Tx) error {
		got, err := tx.Sessions().Get(t.Context(), "dev-1")
		must(t, "get session", err)
		same(t, "session", got, x)
		got, err = tx.Sessions().Get(t.Context(), "dev-2")
		must(t, "get connected session", err)
		same(t, "connected session", got, connected)
		_, err = tx.Sessions().Get(t.Context(), "none")
		wantErr(t, "get missing session", err, store.ErrNotFound)
		return nil
	})

	// Queues: Seq increases in enqueue order, per client, and Dequeue removes one.
	var seqs []int64
	update(t, s, func(tx store.Tx) error {
		for i := range 4 {
			for _, id := range []string{"dev-1", "dev-2"} {
				seq, err := tx.Sessions().Enqueue(t.Context(), store.QueuedMessage{ClientID: id, Topic: "a/b", Payload: []byte{byte(i)}, QoS: 1, At: at(i)})
				must(t, "enqueue", err)
				if id == "dev-1" {
					seqs = append(seqs, seq)
				}
			}
		}
		return tx.Sessions().Dequeue(t.Context(), "dev-1", seqs[1])
	})
	view(t, s, func(tx store.Tx) error {
		q, err := tx.Sessions().Queued(t.Context(), "dev-1")
		must(t, "queued", err)
		if len(q) != 3 || q[0].Seq != seqs[0] || q[1].Seq != seqs[2] || q[2].Seq != seqs[3] || q[2].Payload[0] != 3 {
			t.Errorf("queue after dequeue: %+v (seqs %v)", q, seqs)
		}
		for i := 1; i < len(q); i++ {
			if q[i].Seq <= q[i-1].Seq {
				t.Errorf("queue not in Seq order: %+v", q)
			}
		}
		return nil
	})
	// Delete takes the queue with it; other sessions keep theirs.
	update(t, s, func(tx store.Tx) error { return tx.Sessions().Delete(t.Context(), "dev-1") })
	view(t, s, func(tx store.Tx) error {
		q, err := tx.Sessions().Queued(t.Context(), "dev-1")
		must(t, "queued after delete", err)
		if len(q) != 0 {
			t.Errorf("deleted session kept %d queued messages", len(q))
		}
		q, err = tx.Sessions().Queued(t.Context(), "dev-2")
		must(t, "other queue", err)
		if len(q) != 4 {
			t.Errorf("other session's queue has %d messages, want 4", len(q))
		}
		return nil
	})
	samePaged(t, s, func(tx store.Tx, p store.Page) ([]store.Session, string, error) {
		return tx.Sessions().List(t.Context(), p)
	}, func(x store.Session) string { return x.ClientID }, []string{"dev-2"})
}
