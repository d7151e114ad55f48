package shadow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/roost-iot/roost/internal/store"
)

// TestConcurrentVersionedUpdates has many writers update one shadow, each
// naming the version it read and retrying on 409. No two updates may be
// accepted from the same version (that would lose one), each writer's
// versions must increase, and every field must hold its writer's count.
func TestConcurrentVersionedUpdates(t *testing.T) {
	const writers, each = 12, 20
	e := newEnv(t, Options{})
	ctx := context.Background()
	versions := make([][]int64, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			field := "w" + strconv.Itoa(w)
			conflicts := 0
			for n := 1; n <= each; {
				v := int64(0)
				if doc, err := e.s.Get(ctx, "lamp", "", ""); err == nil {
					n, _ := decode(t, doc)["version"].(interface{ Int64() (int64, error) }).Int64()
					v = n
				}
				req := fmt.Sprintf(`{"state":{"reported":{%q:%d}},"version":%d}`, field, n, v)
				res, err := e.s.Update(ctx, "lamp", "", []byte(req))
				if err != nil {
					if asError(t, err).Code != 409 {
						t.Errorf("%s: %v", field, err)
						return
					}
					conflicts++
					continue
				}
				if res.Version != v+1 {
					t.Errorf("%s: accepted at version %d from %d", field, res.Version, v)
				}
				prev := decode(t, res.Documents)["previous"]
				if v > 0 && fmt.Sprint(prev.(map[string]any)["version"]) != strconv.FormatInt(v, 10) {
					t.Errorf("%s: documents.previous is version %v, want %d", field, prev, v)
				}
				versions[w] = append(versions[w], res.Version)
				n++
			}
		})
	}
	wg.Wait()
	var all []int64
	for w, vs := range versions {
		if !slices.IsSorted(vs) {
			t.Errorf("writer %d: versions not increasing: %v", w, vs)
		}
		all = append(all, vs...)
	}
	slices.Sort(all)
	for i, v := range all {
		if v != int64(i+1) {
			t.Fatalf("accepted versions are not 1..%d without gaps or repeats: %v", writers*each, all)
		}
	}
	got := e.mustGet(t, "lamp", "")
	sameJSON(t, "version", got["version"], strconv.Itoa(writers*each))
	want := "{"
	for w := range writers {
		if w > 0 {
			want += ","
		}
		want += fmt.Sprintf(`"w%d":%d`, w, each)
	}
	sameJSON(t, "state", got["state"], `{"reported":`+want+`}}`)
}

// TestConcurrentBlindUpdates has writers update several shadows without
// versions, with readers and a deleter alongside: every update is applied
// exactly once and versions never repeat.
func TestConcurrentBlindUpdates(t *testing.T) {
	const writers, each = 8, 40
	e := newEnv(t, Options{Queues: 2, MaxBatch: 7})
	ctx := context.Background()
	shadows := []string{"", "a", "b"}
	var mu sync.Mutex
	seen := map[string][]int64{}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for n := 1; n <= each; n++ {
				name := shadows[(w+n)%len(shadows)]
				req := fmt.Sprintf(`{"state":{"reported":{"w%d_%d":true}}}`, w, n)
				res, err := e.s.Update(ctx, "lamp", name, []byte(req))
				if err != nil {
					t.Errorf("update: %v", err)
					return
				}
				mu.Lock()
				seen[name] = append(seen[name], res.Version)
				mu.Unlock()
			}
		})
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, name := range shadows {
				if doc, err := e.s.Get(ctx, "lamp", name, ""); err == nil {
					decode(t, doc)
				} else if asError(t, err).Code != 404 {
					t.Errorf("get: %v", err)
				}
			}
		}
	})
	wg.Wait()
	close(stop)
	readers.Wait()
	for _, name := range shadows {
		vs := seen[name]
		slices.Sort(vs)
		for i, v := range vs {
			if v != int64(i+1) {
				t.Fatalf("shadow %q: versions %v", name, vs)
			}
		}
		state := e.mustGet(t, "lamp", name)["state"].(map[string]any)["reported"].(map[string]any)
		if len(state) != len(vs) {
			t.Errorf("shadow %q: %d fields for %d updates", name, len(state), len(vs))
		}
	}
}

// TestUpdateAfterStoreClosed: a store failure is a 500 with the token, and
// the cause stays for the log.
func TestUpdateAfterStoreClosed(t *testing.T) {
	e := newEnv(t, Options{})
	e.mustUpdate(t, "lamp", "", `{"state":{"reported":{"a":1}}}`)
	e.db.Close()
	_, err := e.update(t, "lamp", "", `{"state":{"reported":{"a":2}},"clientToken":"tok"}`)
	if err == nil || err.Code != 500 || err.ClientToken != "tok" || err.Err == nil {
		t.Fatalf("got %+v, want a 500 with its cause", err)
	}
	if _, err := e.get(t, "lamp", "", ""); err == nil || err.Code != 500 {
		t.Fatalf("get: %v, want 500", err)
	}
}

func TestCanceledCaller(t *testing.T) {
	e := newEnv(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.s.Update(ctx, "lamp", "", []byte(`{"state":{"reported":{"a":1}}}`))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if _, gerr := e.get(t, "lamp", "", ""); gerr == nil {
		t.Error("the canceled update was written")
	}
}

// countingStore counts the write transactions of a real store and the
// shadows each one puts.
type countingStore struct {
	store.Store
	mu   sync.Mutex
	puts []int // per committed write transaction
}

type countingTx struct {
	store.Tx
	puts *int
}

type countingShadows struct {
	store.Shadows
	puts *int
}

func (s *countingStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	n := 0
	err := s.Store.Update(ctx, func(tx store.Tx) error { return fn(countingTx{tx, &n}) })
	if err == nil {
		s.mu.Lock()
		s.puts = append(s.puts, n)
		s.mu.Unlock()
	}
	return err
}

func (t countingTx) Shadows() store.Shadows { return countingShadows{t.Tx.Shadows(), t.puts} }

func (s countingShadows) Put(ctx context.Context, x store.Shadow) error {
	*s.puts++
	return s.Shadows.Put(ctx, x)
}

// TestGroupCommit: concurrent updates share transactions, no transaction
// commits more than MaxBatch of them, and none is lost.
func TestGroupCommit(t *testing.T) {
	const writers, each, maxBatch = 32, 20, 8
	base := newEnv(t, Options{})
	cs := &countingStore{Store: base.db}
	s := New(cs, base.clock.now, Options{Queues: 1, MaxBatch: maxBatch})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for n := range each {
				req := fmt.Sprintf(`{"state":{"reported":{"n":%d}}}`, n)
				if _, err := s.Update(context.Background(), "thing-"+strconv.Itoa(w%4), "", []byte(req)); err != nil {
					t.Errorf("update: %v", err)
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for _, n := range cs.puts {
		if n > maxBatch {
			t.Errorf("a transaction wrote %d updates, MaxBatch is %d", n, maxBatch)
		}
		total += n
	}
	if total != writers*each {
		t.Errorf("%d updates written, want %d", total, writers*each)
	}
	if len(cs.puts) >= writers*each {
		t.Errorf("%d transactions for %d concurrent updates: no group commit", len(cs.puts), writers*each)
	}
	t.Logf("%d updates in %d transactions", total, len(cs.puts))
	versions := 0
	for w := range 4 {
		doc, err := s.Get(context.Background(), "thing-"+strconv.Itoa(w), "", "")
		if err != nil {
			t.Fatal(err)
		}
		v, _ := strconv.Atoi(fmt.Sprint(decode(t, doc)["version"]))
		versions += v
	}
	if versions != writers*each {
		t.Errorf("versions add up to %d, want %d", versions, writers*each)
	}
}
