package pki

import (
	"bytes"
	"crypto/elliptic"
	"crypto/x509/pkix"
	"errors"
	"testing"
)

// FuzzParseCertificatePEM: certificatePem and caCertificatePem come from API
// clients. The parsers must never panic, must return *InvalidCertificateError
// on failure, and a success must hold a parsed certificate.
func FuzzParseCertificatePEM(f *testing.F) {
	ca, err := NewCA("Fuzz CA", testNow)
	if err != nil {
		f.Fatal(err)
	}
	leaf, _, err := ca.IssueServer([]string{"localhost", "127.0.0.1"}, testNow)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ca.CertPEM())
	f.Add([]byte(awsIssuedCertPEM))
	f.Add(append(bytes.Clone(leaf), ca.CertPEM()...))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"))
	f.Add(ca.KeyPEM())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCertificatePEM(b)
		checkParse(t, c != nil && len(c.Raw) > 0, err, isCertError)
		certs, err := ParseCertificateChainPEM(b)
		checkParse(t, len(certs) > 0 && len(certs) <= MaxChainLen, err, isCertError)
		if err == nil {
			_ = CertificateID(certs[0].Raw)
			_ = VerifyIssuedBy(certs[0], ca.Certificate())
			_ = ServerCertCovers(b, []string{"localhost"}, testNow)
		}
	})
}

// FuzzParseCSRPEM: CSRs come from API clients and from devices over MQTT
// (fleet provisioning). Parsing and the CSR checks must never panic and must
// fail with *InvalidCSRError.
func FuzzParseCSRPEM(f *testing.F) {
	f.Add(csrPEM(f, ecKey(f, elliptic.P256()), pkix.Name{CommonName: "thing", Organization: []string{"Acme"}}))
	f.Add(csrPEM(f, ecKey(f, elliptic.P384()), pkix.Name{}))
	f.Add(csrPEM(f, edKey(f), pkix.Name{CommonName: "ed"}))
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n-----END CERTIFICATE REQUEST-----\n"))
	f.Add([]byte("-----BEGIN NEW CERTIFICATE REQUEST-----\n-----END NEW CERTIFICATE REQUEST-----\n"))
	f.Add([]byte(awsIssuedCertPEM))
	f.Fuzz(func(t *testing.T, b []byte) {
		csr, err := ParseCSRPEM(b)
		checkParse(t, csr != nil, err, isCSRError)
		if err == nil {
			if err := checkCSR(csr); err != nil && !isCSRError(err) {
				t.Fatalf("checkCSR error %T %v, want *InvalidCSRError", err, err)
			}
		}
	})
}

func checkParse(t *testing.T, ok bool, err error, typed func(error) bool) {
	t.Helper()
	if err != nil {
		if !typed(err) {
			t.Fatalf("error %T %v is not the package's typed error", err, err)
		}
		var ce *InvalidCertificateError
		if errors.As(err, &ce) && len(ce.Message) > 200 {
			t.Fatalf("client message too long: %q", ce.Message)
		}
		return
	}
	if !ok {
		t.Fatal("nil error without a result")
	}
}
