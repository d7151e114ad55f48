package registry

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Name and value rules from the botocore iot model (patterns and lengths).
var (
	thingNameRE  = regexp.MustCompile(`^[a-zA-Z0-9:_-]+$`)
	policyNameRE = regexp.MustCompile(`^[\w+=,.@-]+$`)
	attrNameRE   = regexp.MustCompile(`^[a-zA-Z0-9_.,@/:#-]+$`)
	attrValueRE  = regexp.MustCompile(`^[a-zA-Z0-9_.,@/:#=\[\]-]*$`)
	certIDRE     = regexp.MustCompile(`^(0x)?[a-fA-F0-9]{64}$`)
)

const (
	maxNameLen        = 128
	maxAttrValueLen   = 800
	maxAttrsUntyped   = 3
	maxAttrsTyped     = 50
	maxSearchable     = 3
	maxDescriptionLen = 2028
	maxGroupDepth     = 7
	maxGroupsPerThing = 10
	maxPolicyVersions = 5
	maxTagsPerArn     = 50
)

func checkName(kind, name string, re *regexp.Regexp) error {
	if name == "" || utf8.RuneCountInString(name) > maxNameLen || !re.MatchString(name) {
		return errf(InvalidRequest, "%s name %q is invalid: it must be 1 to %d characters matching %s",
			kind, name, maxNameLen, re.String())
	}
	return nil
}

func checkThingName(name string) error  { return checkName("Thing", name, thingNameRE) }
func checkTypeName(name string) error   { return checkName("Thing type", name, thingNameRE) }
func checkGroupName(name string) error  { return checkName("Thing group", name, thingNameRE) }
func checkPolicyName(name string) error { return checkName("Policy", name, policyNameRE) }

func checkCertID(id string) error {
	if !certIDRE.MatchString(id) {
		return errf(InvalidRequest, "Certificate id %q is invalid: it must be 64 hexadecimal characters", id)
	}
	return nil
}

// normCertID lower-cases an id and drops an optional 0x prefix.
func normCertID(id string) string {
	return strings.ToLower(strings.TrimPrefix(id, "0x"))
}

func checkAttributes(attrs map[string]string) error {
	for k, v := range attrs {
		if len(k) > maxNameLen || !attrNameRE.MatchString(k) {
			return errf(InvalidRequest, "Attribute name %q is invalid", k)
		}
		if len(v) > maxAttrValueLen || !attrValueRE.MatchString(v) {
			return errf(InvalidRequest, "Attribute value %q for %q is invalid", v, k)
		}
	}
	return nil
}

func checkDescription(d string) error {
	if utf8.RuneCountInString(d) > maxDescriptionLen {
		return errf(InvalidRequest, "Description is longer than %d characters", maxDescriptionLen)
	}
	return nil
}
