package sigv4

import (
	"net/http"
	"strings"
	"time"
)

// requestDate returns the signing date as sent and the (lower-case) name
// of the header it came from: X-Amz-Date, else Date, else "".
func requestDate(r *http.Request) (value, header string) {
	if v := r.Header.Get("X-Amz-Date"); v != "" {
		return v, "x-amz-date"
	}
	if v := r.Header.Get("Date"); v != "" {
		return v, "date"
	}
	return "", ""
}

// signingTime parses the signing date and returns it with its ISO 8601
// basic form, which is what the string to sign carries.
func signingTime(value, header string) (time.Time, string, *Error) {
	if header == "date" {
		t, err := http.ParseTime(value)
		if err != nil {
			// botocore writes email.utils.formatdate: "..., 12:34:56 -0000".
			t, err = time.Parse(time.RFC1123Z, value)
		}
		if err != nil {
			return time.Time{}, "", errBadDate(value)
		}
		t = t.UTC()
		return t, t.Format(timeFormat), nil
	}
	t, ok := parseStamp(value)
	if !ok {
		return time.Time{}, "", errBadDate(value)
	}
	return t, value, nil
}

func parseStamp(s string) (time.Time, bool) {
	if len(s) != len(timeFormat) {
		return time.Time{}, false
	}
	t, err := time.Parse(timeFormat, s)
	return t, err == nil
}

// authorization holds the parameters of an Authorization header.
type authorization struct {
	credential, signedHeaders, signature string
}

// parseAuthorization parses "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
// Signature=...". Like AWS it splits parameters on commas and spaces.
func parseAuthorization(h string, hasDate bool) (authorization, *Error) {
	var a authorization
	alg, rest, _ := strings.Cut(h, " ")
	if alg != algorithm {
		if strings.HasPrefix(alg, "AWS4-") {
			return a, errIncomplete("Unsupported AWS 'algorithm': '%s'", alg)
		}
		return a, errMissingAuthParams([]string{"Credential", "Signature", "SignedHeaders"}, hasDate, h)
	}
	for part := range strings.FieldsFuncSeq(rest, func(c rune) bool { return c == ',' || c == ' ' }) {
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			return a, errIncomplete("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", part, h)
		}
		switch k {
		case "Credential":
			a.credential = val
		case "SignedHeaders":
			a.signedHeaders = val
		case "Signature":
			a.signature = val
		}
	}
	var missing []string
	if a.credential == "" {
		missing = append(missing, "Credential")
	}
	if a.signature == "" {
		missing = append(missing, "Signature")
	}
	if a.signedHeaders == "" {
		missing = append(missing, "SignedHeaders")
	}
	if len(missing) > 0 || !hasDate {
		return a, errMissingAuthParams(missing, hasDate, h)
	}
	return a, nil
}

// credential is "AKID/20261122/us-east-1/iot/aws4_request", split.
type credential struct {
	accessKeyID, date, region, service, terminator string
	scope                                          string // all but the access key id
}

func parseCredential(s string) (credential, *Error) {
	var c credential
	if strings.Count(s, "/") != 4 {
		return c, errIncomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", s)
	}
	c.accessKeyID, c.scope, _ = strings.Cut(s, "/")
	var rest string
	c.date, rest, _ = strings.Cut(c.scope, "/")
	c.region, rest, _ = strings.Cut(rest, "/")
	c.service, c.terminator, _ = strings.Cut(rest, "/")
	return c, nil
}

// presignQuery holds the X-Amz-* parameters of a presigned URL.
type presignQuery struct {
	credential, date, expires, signedHeaders, signature string
}

func presignParams(params []param) (presignQuery, *Error) {
	var q presignQuery
	alg, hasAlg := lookup(params, "X-Amz-Algorithm")
	var hasCred, hasSig bool
	q.credential, hasCred = lookup(params, "X-Amz-Credential")
	q.signature, hasSig = lookup(params, "X-Amz-Signature")
	if !hasAlg && !hasCred && !hasSig {
		return q, errMissingToken()
	}
	q.date, _ = lookup(params, "X-Amz-Date")
	q.signedHeaders, _ = lookup(params, "X-Amz-SignedHeaders")
	q.expires, _ = lookup(params, "X-Amz-Expires")
	for _, req := range []struct{ name, value string }{
		{"X-Amz-Algorithm", alg},
		{"X-Amz-Credential", q.credential},
		{"X-Amz-Signature", q.signature},
		{"X-Amz-SignedHeaders", q.signedHeaders},
		{"X-Amz-Date", q.date},
	} {
		if req.value == "" {
			return q, errMissingQueryParam(req.name)
		}
	}
	if alg != algorithm {
		return q, errIncomplete("Unsupported AWS 'algorithm': '%s'", alg)
	}
	return q, nil
}
