package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Golden files (testdata/golden/*.json) hold suites of policy documents,
// connection variables and request -> expected decision. They are written by
// hand from the AWS docs they cite, so a reviewer can check each line.
//
//	[{"name": "...",
//	  "policies": [{"name": "p", "file": "seed000_device.json"} | {"name": "p", "document": {...}}],
//	  "vars": {"iot:ClientId": ["c1"], "...": []},   // [] = known but unusable
//	  "cases": [{"action": "iot:Publish", "resource": "arn:...", "keys": {...},
//	             "want": "Allow|ExplicitDeny|ImplicitDeny", "policy": "p", "statement": 1, "note": "..."}]}]
type goldenSuite struct {
	Name     string         `json:"name"`
	Policies []goldenPolicy `json:"policies"`
	Vars     Vars           `json:"vars"`
	Cases    []goldenCase   `json:"cases"`
}

type goldenPolicy struct {
	Name     string          `json:"name"`
	File     string          `json:"file"`
	Document json.RawMessage `json:"document"`
}

type goldenCase struct {
	Action    Action `json:"action"`
	Resource  string `json:"resource"`
	Keys      Keys   `json:"keys"`
	Want      string `json:"want"`
	Policy    string `json:"policy"`
	Statement *int   `json:"statement"`
	Note      string `json:"note"`
}

func (p goldenPolicy) load(t *testing.T) []byte {
	t.Helper()
	if p.File == "" {
		return p.Document
	}
	b, err := os.ReadFile(filepath.Join("testdata", p.File))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/golden/*.json")
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var suites []goldenSuite
		if err := json.Unmarshal(b, &suites); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, s := range suites {
			t.Run(strings.TrimSuffix(filepath.Base(f), ".json")+"/"+s.Name, func(t *testing.T) {
				runSuite(t, s)
			})
		}
	}
}

func runSuite(t *testing.T, s goldenSuite) {
	var docs []*Document
	for _, p := range s.Policies {
		d, err := Parse(p.load(t))
		if err != nil {
			t.Fatalf("parse %s: %v", p.Name, err)
		}
		d.Name = p.Name
		docs = append(docs, d)
	}
	c, err := Compile(docs, s.Vars)
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range s.Cases {
		var got Decision
		if tc.Keys != nil {
			got = c.EvaluateRequest(tc.Action, tc.Resource, tc.Keys)
		} else {
			got = c.Evaluate(tc.Action, tc.Resource)
			if again := c.EvaluateRequest(tc.Action, tc.Resource, nil); again != got {
				t.Errorf("case %d: Evaluate %v != EvaluateRequest(nil) %v", i, got, again)
			}
		}
		if got.Effect.String() != tc.Want {
			t.Errorf("case %d %s %s: got %v, want %s %s", i, tc.Action, tc.Resource, got, tc.Want, tc.Note)
			continue
		}
		if tc.Policy != "" && got.Policy != tc.Policy {
			t.Errorf("case %d: decided by policy %q, want %q", i, got.Policy, tc.Policy)
		}
		if tc.Statement != nil && got.Statement != *tc.Statement {
			t.Errorf("case %d: decided by statement %d, want %d", i, got.Statement, *tc.Statement)
		}
	}
}
