package sqlite

import (
	"context"
	"fmt"
	"strconv"

	"github.com/roost-iot/roost/internal/store"
)

// policies keeps versions in policy_versions, which a foreign key ties to
// their policy: creating a version of a missing policy is ErrNotFound, and
// deleting the policy deletes its versions (ON DELETE CASCADE).
type policies struct{ t *tx }

const policyCols = "name, default_version, next_version, generation_id, created_at, updated_at"

func scanPolicy(s scanner) (store.Policy, error) {
	var p store.Policy
	var created, updated int64
	if err := s.Scan(&p.Name, &p.DefaultVersion, &p.NextVersion, &p.GenerationID, &created, &updated); err != nil {
		return store.Policy{}, err
	}
	p.CreatedAt, p.UpdatedAt = utc(created), utc(updated)
	return p, nil
}

func (s policies) Get(ctx context.Context, name string) (store.Policy, error) {
	p, err := scanPolicy(s.t.queryRow(ctx, "SELECT "+policyCols+" FROM policies WHERE name = ?", name))
	if err != nil {
		return store.Policy{}, wrap(ctx, "get policy "+strconv.Quote(name), err)
	}
	return p, nil
}

func (s policies) Create(ctx context.Context, p store.Policy) error {
	_, err := s.t.exec(ctx, "INSERT INTO policies ("+policyCols+") VALUES (?, ?, ?, ?, ?, ?)",
		p.Name, p.DefaultVersion, p.NextVersion, p.GenerationID, p.CreatedAt.UnixMilli(), p.UpdatedAt.UnixMilli())
	if err != nil {
		return wrap(ctx, "create policy "+strconv.Quote(p.Name), err)
	}
	return nil
}

func (s policies) Update(ctx context.Context, p store.Policy) error {
	return s.t.execOne(ctx, "update policy "+strconv.Quote(p.Name), `UPDATE policies SET default_version = ?,
		next_version = ?, generation_id = ?, created_at = ?, updated_at = ? WHERE name = ?`,
		p.DefaultVersion, p.NextVersion, p.GenerationID, p.CreatedAt.UnixMilli(), p.UpdatedAt.UnixMilli(), p.Name)
}

func (s policies) Delete(ctx context.Context, name string) error {
	return s.t.execOne(ctx, "delete policy "+strconv.Quote(name), "DELETE FROM policies WHERE name = ?", name)
}

func (s policies) List(ctx context.Context, ascending bool, p store.Page) ([]store.Policy, string, error) {
	after, err := decodeCursor(p.After)
	if err != nil {
		return nil, "", err
	}
	var q sel
	q.b.WriteString("SELECT " + policyCols + " FROM policies")
	order, cmp := "name DESC", "name < ?"
	if ascending {
		order, cmp = "name", "name > ?"
	}
	if after != "" {
		q.and(cmp, after)
	}
	q.page(order, p)
	out, err := list(ctx, s.t, "list policies", scanPolicy, q.b.String(), q.args...)
	if err != nil {
		return nil, "", err
	}
	out, next := cut(out, p, func(p store.Policy) string { return p.Name })
	return out, next, nil
}

const versionCols = "policy_name, id, document, generation_id, created_at, updated_at"

func scanVersion(s scanner) (store.PolicyVersion, error) {
	var v store.PolicyVersion
	var created, updated int64
	if err := s.Scan(&v.PolicyName, &v.ID, &v.Document, &v.GenerationID, &created, &updated); err != nil {
		return store.PolicyVersion{}, err
	}
	v.CreatedAt, v.UpdatedAt = utc(created), utc(updated)
	return v, nil
}

func versionOp(verb, name string, id int64) string {
	return fmt.Sprintf("%s policy %q version %d", verb, name, id)
}

func (s policies) GetVersion(ctx context.Context, name string, id int64) (store.PolicyVersion, error) {
	v, err := scanVersion(s.t.queryRow(ctx,
		"SELECT "+versionCols+" FROM policy_versions WHERE policy_name = ? AND id = ?", name, id))
	if err != nil {
		return store.PolicyVersion{}, wrap(ctx, versionOp("get", name, id), err)
	}
	return v, nil
}

// CreateVersion is ErrExists when the id is taken and ErrNotFound when the
// policy does not exist.
func (s policies) CreateVersion(ctx context.Context, v store.PolicyVersion) error {
	_, err := s.t.exec(ctx, "INSERT INTO policy_versions ("+versionCols+") VALUES (?, ?, ?, ?, ?, ?)",
		v.PolicyName, v.ID, v.Document, v.GenerationID, v.CreatedAt.UnixMilli(), v.UpdatedAt.UnixMilli())
	if err != nil {
		return wrap(ctx, versionOp("create", v.PolicyName, v.ID), err)
	}
	return nil
}

func (s policies) DeleteVersion(ctx context.Context, name string, id int64) error {
	return s.t.execOne(ctx, versionOp("delete", name, id),
		"DELETE FROM policy_versions WHERE policy_name = ? AND id = ?", name, id)
}

// ListVersions returns the versions by id; ErrNotFound when the policy does
// not exist.
func (s policies) ListVersions(ctx context.Context, name string) ([]store.PolicyVersion, error) {
	op := "list versions of policy " + strconv.Quote(name)
	out, err := list(ctx, s.t, op, scanVersion,
		"SELECT "+versionCols+" FROM policy_versions WHERE policy_name = ? ORDER BY id", name)
	if err != nil || len(out) > 0 {
		return out, err
	}
	n, err := s.t.count(ctx, op, "SELECT count(*) FROM policies WHERE name = ?", name)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	return out, nil
}
