package storetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/roost-iot/roost/internal/store"
)

// writeEverything touches every aggregate, for the rollback tests.
func writeEverything(t *testing.T, tx store.Tx) {
	t.Helper()
	ctx := t.Context()
	must(t, "create thing", tx.Things().Create(ctx, thing("ghost", "t", map[string]string{"a": "b"})))
	keep, err := tx.Things().Get(ctx, "keep")
	must(t, "get keep", err)
	keep.Version = 2
	must(t, "update thing", tx.Things().Update(ctx, keep))
	must(t, "create type", tx.ThingTypes().Create(ctx, store.ThingType{Name: "ghost"}))
	must(t, "create group", tx.ThingGroups().Create(ctx, group("ghost", "")))
	must(t, "create cert", tx.Certificates().Create(ctx, cert("ghost", "", at(0))))
	must(t, "create policy", tx.Policies().Create(ctx, policy("ghost")))
	must(t, "create version", tx.Policies().CreateVersion(ctx, version("ghost", 1)))
	must(t, "add link", tx.Links().Add(ctx, link(store.GroupThing, "ghost", "keep", "")))
	must(t, "set tags", tx.Tags().Set(ctx, "arn:ghost", map[string]string{"k": "v"}))
	must(t, "put meta", tx.Meta().Put(ctx, "ghost", "v"))
}

// wantNothingWritten checks that writeEverything left no trace.
func wantNothingWritten(t *testing.T, s store.Store) {
	t.Helper()
	ctx := t.Context()
	view(t, s, func(tx store.Tx) error {
		_, err := tx.Things().Get(ctx, "ghost")
		wantErr(t, "thing", err, store.ErrNotFound)
		keep, err := tx.Things().Get(ctx, "keep")
		must(t, "get keep", err)
		if keep.Version != 1 {
			t.Errorf("update of keep survived: version %d", keep.Version)
		}
		_, err = tx.ThingTypes().Get(ctx, "ghost")
		wantErr(t, "thing type", err, store.ErrNotFound)
		_, err = tx.ThingGroups().Get(ctx, "ghost")
		wantErr(t, "thing group", err, store.ErrNotFound)
		_, err = tx.Certificates().Get(ctx, "ghost")
		wantErr(t, "certificate", err, store.ErrNotFound)
		_, err = tx.Policies().Get(ctx, "ghost")
		wantErr(t, "policy", err, store.ErrNotFound)
		wantCount(t, "links", 0)(tx.Links().CountTargets(ctx, store.GroupThing, "ghost"))
		tags, err := tx.Tags().List(ctx, "arn:ghost")
		must(t, "tags", err)
		if len(tags) != 0 {
			t.Errorf("tags survived: %v", tags)
		}
		_, err = tx.Meta().Get(ctx, "ghost")
		wantErr(t, "meta", err, store.ErrNotFound)
		return nil
	})
}

func seedKeep(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error { return tx.Things().Create(t.Context(), thing("keep", "", nil)) })
}

func testRollback(t *testing.T, s store.Store) {
	seedKeep(t, s)
	err := s.Update(t.Context(), func(tx store.Tx) error {
		writeEverything(t, tx)
		return fmt.Errorf("refused: %w", errBoom)
	})
	wantErr(t, "Update", err, errBoom)
	wantNothingWritten(t, s)
}

func testRollbackOnPanic(t *testing.T, s store.Store) {
	seedKeep(t, s)
	func() {
		defer func() {
			if r := recover(); r != errBoom {
				t.Errorf("recovered %v, want the panic of fn", r)
			}
		}()
		s.Update(t.Context(), func(tx store.Tx) error {
			writeEverything(t, tx)
			panic(errBoom)
		})
	}()
	wantNothingWritten(t, s)
	// The writer is free again.
	update(t, s, func(tx store.Tx) error { return tx.Meta().Put(t.Context(), "after", "panic") })
}

func testContextCanceled(t *testing.T, s store.Store) {
	seedKeep(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := s.Update(ctx, func(tx store.Tx) error {
		return tx.Things().Create(t.Context(), thing("ghost", "", nil))
	})
	wantErr(t, "Update with a canceled context", err, context.Canceled)
	err = s.View(ctx, func(tx store.Tx) error { return nil })
	wantErr(t, "View with a canceled context", err, context.Canceled)

	// Canceled while fn runs: nothing is committed.
	ctx, cancel = context.WithCancel(t.Context())
	err = s.Update(ctx, func(tx store.Tx) error {
		writeEverything(t, tx)
		cancel()
		return nil
	})
	wantErr(t, "Update canceled inside fn", err, context.Canceled)
	wantNothingWritten(t, s)
}

func testViewIsReadOnly(t *testing.T, s store.Store) {
	err := s.View(t.Context(), func(tx store.Tx) error {
		return tx.Things().Create(t.Context(), thing("ghost", "", nil))
	})
	if err == nil {
		t.Error("a write inside View succeeded")
	}
	view(t, s, func(tx store.Tx) error {
		_, err := tx.Things().Get(t.Context(), "ghost")
		wantErr(t, "thing written in View", err, store.ErrNotFound)
		return nil
	})
}

// testViewDuringUpdate holds an Update open and runs a View meanwhile: the
// View must finish without waiting, and see only committed data.
func testViewDuringUpdate(t *testing.T, s store.Store) {
	inTx, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	defer free()
	var updateErr error
	go func() {
		defer close(done)
		updateErr = s.Update(t.Context(), func(tx store.Tx) error {
			if err := tx.Things().Create(t.Context(), thing("pending", "", nil)); err != nil {
				return err
			}
			close(inTx)
			<-release
			return nil
		})
	}()
	timeout(t, "the Update to start", inTx)
	viewed := make(chan struct{})
	go func() {
		defer close(viewed)
		err := s.View(t.Context(), func(tx store.Tx) error {
			_, err := tx.Things().Get(t.Context(), "pending")
			wantErr(t, "uncommitted thing seen by View", err, store.ErrNotFound)
			return nil
		})
		if err != nil {
			t.Errorf("View: %v", err)
		}
	}()
	timeout(t, "a View while an Update is open", viewed)
	free()
	timeout(t, "the Update to commit", done)
	must(t, "Update", updateErr)
	view(t, s, func(tx store.Tx) error {
		_, err := tx.Things().Get(t.Context(), "pending")
		must(t, "committed thing", err)
		return nil
	})
}

// testConcurrent runs writers and readers together. Each write increments
// a counter read in the same transaction: a lost increment would mean two
// Updates interleaved.
func testConcurrent(t *testing.T, s store.Store) {
	const workers, each = 6, 12
	ctx := t.Context()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if err := s.Update(ctx, func(tx store.Tx) error { return bump(ctx, tx, fmt.Sprintf("w%d-%02d", w, i)) }); err != nil {
					t.Errorf("Update: %v", err)
				}
			}
		})
		wg.Go(func() {
			for range each {
				err := s.View(ctx, func(tx store.Tx) error {
					_, _, err := tx.Things().List(ctx, store.ThingFilter{}, store.Page{Limit: 5})
					if err == nil {
						_, err = tx.Meta().Get(ctx, "counter")
					}
					if errors.Is(err, store.ErrNotFound) {
						err = nil
					}
					return err
				})
				if err != nil {
					t.Errorf("View: %v", err)
				}
			}
		})
	}
	wg.Wait()
	view(t, s, func(tx store.Tx) error {
		all, _, err := tx.Things().List(ctx, store.ThingFilter{}, store.Page{})
		must(t, "list", err)
		v, err := tx.Meta().Get(ctx, "counter")
		must(t, "counter", err)
		if len(all) != workers*each || v != strconv.Itoa(workers*each) {
			t.Errorf("%d things, counter %s; want %d of each", len(all), v, workers*each)
		}
		return nil
	})
}

func bump(ctx context.Context, tx store.Tx, name string) error {
	v, err := tx.Meta().Get(ctx, "counter")
	if errors.Is(err, store.ErrNotFound) {
		v, err = "0", nil
	}
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return err
	}
	if err := tx.Meta().Put(ctx, "counter", strconv.Itoa(n+1)); err != nil {
		return err
	}
	return tx.Things().Create(ctx, thing(name, "", nil))
}
