package sqlite

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migrations are the files migrations/NNNN_name.sql, numbered from 0001
// without gaps. Each runs once, in its own write transaction, together with
// the schema_version row that records it; a migration is never edited once
// released: a later change is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, n := range names {
		base := strings.TrimPrefix(n, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlite: migration %s: name is not NNNN_name.sql", base)
		}
		b, err := migrationFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("sqlite: migration %s: want version %d", m.name, i+1)
		}
	}
	return ms, nil
}

const createSchemaVersion = `CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL
)`

// migrate brings the schema up to the newest embedded migration. It refuses
// a file whose schema is newer than this binary knows.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	c, err := db.writers.get(ctx)
	if err != nil {
		return err
	}
	defer db.writers.put(c)
	if _, err := c.sc.ExecContext(ctx, createSchemaVersion); err != nil {
		return wrap(ctx, "create schema_version", err)
	}
	for _, m := range ms {
		if err := applyMigration(ctx, c, m, len(ms)); err != nil {
			return err
		}
	}
	// Refresh the planner's statistics where they are missing or stale
	// (bounded work; SQLite's advice for long-lived connections).
	if _, err := c.sc.ExecContext(ctx, "PRAGMA optimize=0x10002"); err != nil {
		return wrap(ctx, "optimize", err)
	}
	return nil
}

// SchemaVersion reports the newest migration applied to the file.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	c, err := db.readers.get(ctx)
	if err != nil {
		return 0, err
	}
	defer db.readers.put(c)
	var v int
	err = c.queryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&v)
	if err != nil {
		return 0, wrap(ctx, "schema version", err)
	}
	return v, nil
}

func applyMigration(ctx context.Context, c *conn, m migration, latest int) (err error) {
	if _, err := c.sc.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return wrap(ctx, "migrate: begin", err)
	}
	done := false
	defer func() {
		if !done {
			c.rollback()
		}
	}()
	var cur int
	err = c.sc.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&cur)
	if err != nil {
		return wrap(ctx, "migrate: read version", err)
	}
	if cur > latest {
		return fmt.Errorf("sqlite: schema version %d is newer than this binary's %d", cur, latest)
	}
	if cur < m.version {
		if _, err := c.sc.ExecContext(ctx, m.sql); err != nil {
			return wrap(ctx, "migrate "+m.name, err)
		}
		_, err = c.sc.ExecContext(ctx, "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
			m.version, m.name, time.Now().UnixMilli())
		if err != nil {
			return wrap(ctx, "migrate "+m.name, err)
		}
	}
	if _, err := c.sc.ExecContext(context.WithoutCancel(ctx), "COMMIT"); err != nil {
		return wrap(ctx, "migrate: commit", err)
	}
	done = true
	return nil
}
