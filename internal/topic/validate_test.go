package topic

import (
	"errors"
	"strings"
	"testing"
)

// levels returns a topic of n levels "a/a/.../a".
func levels(n int) string { return strings.TrimSuffix(strings.Repeat("a/", n), "/") }

func TestValidateName(t *testing.T) {
	tests := []struct {
		name  string
		topic string
		want  error // nil, or the cause
	}{
		{"ok/simple", "sensor/temperature", nil},
		{"ok/one-level", "a", nil},
		{"ok/slash", "/", nil},
		{"ok/empty-levels", "a//b/", nil},
		{"ok/space", "my home/living room", nil},
		{"ok/dollar", "$aws/things/t1/shadow/update", nil},
		{"ok/unicode", "température/çà/日本", nil},
		{"ok/control-char", "a\x01b", nil}, // allowed: [MQTT-1.5.3] only lets a receiver refuse
		{"ok/256-bytes", strings.Repeat("x", 256), nil},
		{"ok/256-bytes-multibyte", strings.Repeat("é", 128), nil},
		{"ok/8-levels", levels(8), nil},
		{"ok/basic-ingest-prefix-excluded", "$aws/rules/myRule/" + levels(8), nil},
		{"ok/basic-ingest-256-after-prefix", "$aws/rules/r/" + strings.Repeat("x", 256), nil},
		{"ok/basic-ingest-no-rest", "$aws/rules/myRule", nil},
		{"ok/share-prefix-counted-in-names", "$share/g/" + levels(5), nil},
		{"fail/empty", "", ErrEmpty},
		{"fail/257-bytes", strings.Repeat("x", 257), ErrTooLong},
		{"fail/257-bytes-multibyte", "x" + strings.Repeat("é", 128), ErrTooLong},
		{"fail/9-levels", levels(9), ErrTooManyLevels},
		{"fail/8-slashes", strings.Repeat("/", 8), ErrTooManyLevels},
		{"fail/basic-ingest-9-levels-after-prefix", "$aws/rules/r/" + levels(9), ErrTooManyLevels},
		{"fail/basic-ingest-257-after-prefix", "$aws/rules/r/" + strings.Repeat("x", 257), ErrTooLong},
		{"fail/basic-ingest-empty-rule-counted", "$aws/rules//" + levels(6), ErrTooManyLevels},
		{"fail/share-prefix-not-excluded-in-names", "$share/g/" + levels(7), ErrTooManyLevels},
		{"fail/plus", "a/+/b", ErrWildcard},
		{"fail/hash", "a/#", ErrWildcard},
		{"fail/plus-inside-level", "a+b", ErrWildcard},
		{"fail/null", "a/\x00/b", ErrNull},
		{"fail/bad-utf8", "a/\xff", ErrUTF8},
		{"fail/surrogate", "a/\xed\xa0\x80", ErrUTF8},
		{"fail/overlong", "\xc0\xaf", ErrUTF8},
		{"fail/spec-max", strings.Repeat("x", MaxSpecLength+1), ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, ValidateName(tt.topic), tt.want, ErrInvalidName)
		})
	}
}

func TestValidateFilter(t *testing.T) {
	tests := []struct {
		name   string
		filter string
		want   error
	}{
		{"ok/literal", "sensor/temperature", nil},
		{"ok/hash", "#", nil},
		{"ok/plus", "+", nil},
		{"ok/trailing-hash", "sport/tennis/#", nil},
		{"ok/plus-levels", "+/+", nil},
		{"ok/plus-then-hash", "+/tennis/#", nil},
		{"ok/plus-middle", "sport/+/player1", nil},
		{"ok/empty-levels", "/+/", nil},
		{"ok/dollar", "$SYS/#", nil},
		{"ok/8-levels", "a/+/c/d/e/f/g/#", nil},
		{"ok/256-bytes", strings.Repeat("x", 254) + "/#", nil},
		{"ok/share", "$share/group1/sport/#", nil},
		{"ok/share-prefix-excluded", "$share/g/" + levels(8), nil},
		{"ok/share-256-after-prefix", "$share/g/" + strings.Repeat("x", 256), nil},
		{"ok/share-hash", "$share/g/#", nil},
		{"ok/basic-ingest-prefix-excluded", "$aws/rules/r/" + levels(7) + "/+", nil},
		{"ok/share-word-not-prefix", "$share", nil},
		{"ok/sharex", "$sharex/a/b", nil},
		{"fail/empty", "", ErrEmpty},
		{"fail/257-bytes", strings.Repeat("x", 255) + "/#", ErrTooLong},
		{"fail/9-levels", "a/+/c/d/e/f/g/h/#", ErrTooManyLevels},
		{"fail/share-9-levels-after-prefix", "$share/g/" + levels(9), ErrTooManyLevels},
		{"fail/share-257-after-prefix", "$share/g/" + strings.Repeat("x", 257), ErrTooLong},
		{"fail/hash-not-last", "sport/tennis/#/ranking", ErrBadWildcard},
		{"fail/hash-in-level", "sport/tennis#", ErrBadWildcard},
		{"fail/hash-level-prefix", "sport/#x", ErrBadWildcard},
		{"fail/plus-in-level", "sport+", ErrBadWildcard},
		{"fail/plus-level-suffix", "sport/+x/a", ErrBadWildcard},
		{"fail/plus-level-prefix", "a/x+", ErrBadWildcard},
		{"fail/double-hash", "##", ErrBadWildcard},
		{"fail/null", "a/\x00", ErrNull},
		{"fail/bad-utf8", "\xe2\x82", ErrUTF8},
		{"fail/share-no-name", "$share//a", ErrShareName},
		{"fail/share-no-filter", "$share/g/", ErrShareName},
		{"fail/share-no-slash", "$share/g", ErrShareName},
		{"fail/share-only-prefix", "$share/", ErrShareName},
		{"fail/share-plus-name", "$share/+/a", ErrShareName},
		{"fail/share-hash-name", "$share/g#/a", ErrShareName},
		{"fail/share-bad-filter", "$share/g/a/#/b", ErrBadWildcard},
		{"fail/share-null-name", "$share/g\x00/a", ErrNull},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, ValidateFilter(tt.filter), tt.want, ErrInvalidFilter)
		})
	}
}

func checkErr(t *testing.T, err, want, class error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("got %v, want nil", err)
		}
		return
	}
	if !errors.Is(err, want) || !errors.Is(err, class) {
		t.Fatalf("got %v, want %v and %v", err, want, class)
	}
	var te *Error
	if !errors.As(err, &te) || te.Error() == "" {
		t.Fatalf("got %T, want *Error", err)
	}
	other := ErrInvalidName
	if class == ErrInvalidName {
		other = ErrInvalidFilter
	}
	if errors.Is(err, other) {
		t.Fatalf("%v matches both classes", err)
	}
}

func TestLimits(t *testing.T) {
	spec := Limits{}
	if err := spec.ValidateName(levels(100)); err != nil {
		t.Errorf("no level limit: %v", err)
	}
	if err := spec.ValidateFilter(strings.Repeat("x", MaxSpecLength-2) + "/#"); err != nil {
		t.Errorf("no length limit: %v", err)
	}
	if err := spec.ValidateName(strings.Repeat("x", MaxSpecLength+1)); !errors.Is(err, ErrTooLong) {
		t.Errorf("spec length: %v", err)
	}
	l := Limits{MaxLength: 10, MaxLevels: 3}
	if err := l.ValidateName("a/b/c"); err != nil {
		t.Error(err)
	}
	err := l.ValidateName("a/b/c/d")
	if !errors.Is(err, ErrTooManyLevels) || err.Error() != "topic name has more than 3 levels" {
		t.Errorf("levels: %v", err)
	}
	err = l.ValidateFilter("abcdefghi/#")
	if !errors.Is(err, ErrTooLong) || err.Error() != "topic filter is longer than 10 bytes" {
		t.Errorf("length: %v", err)
	}
}

func TestParseShared(t *testing.T) {
	tests := []struct {
		name, in, group, filter string
		fail                    bool
	}{
		{"ok/shared", "$share/consumer1/sport/tennis/+", "consumer1", "sport/tennis/+", false},
		{"ok/shared-hash", "$share/g/#", "g", "#", false},
		{"ok/shared-empty-level", "$share/g//a", "g", "/a", false},
		{"ok/not-shared", "sport/#", "", "sport/#", false},
		{"ok/share-alone", "$share", "", "$share", false},
		{"fail/no-group", "$share//a", "", "", true},
		{"fail/no-filter", "$share/g/", "", "", true},
		{"fail/no-slash", "$share/g", "", "", true},
		{"fail/plus", "$share/a+b/x", "", "", true},
		{"fail/hash", "$share/#/x", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, f, err := ParseShared(tt.in)
			if tt.fail {
				if !errors.Is(err, ErrShareName) || !errors.Is(err, ErrInvalidFilter) {
					t.Fatalf("got %q %q %v, want ErrShareName", g, f, err)
				}
				return
			}
			if err != nil || g != tt.group || f != tt.filter {
				t.Fatalf("got %q %q %v, want %q %q", g, f, err, tt.group, tt.filter)
			}
		})
	}
}

func TestBasicIngest(t *testing.T) {
	tests := []struct {
		in, rule, rest string
		ok             bool
	}{
		{"$aws/rules/BuildingManager/Buildings/Building5", "BuildingManager", "Buildings/Building5", true},
		{"$aws/rules/r", "r", "", true},
		{"$aws/rules/r/", "r", "", true},
		{"$aws/rules/", "", "", false},
		{"$aws/rules//x", "", "", false},
		{"$aws/things/t/shadow/update", "", "", false},
	}
	for _, tt := range tests {
		rule, rest, ok := BasicIngest(tt.in)
		if rule != tt.rule || rest != tt.rest || ok != tt.ok {
			t.Errorf("BasicIngest(%q) = %q %q %v, want %q %q %v", tt.in, rule, rest, ok, tt.rule, tt.rest, tt.ok)
		}
	}
}

func TestLevels(t *testing.T) {
	for _, tt := range []struct {
		in string
		n  int
	}{{"", 1}, {"a", 1}, {"/", 2}, {"a/b/c", 3}, {"a//", 3}} {
		if n := Levels(tt.in); n != tt.n {
			t.Errorf("Levels(%q) = %d, want %d", tt.in, n, tt.n)
		}
	}
	for _, tt := range []struct {
		in    string
		i     int
		level string
		ok    bool
	}{
		{"a/b/c", 0, "a", true}, {"a/b/c", 1, "b", true}, {"a/b/c", 2, "c", true},
		{"a/b/c", 3, "", false}, {"a/b/c", -1, "", false}, {"/x/", 0, "", true},
		{"/x/", 2, "", true}, {"", 0, "", true},
	} {
		level, ok := Level(tt.in, tt.i)
		if level != tt.level || ok != tt.ok {
			t.Errorf("Level(%q, %d) = %q %v, want %q %v", tt.in, tt.i, level, ok, tt.level, tt.ok)
		}
	}
	if !IsWildcard("a/+") || !IsWildcard("#") || IsWildcard("a/b") {
		t.Error("IsWildcard")
	}
}
