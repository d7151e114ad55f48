package broker

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/roost-iot/roost/internal/pki"
)

// handshake runs a real TLS handshake over loopback and returns the
// server's view of the identity, or the client's error.
func handshake(t *testing.T, srvConf *tls.Config, client tls.Certificate, roots *x509.CertPool, protos []string) (Identity, string, error) {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", srvConf)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan Identity, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		tc := c.(*tls.Conn)
		if tc.Handshake() == nil {
			got <- PeerIdentity(tc)
		}
		close(got)
	}()
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: roots, ServerName: "127.0.0.1",
		Certificates: []tls.Certificate{client}, NextProtos: protos})
	if err != nil {
		return Identity{}, "", err
	}
	defer c.Close()
	// TLS 1.3 reports a refused client certificate on the first read.
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err != nil && !isTimeoutOrEOF(err) {
		return Identity{}, "", err
	}
	id, ok := <-got
	if !ok {
		return Identity{}, "", errUntrusted
	}
	return id, c.ConnectionState().NegotiatedProtocol, nil
}

func isTimeoutOrEOF(err error) bool {
	ne, ok := err.(net.Error)
	return (ok && ne.Timeout()) || err.Error() == "EOF"
}

func TestDeviceTLS(t *testing.T) {
	ca, _ := pki.NewCA("roost", time.Now())
	certPEM, keyPEM, _ := ca.IssueServer([]string{"localhost", "127.0.0.1", "::1"}, time.Now())
	server, _ := tls.X509KeyPair(certPEM, keyPEM)
	roots := x509.NewCertPool()
	roots.AddCert(ca.Certificate())

	dev, _ := ca.Issue(ctx, &pki.IssueRequest{KeyType: pki.KeyECDSAP256})
	devCert, _ := tls.X509KeyPair(dev.CertPEM, dev.PrivateKeyPEM)
	self := selfSigned(t)
	selfID := pki.CertificateID(self.Certificate[0])
	registered := map[string]bool{}
	conf := TLSConfig(server, Trust{Roots: roots, Registered: func(id string) bool { return registered[id] }})

	id, proto, err := handshake(t, conf, devCert, roots, []string{"x-amzn-mqtt-ca"})
	if err != nil || id.CertID != dev.ID || proto != "x-amzn-mqtt-ca" || id.SourceIP != "127.0.0.1" {
		t.Fatalf("ok/ca-signed with AWS SDK ALPN: %+v %q %v", id, proto, err)
	}
	if _, _, err := handshake(t, conf, self, roots, nil); err == nil {
		t.Fatal("fail/self-signed-unregistered must be refused")
	}
	registered[selfID] = true
	if id, _, err := handshake(t, conf, self, roots, nil); err != nil || id.CertID != selfID {
		t.Fatalf("ok/self-signed-registered-without-ca: %+v %v", id, err)
	}
}

func selfSigned(t *testing.T) tls.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "self"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := x509.MarshalECPrivateKey(key)
	c, err := tls.X509KeyPair(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestVerifiedCache: a certificate whose chain verified, or that the CA
// marked when it issued it, is accepted from the cache; an expired one
// never is, and a self-signed one is not cached by its refusal.
func TestVerifiedCache(t *testing.T) {
	ca, _ := pki.NewCA("roost", time.Now())
	roots := x509.NewCertPool()
	roots.AddCert(ca.Certificate())
	v := &VerifiedCache{}
	trust := Trust{Roots: roots, Verified: v}
	state := func(pemText []byte) tls.ConnectionState {
		x, err := pki.ParseCertificatePEM(pemText)
		if err != nil {
			t.Fatal(err)
		}
		return tls.ConnectionState{PeerCertificates: []*x509.Certificate{x}}
	}
	dev, _ := ca.Issue(ctx, &pki.IssueRequest{KeyType: pki.KeyECDSAP256})
	if err := trust.verify(state(dev.CertPEM)); err != nil {
		t.Fatalf("first verify: %v", err)
	}
	x, _ := pki.ParseCertificatePEM(dev.CertPEM)
	if !v.has(sha256Sum(x.Raw)) {
		t.Fatal("a verified certificate was not cached")
	}
	if err := (Trust{Roots: x509.NewCertPool(), Verified: v}).verify(state(dev.CertPEM)); err != nil {
		t.Fatalf("a cached certificate was verified again: %v", err)
	}
	fresh, _ := ca.Issue(ctx, &pki.IssueRequest{KeyType: pki.KeyECDSAP256})
	v.Add(fresh.DER)
	if err := (Trust{Roots: x509.NewCertPool(), Verified: v}).verify(state(fresh.CertPEM)); err != nil {
		t.Fatalf("a certificate added at issue was verified again: %v", err)
	}
	short, _ := ca.Issue(ctx, &pki.IssueRequest{KeyType: pki.KeyECDSAP256, NotAfter: time.Now().Add(-time.Second)})
	v.Add(short.DER)
	if err := trust.verify(state(short.CertPEM)); err == nil {
		t.Fatal("an expired certificate passed")
	}
	self := selfSigned(t)
	sx, _ := x509.ParseCertificate(self.Certificate[0])
	if err := trust.verify(tls.ConnectionState{PeerCertificates: []*x509.Certificate{sx}}); err == nil || v.has(sha256Sum(sx.Raw)) {
		t.Fatalf("a self-signed certificate: %v, cached %v", err, v.has(sha256Sum(sx.Raw)))
	}
}

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }

// TestDeviceTLSNoResumption: the device listener issues no session tickets
// (TLS 1.3) and resumes no session (TLS 1.2), as AWS IoT Core does not, so
// every connection proves its certificate afresh.
func TestDeviceTLSNoResumption(t *testing.T) {
	ca, _ := pki.NewCA("roost", time.Now())
	certPEM, keyPEM, _ := ca.IssueServer([]string{"127.0.0.1"}, time.Now())
	server, _ := tls.X509KeyPair(certPEM, keyPEM)
	roots := x509.NewCertPool()
	roots.AddCert(ca.Certificate())
	dev, _ := ca.Issue(ctx, &pki.IssueRequest{KeyType: pki.KeyECDSAP256})
	devCert, _ := tls.X509KeyPair(dev.CertPEM, dev.PrivateKeyPEM)

	ln, err := tls.Listen("tcp", "127.0.0.1:0", TLSConfig(server, Trust{Roots: roots}))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			// One byte of application data: the client reads it after any
			// NewSessionTicket, which the server sends first. Then wait for
			// the client to close, so no unread data turns the close into
			// a reset.
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				if _, err := c.Write([]byte{1}); err == nil {
					io.Copy(io.Discard, c)
				}
			}()
		}
	}()
	for _, v := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		cache := tls.NewLRUClientSessionCache(4)
		for i := range 2 {
			c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: roots, ServerName: "127.0.0.1",
				Certificates: []tls.Certificate{devCert}, MaxVersion: v, ClientSessionCache: cache})
			if err != nil {
				t.Fatalf("version %x, connection %d: %v", v, i, err)
			}
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Read(make([]byte, 1)); err != nil {
				t.Fatalf("version %x, connection %d: read: %v", v, i, err)
			}
			resumed := c.ConnectionState().DidResume
			c.Close()
			if resumed {
				t.Fatalf("version %x: connection %d resumed a session", v, i)
			}
		}
	}
}
