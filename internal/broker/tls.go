package broker

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/roost-iot/roost/internal/pki"
)

// ALPN protocols offered on device listeners. The AWS IoT Device SDKs
// always offer x-amzn-mqtt-ca (MQTT with a client certificate on 443); a
// server that offers only "mqtt" fails their handshake, so both are listed
// and x-amzn-mqtt-ca first (AWS IoT "protocols" page, port/ALPN table).
var alpn = []string{"x-amzn-mqtt-ca", "mqtt"}

// Trust decides which client certificates may complete the TLS handshake.
// A chain to one of Roots passes; a certificate registered without a CA
// (RegisterCertificateWithoutCA, SNI_ONLY) passes when Registered knows its
// id. Whether the certificate may connect is decided later, at CONNECT,
// from its registry status.
type Trust struct {
	Roots      *x509.CertPool
	Registered func(certID string) bool
	// Verified, when set, remembers certificates whose chain to Roots
	// verified, so that a device reconnecting is not verified again (a
	// chain check rebuilds pools and checks a signature: ~9% of a
	// handshake's CPU here). Roots do not change while it is in use.
	Verified *VerifiedCache
}

// VerifiedCache is the set of client certificates (by SHA-256 of the DER)
// whose chain verified. It is safe for concurrent use.
type VerifiedCache struct {
	mu sync.Mutex
	m  map[[32]byte]struct{} // mu held
}

// maxVerified bounds the cache; past it, it starts over.
const maxVerified = 200_000

func (v *VerifiedCache) has(k [32]byte) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	_, ok := v.m[k]
	return ok
}

// Add marks a certificate (DER) as verified, for one the server's own CA
// has just signed: its chain to Roots holds by construction, and a device
// provisioned by claim connects with it at once.
func (v *VerifiedCache) Add(der []byte) { v.add(sha256.Sum256(der)) }

func (v *VerifiedCache) add(k [32]byte) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= maxVerified {
		v.m = map[[32]byte]struct{}{}
	}
	v.m[k] = struct{}{}
}

// TLSConfig is the server side of a device listener: TLS 1.2 or 1.3 with a
// required client certificate. The curves exclude the hybrid post-quantum
// key exchange (about 1.25x slower handshakes here); Go 1.24+ chooses among
// them itself (X25519 in practice), whatever order is listed.
//
// There is no session resumption, as on AWS IoT Core, which offers none
// (device SDKs turn their session caches off for it, e.g. nrfconnect/sdk-nrf
// pull 3962): every connection presents and proves its certificate, and the
// server sends no ticket, which with a client certificate inside would be
// most of a kilobyte per connect to a device that cannot use it.
func TLSConfig(server tls.Certificate, trust Trust) *tls.Config {
	return &tls.Config{
		Certificates:           []tls.Certificate{server},
		MinVersion:             tls.VersionTLS12,
		NextProtos:             alpn,
		ClientAuth:             tls.RequireAnyClientCert,
		CurvePreferences:       []tls.CurveID{tls.CurveP256, tls.X25519},
		VerifyConnection:       trust.verify,
		SessionTicketsDisabled: true,
	}
}

var errUntrusted = errors.New("client certificate is not signed by a trusted CA and is not registered")

func (t Trust) verify(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("a client certificate is required")
	}
	leaf := cs.PeerCertificates[0]
	// Validity first: an expired or not yet valid certificate is refused
	// whatever vouches for it (such as a provisioning claim after its 5
	// minutes, or a certificate registered without its CA).
	if now := time.Now(); now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		return errors.New("client certificate is expired or not yet valid")
	}
	var key [32]byte
	if t.Verified != nil && len(cs.PeerCertificates) == 1 {
		key = sha256.Sum256(leaf.Raw)
		if t.Verified.has(key) {
			return nil
		}
	}
	var inter *x509.CertPool
	if len(cs.PeerCertificates) > 1 {
		inter = x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: t.Roots, Intermediates: inter,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err == nil {
		if t.Verified != nil && inter == nil {
			t.Verified.add(key)
		}
		return nil
	}
	if t.Registered != nil && t.Registered(pki.CertificateID(leaf.Raw)) {
		return nil
	}
	return errUntrusted
}

// PeerIdentity reads the identity of a completed TLS connection: the leaf
// client certificate, its id, and the source address.
func PeerIdentity(c *tls.Conn) Identity {
	cs := c.ConnectionState()
	id := Identity{}
	if len(cs.PeerCertificates) > 0 {
		id.Cert = cs.PeerCertificates[0]
		id.CertID = pki.CertificateID(id.Cert.Raw)
	}
	if host, _, err := net.SplitHostPort(c.RemoteAddr().String()); err == nil {
		id.SourceIP = host
	}
	return id
}
