package policy

import (
	"strconv"
	"strings"
)

// Policy variable names (AWS IoT "basic", "thing" and "certificate" policy
// variables pages). Thing attributes are named with ThingAttributeVar.
const (
	VarClientID        = "iot:ClientId"
	VarDomainName      = "iot:DomainName"
	VarSourceIP        = "aws:SourceIp"
	VarThingName       = "iot:Connection.Thing.ThingName"
	VarThingTypeName   = "iot:Connection.Thing.ThingTypeName"
	VarThingIsAttached = "iot:Connection.Thing.IsAttached" // "true" or "false"
)

// ThingAttributeVar names the variable of one thing attribute,
// "iot:Connection.Thing.Attributes[<name>]".
func ThingAttributeVar(name string) string {
	return "iot:Connection.Thing.Attributes[" + name + "]"
}

// Vars holds one connection's policy variables: name (as written inside
// ${...}, without a .N or .List suffix) to values. Most names have one value;
// certificate attributes may have up to five (CertificateVars).
//
// A name that is present with no values is known but unusable: AWS leaves
// such a variable unsubstituted (certificate attributes over 1024 characters
// or containing wildcards). Compile treats it as unresolved, never as absent.
//
// Thing variables are the caller's to fill: AWS resolves them only for MQTT
// connections whose client id equals the attached thing's name (or whose
// principal has an exclusive thing); otherwise leave them out and set
// VarThingIsAttached to "false".
type Vars map[string][]string

// Set stores the values of one variable.
func (v Vars) Set(name string, values ...string) { v[name] = values }

// SetThing stores the thing variables of an attached thing.
func (v Vars) SetThing(thingName, thingTypeName string, attributes map[string]string) {
	v[VarThingName] = []string{thingName}
	v[VarThingIsAttached] = []string{"true"}
	if thingTypeName != "" {
		v[VarThingTypeName] = []string{thingTypeName}
	}
	for k, val := range attributes {
		v[ThingAttributeVar(k)] = []string{val}
	}
}

// Keys holds request-time condition keys for EvaluateRequest, such as
// iot:ConnectAttributes. Unlike Vars, a key with no values is simply an
// empty set (a clean CONNECT without a will has no attributes).
type Keys map[string][]string

// Connect condition key and its values (AWS IoT "Using connectAttributes").
const (
	KeyConnectAttributes         = "iot:ConnectAttributes"
	ConnectAttrPersistentConnect = "PersistentConnect"
	ConnectAttrLastWill          = "LastWill"
)

// ConnectKeys returns the request keys of an MQTT CONNECT: PersistentConnect
// when the client asked to keep its session (MQTT 3.1.1 CleanSession=0), and
// LastWill when it set a will message.
func ConnectKeys(persistent, lastWill bool) Keys {
	attrs := make([]string, 0, 2)
	if persistent {
		attrs = append(attrs, ConnectAttrPersistentConnect)
	}
	if lastWill {
		attrs = append(attrs, ConnectAttrLastWill)
	}
	return Keys{KeyConnectAttributes: attrs}
}

// get finds a key exactly, then ignoring case: IAM condition key names are
// case-insensitive ("Condition" element reference). A bracketed part, such
// as a thing attribute's name, must still match exactly: it is data, and two
// attributes may differ only in case.
func get(m map[string][]string, name string) ([]string, bool) {
	if vals, ok := m[name]; ok {
		return vals, true
	}
	for k, vals := range m {
		if equalKey(k, name) {
			return vals, true
		}
	}
	return nil, false
}

func equalKey(a, b string) bool {
	i, j := strings.IndexByte(a, '['), strings.IndexByte(b, '[')
	if i < 0 || j < 0 {
		return i == j && strings.EqualFold(a, b)
	}
	return strings.EqualFold(a[:i], b[:j]) && a[i:] == b[j:]
}

type keyState uint8

const (
	keyAbsent keyState = iota
	keyPresent
	keyUnresolvable
)

// lookup resolves a variable or condition key name against the connection's
// variables, including the certificate-variable suffixes: ".List" is all
// values, ".N" the value at index N, and the bare name of a certificate
// attribute its first value. AWS's text calls .N "one-based" but its example
// makes ".1" the second value, so .N indexes from zero; an index out of
// range is unresolved ("no substitution is made and authorization fails").
func (v Vars) lookup(name string) ([]string, keyState) {
	if vals, ok := get(v, name); ok {
		return bare(name, vals)
	}
	if base, ok := cutSuffixFold(name, ".List"); ok {
		if vals, ok := get(v, base); ok {
			return all(vals)
		}
		return nil, keyAbsent
	}
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		if n, err := strconv.Atoi(name[i+1:]); err == nil && n >= 0 {
			vals, ok := get(v, name[:i])
			switch {
			case !ok:
				return nil, keyAbsent
			case n >= len(vals):
				return nil, keyUnresolvable
			}
			return vals[n : n+1], keyPresent
		}
	}
	return nil, keyAbsent
}

func bare(name string, vals []string) ([]string, keyState) {
	if len(vals) == 0 {
		return nil, keyUnresolvable
	}
	if isCertAttribute(name) {
		return vals[:1], keyPresent
	}
	return vals, keyPresent
}

func all(vals []string) ([]string, keyState) {
	if len(vals) == 0 {
		return nil, keyUnresolvable
	}
	return vals, keyPresent
}

func isCertAttribute(name string) bool {
	l := strings.ToLower(name)
	return strings.HasPrefix(l, "iot:certificate.subject.") || strings.HasPrefix(l, "iot:certificate.issuer.")
}

func cutSuffixFold(s, suffix string) (string, bool) {
	if len(s) > len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix) {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

// resolve gives the single value a ${name} substitutes. Multi-valued names
// cannot be substituted (IAM: multivalued keys are not policy variables).
func (v Vars) resolve(name string) (string, bool) {
	vals, st := v.lookup(name)
	if st != keyPresent || len(vals) != 1 {
		return "", false
	}
	return vals[0], true
}

// connectionKey reports whether a condition key belongs to the connection
// (decided at Compile even when absent) rather than to a single request.
func connectionKey(name string) bool {
	l := strings.ToLower(name)
	return l == "iot:clientid" || l == "iot:domainname" ||
		strings.HasPrefix(l, "iot:connection.") || strings.HasPrefix(l, "iot:certificate.")
}
