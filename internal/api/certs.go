package api

import (
	"github.com/roost-iot/roost/internal/registry"
)

func (s *Server) createKeysAndCertificate(c *call) (any, error) {
	active, err := c.queryBool("setAsActive")
	if err != nil {
		return nil, err
	}
	ic, err := s.reg.CreateKeysAndCertificate(c.ctx, active)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"certificateArn": ic.ARN, "certificateId": ic.ID, "certificatePem": ic.PEM,
		"keyPair": map[string]string{"PublicKey": ic.PublicKeyPEM, "PrivateKey": ic.PrivateKeyPEM},
	}, nil
}

func (s *Server) createCertificateFromCsr(c *call) (any, error) {
	active, err := c.queryBool("setAsActive")
	if err != nil {
		return nil, err
	}
	var in struct {
		CSR string `json:"certificateSigningRequest"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ic, err := s.reg.CreateCertificateFromCsr(c.ctx, in.CSR, active)
	if err != nil {
		return nil, err
	}
	return map[string]string{"certificateArn": ic.ARN, "certificateId": ic.ID, "certificatePem": ic.PEM}, nil
}

func (s *Server) registerCertificate(withoutCA bool) op {
	return func(c *call) (any, error) {
		active, err := c.queryBool("setAsActive")
		if err != nil {
			return nil, err
		}
		var in struct {
			CertificatePem   string `json:"certificatePem"`
			CACertificatePem string `json:"caCertificatePem"`
			Status           string `json:"status"`
		}
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		if in.CertificatePem == "" {
			return nil, invalid("certificatePem is required")
		}
		if withoutCA && in.CACertificatePem != "" {
			return nil, invalid("caCertificatePem is not accepted by RegisterCertificateWithoutCA")
		}
		cert, err := s.reg.RegisterCertificate(c.ctx, registry.RegisterCertificateInput{
			CertificatePEM: in.CertificatePem, CACertificatePEM: in.CACertificatePem,
			SetAsActive: active, Status: in.Status, WithoutCA: withoutCA,
		})
		if err != nil {
			return nil, err
		}
		return map[string]string{"certificateArn": cert.ARN, "certificateId": cert.ID}, nil
	}
}

func (s *Server) describeCertificate(c *call) (any, error) {
	cert, err := s.reg.DescribeCertificate(c.ctx, c.path("certificateId"))
	if err != nil {
		return nil, err
	}
	d := map[string]any{
		"certificateArn": cert.ARN, "certificateId": cert.ID, "status": cert.Status,
		"certificatePem": cert.PEM, "ownedBy": cert.OwnedBy, "creationDate": ts(cert.CreatedAt),
		"lastModifiedDate": ts(cert.UpdatedAt), "customerVersion": cert.CustomerVersion,
		"generationId": cert.GenerationID, "certificateMode": cert.Mode,
		"validity": map[string]any{"notBefore": ts(cert.NotBefore), "notAfter": ts(cert.NotAfter)},
	}
	if cert.CAID != "" {
		d["caCertificateId"] = cert.CAID
	}
	return map[string]any{"certificateDescription": d}, nil
}

func (s *Server) updateCertificate(c *call) (any, error) {
	status := c.query("newStatus")
	if status == "" {
		return nil, invalid("newStatus is required")
	}
	return nil, s.reg.UpdateCertificate(c.ctx, c.path("certificateId"), status)
}

func (s *Server) deleteCertificate(c *call) (any, error) {
	force, err := c.queryBool("forceDelete")
	if err != nil {
		return nil, err
	}
	return nil, s.reg.DeleteCertificate(c.ctx, c.path("certificateId"), force)
}

func (s *Server) listCertificates(c *call) (any, error) {
	pr, err := c.pageRequest("marker", "pageSize")
	if err != nil {
		return nil, err
	}
	asc, err := c.queryBool("isAscendingOrder")
	if err != nil {
		return nil, err
	}
	certs, next, err := s.reg.ListCertificates(c.ctx, asc, pr)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, len(certs))
	for i, cert := range certs {
		out[i] = map[string]any{"certificateArn": cert.ARN, "certificateId": cert.ID, "status": cert.Status,
			"certificateMode": cert.Mode, "creationDate": ts(cert.CreatedAt)}
	}
	return map[string]any{"certificates": out, "nextMarker": omit(next)}, nil
}
