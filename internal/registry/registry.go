// Package registry owns the device registry with AWS IoT semantics: things,
// thing types, thing groups, certificates, policies and their versions, the
// attachments between them (policy targets, thing principals, group
// membership) and resource tags.
//
// It enforces AWS's rules (name patterns, limits, which deletes are refused,
// versions and expectedVersion checks, idempotent creates) inside one store
// transaction per operation, and reports failures as *Error with a Code that
// the api package maps to AWS exception names.
//
// It does not speak HTTP or MQTT, and it does not evaluate policies: it only
// validates documents (through the ValidatePolicy function it is given) and
// stores them. Certificates are issued by the Issuer it is given.
package registry

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/roost-iot/roost/internal/pki"
	"github.com/roost-iot/roost/internal/store"
)

// Issuer signs device certificates (pki.CA implements it).
type Issuer interface {
	Issue(ctx context.Context, req *pki.IssueRequest) (*pki.IssueResponse, error)
}

// Options configure a Service.
type Options struct {
	Store   store.Store
	Region  string
	Account string
	// Issuer signs certificates for CreateKeysAndCertificate and
	// CreateCertificateFromCsr; CA is its certificate, which counts as a
	// registered CA for RegisterCertificate.
	Issuer Issuer
	CAPEM  []byte
	// ValidatePolicy parses a policy document and returns a client-facing
	// error when it is malformed.
	ValidatePolicy func(doc []byte) error
	Now            func() time.Time
}

// Service is the registry. It is safe for concurrent use.
type Service struct {
	store          store.Store
	region         string
	account        string
	issuer         Issuer
	caPEM          []byte
	validatePolicy func([]byte) error
	now            func() time.Time
	watchers       watchers
	principals     principalCache
	// things remembers things known to exist (only presence: a thing
	// created later is found by the next miss; DeleteThing's change drops
	// it). templates holds described templates until the next template
	// write. Both are read on every shadow request or RegisterThing.
	things    loadCache[struct{}]
	templates loadCache[ProvisioningTemplate]
}

// New returns a registry over the given store.
func New(o Options) *Service {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &Service{
		store: o.Store, region: o.Region, account: o.Account, issuer: o.Issuer,
		caPEM: o.CAPEM, validatePolicy: o.ValidatePolicy, now: now,
		things: loadCache[struct{}]{max: maxCachedPrincipals}, templates: loadCache[ProvisioningTemplate]{max: 1024},
	}
}

// Region and Account are the ones used in ARNs.
func (s *Service) Region() string  { return s.region }
func (s *Service) Account() string { return s.account }

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

func newID() string { return uuid.NewString() }

// PageRequest is a list call's paging input: the token a previous call
// returned and the most items wanted (0 = the operation's default).
type PageRequest struct {
	Token string
	Max   int
}

func (p PageRequest) page(def, max int) (store.Page, error) {
	limit := p.Max
	if limit == 0 {
		limit = def
	}
	if limit < 1 || limit > max {
		return store.Page{}, errf(InvalidRequest, "maxResults must be between 1 and %d", max)
	}
	if p.Token == "" {
		return store.Page{Limit: limit}, nil
	}
	after, err := base64.RawURLEncoding.DecodeString(p.Token)
	if err != nil || len(after) == 0 {
		return store.Page{}, errf(InvalidRequest, "The pagination token is invalid")
	}
	return store.Page{After: string(after), Limit: limit}, nil
}

// view runs a read transaction; a cursor the store cannot read (a client
// tampered with a token) is the client's error, not ours.
func (s *Service) view(ctx context.Context, fn func(store.Tx) error) error {
	err := s.store.View(ctx, fn)
	if errors.Is(err, store.ErrBadCursor) {
		return errf(InvalidRequest, "The pagination token is invalid")
	}
	return err
}

// nextToken turns a store cursor into the opaque token clients pass back.
func nextToken(cursor string) string {
	if cursor == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(cursor))
}

// notFound converts store.ErrNotFound into a registry NotFound error.
func notFound(err error, format string, a ...any) error {
	if errors.Is(err, store.ErrNotFound) {
		return errf(NotFound, format, a...)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, a...), err)
	}
	return nil
}
