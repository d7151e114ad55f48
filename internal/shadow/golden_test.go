package shadow

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/*.golden from the service's output")

// TestGolden runs the scripts testdata/*.txt and compares every document
// the service answers with testdata/*.golden (go test -run TestGolden
// -update rewrites them; review the diff). A script line is one of
//
//	at <epoch seconds>
//	update <thing>[/<shadow>] <request JSON>
//	get <thing>[/<shadow>] [clientToken]
//	delete <thing>[/<shadow>] [clientToken]
//	list <thing> <pageSize> [nextToken]
//
// and # starts a comment, copied to the output.
func TestGolden(t *testing.T) {
	scripts, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, script := range scripts {
		name := strings.TrimSuffix(filepath.Base(script), ".txt")
		t.Run(name, func(t *testing.T) {
			got := runScript(t, script)
			golden := strings.TrimSuffix(script, ".txt") + ".golden"
			if *updateGolden {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the service's output:\n%s", golden, firstDiff(want, got))
			}
		})
	}
}

func runScript(t *testing.T, path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e := newEnv(t, Options{})
	var out bytes.Buffer
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), MaxRequestSize*2)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			out.WriteString(line + "\n")
			continue
		}
		out.WriteString("> " + line + "\n")
		if err := runLine(e, &out, line); err != nil {
			t.Fatalf("%s:%d: %v", path, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func runLine(e *env, out *bytes.Buffer, line string) error {
	verb, rest, _ := strings.Cut(line, " ")
	target, arg, _ := strings.Cut(rest, " ")
	thing, name, _ := strings.Cut(target, "/")
	ctx := context.Background()
	switch verb {
	case "at":
		sec, err := strconv.ParseInt(target, 10, 64)
		if err != nil {
			return err
		}
		e.clock.set(sec)
	case "update":
		res, err := e.s.Update(ctx, thing, name, []byte(arg))
		if err != nil {
			return show(out, "update/rejected", err)
		}
		show(out, "update/accepted", res.Accepted)
		if res.Delta != nil {
			show(out, "update/delta", res.Delta)
		}
		show(out, "update/documents", res.Documents)
	case "get", "delete":
		op := e.s.Get
		if verb == "delete" {
			op = e.s.Delete
		}
		doc, err := op(ctx, thing, name, arg)
		if err != nil {
			return show(out, verb+"/rejected", err)
		}
		show(out, verb+"/accepted", doc)
	case "list":
		size, token, _ := strings.Cut(arg, " ")
		n, err := strconv.Atoi(size)
		if err != nil {
			return err
		}
		doc, err := e.s.ListNamedShadows(ctx, thing, n, token)
		if err != nil {
			return show(out, "list/rejected", err)
		}
		show(out, "list", doc)
	default:
		return fmt.Errorf("unknown verb %q", verb)
	}
	return nil
}

// show writes a document indented (keeping its key order); an *Error is
// written as its error document, any other error is returned.
func show(out *bytes.Buffer, label string, v any) error {
	doc, ok := v.([]byte)
	if !ok {
		e, isShadowErr := v.(*Error)
		if !isShadowErr {
			return v.(error)
		}
		doc = e.Document()
	}
	out.WriteString(label + "\n")
	if err := json.Indent(out, doc, "", "  "); err != nil {
		return fmt.Errorf("%s is not valid JSON: %v: %s", label, err, doc)
	}
	out.WriteString("\n")
	return nil
}

func firstDiff(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n want %q\n  got %q", i+1, w, g)
		}
	}
	return "(same lines)"
}
