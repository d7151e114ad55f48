package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roost-iot/roost/internal/store"
	"github.com/roost-iot/roost/internal/store/storetest"
)

func openTest(t testing.TB, path string) *DB {
	t.Helper()
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openTest(t, filepath.Join(t.TempDir(), "roost.db"))
	})
}

func TestFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "roost.db")
	db := openTest(t, path)
	err := db.Update(t.Context(), func(tx store.Tx) error { return tx.Meta().Put(t.Context(), "k", "v") })
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s: mode %o, want 600", filepath.Base(p), mode)
		}
	}
}

// TestPragmas checks that the DSN configured each kind of connection.
func TestPragmas(t *testing.T) {
	for _, full := range []bool{false, true} {
		db, err := OpenWith(t.Context(), filepath.Join(t.TempDir(), "roost.db"), Options{FullSync: full})
		if err != nil {
			t.Fatal(err)
		}
		wantSync := map[bool]string{false: "1", true: "2"}[full]
		checkPragmas(t, db.writers, map[string]string{"journal_mode": "wal", "synchronous": wantSync,
			"foreign_keys": "1", "busy_timeout": strconv.Itoa(busyTimeoutMS), "query_only": "0"})
		checkPragmas(t, db.readers, map[string]string{"journal_mode": "wal", "foreign_keys": "1", "query_only": "1"})
		db.Close()
	}
}

func checkPragmas(t *testing.T, p *pool, want map[string]string) {
	t.Helper()
	c, err := p.get(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer p.put(c)
	for name, v := range want {
		var got string
		if err := c.sc.QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", name, err)
		}
		if got != v {
			t.Errorf("PRAGMA %s = %s, want %s", name, got, v)
		}
	}
}

func TestOddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a dir?with#odd%chars")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "roost.db")
	openTest(t, path)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at %s: %v", path, err)
	}
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "roost.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	want := store.Thing{Name: "lamp", ID: "1", Attributes: map[string]string{"a": "b"}, Version: 3,
		CreatedAt: time.UnixMilli(1714979289123).UTC()}
	err = db.Update(t.Context(), func(tx store.Tx) error { return tx.Things().Create(t.Context(), want) })
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openTest(t, path)
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.SchemaVersion(t.Context())
	if err != nil || v != len(ms) {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(ms))
	}
	err = db.View(t.Context(), func(tx store.Tx) error {
		got, err := tx.Things().Get(t.Context(), "lamp")
		if err == nil && (got.Version != 3 || got.Attributes["a"] != "b" || !got.CreatedAt.Equal(want.CreatedAt)) {
			err = fmt.Errorf("got %+v, want %+v", got, want)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "roost.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.writers.get(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.exec(t.Context(), "INSERT INTO schema_version (version, name, applied_at) VALUES (99, 'future', 0)")
	db.writers.put(c)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if db, err := Open(t.Context(), path); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open of a newer schema: %v", err)
		if db != nil {
			db.Close()
		}
	}
}

// TestConcurrentUpdates has many goroutines write at once, through one DB
// and through a second DB on the same file (as another process would): all
// commit, none sees SQLITE_BUSY.
func TestConcurrentUpdates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "roost.db")
	dbs := []*DB{openTest(t, path), openTest(t, path)}
	const goroutines, each = 32, 10
	var wg sync.WaitGroup
	for g := range goroutines {
		db := dbs[g%2]
		wg.Go(func() {
			for i := range each {
				name := fmt.Sprintf("g%02d-%02d", g, i)
				err := db.Update(t.Context(), func(tx store.Tx) error {
					return tx.Things().Create(t.Context(), store.Thing{Name: name, Attributes: map[string]string{"g": strconv.Itoa(g)}})
				})
				if err != nil {
					t.Errorf("Update %s: %v", name, err)
				}
			}
		})
	}
	wg.Wait()
	err := dbs[0].View(t.Context(), func(tx store.Tx) error {
		all, _, err := tx.Things().List(t.Context(), store.ThingFilter{}, store.Page{})
		if err == nil && len(all) != goroutines*each {
			err = fmt.Errorf("%d things, want %d", len(all), goroutines*each)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

const killChildEnv = "ROOST_SQLITE_KILL_CHILD"

// TestKilledProcessKeepsAcknowledgedWrites runs a child process that writes
// and acknowledges each committed Update on stdout, kills it with SIGKILL in
// the middle of its writes, and checks that every acknowledged write is in
// the file: the durability the API promises with synchronous=NORMAL.
func TestKilledProcessKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "roost.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	acked := 0
	sc := bufio.NewScanner(out)
	for acked < 200 && sc.Scan() {
		if strings.HasPrefix(sc.Text(), "ack ") {
			acked++
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	if acked < 200 {
		t.Fatalf("child acknowledged %d writes before ending", acked)
	}
	db := openTest(t, path)
	err = db.View(t.Context(), func(tx store.Tx) error {
		n, err := tx.Things().CountByType(t.Context(), "killed")
		if err == nil && n < acked {
			err = fmt.Errorf("%d things in the file, %d acknowledged", n, acked)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestKillChild is the child of TestKilledProcessKeepsAcknowledgedWrites.
func TestKillChild(t *testing.T) {
	path := os.Getenv(killChildEnv)
	if path == "" {
		t.Skip("only runs as a child process")
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		name := fmt.Sprintf("thing-%06d", i)
		err := db.Update(context.Background(), func(tx store.Tx) error {
			return tx.Things().Create(context.Background(), store.Thing{Name: name, TypeName: "killed"})
		})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("ack %s\n", name)
	}
}

// The benchmarks guard the hot paths behind DescribeThing, CreateThing and
// the certificate lookup at CONNECT: one transaction each, with a request
// context that can be canceled, as the API has.

func benchDB(b *testing.B, o Options) *DB {
	db, err := OpenWith(context.Background(), filepath.Join(b.TempDir(), "roost.db"), o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func benchThing(i int) store.Thing {
	return store.Thing{Name: fmt.Sprintf("thing-%07d", i), ID: fmt.Sprintf("%08x-0000-4000-8000-000000000000", i),
		TypeName: "sensor", Version: 1, CreatedAt: time.Now(),
		Attributes: map[string]string{"serial": strconv.Itoa(i), "floor": "3", "color": "red"}}
}

func seedThings(b *testing.B, db *DB, n int) []string {
	names := make([]string, n)
	err := db.Update(context.Background(), func(tx store.Tx) error {
		for i := range n {
			th := benchThing(i)
			names[i] = th.Name
			if err := tx.Things().Create(context.Background(), th); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return names
}

func BenchmarkThingsGet(b *testing.B) {
	db := benchDB(b, Options{})
	names := seedThings(b, db, 10000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	i := 0
	for b.Loop() {
		name := names[i%len(names)]
		i++
		err := db.View(ctx, func(tx store.Tx) error {
			_, err := tx.Things().Get(ctx, name)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkThingsGetParallel(b *testing.B) {
	db := benchDB(b, Options{})
	names := seedThings(b, db, 10000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			name := names[i%len(names)]
			i += 7
			err := db.View(ctx, func(tx store.Tx) error {
				_, err := tx.Things().Get(ctx, name)
				return err
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func benchCreate(b *testing.B, o Options) {
	db := benchDB(b, o)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	i := 0
	for b.Loop() {
		th := benchThing(i)
		i++
		err := db.Update(ctx, func(tx store.Tx) error { return tx.Things().Create(ctx, th) })
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkThingsCreate(b *testing.B)         { benchCreate(b, Options{}) }
func BenchmarkThingsCreateFullSync(b *testing.B) { benchCreate(b, Options{FullSync: true}) }

func BenchmarkCertificatesGet(b *testing.B) {
	db := benchDB(b, Options{})
	ids := make([]string, 10000)
	pem := "-----BEGIN CERTIFICATE-----\n" + strings.Repeat("A", 900) + "\n-----END CERTIFICATE-----\n"
	err := db.Update(context.Background(), func(tx store.Tx) error {
		for i := range ids {
			ids[i] = fmt.Sprintf("%064x", i*7919)
			c := store.Certificate{ID: ids[i], PEM: pem, Status: "ACTIVE", CreatedAt: time.Now()}
			if err := tx.Certificates().Create(context.Background(), c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	i := 0
	for b.Loop() {
		id := ids[i%len(ids)]
		i++
		err := db.View(ctx, func(tx store.Tx) error {
			_, err := tx.Certificates().Get(ctx, id)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
