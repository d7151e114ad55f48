package sqlite

import (
	"context"
	"fmt"
	"strconv"

	"github.com/roost-iot/roost/internal/store"
)

var _ store.ProvisioningTemplates = templates{}

// templates keeps versions in provisioning_template_versions, tied to
// their template by a foreign key: deleting the template deletes them.
type templates struct{ t *tx }

func (t *tx) ProvisioningTemplates() store.ProvisioningTemplates { return templates{t} }

const templateCols = `name, id, description, type, enabled, provisioning_role_arn, hook_target_arn,
	hook_payload_version, default_version, next_version, created_at, updated_at`

func scanTemplate(s scanner) (store.ProvisioningTemplate, error) {
	var p store.ProvisioningTemplate
	var created, updated int64
	err := s.Scan(&p.Name, &p.ID, &p.Description, &p.Type, &p.Enabled, &p.ProvisioningRoleARN, &p.HookTargetARN,
		&p.HookPayloadVersion, &p.DefaultVersion, &p.NextVersion, &created, &updated)
	if err != nil {
		return store.ProvisioningTemplate{}, err
	}
	p.CreatedAt, p.UpdatedAt = utc(created), utc(updated)
	return p, nil
}

func (s templates) Get(ctx context.Context, name string) (store.ProvisioningTemplate, error) {
	p, err := scanTemplate(s.t.queryRow(ctx, "SELECT "+templateCols+" FROM provisioning_templates WHERE name = ?", name))
	if err != nil {
		return store.ProvisioningTemplate{}, wrap(ctx, "get provisioning template "+strconv.Quote(name), err)
	}
	return p, nil
}

func (s templates) Create(ctx context.Context, p store.ProvisioningTemplate) error {
	_, err := s.t.exec(ctx, "INSERT INTO provisioning_templates ("+templateCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		p.Name, p.ID, p.Description, p.Type, p.Enabled, p.ProvisioningRoleARN, p.HookTargetARN, p.HookPayloadVersion,
		p.DefaultVersion, p.NextVersion, p.CreatedAt.UnixMilli(), p.UpdatedAt.UnixMilli())
	if err != nil {
		return wrap(ctx, "create provisioning template "+strconv.Quote(p.Name), err)
	}
	return nil
}

func (s templates) Update(ctx context.Context, p store.ProvisioningTemplate) error {
	return s.t.execOne(ctx, "update provisioning template "+strconv.Quote(p.Name), `UPDATE provisioning_templates
		SET id = ?, description = ?, type = ?, enabled = ?, provisioning_role_arn = ?, hook_target_arn = ?,
		hook_payload_version = ?, default_version = ?, next_version = ?, created_at = ?, updated_at = ?
		WHERE name = ?`,
		p.ID, p.Description, p.Type, p.Enabled, p.ProvisioningRoleARN, p.HookTargetARN, p.HookPayloadVersion,
		p.DefaultVersion, p.NextVersion, p.CreatedAt.UnixMilli(), p.UpdatedAt.UnixMilli(), p.Name)
}

func (s templates) Delete(ctx context.Context, name string) error {
	return s.t.execOne(ctx, "delete provisioning template "+strconv.Quote(name),
		"DELETE FROM provisioning_templates WHERE name = ?", name)
}

func (s templates) List(ctx context.Context, p store.Page) ([]store.ProvisioningTemplate, string, error) {
	after, err := decodeCursor(p.After)
	if err != nil {
		return nil, "", err
	}
	var q sel
	q.b.WriteString("SELECT " + templateCols + " FROM provisioning_templates")
	if after != "" {
		q.and("name > ?", after)
	}
	q.page("name", p)
	out, err := list(ctx, s.t, "list provisioning templates", scanTemplate, q.b.String(), q.args...)
	if err != nil {
		return nil, "", err
	}
	out, next := cut(out, p, func(t store.ProvisioningTemplate) string { return t.Name })
	return out, next, nil
}

const templateVersionCols = "template_name, id, body, created_at"

func scanTemplateVersion(s scanner) (store.ProvisioningTemplateVersion, error) {
	var v store.ProvisioningTemplateVersion
	var created int64
	if err := s.Scan(&v.TemplateName, &v.ID, &v.Body, &created); err != nil {
		return store.ProvisioningTemplateVersion{}, err
	}
	v.CreatedAt = utc(created)
	return v, nil
}

func templateVersionOp(verb, name string, id int64) string {
	return fmt.Sprintf("%s provisioning template %q version %d", verb, name, id)
}

func (s templates) GetVersion(ctx context.Context, name string, id int64) (store.ProvisioningTemplateVersion, error) {
	v, err := scanTemplateVersion(s.t.queryRow(ctx,
		"SELECT "+templateVersionCols+" FROM provisioning_template_versions WHERE template_name = ? AND id = ?", name, id))
	if err != nil {
		return store.ProvisioningTemplateVersion{}, wrap(ctx, templateVersionOp("get", name, id), err)
	}
	return v, nil
}

// CreateVersion is ErrExists when the id is taken and ErrNotFound when the
// template does not exist.
func (s templates) CreateVersion(ctx context.Context, v store.ProvisioningTemplateVersion) error {
	_, err := s.t.exec(ctx, "INSERT INTO provisioning_template_versions ("+templateVersionCols+") VALUES (?, ?, ?, ?)",
		v.TemplateName, v.ID, v.Body, v.CreatedAt.UnixMilli())
	if err != nil {
		return wrap(ctx, templateVersionOp("create", v.TemplateName, v.ID), err)
	}
	return nil
}

func (s templates) DeleteVersion(ctx context.Context, name string, id int64) error {
	return s.t.execOne(ctx, templateVersionOp("delete", name, id),
		"DELETE FROM provisioning_template_versions WHERE template_name = ? AND id = ?", name, id)
}

// ListVersions lists by id; the cursor is the last id of the page.
func (s templates) ListVersions(ctx context.Context, name string, p store.Page) ([]store.ProvisioningTemplateVersion, string, error) {
	after, err := decodeCursor(p.After)
	if err != nil {
		return nil, "", err
	}
	var q sel
	q.b.WriteString("SELECT " + templateVersionCols + " FROM provisioning_template_versions")
	q.and("template_name = ?", name)
	if after != "" {
		id, err := strconv.ParseInt(after, 10, 64)
		if err != nil {
			return nil, "", fmt.Errorf("sqlite: list template versions: %w", store.ErrBadCursor)
		}
		q.and("id > ?", id)
	}
	q.page("id", p)
	out, err := list(ctx, s.t, "list versions of provisioning template "+strconv.Quote(name), scanTemplateVersion, q.b.String(), q.args...)
	if err != nil {
		return nil, "", err
	}
	out, next := cut(out, p, func(v store.ProvisioningTemplateVersion) string { return strconv.FormatInt(v.ID, 10) })
	return out, next, nil
}
