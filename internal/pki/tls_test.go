package pki

import (
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509/pkix"
	"io"
	"net"
	"testing"
	"time"
)

// TestTLSHandshake runs real mutual-TLS handshakes over loopback: the server
// presents a certificate from IssueServer, the client a device certificate
// from Issue, and each side verifies the other against the CA, as broker
// and the AWS IoT Device SDKs do. The server writes back the certificate id
// of the client certificate it saw.
func TestTLSHandshake(t *testing.T) {
	ca := newTestCA(t)
	other := newTestCA(t)
	srvCertPEM, srvKeyPEM, err := ca.IssueServer([]string{"localhost", "127.0.0.1", "::1"}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	srvCert, err := tls.X509KeyPair(srvCertPEM, srvKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	addr := serveTLS(t, &tls.Config{
		Certificates: []tls.Certificate{srvCert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    caPool(ca),
		NextProtos:   []string{"x-amzn-mqtt-ca", "mqtt"},
	})

	device := func(t *testing.T, issuer *CA, req *IssueRequest, key []byte) (tls.Certificate, string) {
		t.Helper()
		resp, err := issuer.Issue(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		if key == nil {
			key = resp.PrivateKeyPEM
		}
		c, err := tls.X509KeyPair(resp.CertPEM, key)
		if err != nil {
			t.Fatal(err)
		}
		return c, resp.ID
	}
	ec := ecKey(t, elliptic.P256())
	ecPEM := mustSEC1(t, ec)
	rsaCert, rsaID := device(t, ca, &IssueRequest{Now: testNow}, nil)
	ecCert, ecID := device(t, ca, &IssueRequest{KeyType: KeyECDSAP256, Now: testNow}, nil)
	csrCert, csrID := device(t, ca, &IssueRequest{CSR: csrPEM(t, ec, pkix.Name{CommonName: "thing-1"}), Now: testNow}, ecPEM)
	strangerCert, _ := device(t, other, &IssueRequest{KeyType: KeyECDSAP256, Now: testNow}, nil)

	tests := []struct {
		name       string
		serverName string
		roots      *CA
		cert       tls.Certificate
		maxVersion uint16
		wantID     string // empty: the handshake must fail
	}{
		{"ok/127.0.0.1 RSA device", "127.0.0.1", ca, rsaCert, 0, rsaID},
		{"ok/localhost EC device", "localhost", ca, ecCert, 0, ecID},
		{"ok/::1 CSR device", "::1", ca, csrCert, 0, csrID},
		{"ok/TLS 1.2", "127.0.0.1", ca, rsaCert, tls.VersionTLS12, rsaID},
		{"fail/name not in SANs", "roost.example.com", ca, ecCert, 0, ""},
		{"fail/client trusts another CA", "127.0.0.1", other, ecCert, 0, ""},
		{"fail/device from another CA", "127.0.0.1", ca, strangerCert, 0, ""},
		{"fail/device from another CA, TLS 1.2", "127.0.0.1", ca, strangerCert, tls.VersionTLS12, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dialTLS(addr, &tls.Config{
				ServerName:   tt.serverName,
				RootCAs:      caPool(tt.roots),
				Certificates: []tls.Certificate{tt.cert},
				MaxVersion:   tt.maxVersion,
				NextProtos:   []string{"x-amzn-mqtt-ca"},
			})
			if tt.wantID == "" {
				if err == nil {
					t.Fatalf("handshake succeeded (server saw %s), want failure", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			if got != tt.wantID {
				t.Errorf("server saw certificate id %s, want %s", got, tt.wantID)
			}
		})
	}
}

// serveTLS accepts TLS connections on a loopback port until the test ends;
// for each it completes the handshake and writes the client certificate id.
func serveTLS(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				tc := tls.Server(conn, cfg)
				tc.SetDeadline(time.Now().Add(10 * time.Second))
				if tc.Handshake() != nil {
					return
				}
				id := CertificateID(tc.ConnectionState().PeerCertificates[0].Raw)
				io.WriteString(tc, id)
			}()
		}
	}()
	return ln.Addr().String()
}

// dialTLS connects, handshakes and reads the certificate id the server saw.
// With TLS 1.3 a refused client certificate shows up only on the first read.
func dialTLS(addr string, cfg *tls.Config) (string, error) {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(conn)
	if err != nil {
		return "", err
	}
	if len(b) != 64 {
		return string(b), io.ErrUnexpectedEOF
	}
	return string(b), nil
}
