// Package provisioning owns fleet provisioning: the MQTT provisioning API
// ($aws/certificates/create/<fmt>, $aws/certificates/create-from-csr/<fmt>
// and $aws/provisioning-templates/<name>/provision/<fmt>), certificate
// ownership tokens, pre-provisioning hooks (an HTTP POST of AWS's hook
// event), claims for provisioning by trusted user, and the removal of
// certificates created over MQTT but never registered and of expired claims.
//
// It answers requests as values (a reply topic and payload): the device
// gateway routes reserved topics to it and sends the answer back to the
// requesting connection only. It does not speak MQTT itself. Templates are
// registry resources; the template engine (provisioning/template) turns one
// into a plan, and the registry applies the plan in one transaction.
package provisioning

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/roost-iot/roost/internal/registry"
	"github.com/roost-iot/roost/internal/store"
)

// TokenLifetime is how long a certificate ownership token is valid (AWS
// fleet provisioning: one hour).
const TokenLifetime = time.Hour

const metaTokenKey = "provisioning/token-key"

// Service is fleet provisioning.
type Service struct {
	reg   *registry.Service
	key   []byte // HMAC key of ownership tokens
	now   func() time.Time
	log   *slog.Logger
	hooks hookClient
	// ClaimLifetime is how long a CreateProvisioningClaim certificate is
	// valid (AWS: 5 minutes).
	ClaimLifetime time.Duration
	templates     templateCache
}

// ClaimLifetime is AWS's validity of a provisioning claim certificate.
const ClaimLifetime = 5 * time.Minute

// New loads (or creates once) the token key and returns the service.
func New(ctx context.Context, reg *registry.Service, st store.Store, log *slog.Logger) (*Service, error) {
	key, err := tokenKey(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("provisioning token key: %w", err)
	}
	return &Service{reg: reg, key: key, now: time.Now, log: log, hooks: newHookClient(), ClaimLifetime: ClaimLifetime}, nil
}

func tokenKey(ctx context.Context, st store.Store) ([]byte, error) {
	var key []byte
	err := st.Update(ctx, func(tx store.Tx) error {
		v, err := tx.Meta().Get(ctx, metaTokenKey)
		if err == nil {
			key, err = hex.DecodeString(v)
			return err
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		key = make([]byte, 32)
		rand.Read(key)
		return tx.Meta().Put(ctx, metaTokenKey, hex.EncodeToString(key))
	})
	return key, err
}

// Rejection is the /rejected payload of the provisioning API.
type Rejection struct {
	StatusCode   int    `json:"statusCode" cbor:"statusCode"`
	ErrorCode    string `json:"errorCode" cbor:"errorCode"`
	ErrorMessage string `json:"errorMessage" cbor:"errorMessage"`
}

func (r *Rejection) Error() string { return r.ErrorCode + ": " + r.ErrorMessage }

func reject(status int, code, format string, a ...any) *Rejection {
	return &Rejection{StatusCode: status, ErrorCode: code, ErrorMessage: fmt.Sprintf(format, a...)}
}

// Request is one message published to a provisioning topic.
type Request struct {
	Topic   string
	Payload []byte
	// ClientID and CertID identify the requesting connection (CertID is
	// the claim certificate); both go to the pre-provisioning hook.
	ClientID, CertID string
}

// Serve answers one request published to a provisioning topic: the reply
// topic (…/accepted or …/rejected) and its payload, in the request's
// format (json or cbor: same keys, CBOR map encoding).
func (s *Service) Serve(ctx context.Context, r Request) (string, []byte) {
	topic := r.Topic
	base, format := cutFormat(topic)
	out, err := s.route(ctx, base, format, r)
	if err != nil {
		var rej *Rejection
		if !errors.As(err, &rej) {
			s.log.Error("provisioning request failed", "topic", topic, "err", err)
			rej = reject(500, "InternalFailure", "An internal error occurred")
		}
		return topic + "/rejected", encode(format, rej)
	}
	return topic + "/accepted", encode(format, out)
}

func encode(format string, v any) []byte {
	if format == "cbor" {
		b, _ := cbor.Marshal(v)
		return b
	}
	b, _ := json.Marshal(v)
	return b
}

// decode reads a request payload; an empty payload is an empty request.
func decode(format string, payload []byte, v any) error {
	if len(payload) == 0 {
		return nil
	}
	var err error
	if format == "cbor" {
		err = cbor.Unmarshal(payload, v)
	} else {
		err = json.Unmarshal(payload, v)
	}
	if err != nil {
		return reject(400, "InvalidPayload", "The request payload is not valid %s", strings.ToUpper(format))
	}
	return nil
}

func (s *Service) route(ctx context.Context, base, format string, r Request) (any, error) {
	if format != "json" && format != "cbor" {
		return nil, reject(400, "InvalidPayloadFormat", "The payload format must be json or cbor")
	}
	switch base {
	case "$aws/certificates/create":
		return s.createKeysAndCertificate(ctx)
	case "$aws/certificates/create-from-csr":
		return s.createCertificateFromCsr(ctx, format, r.Payload)
	}
	if name, ok := templateOfTopic(base); ok {
		return s.registerThing(ctx, name, format, r)
	}
	return nil, reject(404, "ResourceNotFound", "No provisioning API at %s/%s", base, format)
}

// cutFormat splits ".../json" into the request base and the format.
func cutFormat(topic string) (base, format string) {
	i := strings.LastIndexByte(topic, '/')
	if i < 0 {
		return topic, ""
	}
	return topic[:i], topic[i+1:]
}

type keysAndCertificate struct {
	CertificateID             string `json:"certificateId" cbor:"certificateId"`
	CertificatePem            string `json:"certificatePem" cbor:"certificatePem"`
	PrivateKey                string `json:"privateKey,omitempty" cbor:"privateKey,omitempty"` // lowercase here, unlike REST's keyPair.PrivateKey
	CertificateOwnershipToken string `json:"certificateOwnershipToken" cbor:"certificateOwnershipToken"`
}

func (s *Service) createKeysAndCertificate(ctx context.Context) (any, error) {
	c, err := s.reg.CreateProvisioningCertificate(ctx, "")
	if err != nil {
		return nil, err
	}
	return keysAndCertificate{CertificateID: c.ID, CertificatePem: c.PEM, PrivateKey: c.PrivateKeyPEM,
		CertificateOwnershipToken: s.token(c.ID)}, nil
}

func (s *Service) createCertificateFromCsr(ctx context.Context, format string, payload []byte) (any, error) {
	var in struct {
		CSR string `json:"certificateSigningRequest" cbor:"certificateSigningRequest"`
	}
	if err := decode(format, payload, &in); err != nil {
		return nil, err
	}
	if in.CSR == "" {
		return nil, reject(400, "InvalidCertificateSigningRequest", "certificateSigningRequest is required")
	}
	c, err := s.reg.CreateProvisioningCertificate(ctx, in.CSR)
	var re *registry.Error
	if errors.As(err, &re) && re.Code == registry.InvalidRequest {
		return nil, reject(400, "InvalidCertificateSigningRequest", "%s", re.Message)
	}
	if err != nil {
		return nil, err
	}
	return keysAndCertificate{CertificateID: c.ID, CertificatePem: c.PEM, CertificateOwnershipToken: s.token(c.ID)}, nil
}

// token makes an ownership token: the certificate id and the expiry,
// authenticated with the service's key, so nothing needs storing. It is
// single use because RegisterThing takes the certificate out of
// PENDING_ACTIVATION.
func (s *Service) token(certID string) string {
	id, _ := hex.DecodeString(certID)
	msg := binary.BigEndian.AppendUint64(id, uint64(s.now().Add(TokenLifetime).Unix()))
	mac := hmac.New(sha256.New, s.key)
	mac.Write(msg)
	return base64.RawURLEncoding.EncodeToString(mac.Sum(msg))
}

// CertificateForToken checks an ownership token and returns its
// certificate id.
func (s *Service) CertificateForToken(tok string) (string, error) {
	if tok == "" {
		return "", reject(400, "InvalidCertificateOwnershipToken", "Certificate ownership token cannot be empty.")
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) != 32+8+sha256.Size {
		return "", reject(400, "InvalidCertificateOwnershipToken", "Certificate ownership token is invalid.")
	}
	msg, sum := raw[:40], raw[40:]
	mac := hmac.New(sha256.New, s.key)
	mac.Write(msg)
	if !hmac.Equal(sum, mac.Sum(nil)) {
		return "", reject(400, "InvalidCertificateOwnershipToken", "Certificate ownership token is invalid.")
	}
	if time.Unix(int64(binary.BigEndian.Uint64(msg[32:])), 0).Before(s.now()) {
		return "", reject(400, "InvalidCertificateOwnershipToken", "Certificate ownership token has expired.")
	}
	return hex.EncodeToString(msg[:32]), nil
}
