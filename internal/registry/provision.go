package registry

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/roost-iot/roost/internal/provisioning/template"
	"github.com/roost-iot/roost/internal/store"
)

// ProvisionInput is one device's evaluated template: what RegisterThing
// (or JITP) asks the registry to create, look up and attach.
type ProvisionInput struct {
	// CertID is the certificate being provisioned: the one behind the
	// ownership token. It must be PENDING_ACTIVATION, which makes a token
	// single use.
	CertID string
	Plan   *template.Plan
}

// ProvisionResult names what Provision made or used.
type ProvisionResult struct {
	ThingName string // "" when the template declares no thing
	ThingARN  string
	Policies  []string
}

// ErrCertificateGone is Provision's refusal of a certificate deleted, or
// reaped when its ownership token expired, since the token was issued.
var ErrCertificateGone = &Error{Code: CertificateState, Message: "The certificate no longer exists"}

// Provision applies a plan in one transaction: the thing (created, or the
// existing one updated per its OverrideSettings, DO_NOTHING by default),
// its type and groups (which must exist, as in AWS), the policies (created
// from a document or named), the policies attached to the certificate, the
// certificate attached to the thing, and the certificate's status. Either
// all of it happens or none of it.
func (s *Service) Provision(ctx context.Context, in ProvisionInput) (ProvisionResult, error) {
	p := in.Plan
	if len(p.Certificates) != 1 {
		return ProvisionResult{}, errf(InvalidRequest, "The template must declare one AWS::IoT::Certificate resource")
	}
	pc := p.Certificates[0]
	certID := normCertID(in.CertID)
	if normCertID(pc.CertificateID) != certID {
		return ProvisionResult{}, errf(InvalidRequest, "The template's certificate must be the one being provisioned (CertificateId: {\"Ref\": \"AWS::IoT::Certificate::Id\"})")
	}
	var out ProvisionResult
	var principal *Principal
	gen := s.principals.generation()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		cert, err := tx.Certificates().Get(ctx, certID)
		if errors.Is(err, store.ErrNotFound) {
			return ErrCertificateGone
		}
		if err != nil {
			return err
		}
		if cert.Status != StatusPendingActivation {
			return errf(CertificateState, "The certificate %s has already been provisioned", certID)
		}
		out = ProvisionResult{}
		if len(p.Things) == 1 {
			if err := s.provisionThing(ctx, tx, p.Things[0]); err != nil {
				return err
			}
			out.ThingName, out.ThingARN = p.Things[0].ThingName, s.ARN(KindThing, p.Things[0].ThingName)
		}
		for _, pol := range p.Policies {
			if err := s.provisionPolicy(ctx, tx, pol, certID); err != nil {
				return err
			}
			out.Policies = append(out.Policies, pol.PolicyName)
		}
		if out.ThingName != "" {
			l := store.Link{Rel: store.ThingPrincipal, From: out.ThingName, To: key(KindCert, certID), Attr: NonExclusiveThing, At: s.clock()}
			if err := tx.Links().Add(ctx, l); err != nil {
				return err
			}
		}
		cert.Status, cert.UpdatedAt = pc.Status, s.clock()
		if err := tx.Certificates().Update(ctx, cert); err != nil {
			return err
		}
		// The device reconnects with this certificate next: resolve its
		// principal now, from what this transaction wrote.
		principal, err = s.principalTx(ctx, tx, certID)
		return err
	})
	own, err := s.notifyGen(err, Change{CertID: certID, Thing: out.ThingName})
	if err != nil {
		return out, err
	}
	// Cached unless a change other than this one, since gen was read, could
	// postdate what was read (the write transactions serialize, but their
	// notifications may come in another order).
	s.principals.put(principal, gen, own)
	return out, nil
}

// provisionThing creates the plan's thing or applies its overrides to the
// existing one, then its group memberships.
func (s *Service) provisionThing(ctx context.Context, tx store.Tx, pt template.Thing) error {
	if err := checkThingName(pt.ThingName); err != nil {
		return err
	}
	attrs := dropEmpty(pt.AttributePayload)
	if err := checkAttributes(attrs); err != nil {
		return err
	}
	old, err := tx.Things().Get(ctx, pt.ThingName)
	if errors.Is(err, store.ErrNotFound) {
		if err := s.checkThingType(ctx, tx, pt.ThingTypeName, len(attrs)); err != nil {
			return err
		}
		t := store.Thing{Name: pt.ThingName, ID: newID(), TypeName: pt.ThingTypeName, Attributes: attrs, Version: 1, CreatedAt: s.clock()}
		if err := tx.Things().Create(ctx, t); err != nil {
			return err
		}
		return s.provisionGroups(ctx, tx, pt.ThingName, pt.ThingGroups, template.Replace)
	}
	if err != nil {
		return err
	}
	changed, err := overrideThing(&old, pt, attrs)
	if err != nil {
		return err
	}
	if changed {
		if err := s.checkThingType(ctx, tx, old.TypeName, len(old.Attributes)); err != nil {
			return err
		}
		old.Version++
		if err := tx.Things().Update(ctx, old); err != nil {
			return err
		}
	}
	if pt.ThingGroups == nil {
		return nil
	}
	return s.provisionGroups(ctx, tx, pt.ThingName, pt.ThingGroups, override(pt.OverrideSettings, template.OverrideThingGroups))
}

// override is the setting for one property; DO_NOTHING when not given.
func override(m map[string]template.Override, k string) template.Override {
	if o, ok := m[k]; ok {
		return o
	}
	return template.DoNothing
}

// overrideThing applies the plan's OverrideSettings for the attributes and
// the type to an existing thing and reports whether it changed.
func overrideThing(t *store.Thing, pt template.Thing, attrs map[string]string) (bool, error) {
	before := *t
	if pt.AttributePayload != nil {
		switch override(pt.OverrideSettings, template.OverrideAttributePayload) {
		case template.Replace:
			t.Attributes = attrs
		case template.Merge:
			t.Attributes = applyAttributes(t.Attributes, attrs, true)
		case template.Fail:
			if !maps.Equal(t.Attributes, attrs) {
				return false, errf(ResourceConflict, "Thing %s exists with different attributes", t.Name)
			}
		}
	}
	if pt.ThingTypeName != t.TypeName {
		switch override(pt.OverrideSettings, template.OverrideThingTypeName) {
		case template.Replace:
			t.TypeName = pt.ThingTypeName
		case template.Fail:
			return false, errf(ResourceConflict, "Thing %s exists with thing type %q", t.Name, t.TypeName)
		}
	}
	return t.TypeName != before.TypeName || !maps.Equal(t.Attributes, before.Attributes), nil
}

// provisionGroups puts the thing in the plan's groups: REPLACE also takes
// it out of the others, MERGE (and a new thing) only adds, FAIL refuses a
// different membership, DO_NOTHING leaves an existing thing's groups.
func (s *Service) provisionGroups(ctx context.Context, tx store.Tx, thing string, groups []string, o template.Override) error {
	current, err := allLinks(ctx, tx, store.GroupThing, thing, false)
	if err != nil {
		return err
	}
	have := linkEnds(current, false)
	switch o {
	case template.DoNothing:
		return nil
	case template.Fail:
		if !sameSet(have, groups) {
			return errf(ResourceConflict, "Thing %s is in different thing groups", thing)
		}
		return nil
	case template.Replace:
		for _, g := range have {
			if !slices.Contains(groups, g) {
				if _, err := tx.Links().Remove(ctx, store.GroupThing, g, thing); err != nil {
					return err
				}
			}
		}
	}
	for _, g := range groups {
		if err := s.addThingToGroup(ctx, tx, g, thing); err != nil {
			return err
		}
	}
	return nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// provisionPolicy makes sure the policy exists (creating it from the
// plan's document, or reusing one with the same name and document) and
// attaches it to the certificate.
func (s *Service) provisionPolicy(ctx context.Context, tx store.Tx, pp template.Policy, certID string) error {
	if err := checkPolicyName(pp.PolicyName); err != nil {
		return err
	}
	pol, err := tx.Policies().Get(ctx, pp.PolicyName)
	switch {
	case errors.Is(err, store.ErrNotFound) && pp.PolicyDocument == "":
		return errf(NotFound, "Policy %s does not exist", pp.PolicyName)
	case errors.Is(err, store.ErrNotFound):
		if err := s.createPolicyTx(ctx, tx, pp.PolicyName, pp.PolicyDocument); err != nil {
			return err
		}
	case err != nil:
		return err
	case pp.PolicyDocument != "":
		v, err := tx.Policies().GetVersion(ctx, pol.Name, pol.DefaultVersion)
		if err != nil {
			return err
		}
		if v.Document != pp.PolicyDocument {
			return errf(ResourceConflict, "Policy %s already exists with a different document", pp.PolicyName)
		}
	}
	target := key(KindCert, certID)
	n, err := tx.Links().CountSources(ctx, store.PolicyTarget, target)
	if err != nil {
		return err
	}
	if n >= maxPoliciesPerTarget {
		return errf(LimitExceeded, "The certificate already has the maximum of %d policies attached", maxPoliciesPerTarget)
	}
	return tx.Links().Add(ctx, store.Link{Rel: store.PolicyTarget, From: pp.PolicyName, To: target, At: s.clock()})
}
