package policy

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"
)

// globRegexp is the reference semantics: `*` is .*, `?` is one character.
func globRegexp(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

func TestGlobAgainstRegexp(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := []string{"a", "b", "/", "*", "?", "é", "+", "#"}
	gen := func(n int, wild bool) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			c := alphabet[rng.Intn(len(alphabet))]
			if !wild && (c == "*" || c == "?") {
				c = "a"
			}
			b.WriteString(c)
		}
		return b.String()
	}
	for i := 0; i < 20000; i++ {
		p, s := gen(rng.Intn(7), true), gen(rng.Intn(9), false)
		g, _ := renderGlob(parseTemplate(p, true), nil, false)
		if got, want := g.match(s), globRegexp(p).MatchString(s); got != want {
			t.Fatalf("glob %q on %q: got %v, want %v", p, s, got, want)
		}
	}
}

func TestMatchFold(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"iot:*", "iot:Publish", true},
		{"*", "iot:Publish", true},
		{"iot:Get*", "iot:GetThingShadow", true},
		{"IOT:get*", "iot:GetRetainedMessage", true},
		{"iot:Get*", "iot:UpdateThingShadow", false},
		{"iot:?ublish", "iot:Publish", true},
		{"iot:Publish", "iot:RetainPublish", false},
		{"iot:*Publish", "iot:RetainPublish", true},
		{"iot:*Shadow*", "iot:ListNamedShadowsForThing", true},
		{"greengrass:*", "iot:Connect", false},
		{"iot:Connect", "iot:Connec", false},
	}
	for _, tc := range tests {
		if got := matchFold(tc.pattern, tc.name); got != tc.want {
			t.Errorf("matchFold(%q, %q) = %v", tc.pattern, tc.name, got)
		}
	}
}

func TestParseTemplate(t *testing.T) {
	tests := []struct {
		in   string
		vars bool
		want tmpl
	}{
		{"a*b", true, tmpl{{partLit, "a"}, {partStar, ""}, {partLit, "b"}}},
		{"t/${iot:ClientId}/x", true, tmpl{{partLit, "t/"}, {partVar, "iot:ClientId"}, {partLit, "/x"}}},
		{"t/${iot:ClientId}/x", false, tmpl{{partLit, "t/${iot:ClientId}/x"}}},
		{"${*}${?}${$}", true, tmpl{{partLit, "*?$"}}},
		{"a${unterminated", true, tmpl{{partLit, "a${unterminated"}}},
		{"$notvar", true, tmpl{{partLit, "$notvar"}}},
	}
	for _, tc := range tests {
		got := parseTemplate(tc.in, tc.vars)
		if len(got) != len(tc.want) {
			t.Errorf("parseTemplate(%q) = %v, want %v", tc.in, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("parseTemplate(%q) = %v, want %v", tc.in, got, tc.want)
			}
		}
	}
}
