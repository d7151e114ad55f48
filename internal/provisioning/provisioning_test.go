package provisioning

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/roost-iot/roost/internal/pki"
	"github.com/roost-iot/roost/internal/registry"
	"github.com/roost-iot/roost/internal/store/sqlite"
)

var ctx = context.Background()

func newService(t testing.TB) (*Service, *registry.Service) {
	t.Helper()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "roost.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ca, _ := pki.NewCA("test", time.Now())
	reg := registry.New(registry.Options{Store: db, Region: "us-east-1", Account: "123456789012", Issuer: ca, CAPEM: ca.CertPEM()})
	svc, err := New(ctx, reg, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return svc, reg
}

func TestOwnershipToken(t *testing.T) {
	svc, _ := newService(t)
	id := "99e03674cfd6c9d1f4e2f6b3f3c0f3d1d1e0a5d7b4c1f1a2b3c4d5e6f7a8b9c0"
	tok := svc.token(id)
	if got, err := svc.CertificateForToken(tok); err != nil || got != id {
		t.Fatalf("ok/round-trip: %q %v", got, err)
	}
	bad := []byte(tok)
	bad[10] ^= 1
	for name, tk := range map[string]string{"fail/empty": "", "fail/garbage": "!!", "fail/tampered": string(bad)} {
		if _, err := svc.CertificateForToken(tk); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	svc.now = func() time.Time { return time.Now().Add(TokenLifetime + time.Minute) }
	if _, err := svc.CertificateForToken(tok); err == nil {
		t.Error("fail/expired: accepted")
	}
}

func TestReapDeletesOnlyExpiredUnregistered(t *testing.T) {
	svc, reg := newService(t)
	expired, err := reg.CreateProvisioningCertificate(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	active, err := reg.CreateKeysAndCertificate(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := svc.Reap(ctx); n != 0 {
		t.Fatalf("reaped %d before any token expired", n)
	}
	svc.now = func() time.Time { return time.Now().Add(TokenLifetime + time.Minute) }
	if n, err := svc.Reap(ctx); n != 1 || err != nil {
		t.Fatalf("reaped %d (%v), want the one unregistered certificate", n, err)
	}
	if _, err := reg.DescribeCertificate(ctx, expired.ID); err == nil {
		t.Error("the unregistered certificate is still there")
	}
	if _, err := reg.DescribeCertificate(ctx, active.ID); err != nil {
		t.Errorf("an ACTIVE certificate was reaped: %v", err)
	}
}

func TestServeFormats(t *testing.T) {
	svc, _ := newService(t)
	for _, topic := range []string{"$aws/certificates/create/xml", "$aws/certificates/nope/json"} {
		if reply, _ := svc.Serve(ctx, Request{Topic: topic}); reply != topic+"/rejected" {
			t.Errorf("%s answered on %s", topic, reply)
		}
	}
	// CBOR: same keys, CBOR map encoding.
	reply, payload := svc.Serve(ctx, Request{Topic: "$aws/certificates/create/cbor"})
	var got map[string]string
	if reply != "$aws/certificates/create/cbor/accepted" || cbor.Unmarshal(payload, &got) != nil ||
		got["certificateId"] == "" || got["privateKey"] == "" || got["certificateOwnershipToken"] == "" {
		t.Fatalf("cbor: %s %v", reply, got)
	}
	req, _ := cbor.Marshal(map[string]string{"certificateSigningRequest": "nope"})
	reply, payload = svc.Serve(ctx, Request{Topic: "$aws/certificates/create-from-csr/cbor", Payload: req})
	var rej Rejection
	if reply != "$aws/certificates/create-from-csr/cbor/rejected" || cbor.Unmarshal(payload, &rej) != nil || rej.StatusCode != 400 {
		t.Fatalf("cbor rejection: %s %+v", reply, rej)
	}
}

// FuzzServe feeds the MQTT provisioning API arbitrary topics and payloads
// (the token, the RegisterThing parameters, CSRs, JSON and CBOR): every
// request gets an accepted or rejected answer in its format, never a panic.
func FuzzServe(f *testing.F) {
	svc, reg := newService(f)
	_, err := reg.CreateProvisioningTemplate(ctx, registry.CreateTemplateInput{Name: "T", Enabled: true,
		ProvisioningRoleARN: "arn:aws:iam::123456789012:role/p",
		Body: `{"Parameters":{"S":{"Type":"String"},"AWS::IoT::Certificate::Id":{"Type":"String"}},"Resources":{
			"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Fn::Join":["",["t_",{"Ref":"S"}]]}}},
			"certificate":{"Type":"AWS::IoT::Certificate","Properties":{"CertificateId":{"Ref":"AWS::IoT::Certificate::Id"},"Status":"ACTIVE"}}}}`})
	if err != nil {
		f.Fatal(err)
	}
	c, err := reg.CreateProvisioningCertificate(ctx, "")
	if err != nil {
		f.Fatal(err)
	}
	tok := svc.token(c.ID)
	f.Add("$aws/provisioning-templates/T/provision/json", []byte(`{"certificateOwnershipToken":"`+tok+`","parameters":{"S":"x"}}`))
	f.Add("$aws/provisioning-templates/T/provision/json", []byte(`{"certificateOwnershipToken":"`+tok+`","parameters":{"S":1}}`))
	f.Add("$aws/provisioning-templates/T/provision/cbor", []byte{0xa1, 0x61, 0x61, 0x01})
	f.Add("$aws/provisioning-templates//provision/json", []byte(`{}`))
	f.Add("$aws/certificates/create-from-csr/json", []byte(`{"certificateSigningRequest":"-----BEGIN CERTIFICATE REQUEST-----\nAA==\n-----END CERTIFICATE REQUEST-----"}`))
	f.Add("$aws/certificates/create/cbor", []byte{})
	f.Fuzz(func(t *testing.T, topic string, payload []byte) {
		// Issuing certificates is slow and not what is fuzzed here.
		if strings.HasPrefix(topic, "$aws/certificates/create/") {
			return
		}
		reply, body := svc.Serve(ctx, Request{Topic: topic, Payload: payload, ClientID: "fuzz"})
		if !strings.HasPrefix(reply, topic+"/") || len(body) == 0 {
			t.Fatalf("%q answered on %q with %q", topic, reply, body)
		}
	})
}
