package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

const (
	// CAValidity is the lifetime of a root made by NewCA.
	CAValidity = 25 * 365 * 24 * time.Hour
	// ServerValidity is the lifetime of a server certificate from IssueServer
	// (under the 825 days Apple platforms accept for TLS server certificates).
	ServerValidity = 2 * 365 * 24 * time.Hour
	// ServerRenewBefore is how long before expiry ServerCertCovers reports a
	// server certificate as due for re-issue.
	ServerRenewBefore = 30 * 24 * time.Hour
	// backdate is subtracted from "now" for NotBefore, so that a node whose
	// clock is a little behind the issuer's accepts a certificate at once.
	backdate = 5 * time.Minute
)

// CA is a certificate authority: a CA certificate and its private key. It is
// safe for concurrent use.
type CA struct {
	cert    *x509.Certificate
	certPEM []byte
	key     crypto.Signer
	keyPEM  []byte
	pool    atomic.Pointer[KeyPool]
}

var _ Issuer = (*CA)(nil)

// NewCA creates a self-signed root CA with an ECDSA P-256 key: subject
// CN=commonName, O=Roost, valid for CAValidity from now (backdated a few
// minutes), basic constraints CA:TRUE, key usage certSign, cRLSign and
// digitalSignature, a random serial and a subject key id.
func NewCA(commonName string, now time.Time) (*CA, error) {
	if commonName == "" {
		return nil, errors.New("new CA: empty common name")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("new CA: generate key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, fmt.Errorf("new CA: %w", err)
	}
	skid, err := subjectKeyID(key.Public())
	if err != nil {
		return nil, fmt.Errorf("new CA: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{"Roost"}},
		NotBefore:             now.Add(-backdate).UTC(),
		NotAfter:              now.Add(CAValidity).UTC(),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		SubjectKeyId:          skid,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("new CA: sign: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("new CA: %w", err)
	}
	keyPEM, err := privateKeyPKCS8PEM(key)
	if err != nil {
		return nil, fmt.Errorf("new CA: %w", err)
	}
	return &CA{cert: cert, certPEM: encodeCertPEM(der), key: key, keyPEM: keyPEM}, nil
}

// LoadCA loads a CA from its certificate (exactly one PEM block) and its
// private key (PKCS#8 "PRIVATE KEY", SEC1 "EC PRIVATE KEY", optionally after
// an "EC PARAMETERS" block, or PKCS#1 "RSA PRIVATE KEY"; not encrypted). It
// checks that the certificate is a CA allowed to sign certificates and that
// the key is the certificate's. It does not check validity dates.
func LoadCA(certPEM, keyPEM []byte) (*CA, error) {
	cert, err := ParseCertificatePEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("load CA: %w", err)
	}
	if !cert.BasicConstraintsValid || !cert.IsCA {
		return nil, errors.New("load CA: the certificate is not a CA (basic constraints CA:TRUE missing)")
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, errors.New("load CA: the certificate's key usage does not allow signing certificates")
	}
	key, err := parsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("load CA: %w", err)
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return nil, errors.New("load CA: the private key does not match the certificate")
	}
	pkcs8, err := privateKeyPKCS8PEM(key)
	if err != nil {
		return nil, fmt.Errorf("load CA: %w", err)
	}
	return &CA{cert: cert, certPEM: encodeCertPEM(cert.Raw), key: key, keyPEM: pkcs8}, nil
}

// Certificate returns the CA certificate. Callers must not modify it.
func (ca *CA) Certificate() *x509.Certificate { return ca.cert }

// CertPEM returns the CA certificate as one PEM "CERTIFICATE" block.
func (ca *CA) CertPEM() []byte { return append([]byte(nil), ca.certPEM...) }

// KeyPEM returns the CA private key as an unencrypted PKCS#8 "PRIVATE KEY"
// PEM block, whatever format it was loaded from.
func (ca *CA) KeyPEM() []byte { return append([]byte(nil), ca.keyPEM...) }

// UseKeyPool makes Issue take fresh RSA keys from p (nil: generate inline).
// It may be called at any time; the caller starts and stops p.
func (ca *CA) UseKeyPool(p *KeyPool) { ca.pool.Store(p) }

// IssueServer issues a TLS server certificate for hosts with a fresh ECDSA
// P-256 key. Hosts that parse as IP addresses (127.0.0.1, ::1, [::1]) become
// IP SANs, the others DNS SANs; the common name is the first host. The
// certificate has extended key usage serverAuth and lasts ServerValidity.
// The key is returned as PKCS#8 "PRIVATE KEY".
func (ca *CA) IssueServer(hosts []string, now time.Time) (certPEM, keyPEM []byte, err error) {
	if len(hosts) == 0 {
		return nil, nil, errors.New("issue server certificate: no hosts")
	}
	tmpl := &x509.Certificate{
		NotBefore:   now.Add(-backdate).UTC(),
		NotAfter:    now.Add(ServerValidity).UTC(),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		// BasicConstraintsValid with IsCA false: an explicit CA:FALSE.
		BasicConstraintsValid: true,
	}
	if err := addSANs(tmpl, hosts); err != nil {
		return nil, nil, fmt.Errorf("issue server certificate: %w", err)
	}
	if h := strings.Trim(strings.TrimSpace(hosts[0]), "[]"); len(h) <= 64 {
		tmpl.Subject.CommonName = h
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("issue server certificate: generate key: %w", err)
	}
	der, err := ca.sign(tmpl, key.Public())
	if err != nil {
		return nil, nil, fmt.Errorf("issue server certificate: %w", err)
	}
	keyPEM, err = privateKeyPKCS8PEM(key)
	if err != nil {
		return nil, nil, fmt.Errorf("issue server certificate: %w", err)
	}
	return encodeCertPEM(der), keyPEM, nil
}

func addSANs(tmpl *x509.Certificate, hosts []string) error {
	seen := make(map[string]bool, len(hosts))
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		if ip := net.ParseIP(strings.Trim(h, "[]")); ip != nil {
			if !seen[ip.String()] {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			}
			seen[ip.String()] = true
			continue
		}
		if h == "" || strings.ContainsAny(h, " /:[]") {
			return fmt.Errorf("invalid host %q", h)
		}
		if !seen[strings.ToLower(h)] {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
		seen[strings.ToLower(h)] = true
	}
	return nil
}

// ServerCertCovers reports whether the first certificate in certPEM (a leaf,
// possibly followed by its chain) names every host as a SAN (as a TLS client
// would check it: IP hosts against IP SANs, names against DNS SANs, wildcards
// allowed), is valid now for server authentication, and does not expire
// within ServerRenewBefore. The server re-issues its certificate on start
// when this is false. It does not check who signed the certificate: see
// (*CA).ServerCertCovers.
func ServerCertCovers(certPEM []byte, hosts []string, now time.Time) bool {
	chain, err := ParseCertificateChainPEM(certPEM)
	if err != nil {
		return false
	}
	return covers(chain[0], hosts, now)
}

// ServerCertCovers is the package function ServerCertCovers plus a check that
// ca signed the certificate, so that a server certificate from a previous CA
// is re-issued too.
func (ca *CA) ServerCertCovers(certPEM []byte, hosts []string, now time.Time) bool {
	chain, err := ParseCertificateChainPEM(certPEM)
	if err != nil {
		return false
	}
	return covers(chain[0], hosts, now) && VerifyIssuedBy(chain[0], ca.cert) == nil
}

func covers(c *x509.Certificate, hosts []string, now time.Time) bool {
	if now.Before(c.NotBefore) || !now.Add(ServerRenewBefore).Before(c.NotAfter) {
		return false
	}
	if len(c.ExtKeyUsage) > 0 && !slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageServerAuth) &&
		!slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageAny) {
		return false
	}
	for _, h := range hosts {
		if c.VerifyHostname(strings.TrimSpace(h)) != nil {
			return false
		}
	}
	return true
}

// sign fills the serial, subject key id and CA-derived fields of tmpl and
// signs it for pub. It returns the DER certificate.
func (ca *CA) sign(tmpl *x509.Certificate, pub crypto.PublicKey) ([]byte, error) {
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	skid, err := subjectKeyID(pub)
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	tmpl.SubjectKeyId = skid
	if tmpl.NotAfter.After(ca.cert.NotAfter) {
		tmpl.NotAfter = ca.cert.NotAfter
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	if err != nil {
		return nil, fmt.Errorf("sign certificate: %w", err)
	}
	return der, nil
}

// randomSerial returns a positive serial of at most 20 octets (RFC 5280
// 4.1.2.2) with 159 random bits.
func randomSerial() (*big.Int, error) {
	var b [20]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("random serial: %w", err)
		}
		b[0] &= 0x7f
		if n := new(big.Int).SetBytes(b[:]); n.Sign() > 0 {
			return n, nil
		}
	}
}

// subjectKeyID is RFC 7093 method 1: the leftmost 160 bits of the SHA-256 of
// the subjectPublicKey BIT STRING.
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("subject key id: %w", err)
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, fmt.Errorf("subject key id: %w", err)
	}
	sum := sha256.Sum256(spki.PublicKey.Bytes)
	return sum[:20], nil
}

func encodeCertPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func privateKeyPKCS8PEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("marshal private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// parsePrivateKeyPEM reads one private key block, skipping a leading
// "EC PARAMETERS" block as written by `openssl ecparam -genkey`.
func parsePrivateKeyPEM(b []byte) (crypto.Signer, error) {
	if len(b) > MaxPEMSize {
		return nil, fmt.Errorf("private key PEM larger than %d bytes", MaxPEMSize)
	}
	for rest := b; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			return nil, errors.New("no private key PEM block found")
		}
		if blk.Type == "EC PARAMETERS" {
			continue
		}
		if _, enc := blk.Headers["DEK-Info"]; enc || blk.Type == "ENCRYPTED PRIVATE KEY" {
			return nil, errors.New("the private key is encrypted: provide it unencrypted")
		}
		var key any
		var err error
		switch blk.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(blk.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
		default:
			return nil, fmt.Errorf("PEM block type %q is not a private key", blk.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("parse private key: %w", err)
		}
		switch k := key.(type) {
		case *ecdsa.PrivateKey, *rsa.PrivateKey, ed25519.PrivateKey:
			return k.(crypto.Signer), nil
		}
		return nil, fmt.Errorf("unsupported private key type %T", key)
	}
}
