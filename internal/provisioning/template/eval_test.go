package template

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const certID = "4f8b1a6c2d3e9f0a7b5c8d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a"

// named is a thing resource whose ThingName is the given JSON value.
func named(v string) string {
	return `"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": ` + v + `}}`
}

func TestEvaluate(t *testing.T) {
	type M = map[string]string
	cases := []struct {
		name   string
		body   string
		params M
		pseudo M
		err    string           // substring of the *EvalError; "" means success
		check  func(*Plan) bool // for successes
	}{
		{name: "ok/default-used",
			body:  minimal(named(`{"Ref": "Loc"}`), `"Parameters": {"Loc": {"Type": "String", "Default": "WA"}}`),
			check: func(p *Plan) bool { return p.Things[0].ThingName == "WA" }},
		{name: "ok/value-beats-default",
			body: minimal(named(`{"Ref": "Loc"}`), `"Parameters": {"Loc": {"Type": "String", "Default": "WA"}}`), params: M{"Loc": "OR"},
			check: func(p *Plan) bool { return p.Things[0].ThingName == "OR" }},
		{name: "ok/empty-string-is-a-value",
			body: minimal(certJSON, `"Parameters": {"P": {"Type": "String"}}`), params: M{"P": ""}, pseudo: M{CertificateID: certID},
			check: func(p *Plan) bool { return p.Certificates[0].CertificateID == certID }},
		{name: "fail/missing-required",
			body: minimal(named(`{"Ref": "SerialNumber"}`), `"Parameters": {"SerialNumber": {"Type": "String"}}`),
			err:  "Missing required parameter: SerialNumber."},
		{name: "fail/missing-required-even-if-unused",
			body: minimal(named(`"t"`), `"Parameters": {"Unused": {"Type": "String"}}`),
			err:  "Missing required parameter: Unused."},
		{name: "fail/declared-pseudo-missing-even-if-unused",
			body:   minimal(certJSON, `"Parameters": {"AWS::IoT::Certificate::Country": {"Type": "String"}}`),
			pseudo: M{CertificateID: certID},
			err:    "Parameter AWS::IoT::Certificate::Country has no value: the certificate does not provide it."},
		{name: "ok/undeclared-pseudo-like-aws-fleet-example",
			body: minimal(certJSON), pseudo: M{CertificateID: certID},
			check: func(p *Plan) bool {
				return p.Certificates[0].CertificateID == certID && p.Certificates[0].Status == StatusActive
			}},
		{name: "fail/undeclared-pseudo-missing",
			body: minimal(certJSON),
			err:  "Resources.certificate.Properties.CertificateId: Parameter AWS::IoT::Certificate::Id has no value"},
		{name: "fail/device-cannot-supply-certificate-id",
			body: minimal(certJSON, `"Parameters": {"AWS::IoT::Certificate::Id": {"Type": "String"}}`), params: M{CertificateID: "chosen-by-device"},
			err: "Parameter AWS::IoT::Certificate::Id has no value"},
		{name: "ok/undeclared-parameter-from-params",
			body: minimal(named(`{"Fn::Join": ["", ["ThingPrefix_", {"Ref": "SerialNumber"}]]}`)), params: M{"SerialNumber": "1"},
			check: func(p *Plan) bool { return p.Things[0].ThingName == "ThingPrefix_1" }},
		{name: "fail/undeclared-parameter-missing",
			body: minimal(named(`{"Fn::Sub": "x-${SerialNumber}"}`)),
			err:  "Resources.thing.Properties.ThingName: Missing required parameter: SerialNumber."},
		{name: "ok/undeclared-parameter-missing-in-skipped-resource",
			body: minimal(named(`"t"`)+`, "p": {"Type": "AWS::IoT::Policy", "Condition": "Never", "Properties": {"PolicyName": {"Ref": "Missing"}}}`,
				`"Conditions": {"Never": {"Fn::Equals": ["a", "b"]}}`),
			check: func(p *Plan) bool { return len(p.Policies) == 0 && len(p.Things) == 1 }},
		{name: "fail/allowed-values",
			body: minimal(named(`{"Ref": "S"}`), `"Parameters": {"S": {"Type": "String", "AllowedValues": ["prod", "test"]}}`), params: M{"S": "dev"},
			err: "Parameter S: the value is not one of the AllowedValues."},
		{name: "fail/allowed-pattern-is-anchored",
			body: minimal(named(`{"Ref": "S"}`), `"Parameters": {"S": {"Type": "String", "AllowedPattern": "[0-9]+"}}`), params: M{"S": "12a"},
			err: "does not match the AllowedPattern"},
		{name: "fail/max-length-in-characters",
			body: minimal(named(`{"Ref": "S"}`), `"Parameters": {"S": {"Type": "String", "MaxLength": 2}}`), params: M{"S": "ééé"},
			err: "outside MinLength and MaxLength"},
		{name: "ok/max-length-in-characters",
			body: minimal(named(`{"Ref": "S"}`), `"Parameters": {"S": {"Type": "String", "MaxLength": 3}}`), params: M{"S": "ééé"},
			check: func(p *Plan) bool { return p.Things[0].ThingName == "ééé" }},
		{name: "fail/number",
			body: minimal(named(`{"Ref": "N"}`), `"Parameters": {"N": {"Type": "Number"}}`), params: M{"N": "seven"},
			err: "Parameter N: the value must be a number."},
		{name: "fail/number-not-nan",
			body: minimal(named(`{"Ref": "N"}`), `"Parameters": {"N": {"Type": "Number"}}`), params: M{"N": "NaN"},
			err: "must be a number"},
		{name: "ok/number",
			body: minimal(named(`{"Ref": "N"}`), `"Parameters": {"N": {"Type": "Number"}}`), params: M{"N": "-1.5e3"},
			check: func(p *Plan) bool { return p.Things[0].ThingName == "-1.5e3" }},
		{name: "fail/select-index-from-parameter",
			body: minimal(named(`{"Fn::Select": [{"Ref": "I"}, ["a", "b"]]}`)), params: M{"I": "5"},
			err: "Fn::Select index 5 is out of bounds for a list of 2 values"},
		{name: "fail/select-null",
			body: minimal(named(`{"Fn::Select": [1, ["a", null]]}`)),
			err:  "Fn::Select: item 1 is null"},
		{name: "ok/select-from-split",
			body: minimal(named(`{"Fn::Select": ["2", {"Fn::Split": ["/", {"Ref": "Path"}]}]}`)), params: M{"Path": "a/b/c"},
			check: func(p *Plan) bool { return p.Things[0].ThingName == "c" }},
		{name: "fail/findinmap-missing-key",
			body: minimal(named(`{"Fn::FindInMap": ["M", {"Ref": "K"}, "v"]}`), `"Mappings": {"M": {"a": {"v": "x"}}}`), params: M{"K": "b"},
			err: "Fn::FindInMap: no value for [M, b, v] in Mappings"},
		{name: "ok/findinmap-number-value",
			body: minimal(named(`{"Fn::FindInMap": ["M", {"Ref": "K"}, "v"]}`), `"Mappings": {"M": {"a": {"v": 42}}}`), params: M{"K": "a"},
			check: func(p *Plan) bool { return p.Things[0].ThingName == "42" }},
		{name: "fail/status-from-parameter",
			body: minimal(`"c": {"Type": "AWS::IoT::Certificate", "Properties": {"CertificateId": "x", "Status": {"Ref": "S"}}}`), params: M{"S": "REVOKED"},
			err: `Resources.c.Properties.Status: invalid certificate status "REVOKED"`},
		{name: "ok/status-novalue-defaults-active",
			body:  minimal(`"c": {"Type": "AWS::IoT::Certificate", "Properties": {"CertificateId": "x", "Status": {"Ref": "AWS::NoValue"}}}`),
			check: func(p *Plan) bool { return p.Certificates[0].Status == StatusActive }},
		{name: "fail/empty-thing-name",
			body: minimal(named(`{"Ref": "N"}`)), params: M{"N": ""},
			err: "Resources.thing.Properties.ThingName: the thing name is empty"},
		{name: "fail/thing-name-novalue",
			body: minimal(named(`{"Ref": "AWS::NoValue"}`)),
			err:  "the thing name is empty"},
		{name: "fail/thing-name-list",
			body: minimal(named(`{"Fn::Split": [",", "a,b"]}`)),
			err:  "ThingName: expected a string, got a list"},
		{name: "fail/policy-document-string-not-json",
			body: minimal(`"p": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyDocument": {"Ref": "Doc"}}}`), params: M{"Doc": "allow all"},
			err: "the policy document is not a JSON object"},
		{name: "ok/policy-document-from-parameter",
			body: minimal(`"p": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyDocument": {"Ref": "Doc"}}}`), params: M{"Doc": `{"Version":"2012-10-17","Statement":[]}`},
			check: func(p *Plan) bool {
				return p.Policies[0].PolicyDocument == `{"Version":"2012-10-17","Statement":[]}` && len(p.Policies[0].PolicyName) == 64
			}},
		{name: "ok/policy-document-keeps-html-and-order",
			body: minimal(`"p": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Resource": "a<b>&c", "Effect": "Allow", "Action": "iot:*"}]}}}`),
			check: func(p *Plan) bool {
				return p.Policies[0].PolicyDocument == `{"Version":"2012-10-17","Statement":[{"Resource":"a<b>&c","Effect":"Allow","Action":"iot:*"}]}`
			}},
		{name: "fail/two-things-included",
			body: minimal(`"a": {"Type": "AWS::IoT::Thing", "Condition": "C", "Properties": {"ThingName": "a"}}, "b": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": "b"}}`,
				`"Conditions": {"C": {"Fn::Equals": ["1", "1"]}}`),
			err: "more than one thing"},
		{name: "ok/exclusive-things",
			body: minimal(`"a": {"Type": "AWS::IoT::Thing", "Condition": "C", "Properties": {"ThingName": "a"}}, "b": {"Type": "AWS::IoT::Thing", "Condition": "NotC", "Properties": {"ThingName": "b"}}`,
				`"Parameters": {"Kind": {"Type": "String"}}`,
				`"Conditions": {"C": {"Fn::Equals": [{"Ref": "Kind"}, "a"]}, "NotC": {"Fn::Not": [{"Condition": "C"}]}}`),
			params: M{"Kind": "b"},
			check: func(p *Plan) bool {
				return len(p.Things) == 1 && p.Things[0].ThingName == "b" && p.Things[0].LogicalID == "b"
			}},
		{name: "fail/condition-error-has-path",
			body: minimal(named(`"t"`)+`, "p": {"Type": "AWS::IoT::Policy", "Condition": "C", "Properties": {"PolicyName": "x"}}`,
				`"Conditions": {"C": {"Fn::Equals": [{"Ref": "Missing"}, "a"]}}`),
			err: "Conditions.C: Missing required parameter: Missing."},
		{name: "fail/devcfg-list-value",
			body: minimal(named(`"t"`), `"DeviceConfiguration": {"Groups": {"Fn::Split": [",", "a,b"]}}`),
			err:  "DeviceConfiguration.Groups: expected a string, got a list; nested values are not supported"},
		{name: "ok/devcfg-novalue-dropped",
			body:  minimal(named(`"t"`), `"DeviceConfiguration": {"a": {"Ref": "AWS::NoValue"}, "b": "2"}`),
			check: func(p *Plan) bool { return reflect.DeepEqual(p.DeviceConfiguration, map[string]string{"b": "2"}) }},
		{name: "ok/devcfg-absent-is-nil",
			body:  minimal(named(`"t"`)),
			check: func(p *Plan) bool { return p.DeviceConfiguration == nil }},
		{name: "fail/join-nested-list",
			body: minimal(named(`{"Fn::Join": ["-", [{"Fn::Split": [",", "a,b"]}]]}`)),
			err:  "Fn::Join: item 0 is a list, not a string"},
		{name: "fail/join-of-string-from-if",
			body: minimal(named(`{"Fn::Join": ["-", {"Fn::If": ["C", "ab", "cd"]}]}`), `"Conditions": {"C": {"Fn::Equals": ["1", "1"]}}`),
			err:  "Fn::Join expects a list of values, got a string"},
		{name: "ok/join-drops-novalue",
			body:  minimal(named(`{"Fn::Join": ["-", ["a", {"Ref": "AWS::NoValue"}, "b"]]}`)),
			check: func(p *Plan) bool { return p.Things[0].ThingName == "a-b" }},
		{name: "ok/equals-number-and-string",
			body: minimal(named(`{"Fn::If": ["C", "yes", "no"]}`), `"Conditions": {"C": {"Fn::Equals": [3, {"Ref": "N"}]}}`), params: M{"N": "3"},
			check: func(p *Plan) bool { return p.Things[0].ThingName == "yes" }},
		{name: "ok/equals-lists",
			body:  minimal(named(`{"Fn::If": ["C", "yes", "no"]}`), `"Conditions": {"C": {"Fn::Equals": [["a", "b"], {"Fn::Split": [",", "a,b"]}]}}`),
			check: func(p *Plan) bool { return p.Things[0].ThingName == "yes" }},
		{name: "ok/sub-literal-and-unclosed",
			body: minimal(named(`{"Fn::Sub": "${!Literal}-${P}-${unclosed"}`)), params: M{"P": "v"},
			check: func(p *Plan) bool { return p.Things[0].ThingName == "${Literal}-v-${unclosed" }},
		{name: "ok/sub-map-shadows-parameter",
			body:  minimal(named(`{"Fn::Sub": ["${P}", {"P": "local"}]}`), `"Parameters": {"P": {"Type": "String", "Default": "param"}}`),
			check: func(p *Plan) bool { return p.Things[0].ThingName == "local" }},
		{name: "ok/sub-pseudo",
			body: minimal(named(`{"Fn::Sub": "dev-${AWS::IoT::Certificate::CommonName}"}`)), pseudo: M{CertificateCommonName: "cn1"},
			check: func(p *Plan) bool { return p.Things[0].ThingName == "dev-cn1" }},
		{name: "ok/base64",
			body:  minimal(named(`{"Fn::Base64": "hello"}`)),
			check: func(p *Plan) bool { return p.Things[0].ThingName == "aGVsbG8=" }},
		{name: "ok/attribute-payload-from-if",
			body: minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": "t", "AttributePayload": {"Fn::If": ["C", {"a": "1"}, {"Ref": "AWS::NoValue"}]}}}`,
				`"Conditions": {"C": {"Fn::Equals": ["1", "2"]}}`),
			check: func(p *Plan) bool { return p.Things[0].AttributePayload == nil }},
		{name: "fail/attribute-payload-from-if-nested",
			body: minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": "t", "AttributePayload": {"Fn::If": ["C", {"a": {"b": "c"}}, {}]}}}`,
				`"Conditions": {"C": {"Fn::Equals": ["1", "1"]}}`),
			err: "AttributePayload.a: expected a string, got an object"},
		{name: "ok/thing-groups-from-split-and-empty",
			body:  minimal(`"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": "t", "ThingGroups": []}}`),
			check: func(p *Plan) bool { return p.Things[0].ThingGroups != nil && len(p.Things[0].ThingGroups) == 0 }},
		{name: "ok/csr-and-pem-sources",
			body: minimal(`"c": {"Type": "AWS::IoT::Certificate", "Properties": {"CertificatePem": {"Ref": "Pem"}, "CACertificatePem": "ca"}}`), params: M{"Pem": "pem"},
			check: func(p *Plan) bool {
				c := p.Certificates[0]
				return c.CertificatePem == "pem" && c.CACertificatePem == "ca" && c.CertificateID == ""
			}},
		{name: "fail/certificate-id-empty",
			body: minimal(certJSON), pseudo: M{CertificateID: ""},
			err: "CertificateId: the value is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tmpl, err := Parse([]byte(tc.body))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			plan, err := tmpl.Evaluate(tc.params, tc.pseudo)
			if tc.err != "" {
				var ee *EvalError
				if !errors.As(err, &ee) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Evaluate error = %v (%T), want *EvalError containing %q", err, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Evaluate: %v", err)
			}
			if !tc.check(plan) {
				t.Fatalf("unexpected plan: %+v", plan)
			}
		})
	}
}

// TestEvaluateConcurrent guards the claim that a Template may be evaluated
// from many goroutines at once (run under -race).
func TestEvaluateConcurrent(t *testing.T) {
	tmpl, err := Parse(readFile(t, "testdata/golden/functions.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	for i := range 8 {
		go func() {
			stage := []string{"prod", "test"}[i%2]
			p, err := tmpl.Evaluate(map[string]string{"SerialNumber": "AB-1234", "Stage": stage}, map[string]string{CertificateID: certID})
			if err == nil && p.Things[0].ThingName != stage+"-AB-1234" {
				err = errors.New("wrong thing name " + p.Things[0].ThingName)
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// TestEvaluateDoesNotShareState checks that a plan's maps are its own.
func TestEvaluateDoesNotShareState(t *testing.T) {
	tmpl, err := Parse(readFile(t, "testdata/golden/seed000_sensor.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]string{"SerialNumber": "1", "BuildingName": "b", "Location": "l"}
	a, err := tmpl.Evaluate(params, map[string]string{CertificateID: certID})
	if err != nil {
		t.Fatal(err)
	}
	a.Things[0].OverrideSettings[OverrideThingGroups] = Fail
	b, _ := tmpl.Evaluate(params, map[string]string{CertificateID: certID})
	if b.Things[0].OverrideSettings[OverrideThingGroups] != DoNothing {
		t.Fatal("override settings leaked between plans")
	}
}
