package sqlite

import (
	"context"
	"fmt"
	"strconv"

	"github.com/roost-iot/roost/internal/store"
)

// links is one table of edges keyed (rel, from, to), with a second index on
// (rel, to, from) for the reverse direction.
type links struct{ t *tx }

func scanLink(s scanner) (store.Link, error) {
	var l store.Link
	var at int64
	if err := s.Scan(&l.Rel, &l.From, &l.To, &l.Attr, &at); err != nil {
		return store.Link{}, err
	}
	l.At = utc(at)
	return l, nil
}

func linkOp(verb string, rel store.Relation, from, to string) string {
	return fmt.Sprintf("%s link %s %q -> %q", verb, rel, from, to)
}

func (s links) Add(ctx context.Context, l store.Link) error {
	_, err := s.t.exec(ctx, `INSERT INTO links (rel, from_key, to_key, attr, at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (rel, from_key, to_key) DO UPDATE SET attr = excluded.attr`,
		string(l.Rel), l.From, l.To, l.Attr, l.At.UnixMilli())
	if err != nil {
		return wrap(ctx, linkOp("add", l.Rel, l.From, l.To), err)
	}
	return nil
}

func (s links) Remove(ctx context.Context, rel store.Relation, from, to string) (bool, error) {
	res, err := s.t.exec(ctx, "DELETE FROM links WHERE rel = ? AND from_key = ? AND to_key = ?", string(rel), from, to)
	if err != nil {
		return false, wrap(ctx, linkOp("remove", rel, from, to), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap(ctx, linkOp("remove", rel, from, to), err)
	}
	return n > 0, nil
}

func (s links) Targets(ctx context.Context, rel store.Relation, from string, p store.Page) ([]store.Link, string, error) {
	return s.list(ctx, rel, "from_key", "to_key", from, p)
}

func (s links) Sources(ctx context.Context, rel store.Relation, to string, p store.Page) ([]store.Link, string, error) {
	return s.list(ctx, rel, "to_key", "from_key", to, p)
}

// list pages through the edges of rel whose column at is key, ordered by the
// column other.
func (s links) list(ctx context.Context, rel store.Relation, at, other, key string, p store.Page) ([]store.Link, string, error) {
	after, err := decodeCursor(p.After)
	if err != nil {
		return nil, "", err
	}
	var q sel
	q.b.WriteString("SELECT rel, from_key, to_key, attr, at FROM links")
	if at == "to_key" {
		// Without statistics the planner prefers walking the primary key
		// in from_key order over the (rel, to_key) index plus nothing.
		q.b.WriteString(" INDEXED BY links_by_to")
	}
	q.and("rel = ? AND "+at+" = ?", string(rel), key)
	if after != "" {
		q.and(other+" > ?", after)
	}
	q.page(other, p)
	out, err := list(ctx, s.t, "list links "+string(rel)+" "+strconv.Quote(key), scanLink, q.b.String(), q.args...)
	if err != nil {
		return nil, "", err
	}
	keyOf := func(l store.Link) string { return l.To }
	if other == "from_key" {
		keyOf = func(l store.Link) string { return l.From }
	}
	out, next := cut(out, p, keyOf)
	return out, next, nil
}

func (s links) CountTargets(ctx context.Context, rel store.Relation, from string) (int, error) {
	return s.t.count(ctx, "count links "+string(rel)+" from "+strconv.Quote(from),
		"SELECT count(*) FROM links WHERE rel = ? AND from_key = ?", string(rel), from)
}

func (s links) CountSources(ctx context.Context, rel store.Relation, to string) (int, error) {
	return s.t.count(ctx, "count links "+string(rel)+" to "+strconv.Quote(to),
		"SELECT count(*) FROM links INDEXED BY links_by_to WHERE rel = ? AND to_key = ?", string(rel), to)
}

func (s links) RemoveAll(ctx context.Context, rel store.Relation, key string, asFrom bool) (int, error) {
	q := "DELETE FROM links INDEXED BY links_by_to WHERE rel = ? AND to_key = ?"
	if asFrom {
		q = "DELETE FROM links WHERE rel = ? AND from_key = ?"
	}
	res, err := s.t.exec(ctx, q, string(rel), key)
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err != nil {
		return 0, wrap(ctx, "remove links "+string(rel)+" of "+strconv.Quote(key), err)
	}
	return int(n), nil
}

type tags struct{ t *tx }

func (s tags) List(ctx context.Context, arn string) (map[string]string, error) {
	rows, err := s.t.query(ctx, "SELECT key, value FROM tags WHERE arn = ? ORDER BY key", arn)
	if err != nil {
		return nil, wrap(ctx, "list tags of "+arn, err)
	}
	defer rows.Close()
	m := make(map[string]string)
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, wrap(ctx, "list tags of "+arn, err)
		}
		m[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(ctx, "list tags of "+arn, err)
	}
	return m, nil
}

func (s tags) Set(ctx context.Context, arn string, tags map[string]string) error {
	for k, v := range tags {
		_, err := s.t.exec(ctx, `INSERT INTO tags (arn, key, value) VALUES (?, ?, ?)
			ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value`, arn, k, v)
		if err != nil {
			return wrap(ctx, "set tags of "+arn, err)
		}
	}
	return nil
}

func (s tags) Remove(ctx context.Context, arn string, keys []string) error {
	for _, k := range keys {
		if _, err := s.t.exec(ctx, "DELETE FROM tags WHERE arn = ? AND key = ?", arn, k); err != nil {
			return wrap(ctx, "remove tags of "+arn, err)
		}
	}
	return nil
}

func (s tags) DeleteAll(ctx context.Context, arn string) error {
	if _, err := s.t.exec(ctx, "DELETE FROM tags WHERE arn = ?", arn); err != nil {
		return wrap(ctx, "delete tags of "+arn, err)
	}
	return nil
}

type meta struct{ t *tx }

func (s meta) Get(ctx context.Context, key string) (string, error) {
	var v string
	if err := s.t.queryRow(ctx, "SELECT value FROM meta WHERE key = ?", key).Scan(&v); err != nil {
		return "", wrap(ctx, "get meta "+strconv.Quote(key), err)
	}
	return v, nil
}

func (s meta) Put(ctx context.Context, key, value string) error {
	_, err := s.t.exec(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return wrap(ctx, "put meta "+strconv.Quote(key), err)
	}
	return nil
}
