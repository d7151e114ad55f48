package broker

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/roost-iot/roost/internal/pki"
	"github.com/roost-iot/roost/internal/policy"
	"github.com/roost-iot/roost/internal/registry"
	"github.com/roost-iot/roost/internal/store/sqlite"
)

var ctx = context.Background()

// seedDevicePolicy is seed 000's per-device policy (us-east-1, 123456789012).
const seedDevicePolicy = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"iot:Connect","Resource":"arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}"},
 {"Effect":"Allow","Action":["iot:Publish","iot:Receive"],"Resource":"arn:aws:iot:us-east-1:123456789012:topic/temperature/${iot:Connection.Thing.Attributes[BuildingName]}/${iot:Connection.Thing.Attributes[Location]}/${iot:Connection.Thing.ThingName}"},
 {"Effect":"Allow","Action":"iot:Subscribe","Resource":"arn:aws:iot:us-east-1:123456789012:topicfilter/temperature/${iot:Connection.Thing.Attributes[BuildingName]}/${iot:Connection.Thing.Attributes[Location]}/${iot:Connection.Thing.ThingName}"}]}`

type fixture struct {
	reg  *registry.Service
	auth *Authorizer
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "roost.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ca, err := pki.NewCA("test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	reg := registry.New(registry.Options{Store: db, Region: "us-east-1", Account: "123456789012", Issuer: ca, CAPEM: ca.CertPEM()})
	if _, err := reg.CreatePolicy(ctx, "SensorPolicy", seedDevicePolicy, nil); err != nil {
		t.Fatal(err)
	}
	return &fixture{reg: reg, auth: NewAuthorizer(reg, "us-east-1", "123456789012")}
}

// device registers a thing with the seed attributes and an ACTIVE
// certificate carrying the seed device policy.
func (f *fixture) device(t testing.TB, name, building, location string) registry.IssuedCertificate {
	t.Helper()
	cert, err := f.reg.CreateKeysAndCertificate(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.reg.CreateThing(ctx, registry.CreateThingInput{Name: name,
		Attributes: map[string]string{"BuildingName": building, "Location": location}})
	if err == nil {
		err = f.reg.AttachPolicy(ctx, "SensorPolicy", cert.ARN)
	}
	if err == nil {
		err = f.reg.AttachThingPrincipal(ctx, name, cert.ARN, "")
	}
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestGrantSeedDevicePolicy(t *testing.T) {
	f := newFixture(t)
	a := f.device(t, "sensor_a", "home417", "loft")
	f.device(t, "sensor_b", "home417", "cellar")

	g, err := f.auth.Grant(ctx, Identity{CertID: a.ID, ClientID: "sensor_a"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		act  policy.Action
		kind string
		res  string
		want bool
	}{
		{"ok/own-topic", policy.Publish, policy.KindTopic, "temperature/home417/loft/sensor_a", true},
		{"ok/receive-own", policy.Receive, policy.KindTopic, "temperature/home417/loft/sensor_a", true},
		{"ok/subscribe-own", policy.Subscribe, policy.KindTopicFilter, "temperature/home417/loft/sensor_a", true},
		{"fail/other-device", policy.Publish, policy.KindTopic, "temperature/home417/cellar/sensor_b", false},
		{"fail/wildcard-subscribe", policy.Subscribe, policy.KindTopicFilter, "temperature/#", false},
		{"fail/retain-not-granted", policy.RetainPublish, policy.KindTopic, "temperature/home417/loft/sensor_a", false},
	}
	for _, tc := range cases {
		if got := g.Allow(tc.act, tc.kind, tc.res); got != tc.want {
			t.Errorf("%s: Allow(%s %s/%s) = %v", tc.name, tc.act, tc.kind, tc.res, got)
		}
	}
	if !g.AllowConnect("sensor_a", false, false).Allowed() {
		t.Error("sensor_a must connect as sensor_a")
	}

	// With another client id the thing does not apply (non-exclusive), so
	// the thing variables are unresolved and nothing is allowed.
	g2, err := f.auth.Grant(ctx, Identity{CertID: a.ID, ClientID: "sensor_b"})
	if err != nil {
		t.Fatal(err)
	}
	if g2.AllowConnect("sensor_b", false, false).Allowed() || g2.Allow(policy.Publish, policy.KindTopic, "temperature/home417/loft/sensor_a") {
		t.Error("a certificate used with another thing's client id must get nothing")
	}
}

func TestGrantRefusesInactiveAndUnknown(t *testing.T) {
	f := newFixture(t)
	a := f.device(t, "sensor_a", "home417", "loft")
	if err := f.reg.UpdateCertificate(ctx, a.ID, registry.StatusInactive); err != nil {
		t.Fatal(err)
	}
	if _, err := f.auth.Grant(ctx, Identity{CertID: a.ID, ClientID: "sensor_a"}); !errors.Is(err, ErrInactive) {
		t.Fatalf("inactive: %v", err)
	}
	if _, err := f.auth.Grant(ctx, Identity{CertID: "ab", ClientID: "x"}); !errors.Is(err, ErrUnknownCertificate) {
		t.Fatalf("unknown: %v", err)
	}
}

// BenchmarkGrantAllow guards the per-PUBLISH authorization cost: building
// the topic ARN and evaluating the compiled policy must not allocate.
func BenchmarkGrantAllow(b *testing.B) {
	f := newFixture(b)
	a := f.device(b, "sensor_a", "home417", "loft")
	g, err := f.auth.Grant(ctx, Identity{CertID: a.ID, ClientID: "sensor_a"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !g.Allow(policy.Publish, policy.KindTopic, "temperature/home417/loft/sensor_a") {
			b.Fatal("denied")
		}
	}
}
