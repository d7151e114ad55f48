package storetest

import (
	"testing"

	"github.com/roost-iot/roost/internal/store"
)

func shadow(thing, name string, version int64, sec int) store.Shadow {
	return store.Shadow{
		ThingName: thing, Name: name, Version: version, UpdatedAt: at(sec),
		State:    []byte(`{"desired":{"color":"red"}}`),
		Metadata: []byte(`{"desired":{"color":{"timestamp":1714972089}}}`),
	}
}

func testShadows(t *testing.T, s store.Store) {
	ctx := t.Context()
	classic, named := shadow("lamp", "", 1, 0), shadow("lamp", "config", 1, 1)
	update(t, s, func(tx store.Tx) error {
		must(t, "put classic", tx.Shadows().Put(ctx, classic))
		must(t, "put named", tx.Shadows().Put(ctx, named))
		got, err := tx.Shadows().Get(ctx, "lamp", "config") // read your own writes
		must(t, "get named in tx", err)
		same(t, "named in tx", got, named)
		return nil
	})
	classic.State, classic.Metadata, classic.Version, classic.UpdatedAt = []byte(`{}`), []byte(`{}`), 2, at(2)
	update(t, s, func(tx store.Tx) error { return tx.Shadows().Put(ctx, classic) }) // Put replaces
	view(t, s, func(tx store.Tx) error {
		for _, want := range []store.Shadow{classic, named} {
			got, err := tx.Shadows().Get(ctx, want.ThingName, want.Name)
			must(t, "get "+want.Name, err)
			same(t, "shadow "+want.Name, got, want)
		}
		_, err := tx.Shadows().Get(ctx, "lamp", "none")
		wantErr(t, "get missing shadow", err, store.ErrNotFound)
		_, err = tx.Shadows().Get(ctx, "other", "")
		wantErr(t, "get shadow of another thing", err, store.ErrNotFound)
		return nil
	})

	// Delete leaves a tombstone that keeps the version.
	update(t, s, func(tx store.Tx) error {
		must(t, "delete classic", tx.Shadows().Delete(ctx, "lamp", "", at(3)))
		wantErr(t, "delete tombstone", tx.Shadows().Delete(ctx, "lamp", "", at(4)), store.ErrNotFound)
		wantErr(t, "delete missing", tx.Shadows().Delete(ctx, "lamp", "none", at(4)), store.ErrNotFound)
		return nil
	})
	tomb := store.Shadow{ThingName: "lamp", Name: "", Version: 2, Deleted: true, UpdatedAt: at(3)}
	view(t, s, func(tx store.Tx) error {
		got, err := tx.Shadows().Get(ctx, "lamp", "")
		must(t, "get tombstone", err)
		same(t, "tombstone", got, tomb)
		return nil
	})
	// Put brings it back to life; a tombstone can also be put directly.
	revived := shadow("lamp", "", 3, 5)
	update(t, s, func(tx store.Tx) error {
		must(t, "revive", tx.Shadows().Put(ctx, revived))
		return tx.Shadows().Put(ctx, store.Shadow{ThingName: "lamp", Name: "gone", Version: 7, Deleted: true,
			State: []byte(`{"ignored":1}`), UpdatedAt: at(5)})
	})
	view(t, s, func(tx store.Tx) error {
		got, err := tx.Shadows().Get(ctx, "lamp", "")
		must(t, "get revived", err)
		same(t, "revived", got, revived)
		got, err = tx.Shadows().Get(ctx, "lamp", "gone")
		must(t, "get put tombstone", err)
		same(t, "put tombstone", got, store.Shadow{ThingName: "lamp", Name: "gone", Version: 7, Deleted: true, UpdatedAt: at(5)})
		return nil
	})

	// A failed transaction writes nothing.
	err := s.Update(ctx, func(tx store.Tx) error {
		must(t, "put in failed tx", tx.Shadows().Put(ctx, shadow("lamp", "ghost", 1, 6)))
		must(t, "delete in failed tx", tx.Shadows().Delete(ctx, "lamp", "config", at(6)))
		return errBoom
	})
	wantErr(t, "failed tx", err, errBoom)
	view(t, s, func(tx store.Tx) error {
		_, err := tx.Shadows().Get(ctx, "lamp", "ghost")
		wantErr(t, "put rolled back", err, store.ErrNotFound)
		got, err := tx.Shadows().Get(ctx, "lamp", "config")
		must(t, "get config", err)
		same(t, "delete rolled back", got, named)
		return nil
	})
}

func testShadowsList(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := names("s-", 7)
	update(t, s, func(tx store.Tx) error {
		for _, i := range shuffled(len(want)) {
			must(t, "put", tx.Shadows().Put(ctx, shadow("lamp", want[i], 1, i)))
		}
		must(t, "put classic", tx.Shadows().Put(ctx, shadow("lamp", "", 1, 0)))
		must(t, "put dead", tx.Shadows().Put(ctx, shadow("lamp", "s-dead", 1, 0)))
		must(t, "delete dead", tx.Shadows().Delete(ctx, "lamp", "s-dead", at(1)))
		must(t, "put lamp2", tx.Shadows().Put(ctx, shadow("lamp2", "s-other", 1, 0)))
		return tx.Shadows().Put(ctx, shadow("lam", "s-other", 1, 0))
	})
	// Only lamp's live named shadows: not the classic one, not the
	// tombstone, not the shadows of things whose name shares a prefix.
	samePaged(t, s, func(tx store.Tx, p store.Page) ([]string, string, error) {
		return tx.Shadows().ListNames(ctx, "lamp", p)
	}, func(name string) string { return name }, want)
	samePaged(t, s, func(tx store.Tx, p store.Page) ([]string, string, error) {
		return tx.Shadows().ListNames(ctx, "nothing", p)
	}, func(name string) string { return name }, nil)

	// DeleteAllForThing counts the live shadows (classic included) and
	// takes the tombstones too; other things keep theirs.
	update(t, s, func(tx store.Tx) error {
		n, err := tx.Shadows().DeleteAllForThing(ctx, "lamp")
		must(t, "delete all", err)
		if n != len(want)+1 {
			t.Errorf("DeleteAllForThing removed %d live shadows, want %d", n, len(want)+1)
		}
		n, err = tx.Shadows().DeleteAllForThing(ctx, "nothing")
		must(t, "delete all of nothing", err)
		if n != 0 {
			t.Errorf("DeleteAllForThing of a thing without shadows removed %d", n)
		}
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		for _, name := range []string{"", "s-000", "s-dead"} {
			_, err := tx.Shadows().Get(ctx, "lamp", name)
			wantErr(t, "get "+name+" after DeleteAllForThing", err, store.ErrNotFound)
		}
		_, err := tx.Shadows().Get(ctx, "lamp2", "s-other")
		must(t, "other thing's shadow", err)
		return nil
	})
}

func testShadowsPurge(t *testing.T, s store.Store) {
	ctx := t.Context()
	update(t, s, func(tx store.Tx) error {
		for i, name := range []string{"old", "new", "live"} {
			must(t, "put "+name, tx.Shadows().Put(ctx, shadow("lamp", name, 4, 0)))
			if name != "live" {
				must(t, "delete "+name, tx.Shadows().Delete(ctx, "lamp", name, at(10*i)))
			}
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		n, err := tx.Shadows().PurgeDeleted(ctx, at(5))
		must(t, "purge", err)
		if n != 1 {
			t.Errorf("PurgeDeleted removed %d, want 1", n)
		}
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		_, err := tx.Shadows().Get(ctx, "lamp", "old")
		wantErr(t, "purged tombstone", err, store.ErrNotFound)
		got, err := tx.Shadows().Get(ctx, "lamp", "new")
		must(t, "recent tombstone", err)
		if !got.Deleted || got.Version != 4 {
			t.Errorf("recent tombstone: %+v", got)
		}
		got, err = tx.Shadows().Get(ctx, "lamp", "live")
		must(t, "live shadow", err)
		if got.Deleted {
			t.Errorf("live shadow purged: %+v", got)
		}
		return nil
	})
}
