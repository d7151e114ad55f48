package registry_test

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/roost-iot/roost/internal/pki"
	"github.com/roost-iot/roost/internal/registry"
	"github.com/roost-iot/roost/internal/store/sqlite"
)

var ctx = context.Background()

func newRegistry(t *testing.T) *registry.Service {
	t.Helper()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "roost.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ca, err := pki.NewCA("test CA", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return registry.New(registry.Options{Store: db, Region: "us-east-1", Account: "123456789012", Issuer: ca, CAPEM: ca.CertPEM()})
}

const doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:*","Resource":"*"}]}`

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// recorder collects Changes.
type recorder struct {
	mu  sync.Mutex
	got []registry.Change
}

func (r *recorder) add(c registry.Change) { r.mu.Lock(); r.got = append(r.got, c); r.mu.Unlock() }
func (r *recorder) take() []registry.Change {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.got
	r.got = nil
	return out
}

func TestPrincipalResolvesPoliciesAndThings(t *testing.T) {
	reg := newRegistry(t)
	var rec recorder
	cancel := reg.Watch(rec.add)
	defer cancel()

	cert, err := reg.CreateKeysAndCertificate(ctx, true)
	must(t, err)
	for _, p := range []string{"own", "root-group", "leaf-group", "unused"} {
		_, err := reg.CreatePolicy(ctx, p, doc, nil)
		must(t, err)
	}
	_, err = reg.CreateThingGroup(ctx, registry.CreateThingGroupInput{Name: "building"})
	must(t, err)
	_, err = reg.CreateThingGroup(ctx, registry.CreateThingGroupInput{Name: "floor1", Parent: "building"})
	must(t, err)
	_, err = reg.CreateThing(ctx, registry.CreateThingInput{Name: "sensor_a", Attributes: map[string]string{"Location": "loft"}})
	must(t, err)
	rec.take()

	must(t, reg.AttachPolicy(ctx, "own", cert.ARN))
	must(t, reg.AttachPolicy(ctx, "root-group", reg.ARN(registry.KindThingGroup, "building")))
	must(t, reg.AttachPolicy(ctx, "leaf-group", reg.ARN(registry.KindThingGroup, "floor1")))
	must(t, reg.AddThingToThingGroup(ctx, registry.GroupThingInput{GroupName: "floor1", ThingName: "sensor_a"}))
	must(t, reg.AttachThingPrincipal(ctx, "sensor_a", cert.ARN, ""))

	want := []registry.Change{
		{Policy: "own", CertID: cert.ID},
		{Policy: "root-group", Group: "building"},
		{Policy: "leaf-group", Group: "floor1"},
		{Thing: "sensor_a", Group: "floor1"},
		{CertID: cert.ID, Thing: "sensor_a"},
	}
	if got := rec.take(); !slices.Equal(got, want) {
		t.Fatalf("changes\n got %+v\nwant %+v", got, want)
	}

	p, err := reg.Principal(ctx, cert.ID)
	must(t, err)
	if p.Status != registry.StatusActive || len(p.Policies) != 1 || p.Policies[0].Name != "own" || p.Policies[0].Document != doc {
		t.Fatalf("principal %+v", p)
	}
	th, ok := p.ThingFor("sensor_a")
	if !ok || th.Attributes["Location"] != "loft" {
		t.Fatalf("thing for client sensor_a: %+v %v", th, ok)
	}
	var names []string
	for _, d := range th.GroupPolicies {
		names = append(names, d.Name)
	}
	if !slices.Equal(names, []string{"leaf-group", "root-group"}) {
		t.Fatalf("group policies %v", names)
	}
	// Non-exclusive association: another client id gets no thing.
	if _, ok := p.ThingFor("someone-else"); ok {
		t.Fatal("a client id that is not the thing name must not get the thing")
	}

	// Revocation and a new default version are reported.
	must(t, reg.UpdateCertificate(ctx, cert.ID, registry.StatusRevoked))
	_, err = reg.CreatePolicyVersion(ctx, "own", doc, true)
	must(t, err)
	_, err = reg.CreatePolicyVersion(ctx, "own", doc, false) // not the default: nothing changes
	must(t, err)
	want = []registry.Change{{CertID: cert.ID}, {Policy: "own"}}
	if got := rec.take(); !slices.Equal(got, want) {
		t.Fatalf("changes\n got %+v\nwant %+v", got, want)
	}
	p, err = reg.Principal(ctx, cert.ID)
	must(t, err)
	if p.Status != registry.StatusRevoked || p.Policies[0].Version != 2 {
		t.Fatalf("after revoke: %+v", p)
	}
	// A failed write notifies nobody.
	if err := reg.UpdateCertificate(ctx, cert.ID, registry.StatusActive); err == nil {
		t.Fatal("a revoked certificate must stay revoked")
	}
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("failed write notified %+v", got)
	}
}

func TestPrincipalExclusiveThing(t *testing.T) {
	reg := newRegistry(t)
	cert, err := reg.CreateKeysAndCertificate(ctx, true)
	must(t, err)
	for _, n := range []string{"gw", "other"} {
		_, err := reg.CreateThing(ctx, registry.CreateThingInput{Name: n})
		must(t, err)
	}
	must(t, reg.AttachThingPrincipal(ctx, "gw", cert.ARN, registry.ExclusiveThing))
	if err := reg.AttachThingPrincipal(ctx, "other", cert.ARN, ""); err == nil {
		t.Fatal("an exclusively attached certificate must not attach to a second thing")
	}
	p, err := reg.Principal(ctx, cert.ID)
	must(t, err)
	if th, ok := p.ThingFor("any-client-id"); !ok || th.Name != "gw" {
		t.Fatalf("exclusive thing applies to any client id: %+v %v", th, ok)
	}
	if _, err := reg.Principal(ctx, "00"); err == nil {
		t.Fatal("unknown certificate must be an error")
	}
}

// TestPrincipalCacheFollowsChanges: Principal is cached, and every change
// that alters what a certificate may do is seen by the next call, also
// from inside a watcher (the gateway re-resolves there).
func TestPrincipalCacheFollowsChanges(t *testing.T) {
	reg := newRegistry(t)
	c, err := reg.CreateKeysAndCertificate(ctx, true)
	must(t, err)
	_, err = reg.CreatePolicy(ctx, "p", doc, nil)
	must(t, err)
	_, err = reg.CreateThing(ctx, registry.CreateThingInput{Name: "t", Attributes: map[string]string{"a": "1"}})
	must(t, err)
	must(t, reg.AttachThingPrincipal(ctx, "t", c.ARN, ""))

	var seen []*registry.Principal
	cancel := reg.Watch(func(registry.Change) {
		p, err := reg.Principal(ctx, c.ID)
		if err == nil {
			seen = append(seen, p)
		}
	})
	defer cancel()
	get := func() *registry.Principal {
		t.Helper()
		p, err := reg.Principal(ctx, c.ID)
		must(t, err)
		return p
	}
	first := get()
	if get() != first {
		t.Error("a second Principal call without changes was not served from the cache")
	}
	must(t, reg.AttachPolicy(ctx, "p", c.ARN))
	if p := get(); len(p.Policies) != 1 || seen[len(seen)-1] != p {
		t.Errorf("after AttachPolicy: %d policies (the watcher saw the same principal: %v)", len(p.Policies), seen[len(seen)-1] == p)
	}
	must(t, reg.UpdateThing(ctx, registry.UpdateThingInput{Name: "t", Attributes: map[string]string{"a": "2"}, HasAttributes: true}))
	if p := get(); p.Things[0].Attributes["a"] != "2" {
		t.Errorf("after UpdateThing: attributes %v", p.Things[0].Attributes)
	}
	_, err = reg.CreatePolicyVersion(ctx, "p", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iot:*","Resource":"*"}]}`, true)
	must(t, err)
	if p := get(); p.Policies[0].Version != 2 {
		t.Errorf("after a new default version: version %d", p.Policies[0].Version)
	}
	must(t, reg.UpdateCertificate(ctx, c.ID, registry.StatusRevoked))
	if p := get(); p.Status != registry.StatusRevoked {
		t.Errorf("after UpdateCertificate: %s", p.Status)
	}
	must(t, reg.DetachThingPrincipal(ctx, "t", c.ARN))
	if p := get(); len(p.Things) != 0 {
		t.Errorf("after DetachThingPrincipal: %d things", len(p.Things))
	}
	for i, p := range seen {
		if p == first {
			t.Errorf("watcher call %d saw the principal cached before the change", i)
		}
	}
}

// TestThingExistsCache: existence is cached, a deleted thing is gone at
// once, and a thing created after a miss is found.
func TestThingExistsCache(t *testing.T) {
	reg := newRegistry(t)
	exists := func(name string) bool {
		t.Helper()
		ok, err := reg.ThingExists(ctx, name)
		must(t, err)
		return ok
	}
	if exists("t") {
		t.Fatal("a missing thing exists")
	}
	_, err := reg.CreateThing(ctx, registry.CreateThingInput{Name: "t"})
	must(t, err)
	if !exists("t") || !exists("t") {
		t.Fatal("a created thing does not exist")
	}
	must(t, reg.DeleteThing(ctx, "t", nil))
	if exists("t") {
		t.Fatal("a deleted thing still exists (stale cache)")
	}
}
