package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
)

const (
	// MaxPEMSize bounds every PEM input: AWS limits certificatePem to 65536
	// characters, and a CSR is far smaller.
	MaxPEMSize = 64 << 10
	// MaxChainLen bounds the number of certificates in a chain.
	MaxChainLen = 10
	// MaxRSABits bounds accepted RSA keys so that checking a signature stays
	// cheap; AWS documents only the minimum (2048).
	MaxRSABits = 8192
)

var pemBegin = []byte("-----BEGIN ")

// CertificateID returns the AWS IoT certificate id of a DER certificate: the
// lowercase hex SHA-256 of the DER, 64 characters.
func CertificateID(der []byte) string {
	sum := sha256.Sum256(der)
	var buf [2 * sha256.Size]byte
	hex.Encode(buf[:], sum[:])
	return string(buf[:])
}

// ParseCertificatePEM parses exactly one PEM "CERTIFICATE" block, with only
// whitespace around it, of at most MaxPEMSize bytes. Errors are
// *InvalidCertificateError.
func ParseCertificatePEM(b []byte) (*x509.Certificate, error) {
	blocks, err := pemBlocks(b, 1, "CERTIFICATE")
	if err != nil {
		return nil, certError("The certificate is not valid: "+err.Error(), nil)
	}
	return parseCertDER(blocks[0].Bytes)
}

// ParseCertificateChainPEM parses one to MaxChainLen PEM "CERTIFICATE"
// blocks separated only by whitespace, at most MaxPEMSize bytes in all,
// leaf first as in a TLS chain. Errors are *InvalidCertificateError.
func ParseCertificateChainPEM(b []byte) ([]*x509.Certificate, error) {
	blocks, err := pemBlocks(b, MaxChainLen, "CERTIFICATE")
	if err != nil {
		return nil, certError("The certificate chain is not valid: "+err.Error(), nil)
	}
	certs := make([]*x509.Certificate, 0, len(blocks))
	for _, blk := range blocks {
		c, err := parseCertDER(blk.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	return certs, nil
}

func parseCertDER(der []byte) (*x509.Certificate, error) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, certError("The certificate is not valid: it cannot be parsed", err)
	}
	return c, nil
}

// ParseCSRPEM parses exactly one PEM "CERTIFICATE REQUEST" (or legacy
// "NEW CERTIFICATE REQUEST") block, with only whitespace around it, of at
// most MaxPEMSize bytes. It does not check the signature or the key: Issue
// does. Errors are *InvalidCSRError.
func ParseCSRPEM(b []byte) (*x509.CertificateRequest, error) {
	blocks, err := pemBlocks(b, 1, "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST")
	if err != nil {
		return nil, csrError("The certificate signing request is not valid: "+err.Error(), nil)
	}
	csr, err := x509.ParseCertificateRequest(blocks[0].Bytes)
	if err != nil {
		return nil, csrError("The certificate signing request is not valid: it cannot be parsed", err)
	}
	return csr, nil
}

// pemBlocks decodes 1..max PEM blocks of the given types from b, allowing
// only whitespace before, between and after them. The error message is
// meant for the client.
func pemBlocks(b []byte, max int, types ...string) ([]*pem.Block, error) {
	if len(b) > MaxPEMSize {
		return nil, fmt.Errorf("it is larger than %d bytes", MaxPEMSize)
	}
	// pem.Decode skips a malformed block and returns the next one, so count
	// the BEGIN lines to notice a block that was skipped.
	begins := bytes.Count(b, pemBegin)
	if begins > max {
		if max == 1 {
			return nil, errors.New("it must contain exactly one PEM block")
		}
		return nil, fmt.Errorf("it contains more than %d PEM blocks", max)
	}
	var blocks []*pem.Block
	rest := bytes.TrimSpace(b)
	for len(rest) > 0 {
		if !bytes.HasPrefix(rest, pemBegin) {
			return nil, errors.New("unexpected data outside the PEM block")
		}
		blk, r := pem.Decode(rest)
		if blk == nil {
			return nil, errors.New("malformed PEM block")
		}
		if !typeIn(blk.Type, types) {
			return nil, fmt.Errorf("PEM block type is %q, want %q", blk.Type, types[0])
		}
		if len(blk.Headers) > 0 {
			return nil, errors.New("PEM headers are not allowed")
		}
		blocks = append(blocks, blk)
		rest = bytes.TrimSpace(r)
	}
	if len(blocks) == 0 {
		return nil, errors.New("no PEM block found")
	}
	if len(blocks) != begins {
		return nil, errors.New("malformed PEM block")
	}
	return blocks, nil
}

func typeIn(t string, types []string) bool {
	for _, want := range types {
		if t == want {
			return true
		}
	}
	return false
}

// CheckPublicKey applies AWS IoT's rule for device keys: RSA of at least
// 2048 bits (and at most MaxRSABits), or ECDSA on P-256, P-384 or P-521.
// The error message is meant for the client; callers wrap it in their own
// error type.
func CheckPublicKey(pub any) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		bits := k.N.BitLen()
		if bits < 2048 {
			return fmt.Errorf("RSA key of %d bits is too short: at least 2048 bits are required", bits)
		}
		if bits > MaxRSABits {
			return fmt.Errorf("RSA key of %d bits is too long: at most %d bits are accepted", bits, MaxRSABits)
		}
		return nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return nil
		}
		return fmt.Errorf("ECDSA curve %s is not supported: use P-256, P-384 or P-521", k.Curve.Params().Name)
	default:
		return fmt.Errorf("%T keys are not supported: use RSA (2048 bits or more) or ECDSA (P-256, P-384, P-521)", pub)
	}
}

// checkCSR verifies the CSR's self-signature and its key.
func checkCSR(csr *x509.CertificateRequest) error {
	if err := CheckPublicKey(csr.PublicKey); err != nil {
		return csrError("The certificate signing request is not valid: "+err.Error(), nil)
	}
	if err := csr.CheckSignature(); err != nil {
		return csrError("The certificate signing request is not valid: its signature does not verify", err)
	}
	return nil
}

// VerifyIssuedBy checks that issuer is a CA certificate whose subject is
// cert's issuer and whose key signed cert. It does not look at validity
// dates. Errors are *InvalidCertificateError. RegisterCertificate uses it
// with the caCertificatePem.
func VerifyIssuedBy(cert, issuer *x509.Certificate) error {
	if !issuer.BasicConstraintsValid || !issuer.IsCA {
		return certError("The CA certificate is not a CA: basic constraints CA:TRUE are missing", nil)
	}
	if issuer.KeyUsage != 0 && issuer.KeyUsage&x509.KeyUsageCertSign == 0 {
		return certError("The CA certificate is not a CA: its key usage does not allow signing certificates", nil)
	}
	if !bytes.Equal(cert.RawIssuer, issuer.RawSubject) {
		return certError("The certificate is not signed by the CA: its issuer is not the CA's subject", nil)
	}
	if err := cert.CheckSignatureFrom(issuer); err != nil {
		return certError("The certificate is not signed by the CA", err)
	}
	return nil
}

// VerifyRegistrationProof checks the proof of possession that
// RegisterCACertificate asks for: verification must be signed by ca's key
// and its subject common name must be the account's registration code.
// Signature problems are *InvalidCertificateError; a wrong common name is
// ErrRegistrationCode.
func VerifyRegistrationProof(verification, ca *x509.Certificate, registrationCode string) error {
	if err := VerifyIssuedBy(verification, ca); err != nil {
		return err
	}
	if registrationCode == "" || verification.Subject.CommonName != registrationCode {
		return ErrRegistrationCode
	}
	return nil
}

// PublicKeyPEM encodes a public key as a PKIX "PUBLIC KEY" PEM block, the
// format of keyPair.PublicKey in CreateKeysAndCertificate.
func PublicKeyPEM(pub any) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("marshal public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}
