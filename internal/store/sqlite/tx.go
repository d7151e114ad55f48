package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/roost-iot/roost/internal/store"
)

// tx is a store.Tx on one connection inside BEGIN … COMMIT. The aggregate
// values it hands out are one pointer wide, so returning them as interfaces
// does not allocate.
type tx struct {
	c   *conn           // nil once fn has returned
	ctx context.Context // the transaction's: once it ends, statements fail
}

var (
	_ store.Tx           = (*tx)(nil)
	_ store.Things       = things{}
	_ store.ThingTypes   = thingTypes{}
	_ store.ThingGroups  = thingGroups{}
	_ store.Certificates = certificates{}
	_ store.Policies     = policies{}
	_ store.Links        = links{}
	_ store.Tags         = tags{}
	_ store.Meta         = meta{}
)

var errTxDone = errors.New("sqlite: transaction has ended")

func (t *tx) Things() store.Things             { return things{t} }
func (t *tx) ThingTypes() store.ThingTypes     { return thingTypes{t} }
func (t *tx) ThingGroups() store.ThingGroups   { return thingGroups{t} }
func (t *tx) Certificates() store.Certificates { return certificates{t} }
func (t *tx) Policies() store.Policies         { return policies{t} }
func (t *tx) Links() store.Links               { return links{t} }
func (t *tx) Tags() store.Tags                 { return tags{t} }
func (t *tx) Meta() store.Meta                 { return meta{t} }

// check refuses statements after fn returned or once the transaction's
// context ended: SQLite may have rolled back on the interrupt, and a later
// statement would otherwise run outside any transaction.
func (t *tx) check() error {
	if t.c == nil {
		return errTxDone
	}
	return t.ctx.Err()
}

// exec and queryRow run statements that touch a few rows by key and end in
// microseconds. They check both contexts first and then run without one:
// a cancelable context costs two goroutines per statement (database/sql's
// and the driver's interrupt watchers), a third of a point lookup.
// Statements that may scan (query, count) stay interruptible.
func (t *tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if err := t.checkCtx(ctx); err != nil {
		return nil, err
	}
	return t.c.exec(context.Background(), q, args...)
}

func (t *tx) checkCtx(ctx context.Context) error {
	if err := t.check(); err != nil {
		return err
	}
	return ctx.Err()
}

func (t *tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	return t.c.query(ctx, q, args...)
}

func (t *tx) queryRow(ctx context.Context, q string, args ...any) row {
	if err := t.checkCtx(ctx); err != nil {
		return row{err: err}
	}
	return t.c.queryRow(context.Background(), q, args...)
}

// execOne runs a statement that must touch exactly one row: none is
// store.ErrNotFound.
func (t *tx) execOne(ctx context.Context, op, q string, args ...any) error {
	res, err := t.exec(ctx, q, args...)
	if err != nil {
		return wrap(ctx, op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(ctx, op, err)
	}
	if n == 0 {
		return fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	return nil
}

// count runs a SELECT count(*), interruptible: it may scan an index range.
func (t *tx) count(ctx context.Context, op, q string, args ...any) (int, error) {
	var n int
	err := t.check()
	if err == nil {
		err = t.c.queryRow(ctx, q, args...).Scan(&n)
	}
	if err != nil {
		return 0, wrap(ctx, op, err)
	}
	return n, nil
}

// scanner is a *sql.Row, *sql.Rows or row.
type scanner interface{ Scan(dest ...any) error }

// list runs q and scans each row with scan, closing the rows.
func list[T any](ctx context.Context, t *tx, op string, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, wrap(ctx, op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, wrap(ctx, op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(ctx, op, err)
	}
	return out, nil
}

// sel builds a SELECT from fixed fragments; values always go in args.
type sel struct {
	b     strings.Builder
	args  []any
	where bool
}

func (q *sel) and(cond string, args ...any) {
	if q.where {
		q.b.WriteString(" AND ")
	} else {
		q.b.WriteString(" WHERE ")
		q.where = true
	}
	q.b.WriteString(cond)
	q.args = append(q.args, args...)
}

// page ends q with its order and a limit one row past the page, so that the
// next cursor is "" when nothing follows.
func (q *sel) page(order string, p store.Page) {
	q.b.WriteString(" ORDER BY ")
	q.b.WriteString(order)
	q.b.WriteString(" LIMIT ?")
	if p.Limit <= 0 {
		q.args = append(q.args, -1)
	} else {
		q.args = append(q.args, p.Limit+1)
	}
}

// cut trims the extra row and returns the cursor after the last item kept.
func cut[T any](items []T, p store.Page, key func(T) string) ([]T, string) {
	if p.Limit <= 0 || len(items) <= p.Limit {
		return items, ""
	}
	items = items[:p.Limit]
	return items, encodeCursor(key(items[len(items)-1]))
}

func encodeCursor(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(key))
}

// decodeCursor returns the key a cursor was made from, "" for no cursor.
func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) == 0 {
		return "", fmt.Errorf("sqlite: cursor %q: %w", c, store.ErrBadCursor)
	}
	return string(b), nil
}

// timeKey is the cursor key of a list ordered by (time, id).
func timeKey(at time.Time, id string) string {
	return strconv.FormatInt(at.UnixMilli(), 10) + "/" + id
}

func decodeTimeCursor(c string) (ms int64, id string, err error) {
	key, err := decodeCursor(c)
	if err != nil || key == "" {
		return 0, "", err
	}
	s, id, ok := strings.Cut(key, "/")
	ms, perr := strconv.ParseInt(s, 10, 64)
	if !ok || perr != nil {
		return 0, "", fmt.Errorf("sqlite: cursor %q: %w", c, store.ErrBadCursor)
	}
	return ms, id, nil
}

// utc reads a stored unix-millisecond time; the zero time round-trips.
func utc(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// encodeMap stores a string map as a JSON object, or NULL when empty.
func encodeMap(m map[string]string) (any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// decodeMap reads what encodeMap wrote. An object of strings without
// escapes (the usual attributes) is split directly, several times faster
// than encoding/json; anything else goes to encoding/json.
func decodeMap(b []byte) (map[string]string, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if m, ok := decodePlainMap(b); ok {
		return m, nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode map: %w", err)
	}
	return m, nil
}

func decodePlainMap(b []byte) (map[string]string, bool) {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' || !plainJSON(b) {
		return nil, false
	}
	m := make(map[string]string, bytes.Count(b, []byte{':'}))
	for b = b[1 : len(b)-1]; len(b) > 0; {
		k, rest, ok := plainString(b)
		if !ok || len(rest) == 0 || rest[0] != ':' {
			return nil, false
		}
		v, rest, ok := plainString(rest[1:])
		if !ok {
			return nil, false
		}
		m[k] = v
		if len(rest) == 0 {
			break
		}
		if rest[0] != ',' || len(rest) == 1 {
			return nil, false
		}
		b = rest[1:]
	}
	return m, true
}

// plainJSON reports whether b is valid UTF-8 without escapes or control
// characters, so that its strings need no decoding.
func plainJSON(b []byte) bool {
	ascii := true
	for _, c := range b {
		if c == '\\' || c < 0x20 {
			return false
		}
		ascii = ascii && c < utf8.RuneSelf
	}
	return ascii || utf8.Valid(b)
}

// plainString cuts a JSON string without escapes off the front of b.
func plainString(b []byte) (s string, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return "", nil, false
	}
	end := bytes.IndexByte(b[1:], '"')
	if end < 0 {
		return "", nil, false
	}
	return string(b[1 : 1+end]), b[2+end:], true
}

// prefixEnd is the smallest string above every string that starts with
// prefix: no valid UTF-8 byte is 0xff, and SQLite compares text bytewise.
func prefixEnd(prefix string) string { return prefix + "\xff" }
