package registry

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"time"

	"github.com/roost-iot/roost/internal/pki"
	"github.com/roost-iot/roost/internal/store"
)

// Certificate statuses (the model's CertificateStatus enum).
const (
	StatusActive            = "ACTIVE"
	StatusInactive          = "INACTIVE"
	StatusRevoked           = "REVOKED"
	StatusPendingTransfer   = "PENDING_TRANSFER"
	StatusRegisterInactive  = "REGISTER_INACTIVE"
	StatusPendingActivation = "PENDING_ACTIVATION"
)

// Certificate modes.
const (
	ModeDefault = "DEFAULT"
	ModeSNIOnly = "SNI_ONLY"
)

// Certificate is a certificate as DescribeCertificate returns it.
type Certificate struct {
	store.Certificate
	ARN string
}

func (s *Service) cert(c store.Certificate) Certificate {
	return Certificate{Certificate: c, ARN: s.ARN(KindCert, c.ID)}
}

// IssuedCertificate is a new certificate, with its generated key pair when
// Roost made the key.
type IssuedCertificate struct {
	Certificate
	PrivateKeyPEM, PublicKeyPEM string
}

func activeStatus(setAsActive bool) string {
	if setAsActive {
		return StatusActive
	}
	return StatusInactive
}

// CreateKeysAndCertificate issues a certificate with a fresh RSA-2048 key
// pair, as AWS does; it is INACTIVE unless setAsActive.
func (s *Service) CreateKeysAndCertificate(ctx context.Context, setAsActive bool) (IssuedCertificate, error) {
	return s.issue(ctx, &pki.IssueRequest{}, activeStatus(setAsActive), "")
}

// CreateCertificateFromCsr issues a certificate for the CSR's public key.
func (s *Service) CreateCertificateFromCsr(ctx context.Context, csrPEM string, setAsActive bool) (IssuedCertificate, error) {
	if csrPEM == "" {
		return IssuedCertificate{}, errf(InvalidRequest, "certificateSigningRequest is required")
	}
	return s.issue(ctx, &pki.IssueRequest{CSR: []byte(csrPEM)}, activeStatus(setAsActive), "")
}

// CreateProvisioningCertificate issues a certificate for fleet
// provisioning's MQTT API: with a fresh key pair, or for csrPEM when given.
// It starts PENDING_ACTIVATION; RegisterThing activates it (AWS fleet
// provisioning).
func (s *Service) CreateProvisioningCertificate(ctx context.Context, csrPEM string) (IssuedCertificate, error) {
	req := &pki.IssueRequest{}
	if csrPEM != "" {
		req.CSR = []byte(csrPEM)
	}
	return s.issue(ctx, req, StatusPendingActivation, store.OriginFleetProvisioning)
}

// CreateClaimCertificate issues a temporary claim certificate for
// provisioning by trusted user (CreateProvisioningClaim): ACTIVE, with a
// fresh key pair, expiring at notAfter (AWS: 5 minutes), hidden from
// ListCertificates, with the claim policy attached. TLS refuses it once it
// has expired; the reaper deletes it later.
func (s *Service) CreateClaimCertificate(ctx context.Context, policy string, notAfter time.Time) (IssuedCertificate, error) {
	err := s.view(ctx, func(tx store.Tx) error {
		_, err := tx.Policies().Get(ctx, policy)
		return notFound(err, "Policy %s does not exist", policy)
	})
	if err != nil {
		return IssuedCertificate{}, err
	}
	ic, err := s.issue(ctx, &pki.IssueRequest{NotAfter: notAfter}, StatusActive, store.OriginClaim)
	if err != nil {
		return IssuedCertificate{}, err
	}
	err = s.AttachPolicy(ctx, policy, ic.ARN)
	return ic, err
}

// ListCertificatesByOrigin lists certificates of one origin, oldest first,
// claims included (the reaper's view).
func (s *Service) ListCertificatesByOrigin(ctx context.Context, origin string, pr PageRequest) ([]Certificate, string, error) {
	p, err := pr.page(250, 250)
	if err != nil {
		return nil, "", err
	}
	var out []Certificate
	var next string
	err = s.view(ctx, func(tx store.Tx) error {
		cs, cursor, err := tx.Certificates().List(ctx, store.CertFilter{Ascending: true, Origin: origin}, p)
		for _, c := range cs {
			out = append(out, s.cert(c))
		}
		next = nextToken(cursor)
		return err
	})
	return out, next, err
}

func (s *Service) issue(ctx context.Context, req *pki.IssueRequest, status, origin string) (IssuedCertificate, error) {
	req.Now = s.clock()
	resp, err := s.issuer.Issue(ctx, req)
	var csrErr *pki.InvalidCSRError
	if errors.As(err, &csrErr) {
		return IssuedCertificate{}, errf(InvalidRequest, "%s", csrErr.Error())
	}
	if err != nil {
		return IssuedCertificate{}, err
	}
	c := s.newCert(resp.ID, string(resp.CertPEM), resp.Certificate, status, ModeDefault)
	c.Origin = origin
	err = s.store.Update(ctx, func(tx store.Tx) error { return tx.Certificates().Create(ctx, c) })
	return IssuedCertificate{Certificate: s.cert(c), PrivateKeyPEM: string(resp.PrivateKeyPEM), PublicKeyPEM: string(resp.PublicKeyPEM)}, err
}

func (s *Service) newCert(id, pemText string, x *x509.Certificate, status, mode string) store.Certificate {
	now := s.clock()
	return store.Certificate{
		ID: id, PEM: pemText, Status: status, Mode: mode, OwnedBy: s.account, CustomerVersion: 1,
		GenerationID: newID(), NotBefore: x.NotBefore.UTC(), NotAfter: x.NotAfter.UTC(), CreatedAt: now, UpdatedAt: now,
	}
}

// RegisterCertificateInput is RegisterCertificate's input.
type RegisterCertificateInput struct {
	CertificatePEM, CACertificatePEM string
	SetAsActive                      bool
	Status                           string
	// WithoutCA registers a certificate of any issuer (RegisterCertificateWithoutCA).
	WithoutCA bool
}

// RegisterCertificate registers a device certificate made elsewhere. Unless
// WithoutCA, it must be signed by a CA known here (Roost's own CA; customer
// CA registration comes with RegisterCACertificate).
func (s *Service) RegisterCertificate(ctx context.Context, in RegisterCertificateInput) (Certificate, error) {
	status, err := registerStatus(in.Status, in.SetAsActive)
	if err != nil {
		return Certificate{}, err
	}
	x, err := pki.ParseCertificatePEM([]byte(in.CertificatePEM))
	if err != nil {
		return Certificate{}, errf(CertificateValidation, "%s", err.Error())
	}
	mode := ModeSNIOnly
	if !in.WithoutCA {
		if err := s.checkRegisteredIssuer(x, in.CACertificatePEM); err != nil {
			return Certificate{}, err
		}
		mode = ModeDefault
	}
	id := pki.CertificateID(x.Raw)
	c := s.newCert(id, in.CertificatePEM, x, status, mode)
	err = s.store.Update(ctx, func(tx store.Tx) error {
		err := tx.Certificates().Create(ctx, c)
		if errors.Is(err, store.ErrExists) {
			return exists(id, s.ARN(KindCert, id), "The certificate is already provisioned or registered")
		}
		return err
	})
	return s.cert(c), err
}

func registerStatus(status string, setAsActive bool) (string, error) {
	switch status {
	case "":
		return activeStatus(setAsActive), nil
	case StatusActive, StatusInactive, StatusRevoked, StatusPendingActivation:
		return status, nil
	case StatusRegisterInactive:
		return StatusInactive, nil
	}
	return "", errf(InvalidRequest, "status %q is not a valid certificate status for registration", status)
}

// checkRegisteredIssuer checks that x was signed by the CA named in caPEM
// (or, when empty, by Roost's CA), and that this CA is known here.
func (s *Service) checkRegisteredIssuer(x *x509.Certificate, caPEM string) error {
	own, err := pki.ParseCertificatePEM(s.caPEM)
	if err != nil {
		return err
	}
	ca := own
	if caPEM != "" {
		if ca, err = pki.ParseCertificatePEM([]byte(caPEM)); err != nil {
			return errf(CertificateValidation, "caCertificatePem: %s", err.Error())
		}
		if !bytes.Equal(ca.Raw, own.Raw) {
			return errf(NotFound, "The CA certificate given in caCertificatePem is not registered")
		}
	}
	if err := pki.VerifyIssuedBy(x, ca); err != nil {
		return errf(CertificateValidation, "The certificate is not signed by a registered CA certificate: %s", err.Error())
	}
	return nil
}

// DescribeCertificate returns a certificate.
func (s *Service) DescribeCertificate(ctx context.Context, id string) (Certificate, error) {
	if err := checkCertID(id); err != nil {
		return Certificate{}, err
	}
	var c store.Certificate
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		c, err = tx.Certificates().Get(ctx, normCertID(id))
		return notFound(err, "The certificate %s does not exist", id)
	})
	return s.cert(c), err
}

// UpdateCertificate sets a certificate's status to ACTIVE, INACTIVE or
// REVOKED. A revoked certificate stays revoked.
func (s *Service) UpdateCertificate(ctx context.Context, id, newStatus string) error {
	if err := checkCertID(id); err != nil {
		return err
	}
	switch newStatus {
	case StatusActive, StatusInactive, StatusRevoked:
	case StatusPendingTransfer, StatusPendingActivation:
		return errf(InvalidRequest, "The certificate status cannot be set to %s with UpdateCertificate", newStatus)
	default:
		return errf(InvalidRequest, "newStatus %q is not a valid certificate status", newStatus)
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		c, err := tx.Certificates().Get(ctx, normCertID(id))
		if err != nil {
			return notFound(err, "The certificate %s does not exist", id)
		}
		if c.Status == StatusRevoked && newStatus != StatusRevoked {
			return errf(CertificateState, "The certificate %s is revoked and cannot be set to %s", id, newStatus)
		}
		if c.Status == StatusPendingTransfer {
			return errf(CertificateState, "The certificate %s is pending transfer", id)
		}
		c.Status, c.UpdatedAt = newStatus, s.clock()
		return tx.Certificates().Update(ctx, c)
	})
	return s.notify(err, Change{CertID: normCertID(id)})
}

// DeleteCertificate deletes a certificate that is not ACTIVE and has no
// things attached; attached policies are refused unless forceDelete, which
// detaches them.
func (s *Service) DeleteCertificate(ctx context.Context, id string, force bool) error {
	if err := checkCertID(id); err != nil {
		return err
	}
	id = normCertID(id)
	k := key(KindCert, id)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		c, err := tx.Certificates().Get(ctx, id)
		if err != nil {
			return notFound(err, "The certificate %s does not exist", id)
		}
		if c.Status == StatusActive || c.Status == StatusPendingTransfer {
			return errf(CertificateState, "Certificate must be deactivated (not ACTIVE) before deletion.")
		}
		if n, err := tx.Links().CountSources(ctx, store.ThingPrincipal, k); err != nil || n > 0 {
			return firstErr(err, errf(DeleteConflict, "Things must be detached before deletion (arn: %s)", s.ARN(KindCert, id)))
		}
		n, err := tx.Links().CountSources(ctx, store.PolicyTarget, k)
		if err != nil {
			return err
		}
		if n > 0 && !force {
			return errf(DeleteConflict, "Certificate policies must be detached before deletion (arn: %s)", s.ARN(KindCert, id))
		}
		if _, err := tx.Links().RemoveAll(ctx, store.PolicyTarget, k, false); err != nil {
			return err
		}
		return tx.Certificates().Delete(ctx, id)
	})
	return s.notify(err, Change{CertID: id})
}

// ListCertificates lists certificates by creation date (descending unless
// ascending).
func (s *Service) ListCertificates(ctx context.Context, ascending bool, pr PageRequest) ([]Certificate, string, error) {
	p, err := pr.page(25, 250)
	if err != nil {
		return nil, "", err
	}
	var rows []store.Certificate
	var next string
	err = s.view(ctx, func(tx store.Tx) error {
		rows, next, err = tx.Certificates().List(ctx, store.CertFilter{Ascending: ascending}, p)
		return err
	})
	out := make([]Certificate, len(rows))
	for i, c := range rows {
		out[i] = s.cert(c)
	}
	return out, nextToken(next), err
}
