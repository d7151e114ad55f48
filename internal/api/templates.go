package api

import (
	"net/http"
	"strconv"

	"github.com/roost-iot/roost/internal/registry"
)

// hookJSON is the model's ProvisioningHook.
type hookJSON struct {
	TargetArn      string `json:"targetArn"`
	PayloadVersion string `json:"payloadVersion,omitempty"`
}

func (h *hookJSON) hook() *registry.Hook {
	if h == nil {
		return nil
	}
	return &registry.Hook{TargetARN: h.TargetArn, PayloadVersion: h.PayloadVersion}
}

func hookOf(t registry.ProvisioningTemplate) *hookJSON {
	if t.HookTargetARN == "" {
		return nil
	}
	return &hookJSON{TargetArn: t.HookTargetARN, PayloadVersion: t.HookPayloadVersion}
}

func (s *Server) createProvisioningTemplate(c *call) (any, error) {
	var in struct {
		TemplateName        string    `json:"templateName"`
		Description         string    `json:"description"`
		TemplateBody        string    `json:"templateBody"`
		Enabled             bool      `json:"enabled"`
		ProvisioningRoleArn string    `json:"provisioningRoleArn"`
		PreProvisioningHook *hookJSON `json:"preProvisioningHook"`
		Tags                []tag     `json:"tags"`
		Type                string    `json:"type"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.PreProvisioningHook != nil && in.PreProvisioningHook.TargetArn == "" {
		return nil, invalid("preProvisioningHook.targetArn is required")
	}
	t, err := s.reg.CreateProvisioningTemplate(c.ctx, registry.CreateTemplateInput{
		Name: in.TemplateName, Description: in.Description, Body: in.TemplateBody, Type: in.Type,
		Enabled: in.Enabled, ProvisioningRoleARN: in.ProvisioningRoleArn, Hook: in.PreProvisioningHook.hook(),
		Tags: tagMap(in.Tags),
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"templateArn": t.ARN, "templateName": t.Name, "defaultVersionId": t.DefaultVersion}, nil
}

func (s *Server) describeProvisioningTemplate(c *call) (any, error) {
	t, err := s.reg.DescribeProvisioningTemplate(c.ctx, c.path("templateName"))
	if err != nil {
		return nil, err
	}
	out := map[string]any{
		"templateArn": t.ARN, "templateName": t.Name, "description": t.Description,
		"creationDate": ts(t.CreatedAt), "lastModifiedDate": ts(t.UpdatedAt), "defaultVersionId": t.DefaultVersion,
		"templateBody": t.Body, "enabled": t.Enabled, "provisioningRoleArn": t.ProvisioningRoleARN, "type": t.Type,
	}
	if h := hookOf(t); h != nil {
		out["preProvisioningHook"] = h
	}
	return out, nil
}

func (s *Server) listProvisioningTemplates(c *call) (any, error) {
	pr, err := c.pageRequest("nextToken", "maxResults")
	if err != nil {
		return nil, err
	}
	list, next, err := s.reg.ListProvisioningTemplates(c.ctx, pr)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, len(list))
	for i, t := range list {
		out[i] = map[string]any{"templateArn": t.ARN, "templateName": t.Name, "description": t.Description,
			"creationDate": ts(t.CreatedAt), "lastModifiedDate": ts(t.UpdatedAt), "enabled": t.Enabled, "type": t.Type}
	}
	return map[string]any{"templates": out, "nextToken": omit(next)}, nil
}

func (s *Server) updateProvisioningTemplate(c *call) (any, error) {
	var in struct {
		Description         *string   `json:"description"`
		Enabled             *bool     `json:"enabled"`
		DefaultVersionID    *int64    `json:"defaultVersionId"`
		ProvisioningRoleArn *string   `json:"provisioningRoleArn"`
		PreProvisioningHook *hookJSON `json:"preProvisioningHook"`
		RemoveHook          bool      `json:"removePreProvisioningHook"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.PreProvisioningHook != nil && in.PreProvisioningHook.TargetArn == "" {
		return nil, invalid("preProvisioningHook.targetArn is required")
	}
	return nil, s.reg.UpdateProvisioningTemplate(c.ctx, registry.UpdateTemplateInput{
		Name: c.path("templateName"), Description: in.Description, Enabled: in.Enabled,
		DefaultVersion: in.DefaultVersionID, ProvisioningRoleARN: in.ProvisioningRoleArn,
		Hook: in.PreProvisioningHook.hook(), RemoveHook: in.RemoveHook,
	})
}

func (s *Server) deleteProvisioningTemplate(c *call) (any, error) {
	return nil, s.reg.DeleteProvisioningTemplate(c.ctx, c.path("templateName"))
}

func (s *Server) createProvisioningTemplateVersion(c *call) (any, error) {
	def, err := c.queryBool("setAsDefault")
	if err != nil {
		return nil, err
	}
	var in struct {
		TemplateBody string `json:"templateBody"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	name := c.path("templateName")
	v, err := s.reg.CreateProvisioningTemplateVersion(c.ctx, name, in.TemplateBody, def)
	if err != nil {
		return nil, err
	}
	return map[string]any{"templateArn": s.reg.ARN(registry.KindProvisioningTemplate, name), "templateName": name,
		"versionId": v.ID, "isDefaultVersion": v.IsDefault}, nil
}

func (c *call) templateVersionID() (int64, error) {
	id, err := strconv.ParseInt(c.path("versionId"), 10, 32)
	if err != nil || id < 1 {
		return 0, invalid("versionId %q is not a template version id", c.path("versionId"))
	}
	return id, nil
}

func (s *Server) describeProvisioningTemplateVersion(c *call) (any, error) {
	id, err := c.templateVersionID()
	if err != nil {
		return nil, err
	}
	v, err := s.reg.DescribeProvisioningTemplateVersion(c.ctx, c.path("templateName"), id)
	if err != nil {
		return nil, err
	}
	return map[string]any{"versionId": v.ID, "creationDate": ts(v.CreatedAt), "templateBody": v.Body,
		"isDefaultVersion": v.IsDefault}, nil
}

func (s *Server) listProvisioningTemplateVersions(c *call) (any, error) {
	pr, err := c.pageRequest("nextToken", "maxResults")
	if err != nil {
		return nil, err
	}
	vs, next, err := s.reg.ListProvisioningTemplateVersions(c.ctx, c.path("templateName"), pr)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, len(vs))
	for i, v := range vs {
		out[i] = map[string]any{"versionId": v.ID, "creationDate": ts(v.CreatedAt), "isDefaultVersion": v.IsDefault}
	}
	return map[string]any{"versions": out, "nextToken": omit(next)}, nil
}

func (s *Server) deleteProvisioningTemplateVersion(c *call) (any, error) {
	id, err := c.templateVersionID()
	if err != nil {
		return nil, err
	}
	return nil, s.reg.DeleteProvisioningTemplateVersion(c.ctx, c.path("templateName"), id)
}

func (s *Server) createProvisioningClaim(c *call) (any, error) {
	if s.claims == nil {
		return nil, &Error{Code: "ServiceUnavailableException", Status: http.StatusServiceUnavailable,
			Message: "Provisioning claims are not served by this server"}
	}
	cl, err := s.claims.CreateProvisioningClaim(c.ctx, c.path("templateName"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"certificateId": cl.ID, "certificatePem": cl.PEM,
		"keyPair":    map[string]string{"PublicKey": cl.PublicKeyPEM, "PrivateKey": cl.PrivateKeyPEM},
		"expiration": ts(cl.Expiration)}, nil
}
