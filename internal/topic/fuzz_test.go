package topic

import (
	"strings"
	"testing"
)

// maxFuzzLen bounds fuzz inputs: long inputs add no coverage past the
// limits (unit tests cover 65535) and make minimizing them take minutes.
const maxFuzzLen = 1024

// FuzzValidate checks validation against the strings.Split reference under
// AWS and spec limits, ParseShared against ValidateFilter, and the NATS
// mapping's round trip, for any string.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{
		"sensor/temperature", "a/+/b", "a/#", "#", "+", "", "/", "a//b", "$share/g/a/#", "$share//a",
		"$share/g", "$aws/rules/r/a/b/c/d/e/f/g/h", "$aws/rules/r", "a\x00b", "\xff", "a+b", "a/#/b",
		strings.Repeat("x", 257), strings.Repeat("a/", 8) + "a", "$share/g/" + strings.Repeat("x", 256), "$share/0/$share/",
	} {
		f.Add(s)
	}
	for _, tt := range matchCases {
		f.Add(tt.filter)
		f.Add(tt.lit)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > maxFuzzLen {
			return
		}
		for _, l := range []Limits{AWSLimits(), {}} {
			nameOK := l.ValidateName(s) == nil
			filterOK := l.ValidateFilter(s) == nil
			if want := refValid(s, false, l); nameOK != want {
				t.Fatalf("%+v ValidateName(%q) ok=%v, reference %v", l, s, nameOK, want)
			}
			if want := refValid(s, true, l); filterOK != want {
				t.Fatalf("%+v ValidateFilter(%q) ok=%v, reference %v", l, s, filterOK, want)
			}
			if nameOK && !filterOK && !strings.HasPrefix(s, sharePrefix) {
				t.Fatalf("%+v: %q is a valid name but not a valid filter", l, s)
			}
		}
		group, inner, err := ParseShared(s)
		if err == nil && group != "" && ValidateFilter(s) == nil {
			if _, err := scan(inner, true); err != nil { // inner "$share/..." is literal
				t.Fatalf("valid shared filter %q has an invalid inner filter %q: %v", s, inner, err)
			}
		}
		checkNATS(t, s)
		Levels(s)
		Level(s, 3)
		BasicIngest(s)
	})
}

// FuzzMatch checks that Match, the Index and the brute-force references
// agree on valid input, under both matchings, and that nothing panics or
// leaks trie nodes on any input.
func FuzzMatch(f *testing.F) {
	for _, tt := range matchCases {
		f.Add(tt.filter, tt.lit)
	}
	f.Add("a/#/b", "a/x/b")
	f.Add("", "")
	f.Add("$share/g/a", "a")
	f.Fuzz(func(t *testing.T, filter, name string) {
		if len(filter) > maxFuzzLen || len(name) > maxFuzzLen {
			return
		}
		valid := (Limits{}).ValidateFilter(filter) == nil && (Limits{}).ValidateName(name) == nil &&
			!strings.HasPrefix(filter, sharePrefix)
		for _, m := range []Matching{AWSMatching, SpecMatching} {
			got := m.Match(filter, name)
			x := NewIndex[int](m)
			x.Add(filter, 1)
			x.AddShared("g", filter, 2)
			var ms Matches[int]
			x.Match(name, &ms)
			if !x.Remove(filter, 1) || !x.RemoveShared("g", filter, 2) || x.Len() != 0 || !x.root.empty() {
				t.Fatalf("%v: Index of %q not empty after removal", m, filter)
			}
			if !valid {
				continue
			}
			if want := refMatch(m, filter, name); got != want {
				t.Fatalf("%v Match(%q, %q) = %v, reference %v", m, filter, name, got, want)
			}
			if idx := len(ms.Values) == 1 && len(ms.Groups) == 1; idx != got || len(ms.Values) != len(ms.Groups) {
				t.Fatalf("%v Index.Match(%q) with %q = %v %v, Match %v", m, name, filter, ms.Values, ms.Groups, got)
			}
		}
	})
}
