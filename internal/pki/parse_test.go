package pki

import (
	"bytes"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
)

func TestCertificateID(t *testing.T) {
	// A certificate issued by AWS IoT (CreateKeysAndCertificate, 2019) and the
	// certificateId AWS returned for it: the id is the SHA-256 of the DER.
	c, err := ParseCertificatePEM([]byte(awsIssuedCertPEM))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := CertificateID(c.Raw), "99e0367463786c967a8454a44786e1512e8588b55cec7ee44a2a41d30b10628c"; got != want {
		t.Errorf("CertificateID = %s, want %s", got, want)
	}
	der := []byte("any bytes")
	sum := sha256.Sum256(der)
	if got := CertificateID(der); got != hex.EncodeToString(sum[:]) {
		t.Errorf("CertificateID = %s", got)
	}
}

// TestAWSIssuedCertificateShape pins the facts Roost copies from a real
// AWS IoT device certificate.
func TestAWSIssuedCertificateShape(t *testing.T) {
	c, err := ParseCertificatePEM([]byte(awsIssuedCertPEM))
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject.String() != "CN=AWS IoT Certificate" {
		t.Errorf("subject = %s", c.Subject)
	}
	if !c.NotAfter.Equal(DeviceNotAfter) {
		t.Errorf("NotAfter = %v, want %v", c.NotAfter, DeviceNotAfter)
	}
	if len(c.SerialNumber.Bytes()) != 20 {
		t.Errorf("serial has %d octets", len(c.SerialNumber.Bytes()))
	}
}

func TestParseCertificatePEM(t *testing.T) {
	ca := newTestCA(t)
	other := newTestCA(t)
	good := ca.CertPEM()
	der := ca.Certificate().Raw
	csr := csrPEM(t, ecKey(t, elliptic.P256()), pkix.Name{CommonName: "x"})
	tests := []struct {
		name    string
		in      []byte
		wantErr string
	}{
		{name: "ok/one block", in: good},
		{name: "ok/surrounding whitespace", in: append(append([]byte("\n \r\n"), good...), "\n\n\t "...)},
		{name: "ok/CRLF line endings", in: bytes.ReplaceAll(good, []byte("\n"), []byte("\r\n"))},
		{name: "fail/empty", in: nil, wantErr: "no PEM block"},
		{name: "fail/garbage", in: []byte("hello world"), wantErr: "unexpected data"},
		{name: "fail/base64 without armor", in: []byte(strings.Join(strings.Split(string(good), "\n")[1:3], "\n")), wantErr: "unexpected data"},
		{name: "fail/two blocks", in: append(bytes.Clone(good), other.CertPEM()...), wantErr: "exactly one"},
		{name: "fail/wrong block type", in: csr, wantErr: `type is "CERTIFICATE REQUEST"`},
		{name: "fail/private key block", in: ca.KeyPEM(), wantErr: `type is "PRIVATE KEY"`},
		{name: "fail/oversize", in: append(bytes.Clone(good), bytes.Repeat([]byte("\n"), MaxPEMSize)...), wantErr: "larger than"},
		{name: "fail/text before block", in: append([]byte("Certificate:\n  Data: ...\n"), good...), wantErr: "unexpected data"},
		{name: "fail/text after block", in: append(bytes.Clone(good), "trailer"...), wantErr: "unexpected data"},
		{name: "fail/headers", in: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: der}), wantErr: "headers"},
		{name: "fail/missing END", in: bytes.Replace(good, []byte("-----END CERTIFICATE-----"), nil, 1), wantErr: "malformed"},
		{name: "fail/malformed block hiding a good one", in: append([]byte("-----BEGIN CERTIFICATE-----\n!!!\n"), good...), wantErr: "exactly one"},
		{name: "fail/bad DER", in: pemOf("CERTIFICATE", der[:len(der)-10]), wantErr: "cannot be parsed"},
		{name: "fail/trailing DER", in: pemOf("CERTIFICATE", append(bytes.Clone(der), 0, 0)), wantErr: "cannot be parsed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCertificatePEM(tt.in)
			if tt.wantErr != "" {
				var ce *InvalidCertificateError
				if !errors.As(err, &ce) || !strings.Contains(ce.Message, tt.wantErr) {
					t.Fatalf("err = %v, want *InvalidCertificateError with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseCertificatePEM: %v", err)
			}
			if !bytes.Equal(c.Raw, der) {
				t.Error("wrong certificate")
			}
		})
	}
}

func TestParseCertificateChainPEM(t *testing.T) {
	ca := newTestCA(t)
	leaf, _, err := ca.IssueServer([]string{"localhost"}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	chain := append(bytes.Clone(leaf), ca.CertPEM()...)
	tests := []struct {
		name    string
		in      []byte
		wantLen int
		wantErr string
	}{
		{name: "ok/one", in: leaf, wantLen: 1},
		{name: "ok/leaf and CA", in: chain, wantLen: 2},
		{name: "ok/blank lines between", in: append(append(bytes.Clone(leaf), "\n\n"...), ca.CertPEM()...), wantLen: 2},
		{name: "fail/too long", in: bytes.Repeat(ca.CertPEM(), MaxChainLen+1), wantErr: "more than"},
		{name: "fail/junk between", in: append(append(bytes.Clone(leaf), "junk\n"...), ca.CertPEM()...), wantErr: "unexpected data"},
		{name: "fail/key in chain", in: append(bytes.Clone(leaf), ca.KeyPEM()...), wantErr: "PEM block type"},
		{name: "fail/empty", in: []byte("  \n"), wantErr: "no PEM block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certs, err := ParseCertificateChainPEM(tt.in)
			if tt.wantErr != "" {
				var ce *InvalidCertificateError
				if !errors.As(err, &ce) || !strings.Contains(ce.Message, tt.wantErr) {
					t.Fatalf("err = %v, want *InvalidCertificateError with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(certs) != tt.wantLen {
				t.Fatalf("got %d certs, err %v; want %d", len(certs), err, tt.wantLen)
			}
		})
	}
}

func TestParseCSRPEM(t *testing.T) {
	ec := ecKey(t, elliptic.P256())
	good := csrPEM(t, ec, pkix.Name{CommonName: "thing"})
	blk, _ := pem.Decode(good)
	tests := []struct {
		name    string
		in      []byte
		wantErr string
	}{
		{name: "ok/CERTIFICATE REQUEST", in: good},
		{name: "ok/NEW CERTIFICATE REQUEST", in: pemOf("NEW CERTIFICATE REQUEST", blk.Bytes)},
		{name: "ok/trailing newlines", in: append(bytes.Clone(good), "\n\n"...)},
		{name: "fail/garbage", in: []byte("garbage"), wantErr: "unexpected data"},
		{name: "fail/two", in: append(bytes.Clone(good), good...), wantErr: "exactly one"},
		{name: "fail/certificate", in: newTestCA(t).CertPEM(), wantErr: "PEM block type"},
		{name: "fail/oversize", in: append(bytes.Clone(good), bytes.Repeat([]byte(" "), MaxPEMSize)...), wantErr: "larger than"},
		{name: "fail/bad DER", in: pemOf("CERTIFICATE REQUEST", blk.Bytes[:20]), wantErr: "cannot be parsed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			csr, err := ParseCSRPEM(tt.in)
			if tt.wantErr != "" {
				var ce *InvalidCSRError
				if !errors.As(err, &ce) || !strings.Contains(ce.Message, tt.wantErr) {
					t.Fatalf("err = %v, want *InvalidCSRError with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseCSRPEM: %v", err)
			}
			if csr.Subject.CommonName != "thing" {
				t.Errorf("CN = %q", csr.Subject.CommonName)
			}
		})
	}
}

func TestVerifyIssuedBy(t *testing.T) {
	ca := newTestCA(t)
	sameName := newTestCA(t) // same subject, different key
	otherName, err := NewCA("Other CA", testNow)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := ca.Issue(t.Context(), &IssueRequest{KeyType: KeyECDSAP256, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	srvPEM, _, err := ca.IssueServer([]string{"localhost"}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := ParseCertificatePEM(srvPEM)
	rsaCAPEM, _ := rsaRootPEM(t)
	rsaCA, _ := ParseCertificatePEM(rsaCAPEM)
	tests := []struct {
		name    string
		cert    *x509.Certificate
		issuer  *x509.Certificate
		wantErr string
	}{
		{"ok/device by its CA", dev.Certificate, ca.Certificate(), ""},
		{"ok/root by itself", ca.Certificate(), ca.Certificate(), ""},
		{"fail/same subject, other key", dev.Certificate, sameName.Certificate(), "not signed by the CA"},
		{"fail/other CA", dev.Certificate, otherName.Certificate(), "issuer is not the CA's subject"},
		{"fail/issuer not a CA", dev.Certificate, srv, "not a CA"},
		{"fail/unrelated RSA CA", dev.Certificate, rsaCA, "not the CA's subject"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyIssuedBy(tt.cert, tt.issuer)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("VerifyIssuedBy: %v", err)
				}
				return
			}
			var ce *InvalidCertificateError
			if !errors.As(err, &ce) || !strings.Contains(ce.Message, tt.wantErr) {
				t.Fatalf("err = %v, want *InvalidCertificateError with %q", err, tt.wantErr)
			}
		})
	}
}

func TestVerifyRegistrationProof(t *testing.T) {
	ca := newTestCA(t)
	other := newTestCA(t)
	const code = "6b3ab7a8c0a9b3a6e5b4c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2"
	csr := csrPEM(t, ecKey(t, elliptic.P256()), pkix.Name{CommonName: code})
	proof, err := ca.Issue(t.Context(), &IssueRequest{CSR: csr, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyRegistrationProof(proof.Certificate, ca.Certificate(), code); err != nil {
		t.Errorf("ok/proof: %v", err)
	}
	if err := VerifyRegistrationProof(proof.Certificate, ca.Certificate(), "another-code"); !errors.Is(err, ErrRegistrationCode) {
		t.Errorf("fail/wrong code: err = %v, want ErrRegistrationCode", err)
	}
	if err := VerifyRegistrationProof(proof.Certificate, ca.Certificate(), ""); !errors.Is(err, ErrRegistrationCode) {
		t.Errorf("fail/empty code: err = %v, want ErrRegistrationCode", err)
	}
	if err := VerifyRegistrationProof(proof.Certificate, other.Certificate(), code); !isCertError(err) {
		t.Errorf("fail/other CA's key: err = %v, want *InvalidCertificateError", err)
	}
}

func TestPublicKeyPEM(t *testing.T) {
	k := ecKey(t, elliptic.P256())
	b, err := PublicKeyPEM(k.Public())
	if err != nil || !bytes.HasPrefix(b, []byte("-----BEGIN PUBLIC KEY-----\n")) {
		t.Fatalf("PublicKeyPEM = %s, %v", b, err)
	}
	if _, err := PublicKeyPEM(42); err == nil {
		t.Error("PublicKeyPEM(42): want error")
	}
}

func TestErrorMessages(t *testing.T) {
	cause := errors.New("asn1: structure error")
	e := &InvalidCertificateError{Message: "The certificate is not valid", Err: cause}
	if !errors.Is(e, cause) || e.Error() != "The certificate is not valid: asn1: structure error" {
		t.Errorf("InvalidCertificateError: %v", e)
	}
	c := &InvalidCSRError{Message: "The certificate signing request is not valid"}
	if c.Error() != c.Message || c.Unwrap() != nil {
		t.Errorf("InvalidCSRError: %v", c)
	}
	if !isCSRError(c) {
		t.Error("isCSRError")
	}
}

// awsIssuedCertPEM was returned by `aws iot create-keys-and-certificate` in
// eu-west-1 in 2019 with certificateId
// 99e0367463786c967a8454a44786e1512e8588b55cec7ee44a2a41d30b10628c
// (a public transcript). Issuer "OU=Amazon Web Services O=Amazon.com Inc.
// L=Seattle ST=Washington C=US", subject "CN=AWS IoT Certificate", a 20-octet
// serial, NotAfter 2049-12-31T23:59:59Z, key usage digitalSignature,
// CA:FALSE, SKID and AKID, no extended key usage.
const awsIssuedCertPEM = `-----BEGIN CERTIFICATE-----
MIIDWTCCAkGgAwIBAgIUCFVRTfYyElbL+MlZZiZ4FRhAiRowDQYJKoZIhvcNAQEL
BQAwTTFLMEkGA1UECwxCQW1hem9uIFdlYiBTZXJ2aWNlcyBPPUFtYXpvbi5jb20g
SW5jLiBMPVNlYXR0bGUgU1Q9V2FzaGluZ3RvbiBDPVVTMB4XDTE5MTExOTIwMzgz
OVoXDTQ5MTIzMTIzNTk1OVowHjEcMBoGA1UEAwwTQVdTIElvVCBDZXJ0aWZpY2F0
ZTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAKPxkzSnhaWw9SEa5KQn
Hzjr6AjINfpmgyZEE+oIbu3BKu1HVk01ltUhZbXnnTs5C/1+ANfbliY4VMfbGdx1
JJ041egu4F2oxjzcu7t2SysYz9bifYyino8i2A9FbBBX3SUpAJ8frJjS+XveZOIF
r+UjPYpyuF2I5TnXcaTQ+bOONfeC60+T94xaTTfC2pclAVU1lS6aYVCyHp6agvV8
LdeWfW8T7wdXjvoIjImpa9cH8vcF4av5scHcYqXMifWSk9thhc3NyGQWRcBcnxDa
p1MOgTgjXM9BY9B951S9gkGc6rfDDhAEiSaMGtJZccn3QCykFPyHE4oJiSWq1r7T
tkkCAwEAAaNgMF4wHwYDVR0jBBgwFoAUXtf3A19iZyPg+DwPktWsiiVpOu0wHQYD
VR0OBBYEFDkTmNInWB/Hd28WQSGbSleWsgeVMAwGA1UdEwEB/wQCMAAwDgYDVR0P
AQH/BAQDAgeAMA0GCSqGSIb3DQEBCwUAA4IBAQBDjqhvkNRbt/Gpn4qqaqY0E4I7
W8zvVO1qYra6KuvfufeRXD1VX5jJox6vMMrzNMA3EmA2uo+5LF1eDhJv2HodXIZS
qsP8zZXrmhYESB6St62h0LrBCAPZ7D50KHekf39ZZjB+qVQlAFGER1TWucGFOMtM
Fwdc1k+Ra7rWBQO8qZQZVNlpN91Yi2m+73D9Q6App7vZTVSnHFHQOgzHH0hCN6SB
vcqGO4IwrmX6KcNHgSWjW7B36aA6GYkf1BJGbfPvBIsJwHEyQs1wyTcqjH/gIfBJ
XC3aILsWtL+zjjDfpdObv3Resds1SOX2Al0nl6scZrxVE4BuWAvrmC8uwugy
-----END CERTIFICATE-----
`
