package device

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"time"
)

// Options are what a device needs to provision itself by claim: the
// endpoint, the claim certificate every device of the fleet shares, the
// template and the parameters that make this device itself.
type Options struct {
	Endpoint   Endpoint
	Claim      tls.Certificate
	ClientID   string // of the claim connection; "" picks a random one
	Template   string
	Parameters map[string]string // e.g. SerialNumber, BuildingName, Location
	CSR        bool              // keep the key on the device (CreateCertificateFromCsr)
	Format     Format            // "" is JSON
	Timeout    time.Duration     // each connect and request; 0 is DefaultTimeout

	// Keep, if set, stores the identity as soon as RegisterThing accepts
	// and before the identity is tried, so that a device never loses a
	// certificate the cloud has registered.
	Keep func(*Identity) error
	Log  *slog.Logger
}

// Steps of the flow, named in errors and in Simulate's failure reasons.
const (
	StepClaimConnect = "claim connect"
	StepCreate       = "create certificate"
	StepRegister     = "register thing"
	StepKeep         = "keep identity"
	StepConnect      = "connect as thing"
)

// StepError is a failure of one step of the provisioning flow.
type StepError struct {
	Step string
	Err  error
}

func (e *StepError) Error() string { return e.Step + ": " + e.Err.Error() }
func (e *StepError) Unwrap() error { return e.Err }

// Provision runs fleet provisioning by claim, as seed 000's device script
// does: connect with the claim certificate, obtain a certificate (a new key
// pair from the cloud, or with CSR a certificate for a key made here),
// register the thing with the template and parameters, then connect with
// the new certificate and the thing name as client id to prove it works.
//
// When only that last connect fails the identity is returned with the
// error: the cloud has registered it, and the caller may keep it.
func Provision(ctx context.Context, o Options) (*Identity, error) {
	o.defaults()
	start := time.Now()
	id, err := o.claim(ctx)
	if err != nil {
		return nil, err
	}
	o.Log.Debug("provisioned", "thing", id.ThingName, "certificateId", id.CertificateID)
	if o.Keep != nil {
		if err := o.Keep(id); err != nil {
			return id, &StepError{StepKeep, err}
		}
	}
	if err := o.check(ctx, id); err != nil {
		return id, &StepError{StepConnect, err}
	}
	o.Log.Debug("identity works", "thing", id.ThingName, "elapsed", time.Since(start))
	return id, nil
}

func (o *Options) defaults() {
	if o.Format == "" {
		o.Format = JSON
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.ClientID == "" {
		o.ClientID = "claim-" + randomHex(8)
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// claim runs the claim session: certificate, then RegisterThing.
func (o *Options) claim(ctx context.Context) (*Identity, error) {
	cctx, cancel := context.WithTimeout(ctx, o.Timeout)
	conn, err := Dial(cctx, o.Endpoint, o.Claim, o.ClientID)
	cancel()
	if err != nil {
		return nil, &StepError{StepClaimConnect, err}
	}
	defer conn.Close()
	create := topicCreate
	if o.CSR {
		create = topicCreateFromCSR
	}
	cctx, cancel = context.WithTimeout(ctx, o.Timeout)
	api, err := openAPI(cctx, conn, o.Format, create, topicRegister(o.Template))
	cancel()
	if err != nil {
		return nil, &StepError{StepCreate, err}
	}
	id, token, err := o.createCertificate(ctx, api)
	if err != nil {
		return nil, &StepError{StepCreate, err}
	}
	if err := o.registerThing(ctx, api, id, token); err != nil {
		return nil, &StepError{StepRegister, err}
	}
	return id, nil
}

// createCertificate asks for a certificate and returns it with its
// ownership token.
func (o *Options) createCertificate(ctx context.Context, api *apiSession) (*Identity, string, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	var out createAnswer
	id := &Identity{Template: o.Template, Parameters: maps.Clone(o.Parameters)}
	if o.CSR {
		key, csr, err := newCSR()
		if err != nil {
			return nil, "", err
		}
		if err := api.call(ctx, topicCreateFromCSR, createFromCSRRequest{CSR: string(csr)}, &out); err != nil {
			return nil, "", err
		}
		id.PrivateKeyPEM = key
	} else {
		if err := api.call(ctx, topicCreate, struct{}{}, &out); err != nil {
			return nil, "", err
		}
		id.PrivateKeyPEM = []byte(out.PrivateKey)
	}
	if out.CertificatePem == "" || len(id.PrivateKeyPEM) == 0 || out.CertificateOwnershipToken == "" {
		return nil, "", errors.New("accepted answer lacks the certificate, key or ownership token")
	}
	id.CertificateID, id.CertificatePEM = out.CertificateID, []byte(out.CertificatePem)
	if _, err := id.Certificate(); err != nil {
		return nil, "", err
	}
	return id, out.CertificateOwnershipToken, nil
}

// registerThing calls RegisterThing and fills in the thing name and the
// device configuration.
func (o *Options) registerThing(ctx context.Context, api *apiSession, id *Identity, token string) error {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	var out registerAnswer
	req := registerRequest{CertificateOwnershipToken: token, Parameters: o.Parameters}
	if err := api.call(ctx, topicRegister(o.Template), req, &out); err != nil {
		return err
	}
	if out.ThingName == "" {
		// AWS answers without a thing name when the template makes no
		// thing; a device without one cannot connect as itself here.
		return errors.New("accepted answer names no thing (does the template create one?)")
	}
	id.ThingName, id.DeviceConfiguration = out.ThingName, out.DeviceConfiguration
	return nil
}

// check connects with the new identity, as the device will from now on.
func (o *Options) check(ctx context.Context, id *Identity) error {
	cert, err := id.Certificate()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	conn, err := Dial(ctx, o.Endpoint, cert, id.ThingName)
	if err != nil {
		return err
	}
	conn.Close()
	return nil
}

// newCSR makes an ECDSA P-256 key and a CSR for it. The cloud ignores the
// subject (AWS IoT does too), so it names nothing.
func newCSR() (keyPEM, csrPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key: %w", err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "roost device"}}, key)
	if err != nil {
		return nil, nil, fmt.Errorf("create CSR: %w", err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
