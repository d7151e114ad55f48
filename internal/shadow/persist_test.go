package shadow

import (
	"context"
	"testing"
	"time"

	"github.com/roost-iot/roost/internal/store/sqlite"
)

// TestSurvivesReopen writes shadows to a SQLite file, closes it, opens it
// again with a new Service and finds every shadow as it was: documents,
// versions, the deleted shadow's version, the list of named shadows.
func TestSurvivesReopen(t *testing.T) {
	e := newEnv(t, Options{})
	e.mustUpdate(t, "lamp", "", `{"state":{"desired":{"color":"red"},"reported":{"color":"blue","seq":[1,2]}}}`)
	e.clock.set(t0 + 1)
	e.mustUpdate(t, "lamp", "", `{"state":{"reported":{"seq":[3]}}}`)
	e.mustUpdate(t, "lamp", "cfg", `{"state":{"desired":{"rate":5}}}`)
	e.mustUpdate(t, "lamp", "gone", `{"state":{"reported":{"x":1}}}`)
	e.mustUpdate(t, "lamp", "gone", `{"state":{"reported":{"x":2}}}`)
	if _, err := e.del(t, "lamp", "gone", ""); err != nil {
		t.Fatal(err)
	}
	before, _ := e.get(t, "lamp", "", "")
	beforeCfg, _ := e.get(t, "lamp", "cfg", "")
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := sqlite.Open(context.Background(), e.path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := New(db, func() time.Time { return time.Unix(t0+1, 0) }, Options{})
	ctx := context.Background()
	after, err := s.Get(ctx, "lamp", "", "")
	if err != nil || string(after) != string(before) {
		t.Errorf("classic shadow after reopen:\n got %s %v\nwant %s", after, err, before)
	}
	afterCfg, err := s.Get(ctx, "lamp", "cfg", "")
	if err != nil || string(afterCfg) != string(beforeCfg) {
		t.Errorf("named shadow after reopen:\n got %s %v\nwant %s", afterCfg, err, beforeCfg)
	}
	if _, err := s.Get(ctx, "lamp", "gone", ""); err == nil {
		t.Error("deleted shadow came back")
	}
	list, err := s.ListNamedShadows(ctx, "lamp", 10, "")
	if err != nil || string(list) != `{"results":["cfg"],"timestamp":1700000001}` {
		t.Errorf("list after reopen: %s %v", list, err)
	}
	res, err := s.Update(ctx, "lamp", "", []byte(`{"state":{"reported":{"color":"red"}},"version":2}`))
	if err != nil || res.Version != 3 {
		t.Fatalf("update after reopen: version %d, %v; want 3", res.Version, err)
	}
	res, err = s.Update(ctx, "lamp", "gone", []byte(`{"state":{"reported":{"x":3}},"version":2}`))
	if err != nil || res.Version != 3 {
		t.Fatalf("update of the deleted shadow after reopen: version %d, %v; want 3", res.Version, err)
	}
}
