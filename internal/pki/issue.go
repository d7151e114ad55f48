package pki

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"time"
)

// DefaultDeviceCommonName is the subject common name of a device certificate
// issued without a requested subject (AWS IoT uses "AWS IoT Certificate").
const DefaultDeviceCommonName = "Roost IoT Certificate"

// DeviceNotAfter is when device certificates expire, as AWS IoT-issued ones
// do: 2049-12-31T23:59:59Z.
var DeviceNotAfter = time.Date(2049, time.December, 31, 23, 59, 59, 0, time.UTC)

// Issuer issues device certificates. *CA implements it; CreateKeysAndCertificate,
// CreateCertificateFromCsr and fleet provisioning all go through it.
type Issuer interface {
	Issue(ctx context.Context, req *IssueRequest) (*IssueResponse, error)
}

// KeyType is the kind of key Issue generates when the request has no CSR.
type KeyType int

const (
	// KeyRSA2048 is a 2048-bit RSA key, what CreateKeysAndCertificate returns
	// in AWS. It is the zero value.
	KeyRSA2048 KeyType = iota
	// KeyECDSAP256 is an ECDSA key on P-256.
	KeyECDSAP256
)

func (k KeyType) String() string {
	switch k {
	case KeyRSA2048:
		return "RSA-2048"
	case KeyECDSAP256:
		return "ECDSA-P256"
	}
	return fmt.Sprintf("KeyType(%d)", int(k))
}

// A CSRCheck inspects a CSR whose signature and key already passed the
// built-in checks. A non-nil error refuses the request; unless it already is
// an *InvalidCSRError its text becomes the client-facing message.
type CSRCheck func(csr *x509.CertificateRequest) error

// A CertModifier adjusts the certificate template before it is signed (for
// example subject or SANs from a provisioning template). A CSR's subject is
// in tmpl.RawSubject, which wins over tmpl.Subject: a modifier that sets
// Subject clears RawSubject. A non-nil error stops the issue. Modifiers cannot make a CA: Issue resets the basic
// constraints and the certSign and cRLSign key usages after them.
type CertModifier func(tmpl *x509.Certificate) error

// IssueRequest asks for one device certificate.
type IssueRequest struct {
	// CSR is a PEM certificate signing request. When set, the certificate
	// carries the CSR's public key, whose self-signature and key type are
	// checked (RSA >= 2048 bits, ECDSA P-256/P-384/P-521). When empty a key
	// pair of KeyType is generated and returned.
	CSR []byte
	// KeyType is the generated key's type when CSR is empty.
	KeyType KeyType
	// Subject, when set, is the certificate's subject. Otherwise the CSR's
	// subject is kept as it is if it is not empty, else the subject is
	// CN=DefaultDeviceCommonName. Other CSR attributes (SANs, extensions)
	// are not copied; a CertModifier may copy them.
	Subject *pkix.Name
	// Now is the issue time; zero means time.Now(). NotBefore is a few
	// minutes earlier, to absorb clock skew between nodes.
	Now time.Time
	// NotAfter is the expiry; zero means DeviceNotAfter. It is capped at the
	// CA's own expiry.
	NotAfter time.Time
	// CSRChecks run, in order, after the built-in CSR checks.
	CSRChecks []CSRCheck
	// Modifiers run, in order, on the template before signing.
	Modifiers []CertModifier
}

// IssueResponse is an issued device certificate.
type IssueResponse struct {
	// ID is the certificate id: CertificateID(DER).
	ID string
	// CertPEM is the certificate as one PEM "CERTIFICATE" block.
	CertPEM []byte
	// DER is the certificate's DER encoding.
	DER []byte
	// Certificate is the parsed certificate.
	Certificate *x509.Certificate
	// PrivateKeyPEM is the generated private key, only when the request had
	// no CSR: PKCS#1 "RSA PRIVATE KEY" for RSA (as AWS returns it) or SEC1
	// "EC PRIVATE KEY" for ECDSA.
	PrivateKeyPEM []byte
	// PublicKeyPEM is the generated public key as PKIX "PUBLIC KEY", only
	// when the request had no CSR.
	PublicKeyPEM []byte
}

// Issue issues a device certificate signed by ca: extended key usage
// clientAuth, key usage digitalSignature, CA:FALSE, a random serial, valid
// from shortly before req.Now until req.NotAfter (default DeviceNotAfter).
// CSR problems are *InvalidCSRError.
func (ca *CA) Issue(ctx context.Context, req *IssueRequest) (*IssueResponse, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	tmpl := &x509.Certificate{
		NotBefore:             now.Add(-backdate).UTC(),
		NotAfter:              DeviceNotAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	if !req.NotAfter.IsZero() {
		tmpl.NotAfter = req.NotAfter.UTC()
	}
	resp := &IssueResponse{}
	var pub crypto.PublicKey
	if len(req.CSR) > 0 {
		csr, err := csrFromRequest(req)
		if err != nil {
			return nil, err
		}
		pub = csr.PublicKey
		if len(csr.Subject.Names) > 0 {
			tmpl.RawSubject = csr.RawSubject
		}
	} else {
		var err error
		if pub, err = ca.generateKey(req.KeyType, resp); err != nil {
			return nil, fmt.Errorf("issue certificate: %w", err)
		}
	}
	if req.Subject != nil {
		tmpl.RawSubject = nil
		tmpl.Subject = *req.Subject
	} else if tmpl.RawSubject == nil {
		tmpl.Subject = pkix.Name{CommonName: DefaultDeviceCommonName}
	}
	for _, m := range req.Modifiers {
		if err := m(tmpl); err != nil {
			return nil, fmt.Errorf("issue certificate: %w", err)
		}
	}
	tmpl.IsCA, tmpl.BasicConstraintsValid = false, true
	tmpl.KeyUsage &^= x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	der, err := ca.sign(tmpl, pub)
	if err != nil {
		return nil, fmt.Errorf("issue certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("issue certificate: %w", err)
	}
	resp.ID, resp.CertPEM, resp.DER, resp.Certificate = CertificateID(der), encodeCertPEM(der), der, cert
	return resp, nil
}

func csrFromRequest(req *IssueRequest) (*x509.CertificateRequest, error) {
	csr, err := ParseCSRPEM(req.CSR)
	if err != nil {
		return nil, err
	}
	if err := checkCSR(csr); err != nil {
		return nil, err
	}
	for _, check := range req.CSRChecks {
		if err := check(csr); err != nil {
			if _, ok := err.(*InvalidCSRError); ok {
				return nil, err
			}
			return nil, csrError("The certificate signing request is not valid: "+err.Error(), nil)
		}
	}
	return csr, nil
}

// generateKey makes a key of type kt, fills resp's key PEMs and returns the
// public key. RSA keys come from ca's KeyPool when one is set.
func (ca *CA) generateKey(kt KeyType, resp *IssueResponse) (crypto.PublicKey, error) {
	var pub crypto.PublicKey
	switch kt {
	case KeyRSA2048:
		key, err := ca.pool.Load().Get()
		if err != nil {
			return nil, err
		}
		pub = key.Public()
		resp.PrivateKeyPEM = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	case KeyECDSAP256:
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate key: %w", err)
		}
		der, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return nil, fmt.Errorf("marshal private key: %w", err)
		}
		pub = key.Public()
		resp.PrivateKeyPEM = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	default:
		return nil, fmt.Errorf("unknown key type %v", kt)
	}
	var err error
	resp.PublicKeyPEM, err = PublicKeyPEM(pub)
	return pub, err
}

// generateRSA makes the 2048-bit RSA key of CreateKeysAndCertificate.
func generateRSA() (*rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate RSA key: %w", err)
	}
	return key, nil
}
