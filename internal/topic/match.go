package topic

import "strings"

// Matching chooses what a trailing "#" matches. The zero value is AWS IoT
// Core's behaviour.
type Matching uint8

const (
	// AWSMatching: "#" matches one or more levels, so "sensor/#" matches
	// "sensor/" and "sensor/a/b" but not "sensor" (AWS IoT Core, a
	// documented deviation from MQTT).
	AWSMatching Matching = iota
	// SpecMatching: "#" matches zero or more levels, so "sensor/#" also
	// matches "sensor", its parent level [MQTT-4.7.1-2].
	SpecMatching
)

// String returns "aws" or "spec".
func (m Matching) String() string {
	if m == SpecMatching {
		return "spec"
	}
	return "aws"
}

// Match reports whether the topic name matches the filter under
// AWSMatching. See Matching.Match.
func Match(filter, name string) bool { return AWSMatching.Match(filter, name) }

// Match reports whether the topic name matches the filter: "+" matches
// exactly one level, possibly empty; "#" matches the remaining levels (one
// or more, or zero under SpecMatching); any other level matches itself.
// A filter starting with "+" or "#" does not match a name starting with
// "$" [MQTT-4.7.2-1]. Both are assumed valid (see ValidateName and
// ValidateFilter); a "$share/<group>/" prefix must be removed first
// (ParseShared). For invalid input the answer means nothing, but Match
// never panics. It does not allocate.
func (m Matching) Match(filter, name string) bool {
	if name != "" && name[0] == '$' && filter != "" && (filter[0] == '+' || filter[0] == '#') {
		return false
	}
	for {
		fl, frest, fmore := cut(filter)
		if fl == "#" {
			return true // name has at least this one level left
		}
		nl, nrest, nmore := cut(name)
		if fl != "+" && fl != nl {
			return false
		}
		switch {
		case !fmore && !nmore:
			return true
		case !nmore:
			return m == SpecMatching && frest == "#"
		case !fmore:
			return false
		}
		filter, name = frest, nrest
	}
}

// cut splits off the first level of s; more is false when s was the last.
func cut(s string) (level, rest string, more bool) {
	i := strings.IndexByte(s, '/')
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}
