package registry

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"unicode/utf8"

	"github.com/roost-iot/roost/internal/provisioning/template"
	"github.com/roost-iot/roost/internal/store"
)

// Provisioning template types (the model's TemplateType enum).
const (
	TemplateFleetProvisioning = "FLEET_PROVISIONING"
	TemplateJITP              = "JITP"
)

// DefaultHookPayloadVersion is the only pre-provisioning hook payload
// version AWS documents.
const DefaultHookPayloadVersion = "2020-04-01"

// maxTemplateVersions is the number of versions a template may have (AWS
// quota "provisioning template versions per template": 5).
const maxTemplateVersions = 5

var (
	templateNameRE   = regexp.MustCompile(`^[0-9A-Za-z_-]+$`)
	payloadVersionRE = regexp.MustCompile(`^[0-9-]+$`)
)

// ProvisioningTemplate is a template as DescribeProvisioningTemplate
// returns it: the record, its ARN and its default version's body.
type ProvisioningTemplate struct {
	store.ProvisioningTemplate
	ARN  string
	Body string
}

// TemplateVersion is one version of a template.
type TemplateVersion struct {
	store.ProvisioningTemplateVersion
	IsDefault bool
}

// Hook is a template's pre-provisioning hook. Roost has no Lambda: the
// target is an http(s) URL that Roost POSTs AWS's hook event to.
type Hook struct {
	TargetARN      string
	PayloadVersion string
}

// CreateTemplateInput is CreateProvisioningTemplate's input.
type CreateTemplateInput struct {
	Name, Description, Body, Type string
	Enabled                       bool
	ProvisioningRoleARN           string
	Hook                          *Hook
	Tags                          map[string]string
}

func checkTemplateName(name string) error {
	if name == "" || len(name) > 36 || !templateNameRE.MatchString(name) {
		return errf(InvalidRequest, "Template name %q is invalid: it must be 1 to 36 characters matching %s", name, templateNameRE)
	}
	return nil
}

// checkTemplateBody parses the body as CreateProvisioningTemplate does.
func checkTemplateBody(body string) error {
	if utf8.RuneCountInString(body) > template.MaxBodyChars {
		return errf(InvalidRequest, "templateBody must be at most %d characters", template.MaxBodyChars)
	}
	if _, err := template.Parse([]byte(body)); err != nil {
		return errf(InvalidRequest, "%s", err.Error())
	}
	return nil
}

// checkHook validates a hook; its target must be an absolute http(s) URL.
func checkHook(h *Hook, typ string) error {
	if h == nil {
		return nil
	}
	if typ == TemplateJITP {
		return errf(InvalidRequest, "A pre-provisioning hook can only be set on a %s template", TemplateFleetProvisioning)
	}
	u, err := url.Parse(h.TargetARN)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errf(InvalidRequest, "preProvisioningHook.targetArn %q must be an http or https URL: Roost calls pre-provisioning hooks over HTTP, not Lambda", h.TargetARN)
	}
	if h.PayloadVersion != "" && (len(h.PayloadVersion) < 10 || len(h.PayloadVersion) > 32 || !payloadVersionRE.MatchString(h.PayloadVersion)) {
		return errf(InvalidRequest, "preProvisioningHook.payloadVersion %q is invalid", h.PayloadVersion)
	}
	return nil
}

func setHook(t *store.ProvisioningTemplate, h *Hook) {
	if h == nil {
		t.HookTargetARN, t.HookPayloadVersion = "", ""
		return
	}
	t.HookTargetARN, t.HookPayloadVersion = h.TargetARN, h.PayloadVersion
	if t.HookPayloadVersion == "" {
		t.HookPayloadVersion = DefaultHookPayloadVersion
	}
}

// CreateProvisioningTemplate creates a template whose version 1 is the
// default.
func (s *Service) CreateProvisioningTemplate(ctx context.Context, in CreateTemplateInput) (ProvisioningTemplate, error) {
	if in.Type == "" {
		in.Type = TemplateFleetProvisioning
	}
	if in.Type != TemplateFleetProvisioning && in.Type != TemplateJITP {
		return ProvisioningTemplate{}, errf(InvalidRequest, "type must be %s or %s", TemplateFleetProvisioning, TemplateJITP)
	}
	if in.ProvisioningRoleARN == "" {
		return ProvisioningTemplate{}, errf(InvalidRequest, "provisioningRoleArn is required")
	}
	if err := firstErr(checkTemplateName(in.Name), checkDescription(in.Description), checkTemplateBody(in.Body),
		checkHook(in.Hook, in.Type), checkTags(in.Tags)); err != nil {
		return ProvisioningTemplate{}, err
	}
	now := s.clock()
	t := store.ProvisioningTemplate{Name: in.Name, ID: newID(), Description: in.Description, Type: in.Type,
		Enabled: in.Enabled, ProvisioningRoleARN: in.ProvisioningRoleARN, DefaultVersion: 1, NextVersion: 2,
		CreatedAt: now, UpdatedAt: now}
	setHook(&t, in.Hook)
	err := s.updateTemplates(ctx, func(tx store.Tx) error {
		err := tx.ProvisioningTemplates().Create(ctx, t)
		if errors.Is(err, store.ErrExists) {
			return exists(in.Name, s.ARN(KindProvisioningTemplate, in.Name), "Template %s already exists", in.Name)
		}
		if err != nil {
			return err
		}
		v := store.ProvisioningTemplateVersion{TemplateName: in.Name, ID: 1, Body: in.Body, CreatedAt: now}
		if err := tx.ProvisioningTemplates().CreateVersion(ctx, v); err != nil {
			return err
		}
		return tx.Tags().Set(ctx, key(KindProvisioningTemplate, in.Name), in.Tags)
	})
	return ProvisioningTemplate{ProvisioningTemplate: t, ARN: s.ARN(KindProvisioningTemplate, in.Name), Body: in.Body}, err
}

// DescribeProvisioningTemplate returns a template and its default body.
// Templates are read on every RegisterThing and written rarely: they are
// cached until the next template write.
func (s *Service) DescribeProvisioningTemplate(ctx context.Context, name string) (ProvisioningTemplate, error) {
	t, gen, ok := s.templates.get(name)
	if ok {
		return t, nil
	}
	t, err := s.describeProvisioningTemplate(ctx, name)
	if err == nil {
		s.templates.put(name, t, gen)
	}
	return t, err
}

func (s *Service) describeProvisioningTemplate(ctx context.Context, name string) (ProvisioningTemplate, error) {
	var out ProvisioningTemplate
	err := s.view(ctx, func(tx store.Tx) error {
		t, err := tx.ProvisioningTemplates().Get(ctx, name)
		if err != nil {
			return notFound(err, "The provisioning template %s does not exist", name)
		}
		v, err := tx.ProvisioningTemplates().GetVersion(ctx, name, t.DefaultVersion)
		if err != nil {
			return err
		}
		out = ProvisioningTemplate{ProvisioningTemplate: t, ARN: s.ARN(KindProvisioningTemplate, name), Body: v.Body}
		return nil
	})
	return out, err
}

// ListProvisioningTemplates lists templates by name (bodies left empty).
func (s *Service) ListProvisioningTemplates(ctx context.Context, pr PageRequest) ([]ProvisioningTemplate, string, error) {
	p, err := pr.page(25, 250)
	if err != nil {
		return nil, "", err
	}
	var out []ProvisioningTemplate
	var next string
	err = s.view(ctx, func(tx store.Tx) error {
		ts, cursor, err := tx.ProvisioningTemplates().List(ctx, p)
		for _, t := range ts {
			out = append(out, ProvisioningTemplate{ProvisioningTemplate: t, ARN: s.ARN(KindProvisioningTemplate, t.Name)})
		}
		next = nextToken(cursor)
		return err
	})
	return out, next, err
}

// UpdateTemplateInput is UpdateProvisioningTemplate's input; nil fields are
// left unchanged.
type UpdateTemplateInput struct {
	Name                string
	Description         *string
	Enabled             *bool
	DefaultVersion      *int64
	ProvisioningRoleARN *string
	Hook                *Hook
	RemoveHook          bool
}

// UpdateProvisioningTemplate changes a template's settings or default
// version.
func (s *Service) UpdateProvisioningTemplate(ctx context.Context, in UpdateTemplateInput) error {
	if in.Hook != nil && in.RemoveHook {
		return errf(InvalidRequest, "Cannot set preProvisioningHook and removePreProvisioningHook together")
	}
	if in.Description != nil {
		if err := checkDescription(*in.Description); err != nil {
			return err
		}
	}
	return s.updateTemplates(ctx, func(tx store.Tx) error {
		t, err := tx.ProvisioningTemplates().Get(ctx, in.Name)
		if err != nil {
			return notFound(err, "The provisioning template %s does not exist", in.Name)
		}
		if err := checkHook(in.Hook, t.Type); err != nil {
			return err
		}
		if in.DefaultVersion != nil {
			if _, err := tx.ProvisioningTemplates().GetVersion(ctx, in.Name, *in.DefaultVersion); err != nil {
				return notFound(err, "Version %d of provisioning template %s does not exist", *in.DefaultVersion, in.Name)
			}
			t.DefaultVersion = *in.DefaultVersion
		}
		if in.Description != nil {
			t.Description = *in.Description
		}
		if in.Enabled != nil {
			t.Enabled = *in.Enabled
		}
		if in.ProvisioningRoleARN != nil && *in.ProvisioningRoleARN != "" {
			t.ProvisioningRoleARN = *in.ProvisioningRoleARN
		}
		if in.Hook != nil || in.RemoveHook {
			setHook(&t, in.Hook)
		}
		t.UpdatedAt = s.clock()
		return tx.ProvisioningTemplates().Update(ctx, t)
	})
}

// DeleteProvisioningTemplate deletes a template, its versions and tags.
func (s *Service) DeleteProvisioningTemplate(ctx context.Context, name string) error {
	return s.updateTemplates(ctx, func(tx store.Tx) error {
		if err := tx.ProvisioningTemplates().Delete(ctx, name); err != nil {
			return notFound(err, "The provisioning template %s does not exist", name)
		}
		return tx.Tags().DeleteAll(ctx, key(KindProvisioningTemplate, name))
	})
}

// CreateProvisioningTemplateVersion adds a version (at most 5 per template).
func (s *Service) CreateProvisioningTemplateVersion(ctx context.Context, name, body string, setAsDefault bool) (TemplateVersion, error) {
	if err := checkTemplateBody(body); err != nil {
		return TemplateVersion{}, err
	}
	var out TemplateVersion
	err := s.updateTemplates(ctx, func(tx store.Tx) error {
		pt := tx.ProvisioningTemplates()
		t, err := pt.Get(ctx, name)
		if err != nil {
			return notFound(err, "The provisioning template %s does not exist", name)
		}
		vs, _, err := pt.ListVersions(ctx, name, store.Page{})
		if err != nil {
			return err
		}
		if len(vs) >= maxTemplateVersions {
			return errf(VersionsLimitExceeded, "The provisioning template %s already has the maximum of %d versions", name, maxTemplateVersions)
		}
		now := s.clock()
		v := store.ProvisioningTemplateVersion{TemplateName: name, ID: t.NextVersion, Body: body, CreatedAt: now}
		if err := pt.CreateVersion(ctx, v); err != nil {
			return err
		}
		t.NextVersion++
		if setAsDefault {
			t.DefaultVersion = v.ID
		}
		t.UpdatedAt = now
		out = TemplateVersion{ProvisioningTemplateVersion: v, IsDefault: setAsDefault}
		return pt.Update(ctx, t)
	})
	return out, err
}

// DescribeProvisioningTemplateVersion returns one version.
func (s *Service) DescribeProvisioningTemplateVersion(ctx context.Context, name string, id int64) (TemplateVersion, error) {
	var out TemplateVersion
	err := s.view(ctx, func(tx store.Tx) error {
		t, err := tx.ProvisioningTemplates().Get(ctx, name)
		if err != nil {
			return notFound(err, "The provisioning template %s does not exist", name)
		}
		v, err := tx.ProvisioningTemplates().GetVersion(ctx, name, id)
		if err != nil {
			return notFound(err, "Version %d of provisioning template %s does not exist", id, name)
		}
		out = TemplateVersion{ProvisioningTemplateVersion: v, IsDefault: v.ID == t.DefaultVersion}
		return nil
	})
	return out, err
}

// ListProvisioningTemplateVersions lists a template's versions by id.
func (s *Service) ListProvisioningTemplateVersions(ctx context.Context, name string, pr PageRequest) ([]TemplateVersion, string, error) {
	p, err := pr.page(25, 250)
	if err != nil {
		return nil, "", err
	}
	var out []TemplateVersion
	var next string
	err = s.view(ctx, func(tx store.Tx) error {
		t, err := tx.ProvisioningTemplates().Get(ctx, name)
		if err != nil {
			return notFound(err, "The provisioning template %s does not exist", name)
		}
		vs, cursor, err := tx.ProvisioningTemplates().ListVersions(ctx, name, p)
		for _, v := range vs {
			out = append(out, TemplateVersion{ProvisioningTemplateVersion: v, IsDefault: v.ID == t.DefaultVersion})
		}
		next = nextToken(cursor)
		return err
	})
	return out, next, err
}

// DeleteProvisioningTemplateVersion deletes a version other than the
// default one.
func (s *Service) DeleteProvisioningTemplateVersion(ctx context.Context, name string, id int64) error {
	return s.updateTemplates(ctx, func(tx store.Tx) error {
		t, err := tx.ProvisioningTemplates().Get(ctx, name)
		if err != nil {
			return notFound(err, "The provisioning template %s does not exist", name)
		}
		if id == t.DefaultVersion {
			return errf(DeleteConflict, "Version %d is the default version of provisioning template %s: set another default first", id, name)
		}
		if err := tx.ProvisioningTemplates().DeleteVersion(ctx, name, id); err != nil {
			return notFound(err, "Version %d of provisioning template %s does not exist", id, name)
		}
		return nil
	})
}

// updateTemplates runs a template write and drops the template cache,
// also when the write fails (it may have been applied before the error).
func (s *Service) updateTemplates(ctx context.Context, fn func(store.Tx) error) error {
	defer s.templates.clear()
	return s.store.Update(ctx, fn)
}
