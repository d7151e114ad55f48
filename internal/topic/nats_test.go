package topic

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
)

func TestNATSSubject(t *testing.T) {
	tests := []struct{ name, topic, subject string }{
		{"ok/filter", "a/b/+/#", "a.b.*.>"},
		{"ok/name", "temperature/b1/kitchen/t1", "temperature.b1.kitchen.t1"},
		{"ok/dollar", "$aws/things/t1/shadow/update", "$aws.things.t1.shadow.update"},
		{"ok/plus", "+", "*"},
		{"ok/hash", "#", ">"},
		{"ok/empty", "", "%"},
		{"ok/slash", "/", "%.%"},
		{"ok/empty-middle", "a//b", "a.%.b"},
		{"ok/dot", "v1.2/x y", "v1%2E2.x%20y"},
		{"ok/star-gt", "a*b/c>d/*/>", "a%2Ab.c%3Ed.%2A.%3E"},
		{"ok/percent", "100%/%", "100%25.%25"},
		{"ok/controls", "tab\t/nl\n/del\x7f", "tab%09.nl%0A.del%7F"},
		{"ok/unicode-space", "nbsp\u00a0/ideo\u3000", "nbsp%C2%A0.ideo%E3%80%80"},
		{"ok/unicode", "température/日本", "température.日本"},
		{"ok/wildcards-inside-levels", "a+/b#", "a%2B.b%23"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NATSSubject(tt.topic); got != tt.subject {
				t.Fatalf("NATSSubject(%q) = %q, want %q", tt.topic, got, tt.subject)
			}
			back, err := ParseNATSSubject(tt.subject)
			if err != nil || back != tt.topic {
				t.Fatalf("ParseNATSSubject(%q) = %q, %v, want %q", tt.subject, back, err, tt.topic)
			}
		})
	}
	for _, bad := range []string{"", ".", "a..b", "a.", ".a", "%4", "a%zz", "a*b", ">x", "a b", "a\tb"} {
		t.Run("fail/"+bad, func(t *testing.T) {
			if got, err := ParseNATSSubject(bad); !errors.Is(err, ErrNATSSubject) {
				t.Fatalf("ParseNATSSubject(%q) = %q, %v, want ErrNATSSubject", bad, got, err)
			}
		})
	}
}

// natsMatch is a minimal NATS subject matcher: "*" one token, ">" one or
// more tokens.
func natsMatch(sub, subject string) bool {
	st, nt := strings.Split(sub, "."), strings.Split(subject, ".")
	for i, s := range st {
		if s == ">" {
			return len(nt) > i
		}
		if i >= len(nt) || (s != "*" && s != nt[i]) {
			return false
		}
	}
	return len(st) == len(nt)
}

// checkNATS checks that the subject is well formed for NATS, reverses to
// the topic and, for a valid name and filter, matches as AWSMatching does
// (the "$" rule aside, which NATS does not know).
func checkNATS(t *testing.T, topic string) string {
	t.Helper()
	subject := NATSSubject(topic)
	for tok := range strings.SplitSeq(subject, ".") {
		if tok == "" || (strings.ContainsAny(tok, "*>") && len(tok) > 1) {
			t.Fatalf("NATSSubject(%q) = %q has a bad token %q", topic, subject, tok)
		}
	}
	if strings.ContainsFunc(subject, unicode.IsSpace) {
		t.Fatalf("NATSSubject(%q) = %q has white space", topic, subject)
	}
	back, err := ParseNATSSubject(subject)
	if err != nil || back != topic {
		t.Fatalf("ParseNATSSubject(NATSSubject(%q)) = %q, %v", topic, back, err)
	}
	return subject
}

func TestNATSSubjectMatching(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		filter, name := randomTopic(r, true), randomTopic(r, false)
		fs, ns := checkNATS(t, filter), checkNATS(t, name)
		want := newRefFilter(AWSMatching, filter).re.MatchString(name) // without the "$" rule
		if got := natsMatch(fs, ns); got != want {
			t.Fatalf("NATS %q %q = %v, MQTT %q %q = %v", fs, ns, got, filter, name, want)
		}
	}
}

func TestAppendNATSSubjectAllocs(t *testing.T) {
	buf := make([]byte, 0, 128)
	allocs := testing.AllocsPerRun(100, func() {
		buf = AppendNATSSubject(buf[:0], "temperature/b1/kitchen/t 1")
	})
	if allocs != 0 {
		t.Errorf("AppendNATSSubject allocates %v times", allocs)
	}
}
