package sqlite

import (
	"context"
	"strconv"

	"github.com/roost-iot/roost/internal/store"
)

// certificates are listed by (created_at, id), ascending or descending,
// optionally within one CA; the cursor is "createdAtMillis/id".
type certificates struct{ t *tx }

const certCols = `id, pem, ca_id, status, mode, owned_by, customer_version, generation_id,
	not_before, not_after, created_at, updated_at, origin`

func scanCert(s scanner) (store.Certificate, error) {
	var c store.Certificate
	var nb, na, created, updated int64
	err := s.Scan(&c.ID, &c.PEM, &c.CAID, &c.Status, &c.Mode, &c.OwnedBy, &c.CustomerVersion, &c.GenerationID,
		&nb, &na, &created, &updated, &c.Origin)
	if err != nil {
		return store.Certificate{}, err
	}
	c.NotBefore, c.NotAfter, c.CreatedAt, c.UpdatedAt = utc(nb), utc(na), utc(created), utc(updated)
	return c, nil
}

func (s certificates) Get(ctx context.Context, id string) (store.Certificate, error) {
	c, err := scanCert(s.t.queryRow(ctx, "SELECT "+certCols+" FROM certificates WHERE id = ?", id))
	if err != nil {
		return store.Certificate{}, wrap(ctx, "get certificate "+strconv.Quote(id), err)
	}
	return c, nil
}

func (s certificates) Create(ctx context.Context, c store.Certificate) error {
	_, err := s.t.exec(ctx, "INSERT INTO certificates ("+certCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		c.ID, c.PEM, c.CAID, c.Status, c.Mode, c.OwnedBy, c.CustomerVersion, c.GenerationID,
		c.NotBefore.UnixMilli(), c.NotAfter.UnixMilli(), c.CreatedAt.UnixMilli(), c.UpdatedAt.UnixMilli(), c.Origin)
	if err != nil {
		return wrap(ctx, "create certificate "+strconv.Quote(c.ID), err)
	}
	return nil
}

func (s certificates) Update(ctx context.Context, c store.Certificate) error {
	return s.t.execOne(ctx, "update certificate "+strconv.Quote(c.ID), `UPDATE certificates SET pem = ?, ca_id = ?,
		status = ?, mode = ?, owned_by = ?, customer_version = ?, generation_id = ?, not_before = ?, not_after = ?,
		created_at = ?, updated_at = ?, origin = ? WHERE id = ?`,
		c.PEM, c.CAID, c.Status, c.Mode, c.OwnedBy, c.CustomerVersion, c.GenerationID,
		c.NotBefore.UnixMilli(), c.NotAfter.UnixMilli(), c.CreatedAt.UnixMilli(), c.UpdatedAt.UnixMilli(), c.Origin, c.ID)
}

func (s certificates) Delete(ctx context.Context, id string) error {
	return s.t.execOne(ctx, "delete certificate "+strconv.Quote(id), "DELETE FROM certificates WHERE id = ?", id)
}

func (s certificates) List(ctx context.Context, f store.CertFilter, p store.Page) ([]store.Certificate, string, error) {
	ms, id, err := decodeTimeCursor(p.After)
	if err != nil {
		return nil, "", err
	}
	var q sel
	q.b.WriteString("SELECT " + certCols + " FROM certificates")
	if f.CAID != "" {
		q.and("ca_id = ?", f.CAID)
	}
	if f.Origin != "" {
		q.and("origin = ?", f.Origin)
	} else {
		q.and("origin <> ?", store.OriginClaim)
	}
	order := "created_at DESC, id DESC"
	if f.Ascending {
		order = "created_at, id"
	}
	if p.After != "" {
		if f.Ascending {
			q.and("(created_at, id) > (?, ?)", ms, id)
		} else {
			q.and("(created_at, id) < (?, ?)", ms, id)
		}
	}
	q.page(order, p)
	out, err := list(ctx, s.t, "list certificates", scanCert, q.b.String(), q.args...)
	if err != nil {
		return nil, "", err
	}
	out, next := cut(out, p, func(c store.Certificate) string { return timeKey(c.CreatedAt, c.ID) })
	return out, next, nil
}
