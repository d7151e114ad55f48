package sigv4

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// canonicalInput is everything of a request that goes into its canonical
// request, taken from the wire form of the request.
type canonicalInput struct {
	method        string
	path          string // the path as sent, still percent-encoded
	rawQuery      string // the query as sent, without '?'
	presigned     bool   // drop X-Amz-Signature (and, by default, X-Amz-Security-Token)
	headers       []byte // canonical header lines, each ending in '\n'
	signedHeaders string
	payloadHash   string // header-signed requests only
}

// variant selects one of the canonical forms that real clients produce for
// the same wire request. The zero variant is what the AWS SDK for Go v2
// signs; the others are tried only when a request could need them.
type variant uint8

const (
	// botocore removes dot segments and empty segments ("//") from the path
	// before encoding it; the Go SDK signs the path as it is.
	variantNormalizedPath variant = 1 << iota
	// AWS IoT presigned WSS URLs carry X-Amz-Security-Token added after
	// signing; generic presigners (botocore, the Go SDK) sign it.
	variantSignedToken
	// Presigned URLs sign the hash of an empty payload (IoT device SDKs) or
	// UNSIGNED-PAYLOAD (S3-style presigners).
	variantUnsignedPayload
)

// variants returns the variant bits that could matter for this request.
func (c *canonicalInput) variants() variant {
	var v variant
	if removeDotSegments(c.path) != c.path {
		v |= variantNormalizedPath
	}
	if c.presigned {
		v |= variantUnsignedPayload
		if strings.Contains(c.rawQuery, "X-Amz-Security-Token=") {
			v |= variantSignedToken
		}
	}
	return v
}

// appendCanonical appends the canonical request in the given variant:
// method, URI, query, headers, signed headers and payload hash, one a line.
func (c *canonicalInput) appendCanonical(dst []byte, v variant) []byte {
	dst = append(dst, c.method...)
	dst = append(dst, '\n')
	path := c.path
	if v&variantNormalizedPath != 0 {
		path = removeDotSegments(path)
	}
	dst = appendEscaped(dst, path, true)
	dst = append(dst, '\n')
	dst = c.appendQuery(dst, v)
	dst = append(dst, '\n')
	dst = append(dst, c.headers...)
	dst = append(dst, '\n')
	dst = append(dst, c.signedHeaders...)
	dst = append(dst, '\n')
	switch {
	case !c.presigned:
		dst = append(dst, c.payloadHash...)
	case v&variantUnsignedPayload != 0:
		dst = append(dst, unsignedPayload...)
	default:
		dst = append(dst, emptySHA256...)
	}
	return dst
}

// appendQuery appends the canonical query string: every parameter decoded
// and URI-encoded again per SigV4, sorted by encoded name, then value.
func (c *canonicalInput) appendQuery(dst []byte, v variant) []byte {
	params := parseQuery(c.rawQuery)
	if c.presigned {
		params = slices.DeleteFunc(params, func(p param) bool {
			return p.key == "X-Amz-Signature" ||
				(p.key == "X-Amz-Security-Token" && v&variantSignedToken == 0)
		})
	}
	for i := range params {
		params[i].key = escape(params[i].key)
		params[i].value = escape(params[i].value)
	}
	slices.SortFunc(params, func(a, b param) int {
		return cmp.Or(strings.Compare(a.key, b.key), strings.Compare(a.value, b.value))
	})
	for i, p := range params {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, p.key...)
		dst = append(dst, '=')
		dst = append(dst, p.value...)
	}
	return dst
}

// param is one query parameter, decoded.
type param struct{ key, value string }

// parseQuery splits a raw query into decoded parameters, keeping repeated
// names and empty values. A raw '+' is a space, as net/url reads it for the
// handlers (clients encode a literal plus as %2B). A part that is not valid
// percent-encoding is kept as it came, so it still signs as sent.
func parseQuery(raw string) []param {
	if raw == "" {
		return nil
	}
	params := make([]param, 0, strings.Count(raw, "&")+1)
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		params = append(params, param{unescape(k), unescape(v)})
	}
	return params
}

func unescape(s string) string {
	u, err := url.QueryUnescape(s)
	if err != nil {
		return s
	}
	return u
}

// lookup returns the value of the first parameter named key.
func lookup(params []param, key string) (string, bool) {
	for _, p := range params {
		if p.key == key {
			return p.value, true
		}
	}
	return "", false
}

// wireTarget splits the request target exactly as the client sent it
// (RequestURI), so that the path is not Go's decoded and re-encoded form.
// Requests built in process, which have no RequestURI, use what the Go
// client would send.
func wireTarget(r *http.Request) (path, query string) {
	uri := r.RequestURI
	if uri == "" && r.URL != nil {
		uri = r.URL.RequestURI()
	}
	path, query, _ = strings.Cut(uri, "?")
	if !strings.HasPrefix(path, "/") {
		// absolute-form ("http://host/p") as sent to proxies, or "*".
		if _, rest, ok := strings.Cut(path, "://"); ok {
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				return rest[i:], query
			}
		}
		return "/", query
	}
	return path, query
}

// removeDotSegments normalizes a path as botocore does before signing:
// RFC 3986 dot-segment removal, and empty segments dropped.
func removeDotSegments(p string) string {
	if p == "" {
		return "/"
	}
	if !strings.Contains(p, "//") && !strings.Contains(p, "/.") {
		return p // fast path: nothing to normalize
	}
	var out []string
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	var b strings.Builder
	if p[0] == '/' {
		b.WriteByte('/')
	}
	b.WriteString(strings.Join(out, "/"))
	if p[len(p)-1] == '/' && len(out) > 0 {
		b.WriteByte('/')
	}
	return b.String()
}

const upperHex = "0123456789ABCDEF"

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// appendEscaped URI-encodes s per SigV4: every byte but A-Za-z0-9-_.~ (and
// '/' when keepSlash) becomes %XX with upper-case hex. On an already encoded
// path this is botocore's quote(path, safe='/~'), so "%2F" becomes "%252F".
func appendEscaped(dst []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || c == '/' && keepSlash {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
	}
	return dst
}

// escape is appendEscaped for a query name or value; it does not allocate
// when nothing needs encoding.
func escape(s string) string {
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			return string(appendEscaped(make([]byte, 0, len(s)+16), s, false))
		}
	}
	return s
}

// appendHeaders appends the canonical header lines for the names listed in
// signedHeaders, in that order: "name:value\n", values trimmed, runs of
// spaces collapsed, repeated headers joined with ','. The host line comes
// from r.Host, which net/http takes out of the header map.
func appendHeaders(dst []byte, r *http.Request, signedHeaders string) []byte {
	for name := range strings.SplitSeq(signedHeaders, ";") {
		dst = append(dst, name...)
		dst = append(dst, ':')
		switch values := headerValues(r, name); {
		case name == "host":
			host := r.Host
			if host == "" && r.URL != nil {
				host = r.URL.Host
			}
			dst = appendTrimmed(dst, host)
		case len(values) == 0 && name == "content-length" && r.ContentLength >= 0:
			dst = strconv.AppendInt(dst, r.ContentLength, 10)
		default:
			for i, v := range values {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = appendTrimmed(dst, v)
			}
		}
		dst = append(dst, '\n')
	}
	return dst
}

// headerValues looks name up in r.Header under its canonical MIME form
// without allocating for names of usual length.
func headerValues(r *http.Request, name string) []string {
	var buf [128]byte
	if len(name) > len(buf) {
		return r.Header.Values(name)
	}
	b := buf[:len(name)]
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case upper && 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !upper && 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b[i] = c
		upper = c == '-'
	}
	return r.Header[string(b)]
}

// appendTrimmed appends v without leading or trailing spaces and with each
// run of inner spaces reduced to one, as the SigV4 Trimall step and the Go
// SDK do.
func appendTrimmed(dst []byte, v string) []byte {
	v = strings.Trim(v, " \t")
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			space = true
			continue
		}
		if space {
			dst = append(dst, ' ')
			space = false
		}
		dst = append(dst, c)
	}
	return dst
}
