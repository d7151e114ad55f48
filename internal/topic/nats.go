package topic

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrNATSSubject is returned by ParseNATSSubject for a subject that
// NATSSubject cannot have produced.
var ErrNATSSubject = errors.New("topic: not a subject made by NATSSubject")

// NATSSubject maps a topic name or filter to a NATS subject for cluster
// mode, level by level:
//
//	level "+"  -> token "*"      a/b/+/#      -> a.b.*.>
//	level "#"  -> token ">"      a//b         -> a.%.b
//	level ""   -> token "%"      v1.2/x y     -> v1%2E2.x%20y
//	other      -> the level, with these bytes as %XX (upper-case hex):
//	              % . * > + # space, ASCII controls, DEL, and the UTF-8
//	              bytes of non-ASCII white space (unicode.IsSpace)
//
// NATS subjects cannot hold white space or empty tokens, and give ".",
// "*" and ">" their own meaning; "%" escapes because it reads well and "/"
// never occurs inside a level. The mapping is reversible for every string
// (ParseNATSSubject), so a "*" or ">" token is always a wildcard and "*"
// inside a level is always an escape.
//
// NATS wildcards follow AWSMatching: "a.>" does not match "a". Under
// SpecMatching a node subscribes to the parent subject as well. NATS
// wildcards also match "$" tokens, so a receiver re-checks
// [MQTT-4.7.2-1] with Match before delivering. The caller adds any
// cluster prefix ("roost.msg." + subject).
func NATSSubject(topic string) string {
	var buf [256]byte
	return string(AppendNATSSubject(buf[:0], topic))
}

// AppendNATSSubject appends NATSSubject(topic) to dst.
func AppendNATSSubject(dst []byte, topic string) []byte {
	for {
		level, rest, more := cut(topic)
		switch level {
		case "":
			dst = append(dst, '%')
		case "+":
			dst = append(dst, '*')
		case "#":
			dst = append(dst, '>')
		default:
			dst = appendEscaped(dst, level)
		}
		if !more {
			return dst
		}
		dst = append(dst, '.')
		topic = rest
	}
}

const upperHex = "0123456789ABCDEF"

// natsEscaped marks the ASCII bytes escaped inside a level.
var natsEscaped = func() (t [utf8.RuneSelf]bool) {
	for c := range byte(' ' + 1) {
		t[c] = true // controls and space
	}
	for _, c := range []byte("%.*>+#\x7f") {
		t[c] = true
	}
	return t
}()

// appendEscaped appends level with the bytes NATSSubject escapes as %XX,
// copying runs of plain bytes at once.
func appendEscaped(dst []byte, level string) []byte {
	plain := 0 // start of the run of plain bytes
	for i := 0; i < len(level); {
		c, size, escape := level[i], 1, false
		if c < utf8.RuneSelf {
			escape = natsEscaped[c]
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(level[i:])
			escape = r != utf8.RuneError && unicode.IsSpace(r)
		}
		if escape {
			dst = append(dst, level[plain:i]...)
			for _, b := range []byte(level[i : i+size]) {
				dst = append(dst, '%', upperHex[b>>4], upperHex[b&15])
			}
			plain = i + size
		}
		i += size
	}
	return append(dst, level[plain:]...)
}

// ParseNATSSubject reverses NATSSubject: it returns the topic name or
// filter a subject was made from, or ErrNATSSubject.
func ParseNATSSubject(subject string) (string, error) {
	var b strings.Builder
	b.Grow(len(subject))
	for {
		tok, rest, more := strings.Cut(subject, ".")
		switch tok {
		case "":
			return "", ErrNATSSubject
		case "%":
		case "*":
			b.WriteByte('+')
		case ">":
			b.WriteByte('#')
		default:
			if err := unescape(&b, tok); err != nil {
				return "", err
			}
		}
		if !more {
			return b.String(), nil
		}
		b.WriteByte('/')
		subject = rest
	}
}

func unescape(b *strings.Builder, tok string) error {
	for i := 0; i < len(tok); i++ {
		switch c := tok[i]; c {
		case '*', '>', ' ', '\t', '\r', '\n':
			return ErrNATSSubject
		case '%':
			if i+2 >= len(tok) {
				return ErrNATSSubject
			}
			hi, lo := unhex(tok[i+1]), unhex(tok[i+2])
			if hi < 0 || lo < 0 {
				return ErrNATSSubject
			}
			b.WriteByte(byte(hi<<4 | lo))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return nil
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'A' <= c && c <= 'F':
		return int(c - 'A' + 10)
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10)
	}
	return -1
}
