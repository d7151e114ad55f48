// Package sigv4 verifies AWS Signature Version 4 on incoming HTTP requests,
// the way AWS IoT Core checks its control plane (signing name "iot"), its
// data plane ("iotdata") and MQTT over WebSocket ("iotdevicegateway" or
// "iotdata" presigned URLs), so that the AWS CLI, boto3 and the AWS SDKs
// authenticate against Roost unchanged.
//
// Verify checks header-signed requests (Authorization: AWS4-HMAC-SHA256 ...)
// and VerifyPresigned query-signed URLs. Both rebuild the canonical request
// from the request exactly as it came on the wire: the path is the raw
// request target, encoded once more as botocore and the AWS SDK for Go v2 do
// for every service but S3 ("%2F" signs as "%252F", "%24" as "%2524"). Where
// real clients canonicalize the same wire request differently (botocore
// removes "//" and dot segments from the path; IoT presigned URLs leave
// X-Amz-Security-Token unsigned), each known form is tried. Signatures are
// compared in constant time; derived signing keys are cached.
//
// Failures are *Error values that carry the AWS exception name, HTTP status
// and message, for the API layer to write in AWS's shape.
//
// This package does not store secrets (Verifier.Secret supplies them), does
// not decide what an identity may do, does not check session tokens (they
// are returned in Identity) and does not read request bodies: the caller
// reads the body, bounds its size and passes it in.
package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	algorithm       = "AWS4-HMAC-SHA256"
	scopeTerminator = "aws4_request"
	timeFormat      = "20060102T150405Z"
	unsignedPayload = "UNSIGNED-PAYLOAD"
	emptySHA256     = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	maxExpires      = 604800 // seconds: the longest X-Amz-Expires, one week
)

// DefaultMaxSkew is how far a request's signing time may be from the
// server's clock, as in AWS.
const DefaultMaxSkew = 15 * time.Minute

// Verifier checks SigV4 signatures. Its zero value with Secret set is ready
// to use; it is safe for concurrent use and must not be copied after first
// use (it holds the signing-key cache).
type Verifier struct {
	// Secret returns the secret access key for an access key id, and false
	// when the key is unknown or inactive.
	Secret func(accessKeyID string) (secret string, ok bool)
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// MaxSkew bounds |signing time - Now|; DefaultMaxSkew when zero.
	MaxSkew time.Duration
	// Services lists the accepted signing names ("iot", "iotdata",
	// "iotdevicegateway"); any name is accepted when empty.
	Services []string
	// Regions lists the accepted regions; any region when empty.
	Regions []string

	keys keyCache
}

// Identity is who signed a request and for which scope.
type Identity struct {
	AccessKeyID string
	Region      string
	Service     string    // the signing name
	Date        time.Time // the signing time
	// SessionToken is X-Amz-Security-Token as sent, if any. Checking it is
	// the caller's business.
	SessionToken string
	// Expires is when a presigned URL stops being valid; zero for
	// header-signed requests.
	Expires time.Time
}

// Verify checks a header-signed request. body is the request body, already
// read by the caller; the request itself is not modified.
//
// The payload hash is X-Amz-Content-Sha256 when sent (UNSIGNED-PAYLOAD, or
// a hex hash that must match body), else the SHA-256 of body.
func (v *Verifier) Verify(r *http.Request, body []byte) (*Identity, error) {
	authz := r.Header.Get("Authorization")
	if authz == "" {
		return nil, errMissingToken()
	}
	dateValue, dateHeader := requestDate(r)
	a, err := parseAuthorization(authz, dateHeader != "")
	if err != nil {
		return nil, err
	}
	t, stamp, err := signingTime(dateValue, dateHeader)
	if err != nil {
		return nil, err
	}
	cred, err := parseCredential(a.credential)
	if err != nil {
		return nil, err
	}
	if err := v.checkScope(cred, stamp); err != nil {
		return nil, err
	}
	token := r.Header.Get("X-Amz-Security-Token")
	if err := checkSignedHeaders(a.signedHeaders, dateHeader, token != ""); err != nil {
		return nil, err
	}
	if err := v.checkSkew(t); err != nil {
		return nil, err
	}
	payload, err := payloadHash(r, body)
	if err != nil {
		return nil, err
	}
	secret, ok := v.secret(cred.accessKeyID)
	if !ok {
		return nil, errUnknownKey()
	}
	path, query := wireTarget(r)
	in := canonicalInput{
		method:        r.Method,
		path:          path,
		rawQuery:      query,
		headers:       appendHeaders(make([]byte, 0, 256), r, a.signedHeaders),
		signedHeaders: a.signedHeaders,
		payloadHash:   payload,
	}
	key := v.keys.signingKey(secret, cred.date, cred.region, cred.service)
	if err := in.check(key, stamp, cred.scope, a.signature); err != nil {
		return nil, err
	}
	return &Identity{
		AccessKeyID:  cred.accessKeyID,
		Region:       cred.region,
		Service:      cred.service,
		Date:         t,
		SessionToken: token,
	}, nil
}

// VerifyPresigned checks a query-signed URL such as the presigned WSS URL of
// MQTT over WebSocket:
//
//	GET /mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=...&X-Amz-Date=...
//	    &X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=...
//	    [&X-Amz-Security-Token=...]
//
// The payload is the hash of an empty body or UNSIGNED-PAYLOAD. AWS IoT
// adds X-Amz-Security-Token after signing; a URL that signed it is accepted
// too. Without X-Amz-Expires the URL is valid within MaxSkew of its date.
func (v *Verifier) VerifyPresigned(r *http.Request) (*Identity, error) {
	path, query := wireTarget(r)
	params := parseQuery(query)
	q, err := presignParams(params)
	if err != nil {
		return nil, err
	}
	t, ok := parseStamp(q.date)
	if !ok {
		return nil, errBadDate(q.date)
	}
	cred, err := parseCredential(q.credential)
	if err != nil {
		return nil, err
	}
	if err := v.checkScope(cred, q.date); err != nil {
		return nil, err
	}
	if err := checkSignedHeaders(q.signedHeaders, "", false); err != nil {
		return nil, err
	}
	expires, err := v.checkPresignTime(t, q.expires)
	if err != nil {
		return nil, err
	}
	secret, ok := v.secret(cred.accessKeyID)
	if !ok {
		return nil, errUnknownKey()
	}
	in := canonicalInput{
		method:        r.Method,
		path:          path,
		rawQuery:      query,
		presigned:     true,
		headers:       appendHeaders(make([]byte, 0, 64), r, q.signedHeaders),
		signedHeaders: q.signedHeaders,
	}
	key := v.keys.signingKey(secret, cred.date, cred.region, cred.service)
	if err := in.check(key, q.date, cred.scope, q.signature); err != nil {
		return nil, err
	}
	token, _ := lookup(params, "X-Amz-Security-Token")
	return &Identity{
		AccessKeyID:  cred.accessKeyID,
		Region:       cred.region,
		Service:      cred.service,
		Date:         t,
		SessionToken: token,
		Expires:      expires,
	}, nil
}

func (v *Verifier) secret(accessKeyID string) (string, bool) {
	if v.Secret == nil || accessKeyID == "" {
		return "", false
	}
	return v.Secret(accessKeyID)
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) maxSkew() time.Duration {
	if v.MaxSkew > 0 {
		return v.MaxSkew
	}
	return DefaultMaxSkew
}

// checkSkew rejects a header-signed request signed outside now ± MaxSkew.
func (v *Verifier) checkSkew(t time.Time) *Error {
	now, w := v.now(), v.maxSkew()
	if t.Before(now.Add(-w)) {
		return errExpired(t, now, w)
	}
	if t.After(now.Add(w)) {
		return errNotYetCurrent(t, now, w)
	}
	return nil
}

// checkPresignTime checks a presigned URL's window and returns its end:
// signed no later than now + MaxSkew, used no later than t + X-Amz-Expires
// (t + MaxSkew without X-Amz-Expires).
func (v *Verifier) checkPresignTime(t time.Time, expiresParam string) (time.Time, *Error) {
	now, w := v.now(), v.maxSkew()
	if t.After(now.Add(w)) {
		return time.Time{}, errNotYetCurrent(t, now, w)
	}
	window := w
	if expiresParam != "" {
		n, err := strconv.Atoi(expiresParam)
		if err != nil || n < 0 {
			return time.Time{}, errIncomplete("X-Amz-Expires should be a number")
		}
		if n > maxExpires {
			return time.Time{}, errIncomplete("X-Amz-Expires must be less than a week (in seconds) that is %d", maxExpires)
		}
		window = time.Duration(n) * time.Second
	}
	end := t.Add(window)
	if now.After(end) {
		return time.Time{}, errExpired(t, now, window)
	}
	return end, nil
}

// checkScope checks the credential scope against the request date and the
// accepted regions and services.
func (v *Verifier) checkScope(c credential, stamp string) *Error {
	if c.terminator != scopeTerminator {
		return errInvalid("Credential should be scoped with a valid terminator: '%s', not '%s'.", scopeTerminator, c.terminator)
	}
	if c.date != stamp[:8] {
		return errInvalid("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", c.date, stamp[:8], stamp)
	}
	if len(v.Regions) > 0 && !slices.Contains(v.Regions, c.region) {
		return errInvalid("Credential should be scoped to a valid region, not '%s'. ", c.region)
	}
	if len(v.Services) > 0 && !slices.Contains(v.Services, c.service) {
		return errInvalid("Credential should be scoped to correct service: '%s'. ", v.Services[0])
	}
	return nil
}

// checkSignedHeaders requires host, the date header in use and a session
// token header to be signed.
func checkSignedHeaders(list, dateHeader string, token bool) *Error {
	var host, date, tok bool
	for name := range strings.SplitSeq(list, ";") {
		switch name {
		case "host":
			host = true
		case "x-amz-security-token":
			tok = true
		case dateHeader:
			date = true
		}
	}
	switch {
	case !host:
		return errIncomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	case dateHeader != "" && !date:
		return errIncomplete("'%s' must be a 'SignedHeader' in the AWS Authorization.", dateHeader)
	case token && !tok:
		return errIncomplete("'x-amz-security-token' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return nil
}

// payloadHash returns the payload hash that goes into the canonical request.
func payloadHash(r *http.Request, body []byte) (string, *Error) {
	claimed := r.Header.Get("X-Amz-Content-Sha256")
	if claimed == unsignedPayload {
		return claimed, nil
	}
	sum := sha256.Sum256(body)
	actual := hex.EncodeToString(sum[:])
	switch {
	case claimed == "":
		return actual, nil
	case len(claimed) != len(actual) || !isHex(claimed):
		return "", errIncomplete("x-amz-content-sha256 must be UNSIGNED-PAYLOAD or the hex SHA-256 of the payload, not '%s'.", claimed)
	case !strings.EqualFold(claimed, actual):
		return "", errInvalid("The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	return claimed, nil
}
