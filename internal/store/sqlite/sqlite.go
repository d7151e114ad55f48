// Package sqlite is the embedded store driver: it implements store.Store on
// one SQLite file through modernc.org/sqlite (pure Go, no cgo).
//
// It owns the file and its schema: Open creates the file (mode 0600), turns
// on WAL and foreign keys, and applies the embedded migrations in order,
// recording each in the schema_version table. Writers are serialized on one
// connection and start with BEGIN IMMEDIATE, so SQLITE_BUSY never surfaces
// between writers of one process; readers use a separate pool of read-only
// connections, so View runs concurrently with an Update and sees the last
// committed snapshot. Each connection keeps its statements prepared.
//
// Durability: a write is acknowledged (Update returns nil) once COMMIT has
// reached the WAL file through write(2). With the default synchronous=NORMAL
// that survives a kill of the process; a power loss or kernel crash may lose
// the last transactions but never corrupts the file. Options.FullSync sets
// synchronous=FULL, which fsyncs the WAL on every commit and survives a power
// loss too, at the cost of one fsync per Update.
//
// Timestamps are stored as integer unix milliseconds and read back in UTC;
// the zero time round-trips. Page cursors are opaque base64url strings made
// from the last key returned.
//
// This package does not know AWS rules (names, limits, which deletes are
// refused) and does not cascade tags or links when a record is deleted:
// registry owns both. A Tx must not be used from several goroutines at once,
// and Update must not be called from inside another Update's fn (the single
// writer would wait for itself until ctx ends).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/roost-iot/roost/internal/store"
)

// Options tunes Open. The zero value is the default.
type Options struct {
	// FullSync fsyncs the WAL on every commit (synchronous=FULL) so that
	// acknowledged writes also survive a power loss. By default
	// (synchronous=NORMAL) they survive a process kill only.
	FullSync bool
	// Readers bounds the read connections; 0 means max(4, GOMAXPROCS).
	Readers int
}

// DB is a store.Store on one SQLite file.
type DB struct {
	path    string
	wdb     *sql.DB // one connection: the writer
	rdb     *sql.DB // read-only connections
	writers *pool
	readers *pool
}

var _ store.Store = (*DB)(nil)

// Open opens (creating if missing) the database file at path with the
// default Options and brings its schema up to date.
func Open(ctx context.Context, path string) (*DB, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith is Open with explicit Options.
func OpenWith(ctx context.Context, path string, o Options) (*DB, error) {
	if err := createFile(path); err != nil {
		return nil, err
	}
	n := o.Readers
	if n <= 0 {
		n = max(4, runtime.GOMAXPROCS(0))
	}
	syncMode := "NORMAL"
	if o.FullSync {
		syncMode = "FULL"
	}
	wdb, err := sql.Open("sqlite", dsn(path, false, syncMode))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	rdb, err := sql.Open("sqlite", dsn(path, true, syncMode))
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	rdb.SetMaxOpenConns(n)
	db := &DB{path: path, wdb: wdb, rdb: rdb, writers: newPool(wdb, 1), readers: newPool(rdb, n)}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// createFile makes an empty database file readable by its owner only, so
// that SQLite (which would use 0644) finds it; the -wal and -shm files SQLite
// creates later copy its mode. An existing file is left as it is.
func createFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	return f.Close()
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// Update runs fn in a write transaction. Writers queue for the single write
// connection (giving up when ctx ends); fn's error rolls back and is
// returned as is.
func (db *DB) Update(ctx context.Context, fn func(store.Tx) error) error {
	return db.run(ctx, db.writers, beginWrite, fn)
}

// View runs fn in a read-only transaction on a consistent snapshot.
func (db *DB) View(ctx context.Context, fn func(store.Tx) error) error {
	return db.run(ctx, db.readers, beginRead, fn)
}

// Close closes the database without waiting: a transaction still running
// finishes on its connection, which is closed when it returns. Later calls
// to Update and View fail.
func (db *DB) Close() error {
	err := errors.Join(db.writers.close(), db.readers.close())
	return errors.Join(err, db.wdb.Close(), db.rdb.Close())
}

const (
	beginWrite = "BEGIN IMMEDIATE"
	beginRead  = "BEGIN"
)

func (db *DB) run(ctx context.Context, p *pool, begin string, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c, err := p.get(ctx)
	if err != nil {
		return err
	}
	defer p.put(c)
	// A read BEGIN takes no lock and cannot wait: it runs without ctx (see
	// tx.exec). BEGIN IMMEDIATE may wait for another process's write lock
	// and gives up when ctx ends.
	bctx := ctx
	if begin == beginRead {
		bctx = context.Background()
	}
	if _, err := c.exec(bctx, begin); err != nil {
		c.rollback() // the interrupt may have come after BEGIN ran
		return wrap(ctx, "begin", err)
	}
	t := &tx{c: c, ctx: ctx}
	committed := false
	defer func() {
		t.c = nil
		if !committed {
			c.rollback()
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// COMMIT is not interruptible: once started its outcome is the answer.
	if _, err := c.exec(context.Background(), "COMMIT"); err != nil {
		return wrap(ctx, "commit", err)
	}
	committed = true
	return nil
}
