package policy

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse guards Parse against any input and checks that whatever it
// accepts compiles and evaluates, with the fast (indexed) and slow (other
// spelling) action paths agreeing.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"seed000_bootstrap.json", "seed000_device.json"} {
		f.Add(readTestdata(f, name))
	}
	files, _ := filepath.Glob("testdata/golden/*.json")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var suites []goldenSuite
		if err := json.Unmarshal(b, &suites); err != nil {
			f.Fatal(err)
		}
		for _, s := range suites {
			for _, p := range s.Policies {
				if p.Document != nil {
					f.Add([]byte(p.Document))
				}
			}
		}
	}
	for _, s := range []string{"", "{}", "[]", `{"Statement":{}}`, `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:a:b:c:d:${"}]}`} {
		f.Add([]byte(s))
	}
	varSets := []Vars{
		{},
		seedVars(),
		{VarClientID: {"*"}, "iot:Certificate.Subject.CommonName": {}, VarSourceIP: {"10.0.0.1"}},
	}
	resources := []string{"*", "", "arn:aws:iot:us-west-2:123456789012:topic/temperature/home417/loft/sensor_abc",
		"arn:aws:iot:us-west-2:123456789012:client/sensor_abc", "arn:aws:iot:us-west-2:123456789012:topicfilter/$aws/certificates/create/+"}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			var me *MalformedError
			if !errors.As(err, &me) {
				t.Fatalf("error %v is %T, not *MalformedError", err, err)
			}
			return
		}
		d.Name = "fuzz"
		for _, v := range varSets {
			c, err := Compile([]*Document{d, d}, v)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range knownActions {
				for _, r := range resources {
					checkDecision(t, c, a, r)
				}
			}
			c.EvaluateRequest(Connect, resources[3], ConnectKeys(true, true))
		}
	})
}

func checkDecision(t *testing.T, c *Compiled, a Action, r string) {
	got := c.Evaluate(a, r)
	if slow := c.Evaluate(Action(strings.ToUpper(string(a))), r); slow != got {
		t.Fatalf("%s on %q: indexed %v, slow path %v", a, r, got, slow)
	}
	if (got.Effect == ImplicitDeny) != (got.Statement < 0) || (got.Effect != ImplicitDeny && got.Policy != "fuzz") {
		t.Fatalf("%s on %q: inconsistent decision %+v", a, r, got)
	}
}

func seedVars() Vars {
	v := Vars{}
	v.Set(VarClientID, "sensor_abc")
	v.SetThing("sensor_abc", "TemperatureSensor", map[string]string{"BuildingName": "home417", "Location": "loft"})
	return v
}
