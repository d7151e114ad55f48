package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sizedDoc returns a valid document with exactly n non-whitespace
// characters, padded with whitespace that must not count.
func sizedDoc(n int) string {
	head := `{"Version":"2012-10-17","Statement":{"Sid":"`
	tail := `","Effect":"Allow","Action":"iot:Connect","Resource":"*"}}`
	pad := n - len(head) - len(tail)
	return strings.ReplaceAll(head, ",", ",\n    ") + strings.Repeat("a", pad) + tail + strings.Repeat(" \n\t", 400)
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want string // substring of the error; "" means success
	}{
		{"ok/seed000-bootstrap", string(readTestdata(t, "seed000_bootstrap.json")), ""},
		{"ok/seed000-device", string(readTestdata(t, "seed000_device.json")), ""},
		{"ok/statement-object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:*","Resource":"*"}}`, ""},
		{"ok/sid-and-id", `{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"s1","Effect":"Deny","Action":["iot:Publish"],"Resource":["*"]}]}`, ""},
		{"ok/no-version", `{"Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}}`, ""},
		{"ok/version-2008", `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}}`, ""},
		{"ok/not-action-not-resource", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":"iot:Connect","NotResource":"arn:aws:iot:*:*:topic/a/*"}}`, ""},
		{"ok/action-wildcards", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["*","iot:Get*","iot:?eceive","greengrass:*"],"Resource":"*"}}`, ""},
		{"ok/condition-empty-list", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*","Condition":{"ForAllValues:StringEquals":{"iot:ConnectAttributes":[]}}}}`, ""},
		{"ok/condition-all-families", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*","Condition":{
			"StringNotEqualsIgnoreCase":{"iot:ClientId":"x"},"NumericGreaterThanEquals":{"k":[1,"2.5"]},"DateGreaterThan":{"aws:CurrentTime":["2020-01-01","1700000000"]},
			"Bool":{"aws:SecureTransport":true},"BinaryEquals":{"k":"QmluYXJ5"},"NotIpAddressIfExists":{"aws:SourceIp":"::1"},"ArnNotLike":{"aws:SourceArn":"arn:aws:iot:*"},
			"Null":{"iot:Connection.Thing.ThingName":"false"},"ForAnyValue:StringLike":{"iot:Certificate.Subject.OrganizationalUnit.List":["a*"]}}}}`, ""},
		{"ok/size-2048-excluding-whitespace", sizedDoc(MaxDocumentChars), ""},

		{"fail/empty", "", "Invalid policy syntax"},
		{"fail/whitespace-only", " \n ", "Invalid policy syntax"},
		{"fail/not-json", `{"Version":`, "not valid JSON"},
		{"fail/trailing-data", `{"Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}} {}`, "not valid JSON"},
		{"fail/top-array", `[{"Effect":"Allow"}]`, "must be a JSON object"},
		{"fail/size-2049", sizedDoc(MaxDocumentChars + 1), "too large"},
		{"fail/version-other", `{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}}`, "Version"},
		{"fail/version-number", `{"Version":2012,"Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}}`, "Version must be a string"},
		{"fail/unknown-top-element", `{"Version":"2012-10-17","Statment":[]}`, `unknown element "Statment"`},
		{"fail/missing-statement", `{"Version":"2012-10-17"}`, "missing Statement"},
		{"fail/statement-empty", `{"Version":"2012-10-17","Statement":[]}`, "Statement is empty"},
		{"fail/statement-string", `{"Version":"2012-10-17","Statement":"x"}`, "Statement must be"},
		{"fail/statement-item-string", `{"Version":"2012-10-17","Statement":["x"]}`, "must be a JSON object"},
		{"fail/statement-empty-object", `{"Version":"2012-10-17","Statement":[{}]}`, "missing Effect"},
		{"fail/effect-lowercase", `{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"iot:Connect","Resource":"*"}}`, "Effect must be"},
		{"fail/effect-bool", `{"Version":"2012-10-17","Statement":{"Effect":true,"Action":"iot:Connect","Resource":"*"}}`, "Effect must be a string"},
		{"fail/element-case", `{"Version":"2012-10-17","Statement":{"effect":"Allow","Action":"iot:Connect","Resource":"*"}}`, `unknown element "effect"`},
		{"fail/missing-action", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Resource":"*"}}`, "Action and NotAction"},
		{"fail/action-and-notaction", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","NotAction":"iot:Publish","Resource":"*"}}`, "Action and NotAction"},
		{"fail/missing-resource", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect"}}`, "Resource and NotResource"},
		{"fail/resource-and-notresource", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*","NotResource":"*"}}`, "Resource and NotResource"},
		{"fail/action-empty-list", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}`, "Action is empty"},
		{"fail/action-number", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[1],"Resource":"*"}}`, "must be a string"},
		{"fail/action-no-service", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"Connect","Resource":"*"}}`, "invalid action"},
		{"fail/action-space", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Con nect","Resource":"*"}}`, "invalid action"},
		{"fail/resource-backslash", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"\\"}}`, `The following resources are invalid : \`},
		{"fail/resource-not-arn", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"topic/a"}}`, "resources are invalid"},
		{"fail/resource-empty", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":""}}`, "resources are invalid"},
		{"fail/resource-empty-list", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":[]}}`, "Resource is empty"},
		{"fail/resource-object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":{"a":1}}}`, "string or an array"},
		{"fail/principal", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"iot:Connect","Resource":"*"}}`, "Principal is not allowed"},
		{"fail/unknown-statement-element", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*","Extra":1}}`, `unknown element "Extra"`},
		{"fail/duplicate-effect", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Effect":"Allow","Action":"iot:Connect","Resource":"*"}}`, `duplicate element "Effect"`},
		{"fail/null-sid", `{"Version":"2012-10-17","Statement":{"Sid":null,"Effect":"Allow","Action":"iot:Connect","Resource":"*"}}`, "Sid must be a string"},
		{"fail/condition-not-object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*","Condition":[]}}`, "must be a JSON object"},
		{"fail/condition-unknown-operator", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*","Condition":{"StringMatches":{"k":"v"}}}}`, "unknown condition operator"},
		{"fail/condition-bad-set-prefix", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*","Condition":{"ForSomeValues:StringEquals":{"k":"v"}}}}`, "unknown condition operator"},
		{"fail/condition-null-ifexists", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*","Condition":{"NullIfExists":{"k":"true"}}}}`, "unknown condition operator"},
		{"fail/condition-null-value", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*","Condition":{"Null":{"k":"maybe"}}}}`, "Null takes"},
		{"fail/condition-numeric", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*","Condition":{"NumericEquals":{"k":"ten"}}}}`, "not a number"},
		{"fail/condition-date", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*","Condition":{"DateEquals":{"k":"yesterday"}}}}`, "not a date"},
		{"fail/condition-ip", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}}`, "not an IP"},
		{"fail/condition-value-object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*","Condition":{"StringEquals":{"k":{"a":"b"}}}}}`, "condition values must be"},
		{"fail/condition-keys-not-object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*","Condition":{"StringEquals":"k"}}}`, "must be a JSON object"},
		{"fail/condition-empty-key", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*","Condition":{"StringEquals":{"":"v"}}}}`, "empty condition key"},
		{"fail/invalid-utf8", "{\"Version\":\"2012-10-17\",\"Statement\":{\"Sid\":\"\xff\",\"Effect\":\"Allow\",\"Action\":\"iot:Connect\",\"Resource\":\"*\"}}", "not valid JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Parse([]byte(tc.doc))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if _, err := Compile([]*Document{d}, Vars{}); err != nil {
					t.Fatalf("Compile: %v", err)
				}
				return
			}
			var me *MalformedError
			if !errors.As(err, &me) {
				t.Fatalf("got %v (%T), want a *MalformedError containing %q", err, err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "Policy document is Malformed: ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %q, want it to contain %q", err, tc.want)
			}
			if tooLarge := strings.Contains(tc.name, "size"); errors.Is(err, ErrDocumentTooLarge) != tooLarge {
				t.Fatalf("errors.Is(err, ErrDocumentTooLarge) = %v", !tooLarge)
			}
		})
	}
}

func TestCompileNilDocument(t *testing.T) {
	if _, err := Compile([]*Document{nil}, nil); err == nil {
		t.Fatal("want an error for a nil document")
	}
	c, err := Compile(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Evaluate(Connect, "*"); d.Effect != ImplicitDeny || d.Statement != -1 {
		t.Fatalf("empty set: got %v", d)
	}
	var nilc *Compiled
	if d := nilc.Evaluate(Connect, "*"); d.Allowed() {
		t.Fatal("nil Compiled must deny")
	}
}

func TestDecisionString(t *testing.T) {
	d := Decision{Effect: ExplicitDeny, Policy: "p", Statement: 3, Sid: "NoAdmin"}
	if got, want := d.String(), `ExplicitDeny (policy "p", statement 3 "NoAdmin")`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if got := (Decision{Statement: -1}).String(); got != "ImplicitDeny" {
		t.Fatal(got)
	}
}

func TestResourceARN(t *testing.T) {
	got := ResourceARN("us-west-2", "123456789012", KindTopic, "$aws/things/t/shadow/update")
	if want := "arn:aws:iot:us-west-2:123456789012:topic/$aws/things/t/shadow/update"; got != want {
		t.Fatalf("got %s", got)
	}
}
