package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

func TestNewCA(t *testing.T) {
	ca := newTestCA(t)
	c := ca.Certificate()
	if !c.IsCA || !c.BasicConstraintsValid {
		t.Errorf("IsCA=%v BasicConstraintsValid=%v, want true", c.IsCA, c.BasicConstraintsValid)
	}
	if want := x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature; c.KeyUsage != want {
		t.Errorf("KeyUsage = %v, want %v", c.KeyUsage, want)
	}
	if c.Subject.CommonName != "Roost Test CA" {
		t.Errorf("CN = %q", c.Subject.CommonName)
	}
	if c.PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("key algorithm = %v, want ECDSA", c.PublicKeyAlgorithm)
	}
	if got := c.NotAfter.Sub(testNow); got < 24*365*24*time.Hour {
		t.Errorf("validity %v, want about 25 years", got)
	}
	if len(c.SubjectKeyId) != 20 {
		t.Errorf("SubjectKeyId has %d bytes, want 20", len(c.SubjectKeyId))
	}
	if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() < 128 {
		t.Errorf("serial %v: want positive, 128+ bits", c.SerialNumber)
	}
	if err := c.CheckSignatureFrom(c); err != nil {
		t.Errorf("not self-signed: %v", err)
	}
	if !bytes.Contains(ca.KeyPEM(), []byte("-----BEGIN PRIVATE KEY-----")) {
		t.Errorf("KeyPEM is not PKCS#8:\n%s", ca.KeyPEM())
	}
	if _, err := NewCA("", testNow); err == nil {
		t.Error("NewCA with empty common name: want error")
	}
}

func TestLoadCA(t *testing.T) {
	ca := newTestCA(t)
	other := newTestCA(t)
	leafCert, leafKey, err := ca.IssueServer([]string{"localhost"}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(ca.key.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	rsaCA, rsaCAKeyPEM := rsaRootPEM(t)

	tests := []struct {
		name    string
		cert    []byte
		key     []byte
		wantErr string
	}{
		{name: "ok/pkcs8 round trip", cert: ca.CertPEM(), key: ca.KeyPEM()},
		{name: "ok/sec1 key", cert: ca.CertPEM(), key: pemOf("EC PRIVATE KEY", sec1)},
		{name: "ok/sec1 key after EC PARAMETERS", cert: ca.CertPEM(),
			key: append(pemOf("EC PARAMETERS", []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}), pemOf("EC PRIVATE KEY", sec1)...)},
		{name: "ok/pkcs1 RSA root", cert: rsaCA, key: rsaCAKeyPEM},
		{name: "fail/key of another CA", cert: ca.CertPEM(), key: other.KeyPEM(), wantErr: "does not match"},
		{name: "fail/not a CA", cert: leafCert, key: leafKey, wantErr: "not a CA"},
		{name: "fail/garbage key", cert: ca.CertPEM(), key: []byte("nope"), wantErr: "no private key"},
		{name: "fail/encrypted key", cert: ca.CertPEM(), key: pemOf("ENCRYPTED PRIVATE KEY", []byte{1, 2, 3}), wantErr: "encrypted"},
		{name: "fail/certificate as key", cert: ca.CertPEM(), key: ca.CertPEM(), wantErr: "not a private key"},
		{name: "fail/garbage cert", cert: []byte("nope"), key: ca.KeyPEM(), wantErr: "not valid"},
		{name: "fail/two certs", cert: append(ca.CertPEM(), other.CertPEM()...), key: ca.KeyPEM(), wantErr: "exactly one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadCA(tt.cert, tt.key)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("LoadCA error = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadCA: %v", err)
			}
			if !bytes.Equal(got.CertPEM(), tt.cert) {
				t.Error("CertPEM differs from the loaded certificate")
			}
			// The loaded CA issues certificates that chain to the original.
			resp, err := got.Issue(t.Context(), &IssueRequest{KeyType: KeyECDSAP256, Now: testNow})
			if err != nil {
				t.Fatalf("Issue from loaded CA: %v", err)
			}
			if err := VerifyIssuedBy(resp.Certificate, got.Certificate()); err != nil {
				t.Errorf("VerifyIssuedBy: %v", err)
			}
			// KeyPEM re-encodes as PKCS#8 and loads again.
			if _, err := LoadCA(got.CertPEM(), got.KeyPEM()); err != nil {
				t.Errorf("reload: %v", err)
			}
		})
	}
}

// rsaRootPEM makes an RSA root CA outside the package, with a PKCS#1 key,
// as an operator might bring one.
func rsaRootPEM(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key := rsaKey(t, 2048)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(7),
		Subject:               pkix.Name{CommonName: "Operator RSA Root"},
		NotBefore:             testNow.Add(-time.Hour),
		NotAfter:              testNow.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return pemOf("CERTIFICATE", der), pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key))
}

func TestIssueServer(t *testing.T) {
	ca := newTestCA(t)
	certPEM, keyPEM, err := ca.IssueServer([]string{"localhost", "127.0.0.1", "::1", "[fe80::1]", "iot.example.com", "LOCALHOST"}, testNow)
	if err != nil {
		t.Fatalf("IssueServer: %v", err)
	}
	c, err := ParseCertificatePEM(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(c.DNSNames, ","), "localhost,iot.example.com"; got != want {
		t.Errorf("DNS SANs = %s, want %s", got, want)
	}
	var ips []string
	for _, ip := range c.IPAddresses {
		ips = append(ips, ip.String())
	}
	if got, want := strings.Join(ips, ","), "127.0.0.1,::1,fe80::1"; got != want {
		t.Errorf("IP SANs = %s, want %s", got, want)
	}
	if !c.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1)) {
		t.Errorf("first IP SAN = %v", c.IPAddresses[0])
	}
	if c.Subject.CommonName != "localhost" {
		t.Errorf("CN = %q, want localhost", c.Subject.CommonName)
	}
	if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth {
		t.Errorf("ExtKeyUsage = %v, want [ServerAuth]", c.ExtKeyUsage)
	}
	if c.IsCA {
		t.Error("server certificate is a CA")
	}
	if d := c.NotAfter.Sub(testNow); d < 729*24*time.Hour || d > 731*24*time.Hour {
		t.Errorf("validity %v, want about 2 years", d)
	}
	for _, name := range []string{"localhost", "127.0.0.1", "::1", "iot.example.com"} {
		if _, err := c.Verify(x509.VerifyOptions{DNSName: name, Roots: caPool(ca), CurrentTime: testNow}); err != nil {
			t.Errorf("Verify for %s: %v", name, err)
		}
	}
	if !bytes.Contains(keyPEM, []byte("-----BEGIN PRIVATE KEY-----")) {
		t.Errorf("server key is not PKCS#8")
	}

	for _, hosts := range [][]string{nil, {""}, {"a b"}, {"host:8883"}} {
		if _, _, err := ca.IssueServer(hosts, testNow); err == nil {
			t.Errorf("IssueServer(%q): want error", hosts)
		}
	}
}

func TestServerCertCovers(t *testing.T) {
	ca := newTestCA(t)
	other := newTestCA(t)
	certPEM, _, err := ca.IssueServer([]string{"localhost", "127.0.0.1", "::1", "*.example.com"}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := ParseCertificatePEM(certPEM)
	tests := []struct {
		name  string
		pem   []byte
		hosts []string
		now   time.Time
		want  bool
	}{
		{"ok/all hosts", certPEM, []string{"localhost", "127.0.0.1", "::1"}, testNow, true},
		{"ok/subset", certPEM, []string{"127.0.0.1"}, testNow, true},
		{"ok/wildcard", certPEM, []string{"iot.example.com"}, testNow, true},
		{"ok/bracketed IPv6", certPEM, []string{"[::1]"}, testNow, true},
		{"ok/followed by chain", append(append([]byte{}, certPEM...), ca.CertPEM()...), []string{"localhost"}, testNow, true},
		{"ok/31 days left", certPEM, []string{"localhost"}, c.NotAfter.Add(-31 * 24 * time.Hour), true},
		{"fail/missing host", certPEM, []string{"localhost", "roost.lan"}, testNow, false},
		{"fail/missing IP", certPEM, []string{"10.0.0.1"}, testNow, false},
		{"fail/expires within 30 days", certPEM, []string{"localhost"}, c.NotAfter.Add(-29 * 24 * time.Hour), false},
		{"fail/expired", certPEM, []string{"localhost"}, c.NotAfter.Add(time.Hour), false},
		{"fail/not yet valid", certPEM, []string{"localhost"}, c.NotBefore.Add(-time.Hour), false},
		{"fail/garbage", []byte("garbage"), []string{"localhost"}, testNow, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ServerCertCovers(tt.pem, tt.hosts, tt.now); got != tt.want {
				t.Errorf("ServerCertCovers = %v, want %v", got, tt.want)
			}
			if got := ca.ServerCertCovers(tt.pem, tt.hosts, tt.now); got != tt.want {
				t.Errorf("(*CA).ServerCertCovers = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("fail/client certificate", func(t *testing.T) {
		san := func(c *x509.Certificate) error { c.DNSNames = []string{"localhost"}; return nil }
		dev, err := ca.Issue(t.Context(), &IssueRequest{KeyType: KeyECDSAP256, Now: testNow, Modifiers: []CertModifier{san}})
		if err != nil {
			t.Fatal(err)
		}
		if ServerCertCovers(dev.CertPEM, []string{"localhost"}, testNow) {
			t.Error("ServerCertCovers accepted a clientAuth-only certificate")
		}
	})
	t.Run("fail/signed by another CA", func(t *testing.T) {
		if other.ServerCertCovers(certPEM, []string{"localhost"}, testNow) {
			t.Error("(*CA).ServerCertCovers accepted a certificate from another CA")
		}
	})
}

func TestRandomSerial(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		n, err := randomSerial()
		if err != nil {
			t.Fatal(err)
		}
		if n.Sign() <= 0 || len(n.Bytes()) > 20 {
			t.Fatalf("serial %x: want positive, at most 20 octets", n)
		}
		if seen[n.String()] {
			t.Fatalf("serial %x repeated", n)
		}
		seen[n.String()] = true
	}
}
