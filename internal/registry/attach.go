package registry

import (
	"context"

	"github.com/roost-iot/roost/internal/store"
)

// Policies attached at most: 10 to a certificate (AWS quota), 2 to a thing
// group (AWS developer guide, "Attach a policy to a static thing group":
// "You can attach a maximum number of two policies to a group").
const (
	maxPoliciesPerTarget = 10
	maxPoliciesPerGroup  = 2
)

// maxPolicies is the limit for a target's store key.
func maxPolicies(target string) int {
	if kind, _ := splitKey(target); kind == KindThingGroup {
		return maxPoliciesPerGroup
	}
	return maxPoliciesPerTarget
}

// target resolves a policy target ARN (a certificate or a thing group) to
// its store key and checks that it exists.
func (s *Service) target(ctx context.Context, tx store.Tx, arn string) (string, error) {
	kind, name, err := s.ParseARN(arn)
	if err != nil {
		return "", err
	}
	switch kind {
	case KindCert:
		if _, err := tx.Certificates().Get(ctx, normCertID(name)); err != nil {
			return "", notFound(err, "The certificate %s does not exist", name)
		}
		return key(kind, normCertID(name)), nil
	case KindThingGroup:
		if _, err := tx.ThingGroups().Get(ctx, name); err != nil {
			return "", notFound(err, "Thing group %s does not exist", name)
		}
		return key(kind, name), nil
	}
	return "", errf(InvalidRequest, "%q is not a certificate or thing group ARN: policies attach to those", arn)
}

// AttachPolicy attaches a policy to a certificate or thing group.
// Attaching twice is not an error.
func (s *Service) AttachPolicy(ctx context.Context, policy, targetARN string) error {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Policies().Get(ctx, policy); err != nil {
			return notFound(err, "Policy %s does not exist", policy)
		}
		t, err := s.target(ctx, tx, targetARN)
		if err != nil {
			return err
		}
		n, err := tx.Links().CountSources(ctx, store.PolicyTarget, t)
		if err != nil {
			return err
		}
		if max := maxPolicies(t); n >= max {
			if attached, err := s.policyAttached(ctx, tx, policy, t); err != nil || attached {
				return err // attaching again is not an error, even at the limit
			}
			return errf(LimitExceeded, "%s already has the maximum of %d policies attached", targetARN, max)
		}
		return tx.Links().Add(ctx, store.Link{Rel: store.PolicyTarget, From: policy, To: t, At: s.clock()})
	})
	return s.notify(err, s.targetChange(policy, targetARN))
}

// targetChange names what attaching or detaching policy on target affects.
func (s *Service) targetChange(policy, targetARN string) Change {
	c := Change{Policy: policy}
	kind, name, err := s.ParseARN(targetARN)
	if err == nil && kind == KindCert {
		c.CertID = normCertID(name)
	} else if err == nil && kind == KindThingGroup {
		c.Group = name
	}
	return c
}

// DetachPolicy detaches a policy from a target.
func (s *Service) DetachPolicy(ctx context.Context, policy, targetARN string) error {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Policies().Get(ctx, policy); err != nil {
			return notFound(err, "Policy %s does not exist", policy)
		}
		t, err := s.target(ctx, tx, targetARN)
		if err != nil {
			return err
		}
		_, err = tx.Links().Remove(ctx, store.PolicyTarget, policy, t)
		return err
	})
	return s.notify(err, s.targetChange(policy, targetARN))
}

// ListAttachedPolicies lists the policies attached to a target; for a thing
// group with recursive, those of its ancestors too.
func (s *Service) ListAttachedPolicies(ctx context.Context, targetARN string, recursive bool, pr PageRequest) ([]Policy, string, error) {
	p, err := pr.page(100, 250)
	if err != nil {
		return nil, "", err
	}
	var names []string
	var next string
	err = s.view(ctx, func(tx store.Tx) error {
		t, err := s.target(ctx, tx, targetARN)
		if err != nil {
			return err
		}
		kind, name := splitKey(t)
		if !recursive || kind != KindThingGroup {
			var links []store.Link
			links, next, err = tx.Links().Sources(ctx, store.PolicyTarget, t, p)
			names = linkEnds(links, false)
			return err
		}
		names, err = s.groupPolicies(ctx, tx, name)
		return err
	})
	out := make([]Policy, len(names))
	for i, n := range names {
		out[i] = Policy{Policy: store.Policy{Name: n}, ARN: s.ARN(KindPolicy, n)}
	}
	return out, nextToken(next), err
}

// groupPolicies returns the policies of a group and of its ancestors.
func (s *Service) groupPolicies(ctx context.Context, tx store.Tx, group string) ([]string, error) {
	chain, err := s.ancestors(ctx, tx, group)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for i := len(chain) - 1; i >= 0; i-- {
		links, err := allLinks(ctx, tx, store.PolicyTarget, key(KindThingGroup, chain[i].Name), false)
		if err != nil {
			return nil, err
		}
		for _, l := range links {
			if !seen[l.From] {
				seen[l.From] = true
				out = append(out, l.From)
			}
		}
	}
	return out, nil
}

// ListTargetsForPolicy lists the ARNs a policy is attached to.
func (s *Service) ListTargetsForPolicy(ctx context.Context, policy string, pr PageRequest) ([]string, string, error) {
	p, err := pr.page(100, 250)
	if err != nil {
		return nil, "", err
	}
	var links []store.Link
	var next string
	err = s.view(ctx, func(tx store.Tx) error {
		if _, err := tx.Policies().Get(ctx, policy); err != nil {
			return notFound(err, "Policy %s does not exist", policy)
		}
		links, next, err = tx.Links().Targets(ctx, store.PolicyTarget, policy, p)
		return err
	})
	out := make([]string, len(links))
	for i, l := range links {
		out[i] = s.ARN(splitKey(l.To))
	}
	return out, nextToken(next), err
}

// Thing principal types (AttachThingPrincipal's thingPrincipalType).
const (
	NonExclusiveThing = "NON_EXCLUSIVE_THING"
	ExclusiveThing    = "EXCLUSIVE_THING"
)

// principal resolves a principal ARN (a certificate) to its store key.
func (s *Service) principal(ctx context.Context, tx store.Tx, arn string) (string, error) {
	kind, name, err := s.ParseARN(arn)
	if err != nil {
		return "", err
	}
	if kind != KindCert {
		return "", errf(InvalidRequest, "%q is not a certificate ARN: things attach to certificates", arn)
	}
	id := normCertID(name)
	if _, err := tx.Certificates().Get(ctx, id); err != nil {
		return "", notFound(err, "The certificate %s does not exist", name)
	}
	return key(KindCert, id), nil
}

// AttachThingPrincipal attaches a certificate to a thing. An EXCLUSIVE_THING
// attachment means the certificate may be attached to no other thing.
func (s *Service) AttachThingPrincipal(ctx context.Context, thing, principalARN, typ string) error {
	if typ == "" {
		typ = NonExclusiveThing
	}
	if typ != NonExclusiveThing && typ != ExclusiveThing {
		return errf(InvalidRequest, "thingPrincipalType must be %s or %s", ExclusiveThing, NonExclusiveThing)
	}
	var certID string
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Things().Get(ctx, thing); err != nil {
			return notFound(err, "Thing %s cannot be found.", thing)
		}
		p, err := s.principal(ctx, tx, principalARN)
		if err != nil {
			return err
		}
		_, certID = splitKey(p)
		others, err := allLinks(ctx, tx, store.ThingPrincipal, p, false)
		if err != nil {
			return err
		}
		for _, l := range others {
			if l.From != thing && (typ == ExclusiveThing || l.Attr == ExclusiveThing) {
				return errf(InvalidRequest, "Principal %s is exclusively attached to thing %s", principalARN, l.From)
			}
		}
		return tx.Links().Add(ctx, store.Link{Rel: store.ThingPrincipal, From: thing, To: p, Attr: typ, At: s.clock()})
	})
	return s.notify(err, Change{CertID: certID, Thing: thing})
}

// DetachThingPrincipal detaches a certificate from a thing.
func (s *Service) DetachThingPrincipal(ctx context.Context, thing, principalARN string) error {
	var certID string
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Things().Get(ctx, thing); err != nil {
			return notFound(err, "Thing %s cannot be found.", thing)
		}
		p, err := s.principal(ctx, tx, principalARN)
		if err != nil {
			return err
		}
		_, certID = splitKey(p)
		_, err = tx.Links().Remove(ctx, store.ThingPrincipal, thing, p)
		return err
	})
	return s.notify(err, Change{CertID: certID, Thing: thing})
}

// ThingPrincipal is one principal attached to a thing, or one thing a
// principal is attached to.
type ThingPrincipal struct {
	Thing, PrincipalARN, Type string
}

// ListThingPrincipals lists the principals attached to a thing.
func (s *Service) ListThingPrincipals(ctx context.Context, thing string, pr PageRequest) ([]ThingPrincipal, string, error) {
	p, err := pr.page(25, 250)
	if err != nil {
		return nil, "", err
	}
	var links []store.Link
	var next string
	err = s.view(ctx, func(tx store.Tx) error {
		if _, err := tx.Things().Get(ctx, thing); err != nil {
			return notFound(err, "Thing %s cannot be found.", thing)
		}
		links, next, err = tx.Links().Targets(ctx, store.ThingPrincipal, thing, p)
		return err
	})
	return s.thingPrincipals(links), nextToken(next), err
}

// ListPrincipalThings lists the things a principal is attached to.
func (s *Service) ListPrincipalThings(ctx context.Context, principalARN string, pr PageRequest) ([]ThingPrincipal, string, error) {
	p, err := pr.page(25, 250)
	if err != nil {
		return nil, "", err
	}
	var links []store.Link
	var next string
	err = s.view(ctx, func(tx store.Tx) error {
		k, err := s.principal(ctx, tx, principalARN)
		if err != nil {
			return err
		}
		links, next, err = tx.Links().Sources(ctx, store.ThingPrincipal, k, p)
		return err
	})
	return s.thingPrincipals(links), nextToken(next), err
}

func (s *Service) thingPrincipals(links []store.Link) []ThingPrincipal {
	out := make([]ThingPrincipal, len(links))
	for i, l := range links {
		out[i] = ThingPrincipal{Thing: l.From, PrincipalARN: s.ARN(splitKey(l.To)), Type: l.Attr}
	}
	return out
}

// policyAttached reports whether policy is attached to target (a store key).
func (s *Service) policyAttached(ctx context.Context, tx store.Tx, policy, target string) (bool, error) {
	links, _, err := tx.Links().Sources(ctx, store.PolicyTarget, target, store.Page{Limit: maxPoliciesPerTarget + 1})
	for _, l := range links {
		if l.From == policy {
			return true, err
		}
	}
	return false, err
}
