package sqlite

import (
	"encoding/json"
	"maps"
	"testing"
)

// decodeMap must agree with encoding/json on everything encodeMap writes
// and on anything else it is given.
func TestDecodeMap(t *testing.T) {
	for _, m := range []map[string]string{
		nil,
		{"a": "b"},
		{"serial": "SN-1", "floor": "3", "": ""},
		{"quote": `say "hi"`, "slash": `a\b`, "ctl": "\x00\n", "html": "<&>"},
		{"utf8": "héllo wörld ✓", "colon": "a:b", "comma": "x,y", "brace": "}{"},
	} {
		enc, err := encodeMap(m)
		if err != nil {
			t.Fatal(err)
		}
		var b []byte
		if enc != nil {
			b = []byte(enc.(string))
		}
		got, err := decodeMap(b)
		if err != nil || !maps.Equal(got, m) {
			t.Errorf("decodeMap(%s) = %v, %v; want %v", b, got, err, m)
		}
	}
}

func FuzzDecodeMap(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":"b"}`, `{"a":"b","c":"d"}`, `{"a":"b",}`, `{"a"}`, `{"a":1}`, `{"a":"\"x"}`, `{ "a" : "b" }`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeMap(b)
		var want map[string]string
		werr := json.Unmarshal(b, &want)
		if len(b) == 0 {
			return
		}
		if (err == nil) != (werr == nil) || err == nil && !maps.Equal(got, want) {
			t.Errorf("decodeMap(%q) = %v, %v; encoding/json: %v, %v", b, got, err, want, werr)
		}
	})
}
