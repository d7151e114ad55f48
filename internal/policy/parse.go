package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxDocumentChars is AWS's size limit for one policy document: "policyDocument
// must have a minimum length of 1, with a maximum length of 2048, excluding
// whitespace" (CreatePolicy / CreatePolicyVersion API reference; the service
// model itself allows 404600 raw characters).
const MaxDocumentChars = 2048

// Versions of the IAM policy language. Only 2012-10-17 substitutes ${...}
// variables; under 2008-10-17 (also the default when Version is absent) IAM
// treats them as literal text (IAM "Version" element reference).
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// MalformedError reports a document that CreatePolicy / CreatePolicyVersion
// must refuse. The API layer maps it to MalformedPolicyException (HTTP 400)
// and sends Error() as the message.
type MalformedError struct {
	// Reason follows AWS's "Policy document is Malformed: " prefix. Where AWS's
	// wording is known it is reused ("Invalid policy syntax.", "The following
	// resources are invalid : ..."); Detail says where, for the client and logs.
	Reason string
	Detail string
	cause  error
}

// ErrDocumentTooLarge is wrapped by the MalformedError for a document over
// MaxDocumentChars, for a caller that must tell that case apart: AWS's API
// reference states the limit but not which exception enforces it.
var ErrDocumentTooLarge = errors.New("policy: document too large")

func (e *MalformedError) Unwrap() error { return e.cause }

func (e *MalformedError) Error() string {
	msg := "Policy document is Malformed: " + e.Reason
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// syntaxErr is the common case: AWS answers "Invalid policy syntax." for
// structural errors (seen in aws/aws-cdk#32414).
func syntaxErr(format string, args ...any) *MalformedError {
	return &MalformedError{Reason: "Invalid policy syntax.", Detail: fmt.Sprintf(format, args...)}
}

// Document is a parsed, validated policy document. It is immutable after
// Parse except for Name, which the caller sets (before sharing it) so that
// decisions can say which policy decided.
type Document struct {
	Name    string
	Version string // "2012-10-17", "2008-10-17", or "" when absent

	stmts []statement
}

// statement is one validated Statement entry.
type statement struct {
	sid         string
	effect      Effect // Allow or ExplicitDeny
	actions     []string
	notAction   bool
	resources   []resource
	notResource bool
	conds       []*clause
}

// Parse validates doc as AWS IoT's CreatePolicy does and returns the parsed
// document. Every error is a *MalformedError.
func Parse(doc []byte) (*Document, error) {
	if n := countNonSpace(doc); n == 0 {
		return nil, syntaxErr("empty document")
	} else if n > MaxDocumentChars {
		return nil, &MalformedError{
			Reason: fmt.Sprintf("Policy document is too large: %d characters excluding whitespace, the maximum is %d.", n, MaxDocumentChars),
			cause:  ErrDocumentTooLarge,
		}
	}
	if !utf8.Valid(doc) || !json.Valid(doc) {
		return nil, syntaxErr("not valid JSON")
	}
	obj, err := decodeObject(doc, "policy")
	if err != nil {
		return nil, err
	}
	d := &Document{}
	var rawStmts json.RawMessage
	for i, k := range obj.keys {
		v := obj.vals[i]
		switch k {
		case "Version":
			if d.Version, err = jsonString(v, "Version"); err != nil {
				return nil, err
			}
			if d.Version != Version2012 && d.Version != Version2008 {
				return nil, syntaxErr("Version must be %q", Version2012)
			}
		case "Id":
			if _, err = jsonString(v, "Id"); err != nil {
				return nil, err
			}
		case "Statement":
			rawStmts = v
		default:
			return nil, syntaxErr("unknown element %q", k)
		}
	}
	if rawStmts == nil {
		return nil, syntaxErr("missing Statement")
	}
	if d.stmts, err = parseStatements(rawStmts, d.Version == Version2012); err != nil {
		return nil, err
	}
	return d, nil
}

// countNonSpace counts the characters AWS's size rule counts.
func countNonSpace(doc []byte) int {
	n := 0
	for _, r := range string(doc) {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

func parseStatements(raw json.RawMessage, vars bool) ([]statement, error) {
	var items []json.RawMessage
	switch jsonKind(raw) {
	case '{':
		items = []json.RawMessage{raw}
	case '[':
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, syntaxErr("Statement: %v", err)
		}
	default:
		return nil, syntaxErr("Statement must be an object or an array of objects")
	}
	if len(items) == 0 {
		return nil, syntaxErr("Statement is empty")
	}
	out := make([]statement, 0, len(items))
	for i, it := range items {
		st, err := parseStatement(it, vars, fmt.Sprintf("Statement[%d]", i))
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

func parseStatement(raw json.RawMessage, vars bool, where string) (statement, error) {
	var st statement
	obj, err := decodeObject(raw, where)
	if err != nil {
		return st, err
	}
	seen := map[string]bool{}
	for i, k := range obj.keys {
		seen[k] = true
		if err := st.setElement(k, obj.vals[i], vars, where); err != nil {
			return st, err
		}
	}
	switch {
	case !seen["Effect"]:
		return st, syntaxErr("%s: missing Effect", where)
	case seen["Action"] == seen["NotAction"]:
		return st, syntaxErr("%s: exactly one of Action and NotAction is required", where)
	case seen["Resource"] == seen["NotResource"]:
		return st, syntaxErr("%s: exactly one of Resource and NotResource is required", where)
	}
	return st, nil
}

// setElement validates and stores one statement element.
func (st *statement) setElement(k string, v json.RawMessage, vars bool, where string) error {
	var err error
	switch k {
	case "Sid":
		st.sid, err = jsonString(v, where+".Sid")
	case "Effect":
		var e string
		if e, err = jsonString(v, where+".Effect"); err == nil {
			st.effect, err = parseEffect(e, where)
		}
	case "Action", "NotAction":
		st.notAction = k == "NotAction"
		st.actions, err = parseActions(v, where+"."+k)
	case "Resource", "NotResource":
		st.notResource = k == "NotResource"
		st.resources, err = parseResources(v, vars, where+"."+k)
	case "Condition":
		st.conds, err = parseConditionBlock(v, vars, where+".Condition")
	case "Principal", "NotPrincipal":
		// IoT policies are identity policies: IAM refuses Principal in those.
		err = syntaxErr("%s: %s is not allowed in an AWS IoT policy", where, k)
	default:
		err = syntaxErr("%s: unknown element %q", where, k)
	}
	return err
}

func parseEffect(e, where string) (Effect, error) {
	switch e {
	case "Allow":
		return Allow, nil
	case "Deny":
		return ExplicitDeny, nil
	}
	return 0, syntaxErr("%s: Effect must be \"Allow\" or \"Deny\", not %q", where, e)
}

// parseActions accepts "*" and "<service>:<name>" where the name may use
// IAM wildcards. Non-iot services are accepted (AWS IoT policies may carry
// e.g. greengrass:* actions, aws/aws-cdk#32414) but match no iot action.
func parseActions(raw json.RawMessage, where string) ([]string, error) {
	acts, err := stringList(raw, where)
	if err != nil {
		return nil, err
	}
	for _, a := range acts {
		if !validAction(a) {
			return nil, syntaxErr("%s: invalid action %q", where, a)
		}
	}
	return acts, nil
}

func validAction(a string) bool {
	if a == "*" {
		return true
	}
	svc, name, ok := strings.Cut(a, ":")
	if !ok || svc == "" || name == "" {
		return false
	}
	for _, c := range []byte(svc) {
		if !(isAlnum(c) || c == '-') {
			return false
		}
	}
	for _, c := range []byte(name) {
		if !(isAlnum(c) || c == '*' || c == '?' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// parseResources accepts "*" or an ARN with its six colon-separated parts
// (arn:partition:service:region:account:resource). AWS refuses anything else
// with "The following resources are invalid : <resource>" (message seen in
// aws-samples/simplerobotservice#1).
func parseResources(raw json.RawMessage, vars bool, where string) ([]resource, error) {
	res, err := stringList(raw, where)
	if err != nil {
		return nil, err
	}
	out := make([]resource, 0, len(res))
	for _, r := range res {
		if !validResource(r) {
			return nil, &MalformedError{Reason: "The following resources are invalid : " + r, Detail: where}
		}
		out = append(out, newResource(parseTemplate(r, vars)))
	}
	return out, nil
}

func validResource(r string) bool {
	if r == "*" {
		return true
	}
	for _, c := range r {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	f := strings.SplitN(r, ":", 6)
	return len(f) == 6 && f[0] == "arn" && f[1] != "" && f[2] != ""
}

// jsonObject is a JSON object with its keys in document order.
type jsonObject struct {
	keys []string
	vals []json.RawMessage
}

// decodeObject reads one JSON object, refusing duplicate keys: Go's
// decoder would silently keep the last, and a hidden duplicate "Effect" is
// exactly what a reviewer must not miss.
func decodeObject(raw []byte, where string) (jsonObject, error) {
	var o jsonObject
	if jsonKind(raw) != '{' {
		return o, syntaxErr("%s must be a JSON object", where)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // '{'
		return o, syntaxErr("%s: %v", where, err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return o, syntaxErr("%s: %v", where, err)
		}
		k, _ := tok.(string)
		for _, seen := range o.keys {
			if seen == k {
				return o, syntaxErr("%s: duplicate element %q", where, k)
			}
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return o, syntaxErr("%s.%s: %v", where, k, err)
		}
		o.keys = append(o.keys, k)
		o.vals = append(o.vals, v)
	}
	return o, nil
}

// jsonKind returns the first significant byte of a JSON value: '{', '[',
// '"', 't', 'f', 'n', or a number's first byte.
func jsonKind(raw []byte) byte {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

func jsonString(raw json.RawMessage, where string) (string, error) {
	var s string
	if jsonKind(raw) != '"' || json.Unmarshal(raw, &s) != nil {
		return "", syntaxErr("%s must be a string", where)
	}
	return s, nil
}

// stringList reads a string or a non-empty array of strings.
func stringList(raw json.RawMessage, where string) ([]string, error) {
	if jsonKind(raw) == '"' {
		s, err := jsonString(raw, where)
		return []string{s}, err
	}
	var items []json.RawMessage
	if jsonKind(raw) != '[' || json.Unmarshal(raw, &items) != nil {
		return nil, syntaxErr("%s must be a string or an array of strings", where)
	}
	if len(items) == 0 {
		return nil, syntaxErr("%s is empty", where)
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, err := jsonString(it, where)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
