package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"
)

// checkDeviceCert checks what every device certificate must be.
func checkDeviceCert(t *testing.T, ca *CA, resp *IssueResponse) {
	t.Helper()
	c := resp.Certificate
	if !bytes.Equal(c.Raw, resp.DER) {
		t.Error("Certificate.Raw != DER")
	}
	parsed, err := ParseCertificatePEM(resp.CertPEM)
	if err != nil || !bytes.Equal(parsed.Raw, resp.DER) {
		t.Errorf("CertPEM does not hold DER: %v", err)
	}
	sum := sha256.Sum256(resp.DER)
	if resp.ID != hex.EncodeToString(sum[:]) || len(resp.ID) != 64 {
		t.Errorf("ID = %s, want sha256 of DER", resp.ID)
	}
	if c.IsCA || !c.BasicConstraintsValid {
		t.Errorf("IsCA=%v BasicConstraintsValid=%v, want CA:FALSE", c.IsCA, c.BasicConstraintsValid)
	}
	if c.KeyUsage != x509.KeyUsageDigitalSignature {
		t.Errorf("KeyUsage = %v, want digitalSignature", c.KeyUsage)
	}
	if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
		t.Errorf("ExtKeyUsage = %v, want [ClientAuth]", c.ExtKeyUsage)
	}
	if !c.NotAfter.Equal(DeviceNotAfter) {
		t.Errorf("NotAfter = %v, want %v", c.NotAfter, DeviceNotAfter)
	}
	if c.NotBefore.After(testNow) || testNow.Sub(c.NotBefore) > 10*time.Minute {
		t.Errorf("NotBefore = %v, want shortly before %v", c.NotBefore, testNow)
	}
	if c.SerialNumber.Sign() <= 0 || len(c.SerialNumber.Bytes()) > 20 || c.SerialNumber.BitLen() < 128 {
		t.Errorf("serial %x: want positive, 128+ bits, at most 20 octets", c.SerialNumber)
	}
	if !bytes.Equal(c.AuthorityKeyId, ca.Certificate().SubjectKeyId) || len(c.SubjectKeyId) == 0 {
		t.Error("AuthorityKeyId/SubjectKeyId not set")
	}
	opts := x509.VerifyOptions{Roots: caPool(ca), CurrentTime: testNow, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if _, err := c.Verify(opts); err != nil {
		t.Errorf("Verify against CA: %v", err)
	}
}

func TestIssueFreshKey(t *testing.T) {
	ca := newTestCA(t)
	tests := []struct {
		name       string
		keyType    KeyType
		privType   string
		wantPubAlg x509.PublicKeyAlgorithm
	}{
		{"ok/RSA-2048 by default", KeyRSA2048, "RSA PRIVATE KEY", x509.RSA},
		{"ok/ECDSA P-256", KeyECDSAP256, "EC PRIVATE KEY", x509.ECDSA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := ca.Issue(t.Context(), &IssueRequest{KeyType: tt.keyType, Now: testNow})
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			checkDeviceCert(t, ca, resp)
			c := resp.Certificate
			if c.Subject.String() != "CN="+DefaultDeviceCommonName {
				t.Errorf("subject = %s", c.Subject)
			}
			if c.PublicKeyAlgorithm != tt.wantPubAlg {
				t.Errorf("key algorithm = %v, want %v", c.PublicKeyAlgorithm, tt.wantPubAlg)
			}
			blk, rest := pem.Decode(resp.PrivateKeyPEM)
			if blk == nil || blk.Type != tt.privType || len(bytes.TrimSpace(rest)) > 0 {
				t.Fatalf("private key PEM:\n%s\nwant one %q block", resp.PrivateKeyPEM, tt.privType)
			}
			var priv crypto.Signer
			if tt.keyType == KeyRSA2048 {
				k, err := x509.ParsePKCS1PrivateKey(blk.Bytes)
				if err != nil {
					t.Fatal(err)
				}
				if k.N.BitLen() != 2048 {
					t.Errorf("RSA key has %d bits", k.N.BitLen())
				}
				priv = k
			} else {
				k, err := x509.ParseECPrivateKey(blk.Bytes)
				if err != nil {
					t.Fatal(err)
				}
				if k.Curve != elliptic.P256() {
					t.Errorf("curve %s", k.Curve.Params().Name)
				}
				priv = k
			}
			if !priv.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(c.PublicKey) {
				t.Error("private key does not match the certificate")
			}
			pblk, _ := pem.Decode(resp.PublicKeyPEM)
			if pblk == nil || pblk.Type != "PUBLIC KEY" {
				t.Fatalf("public key PEM:\n%s", resp.PublicKeyPEM)
			}
			pub, err := x509.ParsePKIXPublicKey(pblk.Bytes)
			if err != nil || !priv.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
				t.Errorf("public key PEM does not match: %v", err)
			}
			if _, err := tls.X509KeyPair(resp.CertPEM, resp.PrivateKeyPEM); err != nil {
				t.Errorf("tls.X509KeyPair: %v", err)
			}
		})
	}
}

func TestIssueCSR(t *testing.T) {
	ca := newTestCA(t)
	ec := ecKey(t, elliptic.P256())
	tests := []struct {
		name        string
		csr         func(t *testing.T) []byte
		subject     *pkix.Name
		wantSubject string
		wantErr     string // in the client-facing message
	}{
		{name: "ok/P-256 keeps CSR subject", csr: func(t *testing.T) []byte {
			return csrPEM(t, ec, pkix.Name{CommonName: "thing-1", Organization: []string{"Acme"}})
		}, wantSubject: "CN=thing-1,O=Acme"},
		{name: "ok/P-384", csr: func(t *testing.T) []byte {
			return csrPEM(t, ecKey(t, elliptic.P384()), pkix.Name{CommonName: "p384"})
		}, wantSubject: "CN=p384"},
		{name: "ok/P-521", csr: func(t *testing.T) []byte {
			return csrPEM(t, ecKey(t, elliptic.P521()), pkix.Name{CommonName: "p521"})
		}, wantSubject: "CN=p521"},
		{name: "ok/RSA-2048", csr: func(t *testing.T) []byte {
			return csrPEM(t, rsaKey(t, 2048), pkix.Name{CommonName: "rsa"})
		}, wantSubject: "CN=rsa"},
		{name: "ok/empty CSR subject gets default", csr: func(t *testing.T) []byte {
			return csrPEM(t, ec, pkix.Name{})
		}, wantSubject: "CN=" + DefaultDeviceCommonName},
		{name: "ok/requested subject wins", csr: func(t *testing.T) []byte {
			return csrPEM(t, ec, pkix.Name{CommonName: "from-csr"})
		}, subject: &pkix.Name{CommonName: "requested"}, wantSubject: "CN=requested"},
		{name: "ok/legacy NEW CERTIFICATE REQUEST", csr: func(t *testing.T) []byte {
			blk, _ := pem.Decode(csrPEM(t, ec, pkix.Name{CommonName: "legacy"}))
			return pemOf("NEW CERTIFICATE REQUEST", blk.Bytes)
		}, wantSubject: "CN=legacy"},
		{name: "fail/RSA-1024 too weak", csr: func(t *testing.T) []byte {
			return csrPEM(t, rsaKey(t, 1024), pkix.Name{CommonName: "weak"})
		}, wantErr: "at least 2048"},
		{name: "fail/P-224 curve", csr: func(t *testing.T) []byte {
			return csrPEM(t, ecKey(t, elliptic.P224()), pkix.Name{CommonName: "p224"})
		}, wantErr: "P-224 is not supported"},
		{name: "fail/Ed25519 key", csr: func(t *testing.T) []byte {
			return csrPEM(t, edKey(t), pkix.Name{CommonName: "ed"})
		}, wantErr: "not supported"},
		{name: "fail/bad signature", csr: func(t *testing.T) []byte {
			blk, _ := pem.Decode(csrPEM(t, ec, pkix.Name{CommonName: "tampered"}))
			der := bytes.Clone(blk.Bytes)
			der[len(der)-1] ^= 0x01 // last byte of the signature
			return pemOf("CERTIFICATE REQUEST", der)
		}, wantErr: "signature does not verify"},
		{name: "fail/subject changed after signing", csr: func(t *testing.T) []byte {
			blk, _ := pem.Decode(csrPEM(t, ec, pkix.Name{CommonName: "device-a"}))
			der := bytes.Replace(blk.Bytes, []byte("device-a"), []byte("device-b"), 1)
			return pemOf("CERTIFICATE REQUEST", der)
		}, wantErr: "signature does not verify"},
		{name: "fail/not PEM", csr: func(t *testing.T) []byte { return []byte("MIIB...") }, wantErr: "not valid"},
		{name: "fail/certificate instead of CSR", csr: func(t *testing.T) []byte { return ca.CertPEM() }, wantErr: "PEM block type"},
		{name: "fail/garbage DER", csr: func(t *testing.T) []byte { return pemOf("CERTIFICATE REQUEST", []byte{0x30, 0x03, 1, 2, 3}) }, wantErr: "cannot be parsed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			csr := tt.csr(t)
			resp, err := ca.Issue(t.Context(), &IssueRequest{CSR: csr, Subject: tt.subject, Now: testNow})
			if tt.wantErr != "" {
				var ce *InvalidCSRError
				if !errors.As(err, &ce) || !strings.Contains(ce.Message, tt.wantErr) {
					t.Fatalf("Issue error = %v, want *InvalidCSRError with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			checkDeviceCert(t, ca, resp)
			if got := resp.Certificate.Subject.String(); got != tt.wantSubject {
				t.Errorf("subject = %s, want %s", got, tt.wantSubject)
			}
			req, _ := ParseCSRPEM(csr)
			if !req.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(resp.Certificate.PublicKey) {
				t.Error("certificate does not carry the CSR's public key")
			}
			if resp.PrivateKeyPEM != nil || resp.PublicKeyPEM != nil {
				t.Error("key PEMs returned for a CSR request")
			}
		})
	}
}

func TestIssueSameCSRTwiceGivesDistinctCertificates(t *testing.T) {
	ca := newTestCA(t)
	csr := csrPEM(t, ecKey(t, elliptic.P256()), pkix.Name{CommonName: "same"})
	a, err := ca.Issue(t.Context(), &IssueRequest{CSR: csr, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ca.Issue(t.Context(), &IssueRequest{CSR: csr, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == b.ID || a.Certificate.SerialNumber.Cmp(b.Certificate.SerialNumber) == 0 {
		t.Error("reusing a CSR must give a distinct certificate (AWS)")
	}
}

func TestIssueOptions(t *testing.T) {
	ca := newTestCA(t)
	ec := ecKey(t, elliptic.P256())
	csr := csrPEM(t, ec, pkix.Name{CommonName: "thing-7"})

	t.Run("ok/NotAfter", func(t *testing.T) {
		na := testNow.Add(365 * 24 * time.Hour)
		resp, err := ca.Issue(t.Context(), &IssueRequest{CSR: csr, Now: testNow, NotAfter: na})
		if err != nil || !resp.Certificate.NotAfter.Equal(na) {
			t.Fatalf("NotAfter = %v (err %v), want %v", resp.Certificate.NotAfter, err, na)
		}
	})
	t.Run("ok/NotAfter capped at CA expiry", func(t *testing.T) {
		resp, err := ca.Issue(t.Context(), &IssueRequest{CSR: csr, Now: testNow, NotAfter: testNow.Add(100 * 365 * 24 * time.Hour)})
		if err != nil || !resp.Certificate.NotAfter.Equal(ca.Certificate().NotAfter) {
			t.Fatalf("NotAfter = %v (err %v), want CA's %v", resp.Certificate.NotAfter, err, ca.Certificate().NotAfter)
		}
	})
	t.Run("ok/modifier adds SAN but cannot make a CA", func(t *testing.T) {
		mod := func(c *x509.Certificate) error {
			c.DNSNames = []string{"thing-7.devices.example"}
			c.IsCA = true
			c.KeyUsage |= x509.KeyUsageCertSign
			return nil
		}
		resp, err := ca.Issue(t.Context(), &IssueRequest{CSR: csr, Now: testNow, Modifiers: []CertModifier{mod}})
		if err != nil {
			t.Fatal(err)
		}
		checkDeviceCert(t, ca, resp)
		if len(resp.Certificate.DNSNames) != 1 {
			t.Errorf("DNSNames = %v", resp.Certificate.DNSNames)
		}
	})
	t.Run("fail/modifier error", func(t *testing.T) {
		mod := func(*x509.Certificate) error { return errors.New("template says no") }
		if _, err := ca.Issue(t.Context(), &IssueRequest{CSR: csr, Modifiers: []CertModifier{mod}}); err == nil || !strings.Contains(err.Error(), "template says no") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("fail/CSR check", func(t *testing.T) {
		check := func(r *x509.CertificateRequest) error {
			if r.Subject.CommonName != "expected" {
				return errors.New("common name must be the serial number")
			}
			return nil
		}
		_, err := ca.Issue(t.Context(), &IssueRequest{CSR: csr, CSRChecks: []CSRCheck{check}})
		var ce *InvalidCSRError
		if !errors.As(err, &ce) || !strings.Contains(ce.Message, "common name must be the serial number") {
			t.Fatalf("err = %v, want *InvalidCSRError", err)
		}
	})
	t.Run("fail/unknown key type", func(t *testing.T) {
		if _, err := ca.Issue(t.Context(), &IssueRequest{KeyType: KeyType(9)}); err == nil {
			t.Fatal("want error")
		}
	})
	t.Run("fail/cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := ca.Issue(ctx, &IssueRequest{CSR: csr}); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("ok/zero Now means time.Now", func(t *testing.T) {
		resp, err := ca.Issue(t.Context(), &IssueRequest{CSR: csr})
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(resp.Certificate.NotBefore); d < 4*time.Minute || d > 6*time.Minute {
			t.Errorf("NotBefore %v ago, want about 5 minutes", d)
		}
	})
}

func TestCheckPublicKey(t *testing.T) {
	tests := []struct {
		name string
		pub  any
		ok   bool
	}{
		{"ok/P-256", &ecKey(t, elliptic.P256()).PublicKey, true},
		{"ok/RSA-2048", &rsaKey(t, 2048).PublicKey, true},
		{"fail/RSA-1024", &rsaKey(t, 1024).PublicKey, false},
		{"fail/P-224", &ecKey(t, elliptic.P224()).PublicKey, false},
		{"fail/Ed25519", edKey(t).Public(), false},
		{"fail/nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := CheckPublicKey(tt.pub); (err == nil) != tt.ok {
				t.Errorf("CheckPublicKey = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
