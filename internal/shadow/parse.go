package shadow

import (
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The parser is ours rather than encoding/json's so that one pass gives
// the key order, the number text and a bounded depth, and so that what it
// accepts is exactly what appendJSON writes back (FuzzParseJSON holds it
// to encoding/json).

var (
	errSyntax  = errors.New("invalid JSON")
	errTooDeep = errors.New("JSON nested too deeply")
)

// maxParseDepth bounds the parser's recursion. Anything this deep is
// refused anyway: a shadow state may nest 6 levels.
const maxParseDepth = 32

// parseJSON parses one JSON value that makes up all of b (surrounding
// white space aside). b must be valid UTF-8.
func parseJSON(b []byte) (any, error) {
	p := parser{b: b, s: string(b)}
	return p.parse()
}

func (p *parser) parse() (any, error) {
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.b) {
		return nil, errSyntax
	}
	return v, nil
}

// parser reads b. s is b as one string: strings without escapes and
// numbers are cut from it rather than allocated one by one.
//
// With leaves set (for stored metadata, which we wrote compactly), every
// {"timestamp":N} of one N is one shared object; see leafMetadata.
type parser struct {
	b      []byte
	s      string
	i      int
	leaves bool
	shared []*object
}

func (p *parser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (any, error) {
	if p.i >= len(p.b) {
		return nil, errSyntax
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		return p.str()
	case c == '-' || c >= '0' && c <= '9':
		n, err := p.number()
		if err != nil {
			return nil, err
		}
		return n, nil
	case p.literal("true"):
		return true, nil
	case p.literal("false"):
		return false, nil
	case p.literal("null"):
		return nil, nil
	}
	return nil, errSyntax
}

func (p *parser) literal(lit string) bool {
	if len(p.b)-p.i >= len(lit) && string(p.b[p.i:p.i+len(lit)]) == lit {
		p.i += len(lit)
		return true
	}
	return false
}

func (p *parser) object(depth int) (any, error) {
	if depth > maxParseDepth {
		return nil, errTooDeep
	}
	if p.leaves {
		if o := p.leaf(); o != nil {
			return o, nil
		}
	}
	p.i++ // {
	o := newObject()
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return o, nil
	}
	for {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, errSyntax
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, errSyntax
		}
		p.i++
		p.space()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		o.set(k, v) // a repeated key: the last value wins, in the first place
		p.space()
		if p.i >= len(p.b) {
			return nil, errSyntax
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return o, nil
		default:
			return nil, errSyntax
		}
	}
}

// leaf reads {"timestamp":N} written compactly, or reads nothing.
func (p *parser) leaf() *object {
	const prefix = `{"timestamp":`
	if !hasPrefixAt(p.s, p.i, prefix) {
		return nil
	}
	start := p.i
	p.i += len(prefix)
	if p.i >= len(p.b) || p.b[p.i] != '-' && (p.b[p.i] < '0' || p.b[p.i] > '9') {
		p.i = start
		return nil
	}
	n, err := p.number()
	if err != nil || p.i >= len(p.b) || p.b[p.i] != '}' {
		p.i = start
		return nil
	}
	p.i++
	ts := n
	for _, o := range p.shared {
		if o.vals[0].(number) == ts {
			return o
		}
	}
	o := newLeaf(ts)
	p.shared = append(p.shared, o)
	return o
}

func hasPrefixAt(s string, i int, prefix string) bool {
	return len(s)-i >= len(prefix) && s[i:i+len(prefix)] == prefix
}

func (p *parser) array(depth int) (any, error) {
	if depth > maxParseDepth {
		return nil, errTooDeep
	}
	p.i++ // [
	a := make([]any, 0, 2)
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return a, nil
	}
	for {
		p.space()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.space()
		if p.i >= len(p.b) {
			return nil, errSyntax
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return a, nil
		default:
			return nil, errSyntax
		}
	}
}

// number checks the JSON number grammar and keeps the text.
func (p *parser) number() (number, error) {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case p.digits() == 0:
		return "", errSyntax
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return "", errSyntax
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return "", errSyntax
		}
	}
	return number(p.s[start:p.i]), nil
}

func (p *parser) digits() int {
	n := 0
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}

// str reads a string; the input is valid UTF-8, so only escapes need
// decoding.
func (p *parser) str() (string, error) {
	p.i++ // "
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.s[start:p.i]
			p.i++
			return s, nil
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			return "", errSyntax
		}
		p.i++
	}
	return "", errSyntax
}

// escaped finishes a string that has escapes, from its start.
func (p *parser) escaped(start int) (string, error) {
	buf := append([]byte(nil), p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return string(buf), nil
		case c < 0x20:
			return "", errSyntax
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.b) {
			return "", errSyntax
		}
		e := p.b[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", errSyntax
			}
			if utf16.IsSurrogate(r) {
				r = p.lowSurrogate(r)
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", errSyntax
		}
	}
	return "", errSyntax
}

func (p *parser) hex4() (rune, bool) {
	if len(p.b)-p.i < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.b[p.i:p.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

// lowSurrogate pairs a high surrogate with a following \uDC00-\uDFFF;
// an unpaired surrogate becomes U+FFFD, as encoding/json does.
func (p *parser) lowSurrogate(hi rune) rune {
	if len(p.b)-p.i >= 6 && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
		save := p.i
		p.i += 2
		if lo, ok := p.hex4(); ok {
			if r := utf16.DecodeRune(hi, lo); r != utf8.RuneError {
				return r
			}
		}
		p.i = save
	}
	return utf8.RuneError
}
