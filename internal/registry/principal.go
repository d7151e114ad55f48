package registry

import (
	"context"

	"github.com/roost-iot/roost/internal/store"
)

// PolicyDoc is the default version of a policy as the gateway compiles it.
type PolicyDoc struct {
	Name     string
	Version  int64
	Document string
}

// PrincipalThing is a thing attached to a certificate, with the policies it
// brings through its thing groups (and their ancestors).
type PrincipalThing struct {
	store.Thing
	Exclusive     bool
	GroupPolicies []PolicyDoc
}

// Principal is what the device gateway needs to authorize a connection made
// with a certificate: its status, its own policies, and its things.
type Principal struct {
	CertID   string
	Status   string
	Policies []PolicyDoc
	Things   []PrincipalThing
}

// ThingFor returns the thing whose policy variables and group policies
// apply to a connection with this client id: the thing named like the
// client id (non-exclusive association: AWS resolves thing variables only
// when the client id is the thing name), or an exclusively attached thing.
func (p *Principal) ThingFor(clientID string) (PrincipalThing, bool) {
	for _, t := range p.Things {
		if t.Exclusive || t.Name == clientID {
			return t, true
		}
	}
	return PrincipalThing{}, false
}

// Principal resolves a certificate id (hex SHA-256 of the DER) for the
// gateway. A missing certificate is a NotFound error. The result is shared
// and cached until a change affects it: callers must not modify it.
func (s *Service) Principal(ctx context.Context, certID string) (*Principal, error) {
	p, gen := s.principals.get(certID)
	if p != nil {
		return p, nil
	}
	p, err := s.loadPrincipal(ctx, certID)
	if err == nil {
		s.principals.put(p, gen, 0)
	}
	return p, err
}

func (s *Service) loadPrincipal(ctx context.Context, certID string) (*Principal, error) {
	var out *Principal
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		out, err = s.principalTx(ctx, tx, certID)
		return err
	})
	return out, err
}

// principalTx resolves a principal within tx.
func (s *Service) principalTx(ctx context.Context, tx store.Tx, certID string) (*Principal, error) {
	c, err := tx.Certificates().Get(ctx, certID)
	if err != nil {
		return nil, notFound(err, "The certificate %s does not exist", certID)
	}
	k := key(KindCert, certID)
	p := &Principal{CertID: certID, Status: c.Status}
	if p.Policies, err = s.targetPolicies(ctx, tx, k); err != nil {
		return nil, err
	}
	links, err := allLinks(ctx, tx, store.ThingPrincipal, k, false)
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		pt, err := s.principalThing(ctx, tx, l)
		if err != nil {
			return nil, err
		}
		p.Things = append(p.Things, pt)
	}
	return p, nil
}

func (s *Service) principalThing(ctx context.Context, tx store.Tx, l store.Link) (PrincipalThing, error) {
	t, err := tx.Things().Get(ctx, l.From)
	if err != nil {
		return PrincipalThing{}, err
	}
	pt := PrincipalThing{Thing: t, Exclusive: l.Attr == ExclusiveThing}
	groups, err := allLinks(ctx, tx, store.GroupThing, t.Name, false)
	if err != nil {
		return pt, err
	}
	seen := map[string]bool{}
	for _, g := range groups {
		names, err := s.groupPolicies(ctx, tx, g.From)
		if err != nil {
			return pt, err
		}
		for _, n := range names {
			if seen[n] {
				continue
			}
			seen[n] = true
			doc, err := defaultDoc(ctx, tx, n)
			if err != nil {
				return pt, err
			}
			pt.GroupPolicies = append(pt.GroupPolicies, doc)
		}
	}
	return pt, nil
}

// targetPolicies returns the default documents of the policies attached to
// a target key.
func (s *Service) targetPolicies(ctx context.Context, tx store.Tx, target string) ([]PolicyDoc, error) {
	links, err := allLinks(ctx, tx, store.PolicyTarget, target, false)
	if err != nil {
		return nil, err
	}
	docs := make([]PolicyDoc, 0, len(links))
	for _, l := range links {
		d, err := defaultDoc(ctx, tx, l.From)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	return docs, nil
}

func defaultDoc(ctx context.Context, tx store.Tx, name string) (PolicyDoc, error) {
	p, err := tx.Policies().Get(ctx, name)
	if err != nil {
		return PolicyDoc{}, err
	}
	v, err := tx.Policies().GetVersion(ctx, name, p.DefaultVersion)
	if err != nil {
		return PolicyDoc{}, err
	}
	return PolicyDoc{Name: name, Version: v.ID, Document: v.Document}, nil
}
