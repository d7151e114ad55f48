package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/roost-iot/roost/internal/store"
)

// things stores a thing's attributes twice: as a JSON object in its row,
// which Get reads in one lookup, and as rows of thing_attributes indexed by
// (name, value, thing), which List filters on. Both are written together.
type things struct{ t *tx }

const thingCols = "t.name, t.id, t.type_name, t.attributes, t.version, t.created_at"

func scanThing(s scanner) (store.Thing, error) {
	var th store.Thing
	var attrs []byte
	var created int64
	if err := s.Scan(&th.Name, &th.ID, &th.TypeName, &attrs, &th.Version, &created); err != nil {
		return store.Thing{}, err
	}
	th.CreatedAt = utc(created)
	var err error
	th.Attributes, err = decodeMap(attrs)
	return th, err
}

func (s things) Get(ctx context.Context, name string) (store.Thing, error) {
	th, err := scanThing(s.t.queryRow(ctx, "SELECT "+thingCols+" FROM things t WHERE t.name = ?", name))
	if err != nil {
		return store.Thing{}, wrap(ctx, "get thing "+strconv.Quote(name), err)
	}
	return th, nil
}

func (s things) Create(ctx context.Context, th store.Thing) error {
	attrs, err := encodeMap(th.Attributes)
	if err == nil {
		_, err = s.t.exec(ctx, `INSERT INTO things (name, id, type_name, attributes, version, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`,
			th.Name, th.ID, th.TypeName, attrs, th.Version, th.CreatedAt.UnixMilli())
	}
	if err == nil {
		err = s.indexAttrs(ctx, th)
	}
	if err != nil {
		return wrap(ctx, "create thing "+strconv.Quote(th.Name), err)
	}
	return nil
}

func (s things) indexAttrs(ctx context.Context, th store.Thing) error {
	for k, v := range th.Attributes {
		_, err := s.t.exec(ctx, "INSERT INTO thing_attributes (thing_name, name, value) VALUES (?, ?, ?)", th.Name, k, v)
		if err != nil {
			return err
		}
	}
	return nil
}

func (s things) Update(ctx context.Context, th store.Thing) error {
	op := "update thing " + strconv.Quote(th.Name)
	attrs, err := encodeMap(th.Attributes)
	if err != nil {
		return wrap(ctx, op, err)
	}
	err = s.t.execOne(ctx, op, `UPDATE things SET id = ?, type_name = ?, attributes = ?, version = ?, created_at = ?
		WHERE name = ?`, th.ID, th.TypeName, attrs, th.Version, th.CreatedAt.UnixMilli(), th.Name)
	if err != nil {
		return err
	}
	_, err = s.t.exec(ctx, "DELETE FROM thing_attributes WHERE thing_name = ?", th.Name)
	if err == nil {
		err = s.indexAttrs(ctx, th)
	}
	if err != nil {
		return wrap(ctx, op, err)
	}
	return nil
}

// Delete removes the thing and its attribute rows (ON DELETE CASCADE).
func (s things) Delete(ctx context.Context, name string) error {
	return s.t.execOne(ctx, "delete thing "+strconv.Quote(name), "DELETE FROM things WHERE name = ?", name)
}

// List walks things in name order. With an attribute name it is driven by
// the thing_attributes index: an exact value reads the matching things
// already in name order; a prefix sorts the matches.
func (s things) List(ctx context.Context, f store.ThingFilter, p store.Page) ([]store.Thing, string, error) {
	after, err := decodeCursor(p.After)
	if err != nil {
		return nil, "", err
	}
	var q sel
	key := "t.name"
	switch {
	case f.AttrName != "":
		key = "a.thing_name"
		q.b.WriteString("SELECT " + thingCols + " FROM thing_attributes a JOIN things t ON t.name = a.thing_name")
		q.and("a.name = ?", f.AttrName)
		filterValue(&q, "a.value", f)
	case f.AttrValue != "":
		q.b.WriteString("SELECT " + thingCols + " FROM things t")
		var sub sel
		sub.b.WriteString("EXISTS (SELECT 1 FROM thing_attributes a")
		sub.and("a.thing_name = t.name")
		filterValue(&sub, "a.value", f)
		q.and(sub.b.String()+")", sub.args...)
	default:
		q.b.WriteString("SELECT " + thingCols + " FROM things t")
	}
	if f.TypeName != "" {
		q.and("t.type_name = ?", f.TypeName)
	}
	if after != "" {
		q.and(key+" > ?", after)
	}
	q.page(key, p)
	out, err := list(ctx, s.t, "list things", scanThing, q.b.String(), q.args...)
	if err != nil {
		return nil, "", err
	}
	out, next := cut(out, p, func(th store.Thing) string { return th.Name })
	return out, next, nil
}

func filterValue(q *sel, col string, f store.ThingFilter) {
	switch {
	case f.AttrValue == "":
	case f.AttrPrefix:
		q.and(col+" >= ? AND "+col+" < ?", f.AttrValue, prefixEnd(f.AttrValue))
	default:
		q.and(col+" = ?", f.AttrValue)
	}
}

func (s things) CountByType(ctx context.Context, typeName string) (int, error) {
	return s.t.count(ctx, "count things of type "+strconv.Quote(typeName),
		"SELECT count(*) FROM things WHERE type_name = ?", typeName)
}

type thingTypes struct{ t *tx }

const thingTypeCols = "name, id, description, searchable_attributes, properties, deprecated, deprecated_at, created_at"

func scanThingType(s scanner) (store.ThingType, error) {
	var tt store.ThingType
	var searchable []byte
	var deprecatedAt, created int64
	err := s.Scan(&tt.Name, &tt.ID, &tt.Description, &searchable, &tt.Properties, &tt.Deprecated, &deprecatedAt, &created)
	if err != nil {
		return store.ThingType{}, err
	}
	tt.DeprecatedAt, tt.CreatedAt = utc(deprecatedAt), utc(created)
	if len(searchable) > 0 {
		if err := json.Unmarshal(searchable, &tt.SearchableAttributes); err != nil {
			return store.ThingType{}, fmt.Errorf("decode searchable attributes: %w", err)
		}
	}
	return tt, nil
}

// thingTypeArgs are the values of every column but name, in thingTypeCols
// order.
func thingTypeArgs(tt store.ThingType) ([]any, error) {
	var searchable, props any
	if len(tt.SearchableAttributes) > 0 {
		b, err := json.Marshal(tt.SearchableAttributes)
		if err != nil {
			return nil, err
		}
		searchable = string(b)
	}
	if len(tt.Properties) > 0 {
		props = tt.Properties
	}
	return []any{tt.ID, tt.Description, searchable, props, tt.Deprecated,
		tt.DeprecatedAt.UnixMilli(), tt.CreatedAt.UnixMilli()}, nil
}

func (s thingTypes) Get(ctx context.Context, name string) (store.ThingType, error) {
	tt, err := scanThingType(s.t.queryRow(ctx, "SELECT "+thingTypeCols+" FROM thing_types WHERE name = ?", name))
	if err != nil {
		return store.ThingType{}, wrap(ctx, "get thing type "+strconv.Quote(name), err)
	}
	return tt, nil
}

func (s thingTypes) Create(ctx context.Context, tt store.ThingType) error {
	args, err := thingTypeArgs(tt)
	if err == nil {
		_, err = s.t.exec(ctx, "INSERT INTO thing_types ("+thingTypeCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			append([]any{tt.Name}, args...)...)
	}
	if err != nil {
		return wrap(ctx, "create thing type "+strconv.Quote(tt.Name), err)
	}
	return nil
}

func (s thingTypes) Update(ctx context.Context, tt store.ThingType) error {
	op := "update thing type " + strconv.Quote(tt.Name)
	args, err := thingTypeArgs(tt)
	if err != nil {
		return wrap(ctx, op, err)
	}
	return s.t.execOne(ctx, op, `UPDATE thing_types SET id = ?, description = ?, searchable_attributes = ?,
		properties = ?, deprecated = ?, deprecated_at = ?, created_at = ? WHERE name = ?`,
		append(args, tt.Name)...)
}

func (s thingTypes) Delete(ctx context.Context, name string) error {
	return s.t.execOne(ctx, "delete thing type "+strconv.Quote(name), "DELETE FROM thing_types WHERE name = ?", name)
}

func (s thingTypes) List(ctx context.Context, p store.Page) ([]store.ThingType, string, error) {
	after, err := decodeCursor(p.After)
	if err != nil {
		return nil, "", err
	}
	var q sel
	q.b.WriteString("SELECT " + thingTypeCols + " FROM thing_types")
	if after != "" {
		q.and("name > ?", after)
	}
	q.page("name", p)
	out, err := list(ctx, s.t, "list thing types", scanThingType, q.b.String(), q.args...)
	if err != nil {
		return nil, "", err
	}
	out, next := cut(out, p, func(tt store.ThingType) string { return tt.Name })
	return out, next, nil
}
