package registry_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
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

// TestAttachPolicyLimits: at most 2 policies on a thing group (AWS
// developer guide) and 10 on a certificate; attaching an attached policy
// again is no error, even at the limit.
func TestAttachPolicyLimits(t *testing.T) {
	reg := newRegistry(t)
	for i := range 11 {
		_, err := reg.CreatePolicy(ctx, fmt.Sprintf("p%d", i), doc, nil)
		must(t, err)
	}
	g, err := reg.CreateThingGroup(ctx, registry.CreateThingGroupInput{Name: "Lights"})
	must(t, err)
	cert, err := reg.CreateCertificateFromCsr(ctx, csrPEM(t), true)
	must(t, err)
	for _, tc := range []struct {
		arn string
		max int
	}{{g.ARN, 2}, {cert.ARN, 10}} {
		for i := range tc.max {
			must(t, reg.AttachPolicy(ctx, fmt.Sprintf("p%d", i), tc.arn))
		}
		must(t, reg.AttachPolicy(ctx, "p0", tc.arn))
		err := reg.AttachPolicy(ctx, fmt.Sprintf("p%d", tc.max), tc.arn)
		var re *registry.Error
		if !errors.As(err, &re) || re.Code != registry.LimitExceeded {
			t.Errorf("policy %d on %s: %v; want LimitExceeded", tc.max+1, tc.arn, err)
		}
	}
}
