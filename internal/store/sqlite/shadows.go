package sqlite

import (
	"context"
	"strconv"
	"time"

	"github.com/roost-iot/roost/internal/store"
)

var _ store.Shadows = shadows{}

func (t *tx) Shadows() store.Shadows { return shadows{t} }

// shadows is one row per (thing, shadow name); a tombstone is a row whose
// state is NULL.
type shadows struct{ t *tx }

func shadowKey(thing, name string) string {
	return strconv.Quote(thing) + "/" + strconv.Quote(name)
}

func (s shadows) Get(ctx context.Context, thing, name string) (store.Shadow, error) {
	x := store.Shadow{ThingName: thing, Name: name}
	var at int64
	err := s.t.queryRow(ctx, `SELECT state, metadata, version, updated_at, state IS NULL
		FROM shadows WHERE thing_name = ? AND shadow_name = ?`,
		thing, name).Scan(&x.State, &x.Metadata, &x.Version, &at, &x.Deleted)
	if err != nil {
		return store.Shadow{}, wrap(ctx, "get shadow "+shadowKey(thing, name), err)
	}
	x.UpdatedAt = utc(at)
	if x.Deleted {
		x.State, x.Metadata = nil, nil
	}
	return x, nil
}

func (s shadows) Put(ctx context.Context, x store.Shadow) error {
	var state, md []byte
	if !x.Deleted {
		state, md = nonNilBytes(x.State), nonNilBytes(x.Metadata)
	}
	_, err := s.t.exec(ctx, `INSERT INTO shadows (thing_name, shadow_name, state, metadata, version, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (thing_name, shadow_name) DO UPDATE SET state = excluded.state,
		metadata = excluded.metadata, version = excluded.version, updated_at = excluded.updated_at`,
		x.ThingName, x.Name, state, md, x.Version, x.UpdatedAt.UnixMilli())
	if err != nil {
		return wrap(ctx, "put shadow "+shadowKey(x.ThingName, x.Name), err)
	}
	return nil
}

func (s shadows) Delete(ctx context.Context, thing, name string, at time.Time) error {
	return s.t.execOne(ctx, "delete shadow "+shadowKey(thing, name),
		`UPDATE shadows SET state = NULL, metadata = NULL, updated_at = ?
		WHERE thing_name = ? AND shadow_name = ? AND state IS NOT NULL`,
		at.UnixMilli(), thing, name)
}

func (s shadows) ListNames(ctx context.Context, thing string, p store.Page) ([]string, string, error) {
	after, err := decodeCursor(p.After)
	if err != nil {
		return nil, "", err
	}
	var q sel
	q.b.WriteString("SELECT shadow_name FROM shadows")
	q.and("thing_name = ?", thing)
	q.and("shadow_name > ?", after) // "" is the classic shadow: never listed
	q.and("state IS NOT NULL")
	q.page("shadow_name", p)
	out, err := list(ctx, s.t, "list shadows of "+strconv.Quote(thing), func(sc scanner) (string, error) {
		var name string
		err := sc.Scan(&name)
		return name, err
	}, q.b.String(), q.args...)
	if err != nil {
		return nil, "", err
	}
	out, next := cut(out, p, func(name string) string { return name })
	return out, next, nil
}

func (s shadows) DeleteAllForThing(ctx context.Context, thing string) (int, error) {
	op := "delete shadows of " + strconv.Quote(thing)
	n, err := s.t.count(ctx, op, "SELECT count(*) FROM shadows WHERE thing_name = ? AND state IS NOT NULL", thing)
	if err != nil {
		return 0, err
	}
	if _, err := s.t.exec(ctx, "DELETE FROM shadows WHERE thing_name = ?", thing); err != nil {
		return 0, wrap(ctx, op, err)
	}
	return n, nil
}

func (s shadows) PurgeDeleted(ctx context.Context, before time.Time) (int, error) {
	res, err := s.t.exec(ctx, "DELETE FROM shadows WHERE state IS NULL AND updated_at < ?", before.UnixMilli())
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil {
			return int(n), nil
		}
	}
	return 0, wrap(ctx, "purge deleted shadows", err)
}
