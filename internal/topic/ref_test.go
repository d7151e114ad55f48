package topic

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Brute-force references, written differently from the code under test:
// matching through regular expressions or split levels, validation through
// strings.Split.

// refFilter compiles a valid, non-shared filter to two matchers.
type refFilter struct {
	filter string
	m      Matching
	levels []string
	re     *regexp.Regexp
}

func newRefFilter(m Matching, filter string) refFilter {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	levels := strings.Split(filter, "/")
	for i, l := range levels {
		if l == "#" && i == len(levels)-1 {
			switch {
			case i == 0:
				b.WriteString(`.*`)
			case m == SpecMatching:
				b.WriteString(`(/.*)?`)
			default:
				b.WriteString(`/.*`)
			}
			break
		}
		if i > 0 {
			b.WriteString("/")
		}
		if l == "+" {
			b.WriteString(`[^/]*`)
		} else {
			b.WriteString(regexp.QuoteMeta(l))
		}
	}
	b.WriteString(`$`)
	return refFilter{filter: filter, m: m, levels: levels, re: regexp.MustCompile(b.String())}
}

func (r refFilter) dollarRule(name string) bool {
	return strings.HasPrefix(name, "$") && (strings.HasPrefix(r.filter, "+") || strings.HasPrefix(r.filter, "#"))
}

// match matches through the regular expression.
func (r refFilter) match(name string) bool {
	return !r.dollarRule(name) && r.re.MatchString(name)
}

// matchLevels matches the levels of name, strings.Split(name, "/").
func (r refFilter) matchLevels(name string, levels []string) bool {
	if r.dollarRule(name) {
		return false // [MQTT-4.7.2-1]
	}
	for i, f := range r.levels {
		if f == "#" && i == len(r.levels)-1 {
			return len(levels) > i || (r.m == SpecMatching && len(levels) == i)
		}
		if i >= len(levels) || (f != "+" && f != levels[i]) {
			return false
		}
	}
	return len(levels) == len(r.levels)
}

// refMatch matches with both references and panics if they disagree.
func refMatch(m Matching, filter, name string) bool {
	r := newRefFilter(m, filter)
	got := r.match(name)
	if r.matchLevels(name, strings.Split(name, "/")) != got {
		panic("references disagree on " + filter + " " + name)
	}
	return got
}

// refValid reports whether s is a valid name or filter under l.
func refValid(s string, filter bool, l Limits) bool {
	if s == "" || len(s) > MaxSpecLength || !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return false
	}
	body := s
	if filter && strings.HasPrefix(s, "$share/") {
		parts := strings.SplitN(s, "/", 3)
		if len(parts) < 3 || parts[1] == "" || strings.ContainsAny(parts[1], "+#") || parts[2] == "" {
			return false
		}
		body = parts[2]
	}
	if strings.HasPrefix(body, "$aws/rules/") {
		parts := strings.SplitN(body, "/", 4)
		if parts[2] != "" {
			body = ""
			if len(parts) == 4 {
				body = parts[3]
			}
		}
	}
	levels := strings.Split(s, "/")
	for i, lv := range levels {
		if !filter && strings.ContainsAny(lv, "+#") {
			return false
		}
		if strings.Contains(lv, "+") && lv != "+" {
			return false
		}
		if strings.Contains(lv, "#") && (lv != "#" || i != len(levels)-1) {
			return false
		}
	}
	if l.MaxLength > 0 && len(body) > l.MaxLength {
		return false
	}
	return l.MaxLevels == 0 || len(strings.Split(body, "/")) <= l.MaxLevels
}
