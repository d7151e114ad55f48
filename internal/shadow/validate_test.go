package shadow

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// TestUpdateValidation runs every rule an update request is checked
// against, each on a fresh shadow. A failing case names the status, the
// message AWS uses and whether the clientToken "tok" is echoed.
func TestUpdateValidation(t *testing.T) {
	nest := func(levels int, leaf string) string { // desired with levels of objects below it
		return `{"state":{"desired":` + strings.Repeat(`{"k":`, levels) + leaf + strings.Repeat(`}`, levels) + `},"clientToken":"tok"}`
	}
	long := strings.Repeat("x", MaxStateSize-len(`{"a":""}`))
	tests := []struct {
		name         string
		thing, sname string // default "lamp", ""
		req          string
		code         int // 0: accepted
		msg          string
		echo         bool // the error carries clientToken "tok"
	}{
		{name: "ok/desired", req: `{"state":{"desired":{"color":"red"}}}`},
		{name: "ok/reported", req: `{"state":{"reported":{"color":"red"}}}`},
		{name: "ok/both", req: `{"state":{"desired":{"a":1},"reported":{"a":2}}}`},
		{name: "ok/empty-state", req: `{"state":{}}`},
		{name: "ok/empty-sections", req: `{"state":{"desired":{},"reported":{}}}`},
		{name: "ok/state-null", req: `{"state":null}`},
		{name: "ok/desired-null", req: `{"state":{"desired":null}}`},
		{name: "ok/other-fields-ignored", req: `{"state":{"desired":{"a":1}},"metadata":{"x":1},"timestamp":5,"foo":[null]}`},
		{name: "ok/null-token-and-version", req: `{"state":{},"clientToken":null,"version":null}`},
		{name: "ok/version-of-new-shadow", req: `{"state":{},"version":0}`},
		{name: "ok/token-64-bytes", req: `{"state":{},"clientToken":"` + strings.Repeat("é", 32) + `"}`},
		{name: "ok/depth-6", req: nest(4, `{"leaf":1}`)},
		{name: "ok/depth-6-array", req: nest(4, `[1,2]`)},
		{name: "ok/null-outside-array", req: `{"state":{"desired":{"a":[1,{"b":2}],"c":null}}}`},
		{name: "ok/state-at-limit", req: `{"state":{"desired":{"a":"` + long + `"}}}`},
		{name: "ok/whitespace", req: " \n{ \"state\" : { \"reported\" : { \"a\" : [ 1 , 2 ] } } }\t"},
		{name: "ok/thing-name-128", thing: strings.Repeat("t", 128), req: `{"state":{}}`},
		{name: "ok/thing-name-chars", thing: "a-Z_0:9", req: `{"state":{}}`},
		{name: "ok/shadow-name-dollar", sname: "$config:v1_a-b", req: `{"state":{}}`},
		{name: "ok/shadow-name-64", sname: strings.Repeat("s", 64), req: `{"state":{}}`},

		{name: "fail/invalid-json", req: `{"state":`, code: 400, msg: "Invalid JSON"},
		{name: "fail/empty-payload", req: ``, code: 400, msg: "Invalid JSON"},
		{name: "fail/not-an-object", req: `[{"state":{}}]`, code: 400, msg: "Invalid JSON"},
		{name: "fail/trailing-garbage", req: `{"state":{}} x`, code: 400, msg: "Invalid JSON"},
		{name: "fail/single-quotes", req: `{'state':{}}`, code: 400, msg: "Invalid JSON"},
		{name: "fail/bad-number", req: `{"state":{"desired":{"a":01}}}`, code: 400, msg: "Invalid JSON"},
		{name: "fail/not-utf8", req: "{\"state\":{\"desired\":{\"a\":\"\xff\"}}}", code: 415,
			msg: "Unsupported documented encoding; supported encoding is UTF-8"},
		{name: "fail/request-too-large", req: `{"state":{"desired":{"a":"` + strings.Repeat("x", MaxRequestSize) + `"}}}`,
			code: 413, msg: "The payload exceeds the maximum size allowed"},
		{name: "fail/missing-state", req: `{"clientToken":"tok","version":1}`, code: 400, msg: "Missing required node: state", echo: true},
		{name: "fail/state-string", req: `{"state":"on","clientToken":"tok"}`, code: 400, msg: "State node must be an object", echo: true},
		{name: "fail/state-array", req: `{"state":[],"clientToken":"tok"}`, code: 400, msg: "State node must be an object", echo: true},
		{name: "fail/state-delta", req: `{"state":{"desired":{"a":1},"delta":{"a":1}},"clientToken":"tok"}`,
			code: 400, msg: "State contains an invalid node: 'delta'", echo: true},
		{name: "fail/state-metadata", req: `{"state":{"metadata":{}},"clientToken":"tok"}`,
			code: 400, msg: "State contains an invalid node: 'metadata'", echo: true},
		{name: "fail/desired-string", req: `{"state":{"desired":"red"},"clientToken":"tok"}`, code: 400, msg: "Desired node must be an object", echo: true},
		{name: "fail/desired-array", req: `{"state":{"desired":[1]},"clientToken":"tok"}`, code: 400, msg: "Desired node must be an object", echo: true},
		{name: "fail/reported-number", req: `{"state":{"reported":5},"clientToken":"tok"}`, code: 400, msg: "Reported node must be an object", echo: true},
		{name: "fail/reported-bool", req: `{"state":{"reported":true},"clientToken":"tok"}`, code: 400, msg: "Reported node must be an object", echo: true},
		{name: "fail/version-string", req: `{"state":{},"version":"1","clientToken":"tok"}`, code: 400, msg: "Invalid version", echo: true},
		{name: "fail/version-fraction", req: `{"state":{},"version":1.5,"clientToken":"tok"}`, code: 400, msg: "Invalid version", echo: true},
		{name: "fail/version-exponent", req: `{"state":{},"version":1e2,"clientToken":"tok"}`, code: 400, msg: "Invalid version", echo: true},
		{name: "fail/version-negative", req: `{"state":{},"version":-1,"clientToken":"tok"}`, code: 400, msg: "Invalid version", echo: true},
		{name: "fail/version-overflow", req: `{"state":{},"version":99999999999999999999,"clientToken":"tok"}`, code: 400, msg: "Invalid version", echo: true},
		{name: "fail/version-conflict", req: `{"state":{},"version":3,"clientToken":"tok"}`, code: 409, msg: "Version conflict", echo: true},
		{name: "fail/token-65-bytes", req: `{"state":{},"clientToken":"` + strings.Repeat("t", 65) + `"}`, code: 400, msg: "Invalid clientToken"},
		{name: "fail/token-number", req: `{"state":{},"clientToken":42}`, code: 400, msg: "Invalid clientToken"},
		{name: "fail/depth-7", req: nest(5, `{"leaf":1}`), code: 400, msg: "JSON contains too many levels of nesting; maximum is 6", echo: true},
		{name: "fail/depth-7-array", req: nest(4, `[[1]]`), code: 400, msg: "JSON contains too many levels of nesting; maximum is 6", echo: true},
		{name: "fail/depth-7-empty-object", req: nest(5, `{}`), code: 400, msg: "JSON contains too many levels of nesting; maximum is 6", echo: true},
		{name: "fail/depth-beyond-parser", req: `{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `,"state":{}}`,
			code: 400, msg: "JSON contains too many levels of nesting; maximum is 6"},
		{name: "fail/null-in-array", req: `{"state":{"desired":{"colors":[null,"RED"]}},"clientToken":"tok"}`, code: 400, msg: "Invalid JSON", echo: true},
		{name: "fail/null-in-nested-array", req: `{"state":{"reported":{"m":[[1],[null]]}},"clientToken":"tok"}`, code: 400, msg: "Invalid JSON", echo: true},
		{name: "fail/null-in-object-in-array", req: `{"state":{"reported":{"m":[{"a":null}]}},"clientToken":"tok"}`, code: 400, msg: "Invalid JSON", echo: true},
		{name: "fail/state-too-large", req: `{"state":{"desired":{"a":"` + long + `x"}},"clientToken":"tok"}`,
			code: 413, msg: "The payload exceeds the maximum size allowed", echo: true},
		{name: "fail/unknown-thing", thing: "ghost", req: `{"state":{},"clientToken":"tok"}`, code: 404, msg: "Thing not found", echo: true},
		{name: "fail/thing-not-registered", thing: "-", req: `{"state":{},"clientToken":"tok"}`, code: 404, msg: "Thing not found", echo: true},
		{name: "fail/thing-name-space", thing: "my lamp", req: `{"state":{},"clientToken":"tok"}`, code: 400, msg: "Invalid thing name", echo: true},
		{name: "fail/thing-name-129", thing: strings.Repeat("t", 129), req: `{"state":{}}`, code: 400, msg: "Invalid thing name"},
		{name: "fail/thing-name-dollar", thing: "$lamp", req: `{"state":{}}`, code: 400, msg: "Invalid thing name"},
		{name: "fail/shadow-name-slash", sname: "a/b", req: `{"state":{}}`, code: 400, msg: "Invalid shadow name"},
		{name: "fail/shadow-name-65", sname: strings.Repeat("s", 65), req: `{"state":{}}`, code: 400, msg: "Invalid shadow name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			e.known = map[string]bool{"lamp": true, "a-Z_0:9": true, "-": false, strings.Repeat("t", 128): true}
			thing := tc.thing
			if thing == "" {
				thing = "lamp"
			}
			res, err := e.update(t, thing, tc.sname, tc.req)
			if tc.code == 0 {
				if err != nil {
					t.Fatalf("refused: %s", err.Document())
				}
				if res.Version != 1 {
					t.Errorf("version %d, want 1", res.Version)
				}
				decode(t, res.Accepted)
				decode(t, res.Documents)
				return
			}
			if err == nil {
				t.Fatalf("accepted: %s", res.Accepted)
			}
			if err.Code != tc.code || err.Message != tc.msg {
				t.Errorf("got %d %q, want %d %q", err.Code, err.Message, tc.code, tc.msg)
			}
			want := `{"code":` + strconv.Itoa(tc.code) + `,"message":` + quote(tc.msg) + `,"timestamp":1700000000`
			if tc.echo {
				want += `,"clientToken":"tok"`
			}
			if got := string(err.Document()); got != want+"}" {
				t.Errorf("error document\n got %s\nwant %s}", got, want)
			}
			if _, gerr := e.get(t, thing, tc.sname, ""); gerr == nil {
				t.Errorf("a refused update left a shadow behind")
			}
		})
	}
}

func quote(s string) string { return string(appendString(nil, s)) }

// TestThingsError: a registry failure is a 500 whose cause stays inside.
func TestThingsError(t *testing.T) {
	boom := errors.New("registry down")
	e := newEnv(t, Options{Things: ThingsFunc(func(context.Context, string) (bool, error) { return false, boom })})
	_, err := e.update(t, "lamp", "", `{"state":{},"clientToken":"tok"}`)
	if err == nil || err.Code != 500 || err.Message != "Internal service failure" || err.ClientToken != "tok" {
		t.Fatalf("got %+v, want 500 Internal service failure", err)
	}
	if !errors.Is(err, boom) {
		t.Errorf("cause lost: %v", err)
	}
	if strings.Contains(string(err.Document()), "registry down") {
		t.Errorf("internal cause leaked to the client: %s", err.Document())
	}
}
