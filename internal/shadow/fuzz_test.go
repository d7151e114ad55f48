package shadow

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/roost-iot/roost/internal/store"
)

// fuzzSeeds are real requests: AWS's examples, the seed's, the scripts'.
func fuzzSeeds(f *testing.F) {
	for _, s := range []string{
		`{"state":{"reported":{"color":"red"}}}`,
		`{"state":{"desired":{"motion":"0","time":"hello"}}}`,
		`{"state":null}`,
		`{"state":{"desired":null,"reported":{"color":"red"}},"clientToken":"t","version":3}`,
		`{"state":{"desired":{"colors":["RED","GREEN","BLUE"]}},"version":10}`,
		`{"state":{"desired":{"lights":{"color":{"r":255,"g":255,"b":255}}}}}`,
		`{"state":{"desired":{"a":{"b":null,"c":{}}},"reported":{"a":[1,[2],{"x":1.5e3}]}}}`,
		`{"state":{"desired":{"colors":[null,"RED"]}}}`,
		`{"state":{"delta":{}}}`,
		`{"state":{"reported":{"s":"\ud83d\ude00 \u0000 \\ \" \/"}}}`,
		`[1,2`, `{"state":{}} {}`, ``,
	} {
		f.Add([]byte(s))
	}
	scripts, _ := filepath.Glob("testdata/*.txt")
	for _, path := range scripts {
		b, _ := os.ReadFile(path)
		for _, line := range strings.Split(string(b), "\n") {
			if req, ok := strings.CutPrefix(line, "update "); ok {
				_, body, _ := strings.Cut(req, " ")
				f.Add([]byte(body))
			}
		}
	}
}

// FuzzUpdate feeds any bytes to the update path short of the store: the
// parser must never panic, refusals must be AWS error documents, and an
// accepted update, applied to an empty and to a populated shadow, must
// give valid JSON everywhere, a state that reads back the same, metadata
// shaped like the state, and the documents of every topic.
func FuzzUpdate(f *testing.F) {
	fuzzSeeds(f)
	now := time.Unix(t0, 0)
	base := store.Shadow{
		State:    []byte(`{"desired":{"color":"red","l":{"c":{"r":1}},"a":[1,2]},"reported":{"color":"blue","x":{"y":true}}}`),
		Metadata: []byte(`{"desired":{"color":{"timestamp":1},"l":{"c":{"r":{"timestamp":1}}},"a":[{"timestamp":1},{"timestamp":1}]},"reported":{"color":{"timestamp":1},"x":{"y":{"timestamp":1}}}}`),
		Version:  7,
	}
	f.Fuzz(func(t *testing.T, req []byte) {
		r, e := parseUpdate(req)
		if e != nil {
			switch e.Code {
			case 400, 413, 415:
			default:
				t.Fatalf("refused with code %d", e.Code)
			}
			if !json.Valid(e.Document()) {
				t.Fatalf("error document is not JSON: %s", e.Document())
			}
			return
		}
		for _, cur := range []store.Shadow{{}, base} {
			r.hasVersion = false
			w, e := applyUpdate(r, cur, cur.State != nil, now)
			if e != nil {
				if e.Code != 413 {
					t.Fatalf("apply refused with %d %s", e.Code, e.Message)
				}
				continue
			}
			checkWritten(t, r, w)
		}
	})
}

func checkWritten(t *testing.T, r *updateRequest, w *written) {
	res := w.result(r)
	get, err := getDocument(w.next, t0, r.clientToken)
	if err != nil {
		t.Fatalf("get document: %v", err)
	}
	for what, doc := range map[string][]byte{"state": w.next.State, "metadata": w.next.Metadata,
		"accepted": res.Accepted, "documents": res.Documents, "get": get} {
		if !json.Valid(doc) {
			t.Fatalf("%s is not JSON: %s", what, doc)
		}
	}
	if res.Delta != nil && !json.Valid(res.Delta) {
		t.Fatalf("delta is not JSON: %s", res.Delta)
	}
	d, err := decodeDocument(w.next.State, w.next.Metadata)
	if err != nil {
		t.Fatalf("stored document does not read back: %v", err)
	}
	again := d.encode(0)
	if !bytes.Equal(again.state, w.next.State) || !bytes.Equal(again.metadata, w.next.Metadata) {
		t.Fatalf("document does not round-trip:\n%s\n%s", w.next.State, again.state)
	}
	if again.size > MaxStateSize {
		t.Fatalf("stored state of %d bytes", again.size)
	}
	if !mirrors(d.desired, d.mdDesired) || !mirrors(d.reported, d.mdReported) {
		t.Fatalf("metadata %s does not mirror state %s", w.next.Metadata, w.next.State)
	}
}

// mirrors reports whether md has exactly the shape of v, with a
// {"timestamp":N} per leaf.
func mirrors(v, md any) bool {
	switch v := v.(type) {
	case *object:
		m, ok := md.(*object)
		if v == nil || m == nil {
			return v == nil && m == nil
		}
		if !ok || m.len() != v.len() {
			return false
		}
		for i, k := range v.keys {
			mv, ok := m.get(k)
			if !ok || !mirrors(v.vals[i], mv) {
				return false
			}
		}
		return true
	case []any:
		m, ok := md.([]any)
		if !ok || len(m) != len(v) {
			return false
		}
		for i := range v {
			if !mirrors(v[i], m[i]) {
				return false
			}
		}
		return true
	}
	m, ok := md.(*object)
	if !ok || m.len() != 1 {
		return false
	}
	ts, ok := m.get("timestamp")
	_, isNum := ts.(number)
	return ok && isNum
}

// FuzzParseJSON holds the parser to encoding/json: on valid UTF-8 it
// accepts exactly what json.Valid accepts (nesting aside), and what it
// writes back decodes to the same value.
func FuzzParseJSON(f *testing.F) {
	fuzzSeeds(f)
	for _, s := range []string{`-0.5e+7`, `"\ud800"`, `"\udc00\ud800x"`, `{"a":1,"a":2}`, `[[[]]]`, `1.`, `01`, `"\u00zz"`, "\"\t\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !utf8.Valid(b) {
			return
		}
		v, err := parseJSON(b)
		if err == errTooDeep {
			return
		}
		if (err == nil) != json.Valid(b) {
			t.Fatalf("parseJSON error %v, json.Valid %v", err, json.Valid(b))
		}
		if err != nil {
			return
		}
		out := appendJSON(nil, v)
		want, err := decodeNumbers(b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeNumbers(out)
		if err != nil {
			t.Fatalf("written back as invalid JSON %s: %v", out, err)
		}
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("value changed:\n in %s\nout %s", b, out)
		}
	})
}

// decodeNumbers decodes with numbers as their text, which the parser keeps.
func decodeNumbers(b []byte) (any, error) {
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	err := d.Decode(&v)
	return v, err
}
