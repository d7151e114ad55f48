// Package iam owns the credentials that sign requests to Roost's API: an
// access key id and secret access key per credential, as AWS IAM users have.
// They are kept in the store (SigV4 verification needs the secret itself),
// created at first start or by `roost admin credentials create`, and looked
// up with a short-lived cache so verifying a request costs no store read.
//
// It does not verify signatures (sigv4 does) and has no per-credential
// permissions yet: every credential is an administrator.
package iam

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/roost-iot/roost/internal/store"
)

const metaPrefix = "credential/"

// Credential is one access key pair.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
}

// Credentials looks up and creates credentials.
type Credentials struct {
	store store.Store
	ttl   time.Duration

	mu    sync.Mutex
	cache map[string]cached // mu held
}

type cached struct {
	secret string
	ok     bool
	at     time.Time
}

// New returns the credential table over st. Lookups are cached for a few
// seconds, so a credential created by another process is seen quickly.
func New(st store.Store) *Credentials {
	return &Credentials{store: st, ttl: 5 * time.Second, cache: map[string]cached{}}
}

// Put stores a credential (replacing the secret of an existing key id).
func (c *Credentials) Put(ctx context.Context, cr Credential) error {
	err := c.store.Update(ctx, func(tx store.Tx) error {
		return tx.Meta().Put(ctx, metaPrefix+cr.AccessKeyID, cr.SecretAccessKey)
	})
	if err != nil {
		return fmt.Errorf("store credential %s: %w", cr.AccessKeyID, err)
	}
	c.mu.Lock()
	delete(c.cache, cr.AccessKeyID)
	c.mu.Unlock()
	return nil
}

// Create makes, stores and returns a new random credential.
func (c *Credentials) Create(ctx context.Context) (Credential, error) {
	cr := Generate()
	return cr, c.Put(ctx, cr)
}

// Secret returns the secret of an access key id.
func (c *Credentials) Secret(ctx context.Context, keyID string) (string, bool, error) {
	now := time.Now()
	c.mu.Lock()
	e, hit := c.cache[keyID]
	c.mu.Unlock()
	if hit && now.Sub(e.at) < c.ttl {
		return e.secret, e.ok, nil
	}
	var secret string
	err := c.store.View(ctx, func(tx store.Tx) error {
		var err error
		secret, err = tx.Meta().Get(ctx, metaPrefix+keyID)
		return err
	})
	ok := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", false, fmt.Errorf("look up credential: %w", err)
	}
	c.mu.Lock()
	if len(c.cache) > 10000 { // bound memory against floods of unknown keys
		clear(c.cache)
	}
	c.cache[keyID] = cached{secret: secret, ok: ok, at: now}
	c.mu.Unlock()
	return secret, ok, nil
}

// Generate makes a random credential shaped like AWS's: a 20-character
// access key id starting with AKIA and a 40-character secret.
func Generate() Credential {
	return Credential{AccessKeyID: "AKIA" + randomString(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
		SecretAccessKey: randomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
}

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	var sb strings.Builder
	for _, x := range b {
		sb.WriteByte(alphabet[int(x)%len(alphabet)])
	}
	return sb.String()
}
