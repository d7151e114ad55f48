package broker

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"unsafe"

	"github.com/roost-iot/roost/internal/policy"
	"github.com/roost-iot/roost/internal/registry"
)

// Principals resolves a certificate id to what the registry knows of it.
// registry.Service implements it.
type Principals interface {
	Principal(ctx context.Context, certID string) (*registry.Principal, error)
	GetPolicy(ctx context.Context, name string) (registry.Policy, error)
}

// Authorization failures at connect time. Both refuse the connection as
// AWS does (the certificate must be registered and ACTIVE).
var (
	ErrUnknownCertificate = errors.New("certificate is not registered")
	ErrInactive           = errors.New("certificate is not ACTIVE")
)

// Identity is who a connection is, as far as authorization is concerned.
type Identity struct {
	CertID   string            // hex SHA-256 of the client certificate's DER
	Cert     *x509.Certificate // for iot:Certificate.* variables
	ClientID string
	SourceIP string
	// AccessKeyID is set instead of CertID for SigV4 principals (MQTT over
	// WebSocket). Roost's credentials are administrators: they are granted
	// every iot action, as an IAM user with AWSIoTFullAccess-like rights.
	AccessKeyID string
	// AnonymousPolicy is set for clients of the development listener: they
	// have no certificate and get exactly this policy.
	AnonymousPolicy string
}

// Principal names the identity as AWS's lifecycle events do: the
// certificate id for mTLS, the access key id for SigV4.
func (id Identity) Principal() string {
	if id.CertID != "" {
		return id.CertID
	}
	return id.AccessKeyID
}

// Authorizer compiles a connection's policies into a Grant. Parsed policy
// documents are cached by name and version, so a thousand devices sharing a
// policy parse it once.
type Authorizer struct {
	principals Principals
	prefix     string // "arn:aws:iot:<region>:<account>:"

	docs sync.Map // "name@version" -> *policy.Document
}

// NewAuthorizer returns an Authorizer for ARNs of this region and account.
func NewAuthorizer(p Principals, region, account string) *Authorizer {
	return &Authorizer{principals: p, prefix: "arn:aws:iot:" + region + ":" + account + ":"}
}

// Grant is one connection's compiled authorization: policy variables
// substituted once, then allocation-free decisions. It is immutable and
// safe for concurrent use; a registry change replaces it.
type Grant struct {
	compiled *policy.Compiled
	prefix   string
	Thing    string   // the thing whose variables applied, "" if none
	Policies []string // names of the policies compiled in
}

// Grant resolves and compiles the policies of id: those attached to the
// certificate, plus, when a thing applies to this client id, its thing
// groups' policies (with ancestors), with AWS's policy variables.
func (a *Authorizer) Grant(ctx context.Context, id Identity) (*Grant, error) {
	if id.CertID == "" && id.AccessKeyID != "" {
		return a.adminGrant()
	}
	if id.CertID == "" && id.AnonymousPolicy != "" {
		return a.anonymousGrant(ctx, id)
	}
	p, err := a.principals.Principal(ctx, id.CertID)
	var re *registry.Error
	if errors.As(err, &re) && re.Code == registry.NotFound {
		return nil, ErrUnknownCertificate
	}
	if err != nil {
		return nil, fmt.Errorf("resolve principal: %w", err)
	}
	if p.Status != registry.StatusActive {
		return nil, fmt.Errorf("%w (%s)", ErrInactive, p.Status)
	}
	vars := policy.Vars{}
	if id.Cert != nil {
		vars = policy.CertificateVars(id.Cert)
	}
	vars.Set(policy.VarClientID, id.ClientID)
	if id.SourceIP != "" {
		vars.Set(policy.VarSourceIP, id.SourceIP)
	}
	docs := p.Policies
	g := &Grant{prefix: a.prefix}
	if th, ok := p.ThingFor(id.ClientID); ok {
		vars.SetThing(th.Name, th.TypeName, th.Attributes)
		docs = append(docs[:len(docs):len(docs)], th.GroupPolicies...)
		g.Thing = th.Name
	} else {
		vars.Set(policy.VarThingIsAttached, "false")
	}
	for _, d := range docs {
		g.Policies = append(g.Policies, d.Name)
	}
	parsed, err := a.parse(docs)
	if err != nil {
		return nil, err
	}
	if g.compiled, err = policy.Compile(parsed, vars); err != nil {
		return nil, fmt.Errorf("compile policies: %w", err)
	}
	return g, nil
}

func (a *Authorizer) parse(docs []registry.PolicyDoc) ([]*policy.Document, error) {
	out := make([]*policy.Document, 0, len(docs))
	for _, d := range docs {
		k := d.Name + "@" + strconv.FormatInt(d.Version, 10)
		if v, ok := a.docs.Load(k); ok {
			out = append(out, v.(*policy.Document))
			continue
		}
		doc, err := policy.Parse([]byte(d.Document))
		if err != nil {
			return nil, fmt.Errorf("policy %s version %d: %w", d.Name, d.Version, err)
		}
		doc.Name = d.Name
		a.docs.Store(k, doc)
		out = append(out, doc)
	}
	return out, nil
}

// maxARN bounds the stack buffer used to build resource ARNs; longer
// resources (never produced by AWS-limited topics) are built on the heap.
const maxARN = 512

// Allow reports whether act is allowed on the resource <kind>/<name>, for
// example (policy.Publish, policy.KindTopic, "temperature/home417/loft/a").
func (g *Grant) Allow(act policy.Action, kind, name string) bool {
	var buf [maxARN]byte
	b := append(append(append(append(buf[:0], g.prefix...), kind...), '/'), name...)
	return g.compiled.Evaluate(act, unsafe.String(unsafe.SliceData(b), len(b))).Allowed()
}

// AllowConnect decides iot:Connect on client/<clientID> with the CONNECT's
// attributes (AWS iot:ConnectAttributes: PersistentConnect, LastWill).
func (g *Grant) AllowConnect(clientID string, persistent, lastWill bool) policy.Decision {
	res := g.prefix + policy.KindClient + "/" + clientID
	return g.compiled.EvaluateRequest(policy.Connect, res, policy.ConnectKeys(persistent, lastWill))
}

const adminPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:*","Resource":"*"}]}`

// adminGrant is the grant of an administrator credential.
func (a *Authorizer) adminGrant() (*Grant, error) {
	doc, err := a.parse([]registry.PolicyDoc{{Name: "roost-admin", Version: 1, Document: adminPolicy}})
	if err != nil {
		return nil, err
	}
	c, err := policy.Compile(doc, policy.Vars{})
	if err != nil {
		return nil, err
	}
	return &Grant{compiled: c, prefix: a.prefix}, nil
}

// anonymousGrant compiles the development listener's policy for a client.
func (a *Authorizer) anonymousGrant(ctx context.Context, id Identity) (*Grant, error) {
	p, err := a.principals.GetPolicy(ctx, id.AnonymousPolicy)
	if err != nil {
		return nil, fmt.Errorf("%w: development policy %s: %v", ErrUnknownCertificate, id.AnonymousPolicy, err)
	}
	docs, err := a.parse([]registry.PolicyDoc{{Name: p.Name, Version: p.DefaultVersion, Document: p.Document}})
	if err != nil {
		return nil, err
	}
	vars := policy.Vars{}
	vars.Set(policy.VarClientID, id.ClientID)
	vars.Set(policy.VarThingIsAttached, "false")
	if id.SourceIP != "" {
		vars.Set(policy.VarSourceIP, id.SourceIP)
	}
	c, err := policy.Compile(docs, vars)
	if err != nil {
		return nil, err
	}
	return &Grant{compiled: c, prefix: a.prefix, Policies: []string{p.Name}}, nil
}
