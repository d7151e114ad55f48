package shadow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/roost-iot/roost/internal/store/sqlite"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(sec int64) {
	c.mu.Lock()
	c.t = time.Unix(sec, 0)
	c.mu.Unlock()
}

// env is a Service over a real SQLite file, with a settable clock and a
// registry that knows the things in known (every thing when known is nil).
type env struct {
	s     *Service
	db    *sqlite.DB
	path  string
	clock *clock
	known map[string]bool
}

const t0 = 1700000000

func newEnv(t testing.TB, o Options) *env {
	t.Helper()
	e := &env{path: filepath.Join(t.TempDir(), "roost.db"), clock: &clock{t: time.Unix(t0, 0)}}
	db, err := sqlite.Open(context.Background(), e.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.db = db
	if o.Things == nil {
		o.Things = ThingsFunc(func(_ context.Context, name string) (bool, error) {
			return e.known == nil || e.known[name], nil
		})
	}
	e.s = New(db, e.clock.now, o)
	return e
}

func (e *env) update(t testing.TB, thing, name, req string) (UpdateResult, *Error) {
	t.Helper()
	res, err := e.s.Update(context.Background(), thing, name, []byte(req))
	return res, asError(t, err)
}

func (e *env) mustUpdate(t testing.TB, thing, name, req string) UpdateResult {
	t.Helper()
	res, err := e.update(t, thing, name, req)
	if err != nil {
		t.Fatalf("update %s/%s %s: %v", thing, name, req, err)
	}
	return res
}

func (e *env) get(t testing.TB, thing, name, token string) ([]byte, *Error) {
	t.Helper()
	doc, err := e.s.Get(context.Background(), thing, name, token)
	return doc, asError(t, err)
}

func (e *env) mustGet(t testing.TB, thing, name string) map[string]any {
	t.Helper()
	doc, err := e.get(t, thing, name, "")
	if err != nil {
		t.Fatalf("get %s/%s: %v", thing, name, err)
	}
	return decode(t, doc)
}

func (e *env) del(t testing.TB, thing, name, token string) ([]byte, *Error) {
	t.Helper()
	doc, err := e.s.Delete(context.Background(), thing, name, token)
	return doc, asError(t, err)
}

// asError checks that a non-nil error is an *Error.
func asError(t testing.TB, err error) *Error {
	t.Helper()
	if err == nil {
		return nil
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *shadow.Error", err, err)
	}
	return e
}

// decode parses a document the service wrote, checking that it is valid
// JSON.
func decode(t testing.TB, doc []byte) map[string]any {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatalf("document %s is not a JSON object: %v", doc, err)
	}
	return m
}

// jsonOf parses a JSON text given in a test.
func jsonOf(t testing.TB, s string) any {
	t.Helper()
	var v any
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatalf("test JSON %s: %v", s, err)
	}
	return v
}

// sameJSON compares got (a decoded value) with the JSON text want,
// whatever the key order.
func sameJSON(t testing.TB, what string, got any, want string) {
	t.Helper()
	w := jsonOf(t, want)
	if !reflect.DeepEqual(normJSON(got), normJSON(w)) {
		g, _ := json.Marshal(got)
		t.Errorf("%s:\n got %s\nwant %s", what, g, want)
	}
}

// normJSON makes numbers comparable by value text as written (all test
// numbers are written the way the service writes them).
func normJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = normJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normJSON(e)
		}
		return out
	case json.Number:
		return string(v)
	}
	return v
}
