package shadow

import (
	"context"
	"strconv"
	"strings"
	"testing"
)

// TestVersions: every accepted update adds one; a request's version must
// be the current one; delete keeps the version and the next update
// continues from it; classic and named shadows count apart.
func TestVersions(t *testing.T) {
	e := newEnv(t, Options{})
	for v := 1; v <= 3; v++ {
		if res := e.mustUpdate(t, "lamp", "", `{"state":{"reported":{"n":`+strconv.Itoa(v)+`}}}`); res.Version != int64(v) {
			t.Fatalf("update %d: version %d", v, res.Version)
		}
	}
	if _, err := e.update(t, "lamp", "", `{"state":{},"version":2,"clientToken":"old"}`); err == nil || err.Code != 409 || err.ClientToken != "old" {
		t.Fatalf("stale version: got %v, want 409 with the token", err)
	}
	if _, err := e.update(t, "lamp", "", `{"state":{},"version":4}`); err == nil || err.Code != 409 {
		t.Fatalf("future version: got %v, want 409", err)
	}
	if res := e.mustUpdate(t, "lamp", "", `{"state":{"reported":{"n":4}},"version":3}`); res.Version != 4 {
		t.Fatalf("matching version: new version %d, want 4", res.Version)
	}
	sameJSON(t, "get version", e.mustGet(t, "lamp", "")["version"], "4")

	// Named shadows have their own versions.
	if res := e.mustUpdate(t, "lamp", "config", `{"state":{"desired":{"a":1}}}`); res.Version != 1 {
		t.Fatalf("named shadow: version %d, want 1", res.Version)
	}

	// Delete answers the version the shadow had; the next update continues.
	doc, err := e.del(t, "lamp", "", "d1")
	if err != nil {
		t.Fatal(err)
	}
	if string(doc) != `{"version":4,"timestamp":1700000000,"clientToken":"d1"}` {
		t.Errorf("delete/accepted: %s", doc)
	}
	if _, err := e.get(t, "lamp", "", "g1"); err == nil || err.Code != 404 ||
		string(err.Document()) != `{"code":404,"message":"No shadow exists with name: 'lamp'","timestamp":1700000000,"clientToken":"g1"}` {
		t.Fatalf("get after delete: %v", err)
	}
	if _, err := e.del(t, "lamp", "", "d2"); err == nil || err.Code != 404 || err.ClientToken != "d2" {
		t.Fatalf("second delete: %v, want 404 with the token", err)
	}
	if _, err := e.update(t, "lamp", "", `{"state":{},"version":0}`); err == nil || err.Code != 409 {
		t.Fatalf("version 0 after delete: %v, want 409 (the deleted shadow's version counts)", err)
	}
	res := e.mustUpdate(t, "lamp", "", `{"state":{"reported":{"fresh":true}},"version":4}`)
	if res.Version != 5 {
		t.Fatalf("update after delete: version %d, want 5", res.Version)
	}
	docs := decode(t, res.Documents)
	sameJSON(t, "documents after delete: previous", docs["previous"], "null")
	sameJSON(t, "documents after delete: current", docs["current"],
		`{"state":{"reported":{"fresh":true}},"metadata":{"reported":{"fresh":{"timestamp":1700000000}}},"version":5}`)
	sameJSON(t, "get after recreate", e.mustGet(t, "lamp", "")["state"], `{"reported":{"fresh":true}}`)

	// The named shadow was not touched.
	sameJSON(t, "named", e.mustGet(t, "lamp", "config")["version"], "1")
	if _, err := e.del(t, "lamp", "nothing", ""); err == nil || err.Message != "No shadow exists with name: 'nothing'" {
		t.Fatalf("delete unknown named shadow: %v", err)
	}
}

// TestClientTokenEcho: a request's clientToken comes back on every
// document that answers it, and only then.
func TestClientTokenEcho(t *testing.T) {
	e := newEnv(t, Options{})
	res := e.mustUpdate(t, "lamp", "", `{"state":{"desired":{"a":1}},"clientToken":"tok-\"1\""}`)
	for what, doc := range map[string][]byte{"accepted": res.Accepted, "delta": res.Delta, "documents": res.Documents} {
		if tok := decode(t, doc)["clientToken"]; tok != `tok-"1"` {
			t.Errorf("%s: clientToken %v", what, tok)
		}
	}
	res = e.mustUpdate(t, "lamp", "", `{"state":{"desired":{"a":2}}}`)
	for what, doc := range map[string][]byte{"accepted": res.Accepted, "delta": res.Delta, "documents": res.Documents} {
		if _, ok := decode(t, doc)["clientToken"]; ok {
			t.Errorf("%s without a token in the request has one", what)
		}
	}
	get, _ := e.get(t, "lamp", "", "g")
	if tok := decode(t, get)["clientToken"]; tok != "g" {
		t.Errorf("get: clientToken %v", tok)
	}
	get, _ = e.get(t, "lamp", "", "")
	if _, ok := decode(t, get)["clientToken"]; ok {
		t.Errorf("get without token has one: %s", get)
	}
	if _, err := e.get(t, "lamp", "", strings.Repeat("x", 65)); err == nil || err.Message != "Invalid clientToken" || err.ClientToken != "" {
		t.Errorf("get with a 65-byte token: %v", err)
	}
}

func TestClientTokenOfPayload(t *testing.T) {
	tests := []struct {
		name, payload, want string
		fail                bool
	}{
		{"ok/empty", ``, "", false},
		{"ok/not-json", `hello`, "", false},
		{"ok/json-without-token", `{"a":1}`, "", false},
		{"ok/json-array", `["clientToken"]`, "", false},
		{"ok/token", `{"clientToken":"5f0c-11"}`, "5f0c-11", false},
		{"ok/token-64", `{"clientToken":"` + strings.Repeat("a", 64) + `"}`, strings.Repeat("a", 64), false},
		{"fail/token-65", `{"clientToken":"` + strings.Repeat("a", 65) + `"}`, "", true},
		{"fail/token-object", `{"clientToken":{}}`, "", true},
	}
	e := newEnv(t, Options{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.s.ClientToken([]byte(tc.payload))
			if tc.fail {
				if e := asError(t, err); e == nil || e.Code != 400 || e.Message != "Invalid clientToken" || e.Timestamp != t0 {
					t.Fatalf("got %q, %v; want 400 Invalid clientToken", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestGetDocument: the get document of a fresh shadow, of a cleared one,
// and the 404s, whatever the thing's registration (shadows outlive no
// check on reads).
func TestGetDocument(t *testing.T) {
	e := newEnv(t, Options{})
	if _, err := e.get(t, "lamp", "cfg", ""); err == nil || err.Code != 404 || err.Message != "No shadow exists with name: 'cfg'" {
		t.Fatalf("missing named shadow: %v", err)
	}
	if _, err := e.get(t, "bad name", "", ""); err == nil || err.Code != 400 {
		t.Fatalf("bad thing name: %v", err)
	}
	e.mustUpdate(t, "lamp", "", `{"state":{"reported":{"on":true}}}`)
	e.clock.set(t0 + 5)
	doc, _ := e.get(t, "lamp", "", "")
	if want := `{"state":{"reported":{"on":true}},"metadata":{"reported":{"on":{"timestamp":1700000000}}},"version":1,"timestamp":1700000005}`; string(doc) != want {
		t.Errorf("get:\n got %s\nwant %s", doc, want)
	}
	e.mustUpdate(t, "lamp", "", `{"state":null}`)
	doc, _ = e.get(t, "lamp", "", "")
	if want := `{"state":{},"metadata":{},"version":2,"timestamp":1700000005}`; string(doc) != want {
		t.Errorf("get of a cleared shadow:\n got %s\nwant %s", doc, want)
	}
}

func TestListNamedShadows(t *testing.T) {
	e := newEnv(t, Options{})
	e.mustUpdate(t, "lamp", "", `{"state":{}}`)
	for _, n := range []string{"e", "b", "d", "a", "c", "$x"} {
		e.mustUpdate(t, "lamp", n, `{"state":{}}`)
	}
	e.mustUpdate(t, "lamp2", "z", `{"state":{}}`)
	if _, err := e.del(t, "lamp", "c", ""); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var got []string
	token := ""
	for i := 0; ; i++ {
		doc, err := e.s.ListNamedShadows(ctx, "lamp", 2, token)
		if err != nil {
			t.Fatal(err)
		}
		m := decode(t, doc)
		sameJSON(t, "timestamp", m["timestamp"], "1700000000")
		for _, r := range m["results"].([]any) {
			got = append(got, r.(string))
		}
		next, ok := m["nextToken"].(string)
		if !ok {
			break
		}
		token = next
		if i > 10 {
			t.Fatal("paging does not end")
		}
	}
	if strings.Join(got, ",") != "$x,a,b,d,e" {
		t.Errorf("listed %v", got)
	}
	doc, err := e.s.ListNamedShadows(ctx, "lamp", 0, "")
	if err != nil || !strings.HasPrefix(string(doc), `{"results":["$x","a","b","d","e"],"timestamp":`) {
		t.Errorf("default page: %s %v", doc, err)
	}
	doc, err = e.s.ListNamedShadows(ctx, "nobody", 10, "")
	if err != nil || string(doc) != `{"results":[],"timestamp":1700000000}` {
		t.Errorf("unknown thing: %s %v", doc, err)
	}
	for _, tc := range []struct {
		size  int
		token string
		msg   string
	}{{101, "", "Invalid pageSize"}, {-1, "", "Invalid pageSize"}, {10, "!!", "Invalid nextToken"}} {
		_, err := e.s.ListNamedShadows(ctx, "lamp", tc.size, tc.token)
		if e := asError(t, err); e == nil || e.Code != 400 || e.Message != tc.msg {
			t.Errorf("pageSize %d token %q: %v, want 400 %s", tc.size, tc.token, err, tc.msg)
		}
	}
}

// TestStateSizeAfterMerge: the 8 KB bound applies to the merged state
// (desired plus reported), so two updates that fit alone can overflow
// together; the refused one changes nothing.
func TestStateSizeAfterMerge(t *testing.T) {
	e := newEnv(t, Options{})
	half := strings.Repeat("x", MaxStateSize/2)
	e.mustUpdate(t, "lamp", "", `{"state":{"desired":{"a":"`+half+`"}}}`)
	_, err := e.update(t, "lamp", "", `{"state":{"reported":{"b":"`+half+`"}},"clientToken":"big"}`)
	if err == nil || err.Code != 413 || err.ClientToken != "big" {
		t.Fatalf("got %v, want 413 with the token", err)
	}
	got := e.mustGet(t, "lamp", "")
	sameJSON(t, "version after refusal", got["version"], "1")
	// Making room first lets it in: the limit is on the result.
	e.mustUpdate(t, "lamp", "", `{"state":{"desired":null,"reported":{"b":"`+half+`"}}}`)
}
