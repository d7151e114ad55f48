package provisioning

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/roost-iot/roost/internal/pki"
	"github.com/roost-iot/roost/internal/registry"
	"github.com/roost-iot/roost/internal/store/sqlite"
)

var ctx = context.Background()

func newService(t *testing.T) (*Service, *registry.Service) {
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
