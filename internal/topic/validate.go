package topic

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxSpecLength is the MQTT limit on any topic name or filter: a UTF-8
// string whose length fits in two bytes [MQTT-4.7.3-3] [MQTT-1.5.3].
const MaxSpecLength = 65535

const (
	sharePrefix       = "$share/"
	basicIngestPrefix = "$aws/rules/"
)

// Class errors: every *Error matches exactly one of them with errors.Is.
// The broker maps them to MQTT 5 reason codes.
var (
	// ErrInvalidName: reason code 0x90 Topic Name invalid.
	ErrInvalidName = errors.New("invalid topic name")
	// ErrInvalidFilter: reason code 0x8F Topic Filter invalid.
	ErrInvalidFilter = errors.New("invalid topic filter")
)

// Cause errors: every *Error matches exactly one of them with errors.Is.
var (
	ErrEmpty         = errors.New("topic: empty")                       // [MQTT-4.7.3-1]
	ErrTooLong       = errors.New("topic: too long")                    // Limits.MaxLength or [MQTT-4.7.3-3]
	ErrTooManyLevels = errors.New("topic: too many levels")             // Limits.MaxLevels
	ErrWildcard      = errors.New("topic: wildcard in a topic name")    // [MQTT-4.7.1-1] [MQTT-3.3.2-2]
	ErrBadWildcard   = errors.New("topic: misplaced wildcard")          // [MQTT-4.7.1-2] [MQTT-4.7.1-3]
	ErrNull          = errors.New("topic: contains U+0000")             // [MQTT-4.7.3-2] [MQTT-1.5.3-2]
	ErrUTF8          = errors.New("topic: invalid UTF-8")               // [MQTT-1.5.3-1]
	ErrShareName     = errors.New("topic: invalid shared subscription") // [MQTT-4.8.2-1] [MQTT-4.8.2-2]
)

// Error says why a topic name or filter is invalid. It carries no part of
// the topic itself: the caller has it, and it may be 64 KiB of client input.
type Error struct {
	Filter bool  // a filter was checked (ErrInvalidFilter); else a name (ErrInvalidName)
	Cause  error // one of the cause errors (ErrEmpty, ErrTooLong, ...)
	Limit  int   // the limit exceeded, for ErrTooLong and ErrTooManyLevels
}

// Error returns a message fit for a client: "topic filter has more than 8
// levels", in the plain style of AWS IoT's error messages.
func (e *Error) Error() string {
	what := "topic name"
	if e.Filter {
		what = "topic filter"
	}
	switch e.Cause {
	case ErrEmpty:
		return what + " is empty"
	case ErrTooLong:
		return what + " is longer than " + strconv.Itoa(e.Limit) + " bytes"
	case ErrTooManyLevels:
		return what + " has more than " + strconv.Itoa(e.Limit) + " levels"
	case ErrWildcard:
		return what + " must not contain the wildcards + or #"
	case ErrBadWildcard:
		return what + ": + and # must each be a whole level, and # the last level"
	case ErrNull:
		return what + " must not contain U+0000"
	case ErrUTF8:
		return what + " is not valid UTF-8"
	case ErrShareName:
		return what + ": $share/ must be followed by a share name without /, + or #, a / and a filter"
	}
	return what + " is invalid"
}

// Is reports whether target is e's class or e's cause.
func (e *Error) Is(target error) bool {
	if target == e.Cause {
		return true
	}
	if e.Filter {
		return target == ErrInvalidFilter
	}
	return target == ErrInvalidName
}

// Limits bounds topic names and filters beyond the MQTT spec. A zero field
// means no limit other than the spec's. The "$aws/rules/<ruleName>/"
// prefix of Basic Ingest topics (names and filters) and the
// "$share/<group>/" prefix of shared subscriptions (filters) are not
// counted, as in AWS IoT Core; the spec's 65535 bytes count everything.
type Limits struct {
	MaxLength int // bytes of UTF-8
	MaxLevels int // levels, i.e. slashes + 1
}

// AWSLimits returns AWS IoT Core's limits: 256 bytes and 8 levels (7
// slashes) for names and filters alike.
func AWSLimits() Limits { return Limits{MaxLength: 256, MaxLevels: 8} }

// ValidateName checks a PUBLISH topic name (or a will topic) against the
// MQTT rules and AWSLimits.
func ValidateName(name string) error { return AWSLimits().ValidateName(name) }

// ValidateFilter checks a SUBSCRIBE or UNSUBSCRIBE topic filter, shared
// ("$share/<group>/<filter>") or not, against the MQTT rules and AWSLimits.
func ValidateFilter(filter string) error { return AWSLimits().ValidateFilter(filter) }

// ValidateName checks a topic name: non-empty, valid UTF-8 without U+0000,
// no wildcard, within the limits. An MQTT 5 PUBLISH with an empty name and
// a topic alias is the broker's to resolve before calling this.
// It does not allocate unless it fails.
func (l Limits) ValidateName(name string) error { return l.validate(name, false) }

// ValidateFilter checks a topic filter: non-empty, valid UTF-8 without
// U+0000, "+" and "#" only as whole levels and "#" only last, a well-formed
// "$share/<group>/" prefix if any, within the limits. It does not allocate
// unless it fails.
func (l Limits) ValidateFilter(filter string) error { return l.validate(filter, true) }

func (l Limits) validate(s string, filter bool) error {
	fail := func(cause error, limit int) error { return &Error{Filter: filter, Cause: cause, Limit: limit} }
	if s == "" {
		return fail(ErrEmpty, 0) // [MQTT-4.7.3-1]
	}
	if len(s) > MaxSpecLength {
		return fail(ErrTooLong, MaxSpecLength) // [MQTT-4.7.3-3]
	}
	body := s // the part the limits count
	if filter && strings.HasPrefix(s, sharePrefix) {
		_, inner, err := ParseShared(s)
		if err != nil {
			return err
		}
		body = inner
	}
	body = body[basicIngestLen(body):]
	slashes, err := scan(s, filter)
	if err != nil {
		return fail(err, 0)
	}
	if l.MaxLength > 0 && len(body) > l.MaxLength {
		return fail(ErrTooLong, l.MaxLength)
	}
	if l.MaxLevels > 0 {
		if len(body) < len(s) { // slashes of the exempt prefix are not counted
			slashes = strings.Count(body, "/")
		}
		if slashes+1 > l.MaxLevels {
			return fail(ErrTooManyLevels, l.MaxLevels)
		}
	}
	return nil
}

// scan checks the characters of s in one pass and counts its slashes.
func scan(s string, filter bool) (slashes int, err error) {
	ascii := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case 0:
			return 0, ErrNull
		case '/':
			slashes++
		case '+':
			if !filter {
				return 0, ErrWildcard
			}
			if (i > 0 && s[i-1] != '/') || (i+1 < len(s) && s[i+1] != '/') {
				return 0, ErrBadWildcard // [MQTT-4.7.1-3]
			}
		case '#':
			if !filter {
				return 0, ErrWildcard
			}
			if i != len(s)-1 || (i > 0 && s[i-1] != '/') {
				return 0, ErrBadWildcard // [MQTT-4.7.1-2]
			}
		default:
			if c >= utf8.RuneSelf {
				ascii = false
			}
		}
	}
	// utf8.ValidString rejects surrogates and overlongs too [MQTT-1.5.3-1].
	// Control characters and non-characters are allowed: the spec lets a
	// receiver refuse them but does not require it [MQTT-1.5.3].
	if !ascii && !utf8.ValidString(s) {
		return 0, ErrUTF8
	}
	return slashes, nil
}

// ParseShared splits a shared-subscription filter "$share/<group>/<filter>"
// into its share name and filter. A filter without the "$share/" prefix is
// returned unchanged with group "". The share name must be non-empty and
// hold none of "/", "+", "#", and a non-empty filter must follow it
// [MQTT-4.8.2-1] [MQTT-4.8.2-2]; the filter itself is not checked here
// (ValidateFilter checks the whole).
func ParseShared(filter string) (group, inner string, err error) {
	if !strings.HasPrefix(filter, sharePrefix) {
		return "", filter, nil
	}
	rest := filter[len(sharePrefix):]
	i := strings.IndexByte(rest, '/')
	if i <= 0 || i == len(rest)-1 || strings.ContainsAny(rest[:i], "+#") {
		return "", "", &Error{Filter: true, Cause: ErrShareName}
	}
	return rest[:i], rest[i+1:], nil
}

// BasicIngest splits a Basic Ingest topic "$aws/rules/<ruleName>/<rest>"
// (or "$aws/rules/<ruleName>") into the rule name and the rest, which is
// what the rule's topic() sees. ok is false for any other topic.
func BasicIngest(name string) (rule, rest string, ok bool) {
	if !strings.HasPrefix(name, basicIngestPrefix) {
		return "", "", false
	}
	rule, rest, _ = strings.Cut(name[len(basicIngestPrefix):], "/")
	if rule == "" {
		return "", "", false
	}
	return rule, rest, true
}

// basicIngestLen is the length of the Basic Ingest prefix of s, slash
// included, or 0.
func basicIngestLen(s string) int {
	if _, rest, ok := BasicIngest(s); ok {
		return len(s) - len(rest)
	}
	return 0
}

// IsWildcard reports whether a valid filter holds "+" or "#", i.e. can
// match more than one name. AWS IoT delivers retained messages on
// SUBSCRIBE only to filters that equal the topic.
func IsWildcard(filter string) bool { return strings.ContainsAny(filter, "+#") }

// Levels returns the number of levels of a name or filter: its slashes plus
// one ("" and "/" have one and two empty levels).
func Levels(s string) int { return strings.Count(s, "/") + 1 }

// Level returns level i (from 0) of a name or filter, and false if s has no
// such level. It does not allocate.
func Level(s string, i int) (string, bool) {
	if i < 0 {
		return "", false
	}
	for ; i > 0; i-- {
		j := strings.IndexByte(s, '/')
		if j < 0 {
			return "", false
		}
		s = s[j+1:]
	}
	level, _, _ := strings.Cut(s, "/")
	return level, true
}
