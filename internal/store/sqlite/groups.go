package sqlite

import (
	"context"
	"strconv"

	"github.com/roost-iot/roost/internal/store"
)

// thingGroups keeps a group's attributes as a JSON object in its row: groups
// are listed by parent and name, never filtered by attribute.
type thingGroups struct{ t *tx }

const groupCols = "name, id, parent_name, description, attributes, version, created_at"

func scanGroup(s scanner) (store.ThingGroup, error) {
	var g store.ThingGroup
	var attrs []byte
	var created int64
	if err := s.Scan(&g.Name, &g.ID, &g.ParentName, &g.Description, &attrs, &g.Version, &created); err != nil {
		return store.ThingGroup{}, err
	}
	g.CreatedAt = utc(created)
	var err error
	g.Attributes, err = decodeMap(attrs)
	return g, err
}

func (s thingGroups) Get(ctx context.Context, name string) (store.ThingGroup, error) {
	g, err := scanGroup(s.t.queryRow(ctx, "SELECT "+groupCols+" FROM thing_groups WHERE name = ?", name))
	if err != nil {
		return store.ThingGroup{}, wrap(ctx, "get thing group "+strconv.Quote(name), err)
	}
	return g, nil
}

func (s thingGroups) Create(ctx context.Context, g store.ThingGroup) error {
	attrs, err := encodeMap(g.Attributes)
	if err == nil {
		_, err = s.t.exec(ctx, "INSERT INTO thing_groups ("+groupCols+") VALUES (?, ?, ?, ?, ?, ?, ?)",
			g.Name, g.ID, g.ParentName, g.Description, attrs, g.Version, g.CreatedAt.UnixMilli())
	}
	if err != nil {
		return wrap(ctx, "create thing group "+strconv.Quote(g.Name), err)
	}
	return nil
}

func (s thingGroups) Update(ctx context.Context, g store.ThingGroup) error {
	op := "update thing group " + strconv.Quote(g.Name)
	attrs, err := encodeMap(g.Attributes)
	if err != nil {
		return wrap(ctx, op, err)
	}
	return s.t.execOne(ctx, op, `UPDATE thing_groups SET id = ?, parent_name = ?, description = ?,
		attributes = ?, version = ?, created_at = ? WHERE name = ?`,
		g.ID, g.ParentName, g.Description, attrs, g.Version, g.CreatedAt.UnixMilli(), g.Name)
}

// Delete removes the group only: its children and links are registry's.
func (s thingGroups) Delete(ctx context.Context, name string) error {
	return s.t.execOne(ctx, "delete thing group "+strconv.Quote(name), "DELETE FROM thing_groups WHERE name = ?", name)
}

func (s thingGroups) List(ctx context.Context, f store.GroupFilter, p store.Page) ([]store.ThingGroup, string, error) {
	after, err := decodeCursor(p.After)
	if err != nil {
		return nil, "", err
	}
	var q sel
	q.b.WriteString("SELECT " + groupCols + " FROM thing_groups")
	if f.Parent != nil {
		q.and("parent_name = ?", *f.Parent)
	}
	if f.NamePrefix != "" {
		q.and("name >= ? AND name < ?", f.NamePrefix, prefixEnd(f.NamePrefix))
	}
	if after != "" {
		q.and("name > ?", after)
	}
	q.page("name", p)
	out, err := list(ctx, s.t, "list thing groups", scanGroup, q.b.String(), q.args...)
	if err != nil {
		return nil, "", err
	}
	out, next := cut(out, p, func(g store.ThingGroup) string { return g.Name })
	return out, next, nil
}
