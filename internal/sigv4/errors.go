package sigv4

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// AWS exception names for authentication failures, as rest-json services
// (iot, iot-data) send them in x-amzn-ErrorType and the body's __type.
//
// Seen in real AWS responses: InvalidSignatureException 403 from iot with
// the mismatch message (aws-sdk-js-v3#1569; smithy's aws.auth#sigv4 declares
// it @httpError(403)); "Signature expired: ... (... - 15 min.)"; the IAM
// SigV4 troubleshooting page's "Signature not yet current", "Date in
// Credential scope does not match ..." and "Credential should be scoped to
// ..." messages; UnrecognizedClientException "The security token included in
// the request is invalid." from iot (403 from rest-json Lambda);
// MissingAuthenticationTokenException 403 "Missing Authentication Token"
// (rest-json API Gateway and Lambda); IncompleteSignatureException 400 with
// the "Authorization header requires ..." and "not a valid key=value pair"
// messages (JSON services). Messages for presigned-URL and payload-hash
// failures follow the same style but were not seen from AWS IoT.
const (
	CodeMissingAuthenticationToken = "MissingAuthenticationTokenException"
	CodeUnrecognizedClient         = "UnrecognizedClientException"
	CodeInvalidSignature           = "InvalidSignatureException"
	CodeIncompleteSignature        = "IncompleteSignatureException"
)

// Messages AWS sends verbatim.
const (
	msgMissingToken = "Missing Authentication Token"
	msgUnknownKey   = "The security token included in the request is invalid."
	msgMismatch     = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgNeedsDate    = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
	msgReexamineQSP = "Re-examine the query-string parameters."
)

// Error is a failed authentication in the shape AWS reports it. The API
// layer writes Code as x-amzn-ErrorType and __type, Status as the HTTP
// status and Message as the body's message.
//
// CanonicalRequest and StringToSign are set when a signature did not match:
// what the verifier computed, for debug logs only (a client that signs
// differently can be diagnosed by comparing them with its own).
type Error struct {
	Code    string
	Status  int
	Message string

	CanonicalRequest string
	StringToSign     string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errMissingToken() *Error {
	return &Error{Code: CodeMissingAuthenticationToken, Status: http.StatusForbidden, Message: msgMissingToken}
}

func errUnknownKey() *Error {
	return &Error{Code: CodeUnrecognizedClient, Status: http.StatusForbidden, Message: msgUnknownKey}
}

func errInvalid(format string, args ...any) *Error {
	return &Error{Code: CodeInvalidSignature, Status: http.StatusForbidden, Message: fmt.Sprintf(format, args...)}
}

func errIncomplete(format string, args ...any) *Error {
	return &Error{Code: CodeIncompleteSignature, Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

// errMissingAuthParams lists every missing Authorization parameter in one
// message, in AWS's order, followed by the header as received.
func errMissingAuthParams(missing []string, hasDate bool, header string) *Error {
	var b strings.Builder
	for _, p := range missing {
		fmt.Fprintf(&b, "Authorization header requires '%s' parameter. ", p)
	}
	if !hasDate {
		b.WriteString(msgNeedsDate + " ")
	}
	b.WriteString("Authorization=")
	b.WriteString(header)
	return &Error{Code: CodeIncompleteSignature, Status: http.StatusBadRequest, Message: b.String()}
}

func errMissingQueryParam(name string) *Error {
	return errIncomplete("AWS query-string parameters must include '%s'. %s", name, msgReexamineQSP)
}

func errBadDate(value string) *Error {
	return errIncomplete("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", value)
}

// errExpired and errNotYetCurrent follow AWS's wording, for example
// "Signature expired: 20210502T144040Z is now earlier than 20210502T173143Z
// (20210502T174643Z - 15 min.)".
func errExpired(signed, now time.Time, window time.Duration) *Error {
	return errInvalid("Signature expired: %s is now earlier than %s (%s - %s.)",
		signed.UTC().Format(timeFormat), now.Add(-window).UTC().Format(timeFormat),
		now.UTC().Format(timeFormat), windowText(window))
}

func errNotYetCurrent(signed, now time.Time, window time.Duration) *Error {
	return errInvalid("Signature not yet current: %s is still later than %s (%s + %s.)",
		signed.UTC().Format(timeFormat), now.Add(window).UTC().Format(timeFormat),
		now.UTC().Format(timeFormat), windowText(window))
}

func windowText(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return fmt.Sprintf("%d sec", d/time.Second)
}
