package shadow

import (
	"strconv"
	"strings"
	"testing"
)

// TestMergeAndDelta applies a sequence of update requests (the state node
// only; each step one second after the previous) to a fresh shadow and
// checks the state GetThingShadow returns, delta included.
func TestMergeAndDelta(t *testing.T) {
	tests := []struct {
		name  string
		steps []string
		want  string // the "state" of the get document
	}{
		{"ok/merge-adds-fields", []string{`{"desired":{"a":1}}`, `{"desired":{"b":2}}`},
			`{"desired":{"a":1,"b":2},"delta":{"a":1,"b":2}}`},
		{"ok/replace-value", []string{`{"reported":{"a":1}}`, `{"reported":{"a":"one"}}`}, `{"reported":{"a":"one"}}`},
		{"ok/null-removes-field", []string{`{"desired":{"a":1,"b":2}}`, `{"desired":{"a":null}}`},
			`{"desired":{"b":2},"delta":{"b":2}}`},
		{"ok/null-of-missing-field", []string{`{"reported":{"a":1}}`, `{"reported":{"zz":null}}`}, `{"reported":{"a":1}}`},
		{"ok/desired-null-removes-section", []string{`{"desired":{"a":1},"reported":{"a":2}}`, `{"reported":{"a":1},"desired":null}`},
			`{"reported":{"a":1}}`},
		{"ok/state-null-clears", []string{`{"desired":{"a":1},"reported":{"b":2}}`, `null`}, `{}`},
		{"ok/state-null-then-update", []string{`{"desired":{"a":1}}`, `null`, `{"reported":{"b":2}}`}, `{"reported":{"b":2}}`},
		{"ok/empty-state-changes-nothing", []string{`{"desired":{"a":1}}`, `{}`}, `{"desired":{"a":1},"delta":{"a":1}}`},
		{"ok/emptied-section-dropped", []string{`{"desired":{"a":1},"reported":{"a":1}}`, `{"desired":{"a":null}}`},
			`{"reported":{"a":1}}`},
		{"ok/empty-section-not-created", []string{`{"desired":{}}`}, `{}`},
		{"ok/emptied-nested-object-stays", []string{`{"desired":{"a":{"b":1}}}`, `{"desired":{"a":{"b":null}}}`},
			`{"desired":{"a":{}}}`},
		{"ok/only-nulls-add-nothing", []string{`{"desired":{"x":1,"a":{"b":null,"c":{"d":null}}}}`},
			`{"desired":{"x":1},"delta":{"x":1}}`},
		{"ok/empty-object-is-a-value", []string{`{"reported":{"a":{}}}`}, `{"reported":{"a":{}}}`},
		{"ok/nested-merge-keeps-siblings", []string{`{"reported":{"l":{"c":{"r":1,"g":2}}}}`, `{"reported":{"l":{"c":{"g":3,"b":4}}}}`},
			`{"reported":{"l":{"c":{"r":1,"g":3,"b":4}}}}`},
		{"ok/arrays-replaced-whole", []string{`{"desired":{"colors":["RED","GREEN","BLUE"]}}`, `{"desired":{"colors":["RED"]}}`},
			`{"desired":{"colors":["RED"]},"delta":{"colors":["RED"]}}`},
		{"ok/array-of-objects-replaced", []string{`{"reported":{"l":[{"a":1},{"b":2}]}}`, `{"reported":{"l":[{"c":3}]}}`},
			`{"reported":{"l":[{"c":3}]}}`},
		{"ok/scalar-to-object", []string{`{"reported":{"a":5}}`, `{"reported":{"a":{"b":1,"c":null}}}`}, `{"reported":{"a":{"b":1}}}`},
		{"ok/scalar-kept-under-only-nulls", []string{`{"reported":{"a":5}}`, `{"reported":{"a":{"c":null}}}`}, `{"reported":{"a":5}}`},
		{"ok/object-to-scalar", []string{`{"reported":{"a":{"b":1}}}`, `{"reported":{"a":[1,2]}}`}, `{"reported":{"a":[1,2]}}`},
		{"ok/key-order-kept", []string{`{"desired":{"z":1,"a":2}}`, `{"desired":{"m":3,"z":4}}`},
			`{"desired":{"z":4,"a":2,"m":3},"delta":{"z":4,"a":2,"m":3}}`},
		{"ok/unicode-and-escapes", []string{`{"reported":{"naïve \"q\"\n":"✓\u0001\u00e9"}}`}, `{"reported":{"naïve \"q\"\n":"✓\u0001é"}}`},

		{"ok/delta-missing-from-reported", []string{`{"desired":{"color":"RED","state":"STOP"},"reported":{"color":"GREEN","engine":"ON"}}`},
			`{"desired":{"color":"RED","state":"STOP"},"reported":{"color":"GREEN","engine":"ON"},"delta":{"color":"RED","state":"STOP"}}`},
		{"ok/delta-reported-only-never", []string{`{"desired":{"a":1},"reported":{"a":1,"b":2}}`},
			`{"desired":{"a":1},"reported":{"a":1,"b":2}}`},
		{"ok/delta-path-to-root", []string{
			`{"desired":{"lights":{"color":{"r":255,"g":255,"b":255}}},"reported":{"lights":{"color":{"r":255,"g":0,"b":255}}}}`},
			`{"desired":{"lights":{"color":{"r":255,"g":255,"b":255}}},"reported":{"lights":{"color":{"r":255,"g":0,"b":255}}},"delta":{"lights":{"color":{"g":255}}}}`},
		{"ok/delta-arrays-whole", []string{`{"desired":{"c":[1,2,3]},"reported":{"c":[1,2]}}`},
			`{"desired":{"c":[1,2,3]},"reported":{"c":[1,2]},"delta":{"c":[1,2,3]}}`},
		{"ok/delta-equal-arrays", []string{`{"desired":{"c":[1,{"x":[2]}]},"reported":{"c":[1,{"x":[2]}]}}`},
			`{"desired":{"c":[1,{"x":[2]}]},"reported":{"c":[1,{"x":[2]}]}}`},
		{"ok/delta-numbers-by-value", []string{`{"desired":{"a":1.0,"b":1e2,"c":-0,"d":0.5},"reported":{"a":1,"b":100,"c":0,"d":0.50}}`},
			`{"desired":{"a":1.0,"b":1e2,"c":-0,"d":0.5},"reported":{"a":1,"b":100,"c":0,"d":0.50}}`},
		{"ok/delta-types-differ", []string{`{"desired":{"a":"1","b":true,"c":{"x":1}},"reported":{"a":1,"b":"true","c":5}}`},
			`{"desired":{"a":"1","b":true,"c":{"x":1}},"reported":{"a":1,"b":"true","c":5},"delta":{"a":"1","b":true,"c":{"x":1}}}`},
		{"ok/delta-empty-object-not-wanted", []string{`{"desired":{"a":{},"b":{"c":{}}}}`},
			`{"desired":{"a":{},"b":{"c":{}}}}`},
		{"ok/delta-gone-in-sync", []string{`{"desired":{"a":1}}`, `{"reported":{"a":1}}`},
			`{"desired":{"a":1},"reported":{"a":1}}`},
		{"ok/delta-after-reported-deleted", []string{`{"desired":{"a":1},"reported":{"a":1}}`, `{"reported":{"a":null}}`},
			`{"desired":{"a":1},"delta":{"a":1}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			for i, st := range tc.steps {
				e.clock.set(t0 + int64(i))
				e.mustUpdate(t, "lamp", "", `{"state":`+st+`}`)
			}
			doc, err := e.get(t, "lamp", "", "")
			if err != nil {
				t.Fatal(err)
			}
			if got := string(doc); !strings.HasPrefix(got, `{"state":`+tc.want+`,"metadata":`) {
				t.Errorf("get:\n got %s\nwant state %s", got, tc.want)
			}
		})
	}
}

// TestMetadata checks the per-leaf timestamps: each leaf keeps the time
// of the update that last set it, arrays have one entry per element, a
// removed field takes its metadata with it, and the delta's metadata is
// desired's.
func TestMetadata(t *testing.T) {
	e := newEnv(t, Options{})
	steps := []string{
		`{"desired":{"color":"red","lights":{"r":1,"g":2},"seq":[1,[2,3],{"x":4}]},"reported":{"color":"blue","id":"A"}}`,
		`{"desired":{"lights":{"g":5}},"reported":{"id":null,"fw":"1.0"}}`,
		`{"desired":{"seq":{"now":"object"}}}`,
	}
	for i, st := range steps {
		e.clock.set(t0 + int64(i)*10)
		e.mustUpdate(t, "lamp", "", `{"state":`+st+`}`)
	}
	e.clock.set(t0 + 100)
	got := e.mustGet(t, "lamp", "")
	ts := func(sec int) string { return `{"timestamp":` + strconv.Itoa(t0+sec) + `}` }
	sameJSON(t, "metadata", got["metadata"], `{
		"desired":{"color":`+ts(0)+`,"lights":{"r":`+ts(0)+`,"g":`+ts(10)+`},"seq":{"now":`+ts(20)+`}},
		"reported":{"color":`+ts(0)+`,"fw":`+ts(10)+`}}`)
	sameJSON(t, "timestamp", got["timestamp"], strconv.Itoa(t0+100))

	// A delta carries desired's metadata, per element for arrays.
	e.clock.set(t0 + 200)
	res := e.mustUpdate(t, "lamp", "", `{"state":{"desired":{"seq":[1,[2,3],{"x":4}],"color":"blue"}}}`)
	d := decode(t, res.Delta)
	sameJSON(t, "delta state", d["state"], `{"lights":{"r":1,"g":5},"seq":[1,[2,3],{"x":4}]}`)
	sameJSON(t, "delta metadata", d["metadata"], `{"lights":{"r":`+ts(0)+`,"g":`+ts(10)+`},"seq":[`+ts(200)+`,[`+ts(200)+`,`+ts(200)+`],{"x":`+ts(200)+`}]}`)

	// The accepted document stamps exactly what the request sent, nulls too.
	res = e.mustUpdate(t, "lamp", "", `{"state":{"desired":{"lights":{"r":null},"seq":[[]]},"reported":null}}`)
	a := decode(t, res.Accepted)
	sameJSON(t, "accepted state", a["state"], `{"desired":{"lights":{"r":null},"seq":[[]]},"reported":null}`)
	sameJSON(t, "accepted metadata", a["metadata"], `{"desired":{"lights":{"r":`+ts(200)+`},"seq":[[]]},"reported":`+ts(200)+`}`)
}

// TestDeltaPublished checks when an accepted update publishes
// /update/delta: when it leaves desired and reported different and either
// wrote into desired or made the difference grow or change (AWS: a field
// deleted from reported but still desired is in the delta).
func TestDeltaPublished(t *testing.T) {
	tests := []struct {
		name  string
		state string
		delta string // "" when no delta is due
	}{
		{"app sets desired", `{"desired":{"color":"red","power":"on"}}`, `{"color":"red","power":"on"}`},
		{"device applies one field", `{"reported":{"color":"red"}}`, ""},
		{"device reports an unrelated field", `{"reported":{"temp":21}}`, ""},
		{"app writes desired again", `{"desired":{"color":"red"}}`, `{"power":"on"}`},
		{"device applies the rest", `{"reported":{"power":"on"}}`, ""},
		{"in sync: desired write without difference", `{"desired":{"power":"on"}}`, ""},
		{"device changes by itself", `{"reported":{"color":"blue"}}`, `{"color":"red"}`},
		{"device drops a desired field", `{"reported":{"power":null}}`, `{"color":"red","power":"on"}`},
		{"app removes desired", `{"desired":null}`, ""},
		{"state cleared", `null`, ""},
		{"desired and reported together, equal", `{"desired":{"a":1},"reported":{"a":1}}`, ""},
		{"desired and reported together, different", `{"desired":{"a":2},"reported":{"a":1}}`, `{"a":2}`},
	}
	e := newEnv(t, Options{})
	for i, tc := range tests {
		e.clock.set(t0 + int64(i))
		res := e.mustUpdate(t, "lamp", "", `{"state":`+tc.state+`,"clientToken":"c`+strconv.Itoa(i)+`"}`)
		if tc.delta == "" {
			if res.Delta != nil {
				t.Errorf("%s: unexpected delta %s", tc.name, res.Delta)
			}
			continue
		}
		if res.Delta == nil {
			t.Errorf("%s: no delta, want %s", tc.name, tc.delta)
			continue
		}
		d := decode(t, res.Delta)
		sameJSON(t, tc.name+": delta state", d["state"], tc.delta)
		sameJSON(t, tc.name+": delta version", d["version"], strconv.Itoa(i+1))
		sameJSON(t, tc.name+": delta timestamp", d["timestamp"], strconv.Itoa(t0+i))
		sameJSON(t, tc.name+": delta clientToken", d["clientToken"], `"c`+strconv.Itoa(i)+`"`)
	}
}
