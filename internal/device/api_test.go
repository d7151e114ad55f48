package device

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"

	"github.com/roost-iot/roost/internal/device/devicetest"
)

// claimOptions are the options of a device of cloud, with its claim
// certificate loaded.
func claimOptions(t testing.TB, cloud *devicetest.Cloud) Options {
	t.Helper()
	roots, _, err := LoadRoots(cloud.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	claim, err := tls.LoadX509KeyPair(cloud.ClaimCert, cloud.ClaimKey)
	if err != nil {
		t.Fatal(err)
	}
	return Options{Endpoint: Endpoint{Addr: cloud.Endpoint, Roots: roots}, Claim: claim, Template: devicetest.Template}
}

// openClaim connects with the claim certificate and subscribes to the
// answers of the given requests.
func openClaim(t *testing.T, o *Options, requests ...string) *apiSession {
	t.Helper()
	o.defaults()
	ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
	defer cancel()
	conn, err := Dial(ctx, o.Endpoint, o.Claim, o.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	api, err := openAPI(ctx, conn, o.Format, requests...)
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// The certificate half of the flow, in both formats and both ways: the
// cloud's key pair, or a CSR for a key that never leaves the device.
func TestCreateCertificate(t *testing.T) {
	cloud := devicetest.Start(t)
	for _, tc := range []struct {
		name   string
		format Format
		csr    bool
	}{
		{"ok/json", JSON, false},
		{"ok/cbor", CBOR, false},
		{"ok/json-csr", JSON, true},
		{"ok/cbor-csr", CBOR, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := claimOptions(t, cloud)
			o.Format, o.CSR = tc.format, tc.csr
			api := openClaim(t, &o, topicCreate, topicCreateFromCSR)
			id, token, err := o.createCertificate(context.Background(), api)
			if err != nil {
				t.Fatal(err)
			}
			if token == "" || id.CertificateID == "" {
				t.Fatalf("token %q id %q", token, id.CertificateID)
			}
			cert, err := id.Certificate() // the key matches the certificate
			if err != nil {
				t.Fatal(err)
			}
			leaf, _ := x509.ParseCertificate(cert.Certificate[0])
			block, _ := pem.Decode(id.PrivateKeyPEM)
			if tc.csr && (block == nil || block.Type != "PRIVATE KEY" || leaf.PublicKeyAlgorithm != x509.ECDSA) {
				t.Fatalf("CSR flow: want our P-256 key, got %v %v", block, leaf.PublicKeyAlgorithm)
			}
			d, err := cloud.IoT.DescribeCertificate(context.Background(), &iot.DescribeCertificateInput{CertificateId: aws.String(id.CertificateID)})
			if err != nil {
				t.Fatal(err)
			}
			if s := d.CertificateDescription.Status; s != "PENDING_ACTIVATION" {
				t.Fatalf("status %s before RegisterThing", s)
			}
		})
	}
}

// A rejection comes back typed, in either format.
func TestRejection(t *testing.T) {
	cloud := devicetest.Start(t)
	for _, f := range []Format{JSON, CBOR} {
		t.Run("fail/"+string(f), func(t *testing.T) {
			o := claimOptions(t, cloud)
			o.Format = f
			api := openClaim(t, &o, topicCreateFromCSR)
			err := api.call(context.Background(), topicCreateFromCSR, createFromCSRRequest{CSR: "nope"}, &createAnswer{})
			var rej *Rejection
			if !errors.As(err, &rej) || rej.StatusCode != 400 || rej.ErrorCode == "" || rej.ErrorMessage == "" {
				t.Fatalf("want a 400 rejection, got %v", err)
			}
			if r := Reason(&StepError{StepCreate, err}); r != "create certificate: "+rej.ErrorCode {
				t.Fatalf("reason %q", r)
			}
		})
	}
}

// The claim policy names one template: another one's topics are refused,
// the subscription with a SUBACK failure and the publish by closing the
// connection (MQTT 3.1.1, as AWS IoT does).
func TestClaimPolicyRefusesOtherTemplate(t *testing.T) {
	cloud := devicetest.Start(t)
	o := claimOptions(t, cloud)
	o.defaults()
	ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
	defer cancel()
	conn, err := Dial(ctx, o.Endpoint, o.Claim, o.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = openAPI(ctx, conn, JSON, topicRegister("OtherTemplate"))
	if !errors.Is(err, ErrSubscribeRefused) || Reason(err) != "SubscribeRefused" {
		t.Fatalf("subscribe: want refused, got %v", err)
	}
	err = conn.Publish(ctx, topicRegister("OtherTemplate")+"/json", []byte("{}"))
	if !errors.Is(err, ErrConnectionLost) {
		t.Fatalf("publish: want the connection closed, got %v", err)
	}
	select {
	case <-conn.Lost():
	case <-time.After(o.Timeout):
		t.Fatal("connection still up")
	}
}
