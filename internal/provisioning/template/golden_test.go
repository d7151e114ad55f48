package template

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.plan.json from the current engine")

// goldenInput is a *.input.json file: the RegisterThing parameters and the
// pseudo parameters the caller would supply.
type goldenInput struct {
	Params map[string]string `json:"params"`
	Pseudo map[string]string `json:"pseudo"`
}

// TestGolden evaluates every testdata/golden/<name>.template.json with
// <name>.input.json and compares the plan with <name>.plan.json. The
// templates are AWS's documented examples (fleet provisioning, its AWS CLI
// variant, JITP, bulk registration with a CSR), the seeds' templates, and
// one that exercises every function.
func TestGolden(t *testing.T) {
	bodies, err := filepath.Glob("testdata/golden/*.template.json")
	if err != nil || len(bodies) == 0 {
		t.Fatalf("no golden templates: %v", err)
	}
	for _, bodyPath := range bodies {
		name := strings.TrimSuffix(filepath.Base(bodyPath), ".template.json")
		t.Run(name, func(t *testing.T) {
			base := strings.TrimSuffix(bodyPath, ".template.json")
			tmpl, err := Parse(readFile(t, bodyPath))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			var in goldenInput
			if err := json.Unmarshal(readFile(t, base+".input.json"), &in); err != nil {
				t.Fatalf("input: %v", err)
			}
			plan, err := tmpl.Evaluate(in.Params, in.Pseudo)
			if err != nil {
				t.Fatalf("Evaluate: %v", err)
			}
			got, err := json.MarshalIndent(plan, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			if *update {
				if err := os.WriteFile(base+".plan.json", got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want := readFile(t, base+".plan.json"); !bytes.Equal(got, want) {
				t.Errorf("plan differs from %s.plan.json (run with -update after checking):\n%s", base, got)
			}
		})
	}
}

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
