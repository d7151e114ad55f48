package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
)

// keyCacheSize bounds the number of derived signing keys kept. One key
// serves every request of one access key in one region and service for a
// whole UTC day, so a small cache covers a large fleet of API clients.
const keyCacheSize = 1024

// scopeKey identifies a derived signing key. The secret is part of the key so
// that a rotated secret never reuses the old derivation.
type scopeKey struct {
	secret, date, region, service string
}

// keyCache holds derived signing keys. Its zero value is ready to use and it
// is safe for concurrent use.
type keyCache struct {
	mu sync.RWMutex
	m  map[scopeKey][sha256.Size]byte // mu held
}

// signingKey returns HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region),
// service), "aws4_request"), from the cache when it can.
func (c *keyCache) signingKey(secret, date, region, service string) [sha256.Size]byte {
	k := scopeKey{secret, date, region, service}
	c.mu.RLock()
	key, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return key
	}
	key = deriveKey(secret, date, region, service)
	// The parts may be substrings of a large header: keep copies only.
	k = scopeKey{strings.Clone(secret), strings.Clone(date), strings.Clone(region), strings.Clone(service)}
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[scopeKey][sha256.Size]byte)
	}
	if len(c.m) >= keyCacheSize {
		for old := range c.m { // evict one arbitrary entry
			delete(c.m, old)
			break
		}
	}
	c.m[k] = key
	c.mu.Unlock()
	return key
}

func (c *keyCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

func deriveKey(secret, date, region, service string) [sha256.Size]byte {
	k := hmacSum([]byte("AWS4"+secret), date)
	k = hmacSum(k[:], region)
	k = hmacSum(k[:], service)
	return hmacSum(k[:], scopeTerminator)
}

func hmacSum(key []byte, msg string) [sha256.Size]byte {
	var out [sha256.Size]byte
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	m.Sum(out[:0])
	return out
}

// check computes the request's signature in each canonical form it could
// have been signed in and compares each with sig in constant time.
func (c *canonicalInput) check(key [sha256.Size]byte, stamp, scope, sig string) *Error {
	var want [sha256.Size]byte
	if decodeHex(want[:], sig) {
		relevant := c.variants()
		buf := make([]byte, 0, 512+len(c.headers)+len(c.rawQuery)+len(c.path))
		for m := variant(0); m <= relevant; m++ {
			if m&^relevant != 0 {
				continue
			}
			buf = c.appendCanonical(buf[:0], m)
			got := sign(key, stamp, scope, buf)
			if hmac.Equal(got[:], want[:]) {
				return nil
			}
		}
	}
	canonical := c.appendCanonical(nil, 0)
	return &Error{
		Code:             CodeInvalidSignature,
		Status:           http.StatusForbidden,
		Message:          msgMismatch,
		CanonicalRequest: string(canonical),
		StringToSign:     string(appendStringToSign(nil, stamp, scope, canonical)),
	}
}

// sign returns HMAC(key, string to sign).
func sign(key [sha256.Size]byte, stamp, scope string, canonical []byte) [sha256.Size]byte {
	var sts [256]byte
	m := hmac.New(sha256.New, key[:])
	m.Write(appendStringToSign(sts[:0], stamp, scope, canonical))
	var out [sha256.Size]byte
	m.Sum(out[:0])
	return out
}

// appendStringToSign appends "AWS4-HMAC-SHA256\n<stamp>\n<scope>\n<hex
// SHA-256 of the canonical request>".
func appendStringToSign(dst []byte, stamp, scope string, canonical []byte) []byte {
	sum := sha256.Sum256(canonical)
	dst = append(dst, algorithm+"\n"...)
	dst = append(dst, stamp...)
	dst = append(dst, '\n')
	dst = append(dst, scope...)
	dst = append(dst, '\n')
	return hex.AppendEncode(dst, sum[:])
}

// decodeHex decodes a hex signature of exactly len(dst) bytes.
func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, ok1 := fromHex(s[2*i])
		lo, ok2 := fromHex(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if _, ok := fromHex(s[i]); !ok {
			return false
		}
	}
	return true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
