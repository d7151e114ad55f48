package registry

import (
	"context"
	"errors"
	"strconv"

	"github.com/roost-iot/roost/internal/store"
)

// Policy is a policy with its default version's document.
type Policy struct {
	store.Policy
	ARN      string
	Document string
}

// PolicyVersion is one version of a policy.
type PolicyVersion struct {
	store.PolicyVersion
	ARN       string
	IsDefault bool
}

func (s *Service) checkDocument(doc string) error {
	if doc == "" {
		return errf(MalformedPolicy, "Policy document must not be empty")
	}
	if s.validatePolicy == nil {
		return nil
	}
	if err := s.validatePolicy([]byte(doc)); err != nil {
		return errf(MalformedPolicy, "%s", err.Error())
	}
	return nil
}

// CreatePolicy creates a policy whose version 1 is the default.
func (s *Service) CreatePolicy(ctx context.Context, name, doc string, tags map[string]string) (Policy, error) {
	if err := firstErr(checkPolicyName(name), checkTags(tags)); err != nil {
		return Policy{}, err
	}
	var p store.Policy
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := s.createPolicyTx(ctx, tx, name, doc); err != nil {
			return err
		}
		var err error
		if p, err = tx.Policies().Get(ctx, name); err != nil {
			return err
		}
		return tx.Tags().Set(ctx, key(KindPolicy, name), tags)
	})
	return Policy{Policy: p, ARN: s.ARN(KindPolicy, name), Document: doc}, err
}

// createPolicyTx creates a policy and its version 1 within tx.
func (s *Service) createPolicyTx(ctx context.Context, tx store.Tx, name, doc string) error {
	if err := s.checkDocument(doc); err != nil {
		return err
	}
	now := s.clock()
	p := store.Policy{Name: name, DefaultVersion: 1, NextVersion: 2, GenerationID: newID(), CreatedAt: now, UpdatedAt: now}
	err := tx.Policies().Create(ctx, p)
	if errors.Is(err, store.ErrExists) {
		return exists(name, s.ARN(KindPolicy, name), "Policy %s already exists", name)
	}
	if err != nil {
		return err
	}
	v := store.PolicyVersion{PolicyName: name, ID: 1, Document: doc, GenerationID: p.GenerationID, CreatedAt: now, UpdatedAt: now}
	return tx.Policies().CreateVersion(ctx, v)
}

// GetPolicy returns a policy and its default document.
func (s *Service) GetPolicy(ctx context.Context, name string) (Policy, error) {
	var out Policy
	err := s.view(ctx, func(tx store.Tx) error {
		p, err := tx.Policies().Get(ctx, name)
		if err != nil {
			return notFound(err, "Policy %s does not exist", name)
		}
		v, err := tx.Policies().GetVersion(ctx, name, p.DefaultVersion)
		if err != nil {
			return err
		}
		out = Policy{Policy: p, ARN: s.ARN(KindPolicy, name), Document: v.Document}
		return nil
	})
	return out, err
}

// ListPolicies lists policies by name.
func (s *Service) ListPolicies(ctx context.Context, ascending bool, pr PageRequest) ([]Policy, string, error) {
	p, err := pr.page(100, 250)
	if err != nil {
		return nil, "", err
	}
	var rows []store.Policy
	var next string
	err = s.view(ctx, func(tx store.Tx) error {
		rows, next, err = tx.Policies().List(ctx, ascending, p)
		return err
	})
	out := make([]Policy, len(rows))
	for i, r := range rows {
		out[i] = Policy{Policy: r, ARN: s.ARN(KindPolicy, r.Name)}
	}
	return out, nextToken(next), err
}

// DeletePolicy deletes a policy that has no targets and no version but the
// default one.
func (s *Service) DeletePolicy(ctx context.Context, name string) error {
	return s.store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Policies().Get(ctx, name); err != nil {
			return notFound(err, "Policy %s does not exist", name)
		}
		n, err := tx.Links().CountTargets(ctx, store.PolicyTarget, name)
		if err != nil {
			return err
		}
		if n > 0 {
			return errf(DeleteConflict, "The policy cannot be deleted as the policy is attached to one or more principals (name=%s)", name)
		}
		versions, err := tx.Policies().ListVersions(ctx, name)
		if err != nil {
			return err
		}
		if len(versions) > 1 {
			return errf(DeleteConflict, "Cannot delete the policy %s because it has one or more policy versions attached to it (name=%s)", name, name)
		}
		if err := tx.Tags().DeleteAll(ctx, key(KindPolicy, name)); err != nil {
			return err
		}
		return tx.Policies().Delete(ctx, name)
	})
}

// CreatePolicyVersion adds a version (at most 5 per policy), optionally as
// the new default.
func (s *Service) CreatePolicyVersion(ctx context.Context, name, doc string, setAsDefault bool) (PolicyVersion, error) {
	if err := s.checkDocument(doc); err != nil {
		return PolicyVersion{}, err
	}
	var out PolicyVersion
	err := s.store.Update(ctx, func(tx store.Tx) error {
		p, err := tx.Policies().Get(ctx, name)
		if err != nil {
			return notFound(err, "Policy %s does not exist", name)
		}
		versions, err := tx.Policies().ListVersions(ctx, name)
		if err != nil {
			return err
		}
		if len(versions) >= maxPolicyVersions {
			return errf(VersionsLimitExceeded, "The policy %s already has the maximum number of versions (%d)", name, maxPolicyVersions)
		}
		now := s.clock()
		v := store.PolicyVersion{PolicyName: name, ID: p.NextVersion, Document: doc, GenerationID: newID(), CreatedAt: now, UpdatedAt: now}
		if err := tx.Policies().CreateVersion(ctx, v); err != nil {
			return err
		}
		p.NextVersion++
		if setAsDefault {
			p.DefaultVersion, p.GenerationID = v.ID, v.GenerationID
		}
		p.UpdatedAt = now
		out = PolicyVersion{PolicyVersion: v, ARN: s.ARN(KindPolicy, name), IsDefault: setAsDefault}
		return tx.Policies().Update(ctx, p)
	})
	if setAsDefault {
		err = s.notify(err, Change{Policy: name})
	}
	return out, err
}

// ParseVersionID parses a policy version id as the API receives it.
func ParseVersionID(id string) (int64, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n < 1 {
		return 0, errf(InvalidRequest, "Policy version id %q is invalid", id)
	}
	return n, nil
}

// GetPolicyVersion returns one version of a policy.
func (s *Service) GetPolicyVersion(ctx context.Context, name string, id int64) (PolicyVersion, error) {
	var out PolicyVersion
	err := s.view(ctx, func(tx store.Tx) error {
		p, err := tx.Policies().Get(ctx, name)
		if err != nil {
			return notFound(err, "Policy %s does not exist", name)
		}
		v, err := tx.Policies().GetVersion(ctx, name, id)
		if err != nil {
			return notFound(err, "Policy %s version %d does not exist", name, id)
		}
		out = PolicyVersion{PolicyVersion: v, ARN: s.ARN(KindPolicy, name), IsDefault: id == p.DefaultVersion}
		return nil
	})
	return out, err
}

// ListPolicyVersions lists a policy's versions, newest first as AWS does.
func (s *Service) ListPolicyVersions(ctx context.Context, name string) ([]PolicyVersion, error) {
	var out []PolicyVersion
	err := s.view(ctx, func(tx store.Tx) error {
		p, err := tx.Policies().Get(ctx, name)
		if err != nil {
			return notFound(err, "Policy %s does not exist", name)
		}
		versions, err := tx.Policies().ListVersions(ctx, name)
		for i := len(versions) - 1; i >= 0; i-- {
			v := versions[i]
			out = append(out, PolicyVersion{PolicyVersion: v, ARN: s.ARN(KindPolicy, name), IsDefault: v.ID == p.DefaultVersion})
		}
		return err
	})
	return out, err
}

// SetDefaultPolicyVersion makes a version the policy's default.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, name string, id int64) error {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		p, err := tx.Policies().Get(ctx, name)
		if err != nil {
			return notFound(err, "Policy %s does not exist", name)
		}
		v, err := tx.Policies().GetVersion(ctx, name, id)
		if err != nil {
			return notFound(err, "Policy %s version %d does not exist", name, id)
		}
		p.DefaultVersion, p.GenerationID, p.UpdatedAt = id, v.GenerationID, s.clock()
		return tx.Policies().Update(ctx, p)
	})
	return s.notify(err, Change{Policy: name})
}

// DeletePolicyVersion deletes a version that is not the default.
func (s *Service) DeletePolicyVersion(ctx context.Context, name string, id int64) error {
	return s.store.Update(ctx, func(tx store.Tx) error {
		p, err := tx.Policies().Get(ctx, name)
		if err != nil {
			return notFound(err, "Policy %s does not exist", name)
		}
		if _, err := tx.Policies().GetVersion(ctx, name, id); err != nil {
			return notFound(err, "Policy %s version %d does not exist", name, id)
		}
		if id == p.DefaultVersion {
			return errf(DeleteConflict, "Cannot delete the default version %d of policy %s", id, name)
		}
		return tx.Policies().DeleteVersion(ctx, name, id)
	})
}
