package shadow

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits, from AWS's documentation.
const (
	// MaxStateSize bounds desired plus reported, in bytes as written
	// compactly; metadata does not count.
	MaxStateSize = 8 * 1024
	// MaxDepth bounds the nesting of a request's state, the state object
	// itself being level 1: desired and reported may hold 4 levels of
	// objects or arrays, so a leaf may sit 5 keys below desired.
	MaxDepth = 6
	// MaxClientTokenLen is the longest clientToken, in bytes.
	MaxClientTokenLen = 64
	// MaxRequestSize bounds a request before it is parsed: AWS IoT's
	// largest message. Its state must still fit MaxStateSize once merged.
	MaxRequestSize = 128 * 1024
)

// updateRequest is a validated update request document.
type updateRequest struct {
	size        int // of the request, in bytes
	clientToken string
	version     int64
	hasVersion  bool

	state       any  // the state node as sent, echoed in /update/accepted
	clear       bool // "state": null
	hasDesired  bool
	desired     *object // nil with hasDesired: "desired": null
	hasReported bool
	reported    *object
}

// parseUpdate reads and validates an update request. The clientToken, once
// read, is kept in the returned request even when a later check fails, so
// that the rejection can echo it.
func parseUpdate(b []byte) (*updateRequest, *Error) {
	r := &updateRequest{size: len(b)}
	if len(b) > MaxRequestSize {
		return r, newError(http.StatusRequestEntityTooLarge, msgTooLarge)
	}
	if !utf8.Valid(b) {
		return r, newError(http.StatusUnsupportedMediaType, msgEncoding)
	}
	v, err := parseJSON(b)
	if errors.Is(err, errTooDeep) {
		return r, newError(http.StatusBadRequest, msgTooDeep)
	}
	doc, ok := v.(*object)
	if err != nil || !ok {
		return r, newError(http.StatusBadRequest, msgInvalidJSON)
	}
	if e := r.readToken(doc); e != nil {
		return r, e
	}
	if e := r.readVersion(doc); e != nil {
		return r, e
	}
	return r, r.readState(doc)
}

func (r *updateRequest) readToken(doc *object) *Error {
	tok, err := clientTokenOf(doc)
	if err != nil {
		return err
	}
	r.clientToken = tok
	return nil
}

// clientTokenOf reads an optional clientToken: a string of at most
// MaxClientTokenLen bytes. null counts as absent.
func clientTokenOf(doc *object) (string, *Error) {
	v, ok := doc.get("clientToken")
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok || len(s) > MaxClientTokenLen {
		return "", newError(http.StatusBadRequest, msgClientToken)
	}
	return s, nil
}

// readVersion reads an optional version: a non-negative integer. null
// counts as absent.
func (r *updateRequest) readVersion(doc *object) *Error {
	v, ok := doc.get("version")
	if !ok || v == nil {
		return nil
	}
	n, ok := v.(number)
	if !ok || strings.ContainsAny(string(n), ".eE-") {
		return r.reject(http.StatusBadRequest, msgVersion)
	}
	ver, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		return r.reject(http.StatusBadRequest, msgVersion)
	}
	r.version, r.hasVersion = ver, true
	return nil
}

func (r *updateRequest) readState(doc *object) *Error {
	v, ok := doc.get("state")
	if !ok {
		return r.reject(http.StatusBadRequest, msgMissingState)
	}
	r.state = v
	if v == nil {
		r.clear = true
		return nil
	}
	st, ok := v.(*object)
	if !ok {
		return r.reject(http.StatusBadRequest, msgStateObject)
	}
	for i, k := range st.keys {
		var e *Error
		switch k {
		case keyDesired:
			r.desired, e = r.section(st.vals[i], msgDesiredObject)
			r.hasDesired = true
		case keyReported:
			r.reported, e = r.section(st.vals[i], msgReportedObject)
			r.hasReported = true
		default:
			e = r.reject(http.StatusBadRequest, "State contains an invalid node: '"+k+"'")
		}
		if e != nil {
			return e
		}
	}
	if depth(st) > MaxDepth {
		return r.reject(http.StatusBadRequest, msgTooDeep)
	}
	if nullInArray(st, false) {
		return r.reject(http.StatusBadRequest, msgInvalidJSON)
	}
	return nil
}

func (r *updateRequest) section(v any, msg string) (*object, *Error) {
	if v == nil {
		return nil, nil
	}
	o, ok := v.(*object)
	if !ok {
		return nil, r.reject(http.StatusBadRequest, msg)
	}
	return o, nil
}

func (r *updateRequest) reject(code int, msg string) *Error {
	e := newError(code, msg)
	e.ClientToken = r.clientToken
	return e
}

// nullInArray reports whether a null sits anywhere inside an array: AWS
// refuses arrays with null values, and arrays are stored whole.
func nullInArray(v any, inArray bool) bool {
	switch v := v.(type) {
	case nil:
		return inArray
	case []any:
		for _, e := range v {
			if nullInArray(e, true) {
				return true
			}
		}
	case *object:
		for _, e := range v.vals {
			if nullInArray(e, inArray) {
				return true
			}
		}
	}
	return false
}

// touchesDesired reports whether the update writes into desired (rather
// than removing it or leaving it alone).
func (r *updateRequest) touchesDesired() bool { return r.hasDesired && r.desired != nil }

// ClientToken reads the clientToken of a /get or /delete request payload,
// to pass to Get or Delete. AWS ignores these payloads otherwise, so an
// empty payload, one that is not a JSON object or one without a token
// gives "". A token that is not a string of at most 64 bytes is a 400
// Invalid clientToken, an *Error like Get's.
func (s *Service) ClientToken(payload []byte) (string, error) {
	if len(payload) == 0 || len(payload) > MaxRequestSize || !utf8.Valid(payload) {
		return "", nil
	}
	v, err := parseJSON(payload)
	doc, ok := v.(*object)
	if err != nil || !ok {
		return "", nil
	}
	tok, e := clientTokenOf(doc)
	if e != nil {
		return "", s.reject(e)
	}
	return tok, nil
}
