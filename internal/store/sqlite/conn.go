package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/roost-iot/roost/internal/store"
)

// busyTimeoutMS bounds how long a connection waits for a lock held by
// another process (for example an admin command on the same file). Within
// one process writers queue in Go and readers never wait in WAL mode.
const busyTimeoutMS = 10000

// dsn builds the modernc DSN. The path goes in a file: URI so that any
// character in it is escaped; SQLite ignores the _pragma parameters, which
// the driver runs on every new connection.
func dsn(path string, readOnly bool, synchronous string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	q := fmt.Sprintf("?_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)", busyTimeoutMS)
	if readOnly {
		q += "&_pragma=query_only(1)"
		if strconv.IntSize == 64 {
			// Read the main file through the OS page cache, shared by all
			// readers, instead of a pread per page missing from each
			// connection's own cache (halves a cold certificate lookup).
			q += "&_pragma=mmap_size(268435456)"
		}
	} else {
		// journal_size_limit truncates the WAL back to 64 MiB after a
		// checkpoint, so one burst of writes does not keep its size.
		q += "&_pragma=journal_mode(WAL)&_pragma=synchronous(" + synchronous + ")" +
			"&_pragma=journal_size_limit(67108864)"
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + q
}

// conn is one SQLite connection and the statements prepared on it, keyed by
// their SQL text. Every SQL text comes from constants and fixed fragments,
// so the cache is bounded. A conn serves one transaction at a time.
type conn struct {
	sc    *sql.Conn
	stmts map[string]*sql.Stmt
	bad   bool // a ROLLBACK failed: discard instead of reusing
}

func (c *conn) prepare(ctx context.Context, q string) (*sql.Stmt, error) {
	if s, ok := c.stmts[q]; ok {
		return s, nil
	}
	s, err := c.sc.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.stmts[q] = s
	return s, nil
}

func (c *conn) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	s, err := c.prepare(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (c *conn) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	s, err := c.prepare(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// row is a *sql.Row that may carry the error of preparing its statement.
type row struct {
	r   *sql.Row
	err error
}

func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.r.Scan(dest...)
}

func (c *conn) queryRow(ctx context.Context, q string, args ...any) row {
	s, err := c.prepare(ctx, q)
	if err != nil {
		return row{err: err}
	}
	return row{r: s.QueryRowContext(ctx, args...)}
}

// rollback ends the open transaction whatever ctx says. "No transaction is
// active" is fine (SQLite rolls back by itself after an interrupt, and a
// failed BEGIN may have started none); any other failure marks the
// connection bad so that no later transaction inherits its state.
func (c *conn) rollback() {
	_, err := c.exec(context.Background(), "ROLLBACK")
	if err != nil && !strings.Contains(err.Error(), "no transaction is active") {
		c.bad = true
	}
}

func (c *conn) close() error {
	var errs []error
	for _, s := range c.stmts {
		errs = append(errs, s.Close())
	}
	return errors.Join(append(errs, c.sc.Close())...)
}

// pool hands out up to cap(slots) long-lived connections of one sql.DB. A
// pool of one is the writer lock: waiting for it respects ctx.
type pool struct {
	db    *sql.DB
	idle  chan *conn
	slots chan struct{}

	mu     sync.Mutex // guards closed and sends on idle
	closed bool
}

var errClosed = errors.New("sqlite: database is closed")

func newPool(db *sql.DB, n int) *pool {
	// Connections leave the pool only to be closed: database/sql must not
	// keep them idle and hand them out again with a transaction open.
	db.SetMaxIdleConns(0)
	return &pool{db: db, idle: make(chan *conn, n), slots: make(chan struct{}, n)}
}

func (p *pool) get(ctx context.Context) (*conn, error) {
	select {
	case c := <-p.idle:
		return c, nil
	default:
	}
	select {
	case c := <-p.idle:
		return c, nil
	case p.slots <- struct{}{}:
		c, err := p.open(ctx)
		if err != nil {
			<-p.slots
			return nil, err
		}
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *pool) open(ctx context.Context) (*conn, error) {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return nil, errClosed
	}
	sc, err := p.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: connect: %w", err)
	}
	return &conn{sc: sc, stmts: make(map[string]*sql.Stmt)}, nil
}

// put returns c to the pool, or closes it when it is bad or the pool is
// closed. The send never blocks: at most cap(idle) connections exist.
func (p *pool) put(c *conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || c.bad {
		c.close()
		<-p.slots
		return
	}
	p.idle <- c
}

func (p *pool) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	var errs []error
	for {
		select {
		case c := <-p.idle:
			errs = append(errs, c.close())
			<-p.slots
		default:
			return errors.Join(errs...)
		}
	}
}

// wrap gives err the operation's context and maps SQLite's constraint
// errors to the store's: a taken key is store.ErrExists, a missing parent
// row (foreign key) is store.ErrNotFound. Once ctx has ended, its error
// wins over the interrupt SQLite reports.
func wrap(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("sqlite: %s: %w", op, ctxErr)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return fmt.Errorf("sqlite: %s: %w", op, store.ErrExists)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}
