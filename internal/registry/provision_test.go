package registry_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"testing"

	"github.com/roost-iot/roost/internal/provisioning/template"
	"github.com/roost-iot/roost/internal/registry"
)

// TestProvisionRefusesUsedOrGoneCertificate: RegisterThing's one
// transaction refuses a certificate that is no longer pending activation
// (its token was used) and, distinctly, one deleted or reaped since its
// token was issued; neither leaves the plan's thing behind.
func TestProvisionRefusesUsedOrGoneCertificate(t *testing.T) {
	reg := newRegistry(t)
	cert, err := reg.CreateProvisioningCertificate(ctx, csrPEM(t))
	must(t, err)
	plan := func(thing string) *template.Plan {
		return &template.Plan{
			Things:       []template.Thing{{LogicalID: "thing", ThingName: thing}},
			Certificates: []template.Certificate{{LogicalID: "cert", CertificateID: cert.ID, Status: template.StatusActive}},
		}
	}
	if _, err := reg.Provision(ctx, registry.ProvisionInput{CertID: cert.ID, Plan: plan("first")}); err != nil {
		t.Fatalf("first Provision: %v", err)
	}

	_, err = reg.Provision(ctx, registry.ProvisionInput{CertID: cert.ID, Plan: plan("again")})
	var re *registry.Error
	if !errors.As(err, &re) || re.Code != registry.CertificateState || errors.Is(err, registry.ErrCertificateGone) {
		t.Fatalf("Provision with a used certificate: %v; want CertificateState, not ErrCertificateGone", err)
	}

	gone, err := reg.CreateProvisioningCertificate(ctx, csrPEM(t))
	must(t, err)
	must(t, reg.DeleteCertificate(ctx, gone.ID, true))
	p := plan("never")
	p.Certificates[0].CertificateID = gone.ID
	_, err = reg.Provision(ctx, registry.ProvisionInput{CertID: gone.ID, Plan: p})
	if !errors.Is(err, registry.ErrCertificateGone) {
		t.Fatalf("Provision with a deleted certificate: %v; want ErrCertificateGone", err)
	}
	for _, name := range []string{"again", "never"} {
		if _, err := reg.DescribeThing(ctx, name); err == nil {
			t.Errorf("thing %s exists after a refused Provision", name)
		}
	}
}

func csrPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
	must(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}
