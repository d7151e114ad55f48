package template

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseEvaluate feeds template bodies (a CreateProvisioningTemplate
// input) and parameters (a RegisterThing input) to Parse and Evaluate. It
// checks that neither panics, that every error is an *Error or *EvalError,
// and that every plan holds what the package promises.
func FuzzParseEvaluate(f *testing.F) {
	bodies, _ := filepath.Glob("testdata/golden/*.template.json")
	for _, path := range bodies {
		base := strings.TrimSuffix(path, ".template.json")
		var in goldenInput
		if err := json.Unmarshal(readFile(f, base+".input.json"), &in); err != nil {
			f.Fatal(err)
		}
		var kv []string
		for k, v := range in.Params {
			kv = append(kv, k+"="+v)
		}
		for k, v := range in.Pseudo {
			kv = append(kv, k+"="+v)
		}
		f.Add(readFile(f, path), strings.Join(kv, "\n"))
	}
	f.Add([]byte(minimal(named(`{"Fn::Sub": "${!a}${b}${"}`))), "b=1")
	f.Add([]byte(minimal(named(`{"Fn::Select": [{"Ref": "i"}, {"Fn::Split": [",", {"Ref": "l"}]}]}`))), "i=1\nl=a,b")
	f.Add([]byte(`{"Resources": {}, "Conditions": {"A": {"Fn::Or": [{"Condition": "B"}, {"Fn::Equals": [1, 1]}]}, "B": {"Fn::Not": [{"Fn::Equals": ["a", "b"]}]}}}`), "")
	f.Add([]byte(`{"Resources": {}}}]`), "")
	f.Fuzz(func(t *testing.T, body []byte, kv string) {
		tmpl, err := Parse(body)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || tmpl != nil {
				t.Fatalf("Parse returned %T %v", err, err)
			}
			return
		}
		params, pseudo := map[string]string{}, map[string]string{}
		for _, line := range strings.Split(kv, "\n") {
			k, v, _ := strings.Cut(line, "=")
			params[k] = v
			if IsPseudoParameter(k) {
				pseudo[k] = v
			}
		}
		for _, in := range []struct{ params, pseudo map[string]string }{{params, pseudo}, {nil, nil}} {
			plan, err := tmpl.Evaluate(in.params, in.pseudo)
			if err != nil {
				var ee *EvalError
				if !errors.As(err, &ee) || plan != nil {
					t.Fatalf("Evaluate returned %T %v", err, err)
				}
				continue
			}
			checkPlan(t, plan)
		}
	})
}

func checkPlan(t *testing.T, p *Plan) {
	t.Helper()
	if len(p.Things) > 1 || len(p.Certificates) > 1 {
		t.Fatalf("plan with %d things and %d certificates", len(p.Things), len(p.Certificates))
	}
	for _, th := range p.Things {
		if th.ThingName == "" {
			t.Fatal("thing without a name")
		}
	}
	for _, c := range p.Certificates {
		n := 0
		for _, s := range []string{c.CertificateID, c.CertificateSigningRequest, c.CertificatePem} {
			if s != "" {
				n++
			}
		}
		if n != 1 || (c.Status != StatusActive && c.Status != StatusInactive) {
			t.Fatalf("bad certificate %+v", c)
		}
	}
	for _, pol := range p.Policies {
		if pol.PolicyName == "" {
			t.Fatalf("policy without a name: %+v", pol)
		}
		if pol.PolicyDocument != "" && !json.Valid([]byte(pol.PolicyDocument)) {
			t.Fatalf("policy document is not JSON: %q", pol.PolicyDocument)
		}
	}
	if _, err := json.Marshal(p); err != nil {
		t.Fatal(err)
	}
}
