package policy

import (
	"strings"
	"unicode/utf8"
)

// This file holds the two string forms a policy value goes through: a
// template (the text as written, with wildcards and ${...} variables found
// once at Parse time) and a glob (the template after substitution, ready to
// match without allocating).

type partKind uint8

const (
	partLit   partKind = iota // literal text
	partStar                  // `*`: any run of characters, crossing `/`
	partQmark                 // `?`: exactly one character
	partVar                   // ${name}: a policy variable
)

type part struct {
	kind partKind
	text string // literal text, or the variable name for partVar
}

// tmpl is a Resource or condition value split into parts.
type tmpl []part

// hasVars reports whether substitution can change the template.
func (t tmpl) hasVars() bool {
	for _, p := range t {
		if p.kind == partVar {
			return true
		}
	}
	return false
}

// parseTemplate splits s. With vars false (policy language 2008-10-17, or
// text where IAM allows no variables) `${...}` stays literal, as IAM does.
// ${*}, ${?} and ${$} are the IAM escapes for a literal `*`, `?` and `$`
// (AWS IoT "policy variables" page). An unterminated `${` is literal text.
func parseTemplate(s string, vars bool) tmpl {
	var t tmpl
	lit := strings.Builder{}
	flush := func() {
		if lit.Len() > 0 {
			t = append(t, part{kind: partLit, text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '*':
			flush()
			t = append(t, part{kind: partStar})
			i++
		case c == '?':
			flush()
			t = append(t, part{kind: partQmark})
			i++
		case vars && c == '$' && strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				lit.WriteString(s[i:])
				i = len(s)
				continue
			}
			name := s[i+2 : i+2+end]
			i += end + 3
			switch name {
			case "*", "?", "$":
				lit.WriteString(name)
			default:
				flush()
				t = append(t, part{kind: partVar, text: name})
			}
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return t
}

// literal renders t with wildcards as their own characters and no
// variables; ok is false when t holds a variable.
func (t tmpl) literal() (string, bool) {
	if len(t) == 1 && t[0].kind == partLit {
		return t[0].text, true // common case: no copy
	}
	var b strings.Builder
	for _, p := range t {
		switch p.kind {
		case partLit:
			b.WriteString(p.text)
		case partStar:
			b.WriteByte('*')
		case partQmark:
			b.WriteByte('?')
		default:
			return "", false
		}
	}
	return b.String(), true
}

// gtok is one token of a compiled glob.
type gtok struct {
	op  partKind // partLit, partStar or partQmark
	lit string
}

type globShape uint8

const (
	shapeGeneral globShape = iota
	shapeExact             // lit
	shapePrefix            // lit*
	shapeSuffix            // *lit
	shapeAny               // *
)

// glob is a compiled pattern. Substituted values are always literal tokens,
// so a client id of "*" can never act as a wildcard.
type glob struct {
	shape globShape
	lit   string
	toks  []gtok
}

// newGlob normalises toks (merging literals, collapsing stars) and picks a
// fast shape.
func newGlob(toks []gtok) glob {
	var out []gtok
	for _, t := range toks {
		n := len(out)
		switch {
		case t.op == partLit && t.lit == "":
			continue
		case t.op == partLit && n > 0 && out[n-1].op == partLit:
			out[n-1].lit += t.lit
		case t.op == partStar && n > 0 && out[n-1].op == partStar:
			continue
		default:
			out = append(out, t)
		}
	}
	g := glob{toks: out}
	switch {
	case len(out) == 0:
		g.shape = shapeExact
	case len(out) == 1 && out[0].op == partLit:
		g.shape, g.lit = shapeExact, out[0].lit
	case len(out) == 1 && out[0].op == partStar:
		g.shape = shapeAny
	case len(out) == 2 && out[0].op == partLit && out[1].op == partStar:
		g.shape, g.lit = shapePrefix, out[0].lit
	case len(out) == 2 && out[0].op == partStar && out[1].op == partLit:
		g.shape, g.lit = shapeSuffix, out[1].lit
	}
	if g.shape != shapeGeneral {
		g.toks = nil // the fast shapes need only lit
	}
	return g
}

// literalGlob is a glob that matches exactly s.
func literalGlob(s string) glob { return glob{shape: shapeExact, lit: s} }

func (g *glob) match(s string) bool {
	switch g.shape {
	case shapeExact:
		return s == g.lit
	case shapePrefix:
		return strings.HasPrefix(s, g.lit)
	case shapeSuffix:
		return strings.HasSuffix(s, g.lit)
	case shapeAny:
		return true
	}
	return matchToks(g.toks, s)
}

// matchToks is the classic single-backtrack wildcard match over tokens: when
// a later token fails, only the most recent star needs to absorb one more
// character. Linear in practice, allocation-free.
func matchToks(toks []gtok, s string) bool {
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for {
		if ti < len(toks) {
			t := &toks[ti]
			switch t.op {
			case partStar:
				starTi, starSi = ti, si
				ti++
				continue
			case partQmark:
				if si < len(s) {
					_, n := utf8.DecodeRuneInString(s[si:])
					si += n
					ti++
					continue
				}
			default:
				if strings.HasPrefix(s[si:], t.lit) {
					si += len(t.lit)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if starTi < 0 || starSi >= len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starSi:])
		starSi += n
		si, ti = starSi, starTi+1
	}
}

// matchFold matches an action pattern such as "iot:Get*" against a name,
// ASCII case-insensitively (IAM action names are case-insensitive).
func matchFold(pattern, s string) bool {
	pi, si := 0, 0
	starPi, starSi := -1, 0
	for {
		if pi < len(pattern) {
			switch c := pattern[pi]; {
			case c == '*':
				starPi, starSi = pi, si
				pi++
				continue
			case si < len(s) && (c == '?' || lower(c) == lower(s[si])):
				pi++
				si++
				continue
			}
		} else if si == len(s) {
			return true
		}
		if starPi < 0 || starSi >= len(s) {
			return false
		}
		starSi++
		si, pi = starSi, starPi+1
	}
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
