package template

import (
	"errors"
	"strings"
	"testing"
)

// minimal wraps resources (and optional extra top-level sections) into a
// template body.
func minimal(resources string, sections ...string) string {
	body := `{"Resources": {` + resources + `}`
	for _, s := range sections {
		body += ", " + s
	}
	return body + "}"
}

const (
	thingJSON = `"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": "t1"}}`
	certJSON  = `"certificate": {"Type": "AWS::IoT::Certificate", "Properties": {"CertificateId": {"Ref": "AWS::IoT::Certificate::Id"}}}`
)

func TestParse(t *testing.T) {
	cases := []struct {
		name string
		body string
		err  string // substring of Error(); "" means Parse succeeds
	}{
		{"ok/minimal", minimal(thingJSON), ""},
		{"ok/empty-resources", `{"Resources": {}}`, ""},
		{"ok/all-sections", minimal(thingJSON+","+certJSON,
			`"Parameters": {"P": {"Type": "String", "Default": "x", "Description": "d", "AllowedValues": ["x", "y"], "AllowedPattern": "[a-z]", "MinLength": 1, "MaxLength": 2, "ConstraintDescription": "c"}}`,
			`"Mappings": {"M": {"a": {"b": "c", "n": 1, "l": ["x", 2]}}}`,
			`"Conditions": {"C": {"Fn::Equals": [{"Ref": "P"}, "x"]}}`,
			`"DeviceConfiguration": {"k": "v", "n": 1, "b": true}`), ""},
		{"ok/trailing-brace-like-aws-cli-example", minimal(thingJSON) + "\n}\n", ""},
		{"ok/number-parameter", minimal(thingJSON, `"Parameters": {"N": {"Type": "Number", "Default": 1.5}}`), ""},
		{"ok/override-prose-keys", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": "t"}, "OverrideSettings": {"ATTRIBUTE_PAYLOAD": "merge", "THING_TYPE_NAME": "FAIL", "THING_GROUPS": "MERGE"}}`), ""},
		{"ok/policy-document-string", minimal(`"p": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyDocument": "{\"Version\": \"2012-10-17\", \"Statement\": []}"}}`), ""},
		{"ok/exclusive-things-by-condition", minimal(
			`"a": {"Type": "AWS::IoT::Thing", "Condition": "C", "Properties": {"ThingName": "a"}}, "b": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": "b"}, "Condition": "NotC"}`,
			`"Conditions": {"C": {"Fn::Equals": ["1", "1"]}, "NotC": {"Fn::Not": [{"Condition": "C"}]}}`), ""},
		{"ok/certificate-id-doc-spelling", minimal(`"c": {"Type": "AWS::IoT::Certificate", "Properties": {"CertificateID": "abc", "Status": "inactive"}}`), ""},

		{"fail/empty", "  ", "empty"},
		{"fail/not-json", `{"Resources": `, "JSON not well-formed"},
		{"fail/python-repr", `{'Parameters': {}}`, "JSON not well-formed"},
		{"fail/array-root", `[]`, "must be a JSON object"},
		{"fail/trailing-data", minimal(thingJSON) + ` {"x": 1}`, "unexpected data after the template"},
		{"fail/duplicate-key", `{"Resources": {}, "Resources": {}}`, `duplicate key "Resources"`},
		{"fail/unknown-section", minimal(thingJSON, `"Outputs": {}`), `Unsupported section "Outputs"`},
		{"fail/format-version", minimal(thingJSON, `"AWSTemplateFormatVersion": "2010-09-09"`), "Unsupported section"},
		{"fail/no-resources", `{"Parameters": {}}`, "no Resources section"},
		{"fail/resources-not-object", `{"Resources": []}`, "Resources: must be an object"},
		{"fail/too-deep", `{"Resources": {}, "DeviceConfiguration": {"a": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}}`, "nesting deeper"},

		{"fail/param-no-type", minimal(thingJSON, `"Parameters": {"P": {"Default": "x"}}`), "Parameters.P: Type is required"},
		{"fail/param-list-type", minimal(thingJSON, `"Parameters": {"P": {"Type": "List<Number>"}}`), "unsupported parameter type"},
		{"fail/param-unknown-attribute", minimal(thingJSON, `"Parameters": {"P": {"Type": "String", "NoEcho": true}}`), "unsupported parameter attribute NoEcho"},
		{"fail/param-not-object", minimal(thingJSON, `"Parameters": {"P": "String"}`), "must be an object"},
		{"fail/param-empty-name", minimal(thingJSON, `"Parameters": {"": {"Type": "String"}}`), "must not be empty"},
		{"fail/param-default-not-allowed", minimal(thingJSON, `"Parameters": {"P": {"Type": "String", "Default": "z", "AllowedValues": ["x"]}}`), "Parameters.P.Default: the value is not one of the AllowedValues"},
		{"fail/param-default-not-number", minimal(thingJSON, `"Parameters": {"P": {"Type": "Number", "Default": "abc"}}`), "must be a number"},
		{"fail/param-bad-pattern", minimal(thingJSON, `"Parameters": {"P": {"Type": "String", "AllowedPattern": "("}}`), "valid regular expression"},
		{"fail/param-bad-length", minimal(thingJSON, `"Parameters": {"P": {"Type": "String", "MaxLength": -1}}`), "non-negative integer"},
		{"fail/pseudo-with-default", minimal(thingJSON, `"Parameters": {"AWS::IoT::Certificate::Country": {"Type": "String", "Default": "US"}}`), "cannot have a Default"},
		{"fail/unknown-pseudo", minimal(thingJSON, `"Parameters": {"AWS::Region": {"Type": "String"}}`), "unsupported pseudo parameter AWS::Region"},

		{"fail/mapping-intrinsic", minimal(thingJSON, `"Mappings": {"M": {"a": {"b": {"Ref": "P"}}}}`), "Mappings cannot contain parameters or intrinsic functions"},
		{"fail/mapping-nested", minimal(thingJSON, `"Mappings": {"M": {"a": {"b": {"c": "d"}}}}`), "a mapping value must be a string"},
		{"fail/mapping-level", minimal(thingJSON, `"Mappings": {"M": {"a": "b"}}`), "Mappings.M.a: must be an object"},
		{"fail/mapping-null", minimal(thingJSON, `"Mappings": {"M": {"a": {"b": null}}}`), "a mapping value must be a string"},

		{"fail/condition-not-function", minimal(thingJSON, `"Conditions": {"C": "true"}`), "expected a condition"},
		{"fail/condition-if", minimal(thingJSON, `"Conditions": {"A": {"Fn::Equals": ["a", "a"]}, "C": {"Fn::Equals": [{"Fn::If": ["A", "x", "y"]}, "x"]}}`), "Fn::If cannot be used in the Conditions section"},
		{"fail/condition-cycle", minimal(thingJSON, `"Conditions": {"A": {"Fn::Not": [{"Condition": "B"}]}, "B": {"Fn::And": [{"Condition": "A"}, {"Fn::Equals": ["1", "1"]}]}}`), "circular reference"},
		{"fail/condition-self", minimal(thingJSON, `"Conditions": {"A": {"Fn::Not": [{"Condition": "A"}]}}`), "circular reference"},
		{"fail/condition-undeclared", minimal(thingJSON, `"Conditions": {"A": {"Fn::Not": [{"Condition": "B"}]}}`), "condition B is not declared"},
		{"fail/and-one-operand", minimal(thingJSON, `"Conditions": {"A": {"Fn::And": [{"Fn::Equals": ["1", "1"]}]}}`), "2 to 10 conditions"},
		{"fail/or-eleven-operands", minimal(thingJSON, `"Conditions": {"A": {"Fn::Or": [`+strings.Repeat(`{"Fn::Equals": ["1", "1"]},`, 10)+`{"Fn::Equals": ["1", "1"]}]}}`), "2 to 10 conditions"},
		{"fail/equals-one-operand", minimal(thingJSON, `"Conditions": {"A": {"Fn::Equals": ["1"]}}`), "Fn::Equals takes a list of 2 arguments"},
		{"fail/resource-undeclared-condition", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Condition": "Nope", "Properties": {"ThingName": "t"}}`), "condition Nope is not declared"},
		{"fail/if-undeclared-condition", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Fn::If": ["Nope", "a", "b"]}}}`), "condition Nope is not declared"},

		{"fail/resource-no-type", minimal(`"thing": {"Properties": {"ThingName": "t"}}`), "Resources.thing: Type is required"},
		{"fail/resource-bad-type", minimal(`"x": {"Type": "AWS::IoT::ThingGroup", "Properties": {}}`), "unsupported resource type AWS::IoT::ThingGroup"},
		{"fail/resource-depends-on", minimal(`"thing": {"Type": "AWS::IoT::Thing", "DependsOn": "x", "Properties": {"ThingName": "t"}}`), "unsupported resource attribute DependsOn"},
		{"fail/resource-not-object", minimal(`"thing": "AWS::IoT::Thing"`), "must be an object"},
		{"fail/properties-not-object", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": []}`), "Properties: has the wrong type"},
		{"fail/two-things", minimal(thingJSON + `, "other": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": "t2"}}`), "at most one thing and one certificate"},
		{"fail/thing-no-name", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingTypeName": "x"}}`), "ThingName is required"},
		{"fail/thing-unknown-property", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": "t", "Attributes": {}}}`), "unsupported thing property Attributes"},
		{"fail/thing-package-versions", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": "t", "PackageVersions": {}}}`), "PackageVersions is not supported"},
		{"fail/thing-name-object", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"a": "b"}}}`), "expected a string, not an object"},
		{"fail/thing-groups-string", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": "t", "ThingGroups": "g"}}`), "expected a list"},
		{"fail/thing-groups-nested", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": "t", "ThingGroups": [["g"]]}}`), "ThingGroups[0]: expected a string, not a list"},
		{"fail/attributes-nested", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": "t", "AttributePayload": {"attributes": {"a": "b"}}}}`), "nested values are not supported"},
		{"fail/attributes-string", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": "t", "AttributePayload": "a=b"}}`), "must be an object of name-value pairs"},
		{"fail/override-merge-type", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": "t"}, "OverrideSettings": {"ThingTypeName": "MERGE"}}`), "invalid override"},
		{"fail/override-unknown-key", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": "t"}, "OverrideSettings": {"BillingGroup": "REPLACE"}}`), "unsupported override setting BillingGroup"},
		{"fail/override-policy", minimal(`"p": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyName": "x"}, "OverrideSettings": {}}`), "not available for policy resources"},

		{"fail/cert-no-source", minimal(`"c": {"Type": "AWS::IoT::Certificate", "Properties": {"Status": "ACTIVE"}}`), "one of CertificateId, CertificateSigningRequest or CertificatePem is required"},
		{"fail/cert-two-sources", minimal(`"c": {"Type": "AWS::IoT::Certificate", "Properties": {"CertificateId": "a", "CertificateSigningRequest": "b"}}`), "only one of"},
		{"fail/cert-ca-without-pem", minimal(`"c": {"Type": "AWS::IoT::Certificate", "Properties": {"CertificateId": "a", "CACertificatePem": "b"}}`), "CACertificatePem goes only with CertificatePem"},
		{"fail/cert-bad-status", minimal(`"c": {"Type": "AWS::IoT::Certificate", "Properties": {"CertificateId": "a", "Status": "REVOKED"}}`), `invalid certificate status "REVOKED"`},
		{"fail/cert-override-merge", minimal(`"c": {"Type": "AWS::IoT::Certificate", "Properties": {"CertificateId": "a"}, "OverrideSettings": {"Status": "MERGE"}}`), "invalid override"},
		{"fail/cert-unknown-property", minimal(`"c": {"Type": "AWS::IoT::Certificate", "Properties": {"CertificateId": "a", "Tags": []}}`), "unsupported certificate property Tags"},

		{"fail/policy-neither", minimal(`"p": {"Type": "AWS::IoT::Policy", "Properties": {}}`), "Neither policyName nor policyDocument is present in the Template."},
		{"fail/policy-no-properties", minimal(`"p": {"Type": "AWS::IoT::Policy"}`), "Neither policyName nor policyDocument"},
		{"fail/policy-both", minimal(`"p": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyName": "a", "PolicyDocument": {}}}`), "cannot both be given"},
		{"fail/policy-document-not-json", minimal(`"p": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyDocument": "Allow everything"}}`), "must be a JSON object"},
		{"fail/policy-document-list", minimal(`"p": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyDocument": []}}`), "must be a JSON object"},

		{"fail/devcfg-nested", minimal(thingJSON, `"DeviceConfiguration": {"a": {"b": "c"}}`), "nested values are not supported"},
		{"fail/devcfg-list", minimal(thingJSON, `"DeviceConfiguration": {"a": ["b"]}`), "nested values are not supported"},
		{"fail/devcfg-not-object", minimal(thingJSON, `"DeviceConfiguration": "a=b"`), "must be an object"},
		{"fail/devcfg-intrinsic", minimal(thingJSON, `"DeviceConfiguration": {"Fn::If": ["C", {}, {}]}`), "not an intrinsic function"},
		{"fail/devcfg-null", minimal(thingJSON, `"DeviceConfiguration": {"a": null}`), "not null"},

		{"fail/ref-resource", minimal(thingJSON + `, "p": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyName": {"Ref": "thing"}}}`), "Ref to the resource thing is not supported"},
		{"fail/ref-not-string", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Ref": ["a"]}}}`), "Ref takes the name of a parameter"},
		{"fail/ref-aws-region", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Ref": "AWS::Region"}}}`), "unsupported pseudo parameter AWS::Region"},
		{"fail/getatt", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Fn::GetAtt": ["c", "Arn"]}}}`), "Fn::GetAtt is not supported"},
		{"fail/unknown-function", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Fn::Upper": "x"}}}`), "unknown intrinsic function Fn::Upper"},
		{"fail/intrinsic-extra-key", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Ref": "P", "x": 1}}}`), "Ref must be the only key"},
		{"fail/join-delimiter-function", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Fn::Join": [{"Ref": "D"}, ["a"]]}}}`), "delimiter of Fn::Join must be a string literal"},
		{"fail/join-list-string", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Fn::Join": ["", "abc"]}}}`), "expected a list"},
		{"fail/join-arity", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Fn::Join": [""]}}}`), "Fn::Join takes a list of 2 arguments"},
		{"fail/split-empty-delimiter", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": "t", "ThingGroups": {"Fn::Split": ["", "a"]}}}`), "must not be empty"},
		{"fail/select-out-of-bounds", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Fn::Select": [2, ["a", "b"]]}}}`), "out of bounds"},
		{"fail/select-bad-index", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Fn::Select": ["one", ["a", "b"]]}}}`), "not an integer"},
		{"fail/findinmap-missing", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Fn::FindInMap": ["M", "a", "x"]}}}`, `"Mappings": {"M": {"a": {"b": "c"}}}`), "no value for [M, a, x]"},
		{"fail/findinmap-no-map", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Fn::FindInMap": ["Nope", {"Ref": "K"}, "x"]}}}`), "no mapping named Nope"},
		{"fail/sub-empty-variable", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Fn::Sub": "a-${}"}}}`), "Ref names no parameter"},
		{"fail/sub-attribute", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Fn::Sub": "${cert.Arn}"}}}`), "resource attributes are not supported"},
		{"fail/sub-novalue", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Fn::Sub": "${AWS::NoValue}"}}}`), "cannot be used in Fn::Sub"},
		{"fail/sub-shape", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Fn::Sub": ["a", "b"]}}}`), "Fn::Sub takes a string"},
		{"fail/base64-list", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Fn::Base64": ["a"]}}}`), "expected a string, not a list"},
		{"fail/if-arity", minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Fn::If": ["C", "a"]}}}`, `"Conditions": {"C": {"Fn::Equals": ["1", "1"]}}`), "Fn::If takes a list of 3 arguments"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tmpl, err := Parse([]byte(tc.body))
			if tc.err == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if tmpl == nil {
					t.Fatal("nil template")
				}
				return
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v (%T), want *Error containing %q", err, err, tc.err)
			}
			if !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), "Invalid registration template. ") {
				t.Fatalf("Parse error = %q, want it to contain %q", err, tc.err)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	pad := func(n int, r string) []byte {
		body := minimal(thingJSON, `"DeviceConfiguration": {"pad": "`)
		body = body[:len(body)-1] // drop the closing "}" of minimal
		rest := `"}}`
		fill := n - len([]rune(body)) - len(rest)
		return []byte(body + strings.Repeat(r, fill) + rest)
	}
	// The limit counts characters: 10240 multi-byte characters are accepted.
	if _, err := Parse(pad(MaxBodyChars, "é")); err != nil {
		t.Fatalf("ok/at-limit: %v", err)
	}
	_, err := Parse(pad(MaxBodyChars+1, "a"))
	var pe *Error
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "the maximum is 10240") {
		t.Fatalf("fail/over-limit: %v", err)
	}
}

func TestParameters(t *testing.T) {
	tmpl, err := Parse(readFile(t, "testdata/golden/functions.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	ps := tmpl.Parameters()
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, ","); got != "SerialNumber,Stage,Region,Groups,Batch,AWS::IoT::Certificate::Id" {
		t.Fatalf("Parameters() names = %s", got)
	}
	if p := ps[1]; !p.HasDefault || p.Default != "prod" || len(p.AllowedValues) != 2 || p.Type != "String" {
		t.Fatalf("Stage = %+v", p)
	}
	if p := ps[4]; p.Type != "Number" || p.Default != "7" {
		t.Fatalf("Batch = %+v", p)
	}
}
