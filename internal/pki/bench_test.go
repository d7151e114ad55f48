package pki

import (
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509/pkix"
	"testing"
)

// BenchmarkIssueCSR guards CreateCertificateFromCsr and fleet provisioning's
// CreateCertificateFromCsr: parse and check an ECDSA P-256 CSR, sign, encode.
func BenchmarkIssueCSR(b *testing.B) {
	ca := newTestCA(b)
	req := &IssueRequest{CSR: csrPEM(b, ecKey(b, elliptic.P256()), pkix.Name{CommonName: "thing-1"})}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ca.Issue(b.Context(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIssueFreshKey guards CreateKeysAndCertificate: RSA-2048 generated
// inline (no pool), RSA-2048 taken from a full KeyPool (the pool's best
// case: what a provisioning burst pays while the pool lasts), and ECDSA P-256.
func BenchmarkIssueFreshKey(b *testing.B) {
	b.Run("RSA2048/inline", func(b *testing.B) {
		ca := newTestCA(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ca.Issue(b.Context(), &IssueRequest{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("RSA2048/pool", func(b *testing.B) {
		ca := newTestCA(b)
		key := rsaKey(b, 2048)
		// A pool pre-filled with b.N keys (the same key: generating b.N
		// distinct keys would take minutes and is not what is measured).
		p := &KeyPool{keys: make(chan *rsa.PrivateKey, b.N)}
		for range b.N {
			p.keys <- key
		}
		ca.UseKeyPool(p)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, err := ca.Issue(b.Context(), &IssueRequest{}); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		if hits, misses := p.Stats(); misses != 0 {
			b.Fatalf("hits=%d misses=%d: the pool ran dry", hits, misses)
		}
	})
	b.Run("ECDSAP256", func(b *testing.B) {
		ca := newTestCA(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ca.Issue(b.Context(), &IssueRequest{KeyType: KeyECDSAP256}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCertificateID guards the per-connection certificate id (broker
// computes it from the client certificate at every handshake).
func BenchmarkCertificateID(b *testing.B) {
	der := newTestCA(b).Certificate().Raw
	b.ReportAllocs()
	for b.Loop() {
		_ = CertificateID(der)
	}
}

// BenchmarkParseCertificatePEM guards RegisterCertificate and the server's
// start-up checks.
func BenchmarkParseCertificatePEM(b *testing.B) {
	pem := []byte(awsIssuedCertPEM)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseCertificatePEM(pem); err != nil {
			b.Fatal(err)
		}
	}
}
