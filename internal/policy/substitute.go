package policy

// Substitution: turning parsed templates and clauses into globs and
// compiled clauses for one connection's Vars.

// renderGlob substitutes v into t. Substituted values are literal text. An
// unresolved variable becomes `*` when widen is set; otherwise the pattern
// is dropped (ok is false).
func renderGlob(t tmpl, v Vars, widen bool) (glob, bool) {
	toks := make([]gtok, 0, len(t))
	for _, p := range t {
		switch p.kind {
		case partLit:
			toks = append(toks, gtok{op: partLit, lit: p.text})
		case partStar, partQmark:
			toks = append(toks, gtok{op: p.kind})
		default:
			if val, ok := v.resolve(p.text); ok {
				toks = append(toks, gtok{op: partLit, lit: val})
			} else if widen {
				toks = append(toks, gtok{op: partStar})
			} else {
				return glob{}, false
			}
		}
	}
	return newGlob(toks), true
}

// renderString substitutes v into t for the operators without wildcards,
// where `*` and `?` are ordinary characters.
func renderString(t tmpl, v Vars) (string, bool) {
	if s, ok := t.literal(); ok {
		return s, true
	}
	resolved := make(tmpl, 0, len(t))
	for _, p := range t {
		if p.kind == partVar {
			val, ok := v.resolve(p.text)
			if !ok {
				return "", false
			}
			p = part{kind: partLit, text: val}
		}
		resolved = append(resolved, p)
	}
	return resolved.literal()
}

// renderArn substitutes v into t and splits the pattern at its first five
// colons into the six ARN components IAM compares separately. A pattern
// with fewer components (say "*") is matched against the whole value.
func renderArn(t tmpl, v Vars) (arnPattern, bool) {
	var out arnPattern
	g, ok := renderGlob(t, v, false)
	if !ok {
		return out, false
	}
	toks := g.toks
	if g.shape != shapeGeneral {
		toks = shapeToks(g)
	}
	comps := splitColons(toks)
	if len(comps) < arnParts {
		out.whole = true
		out.parts[0] = g
		return out, true
	}
	for i := range out.parts {
		out.parts[i] = newGlob(comps[i])
	}
	return out, true
}

// shapeToks rebuilds the token list of a fast-shaped glob.
func shapeToks(g glob) []gtok {
	lit := gtok{op: partLit, lit: g.lit}
	star := gtok{op: partStar}
	switch g.shape {
	case shapePrefix:
		return []gtok{lit, star}
	case shapeSuffix:
		return []gtok{star, lit}
	case shapeAny:
		return []gtok{star}
	}
	return []gtok{lit}
}

// splitColons cuts a token list at the colons of its literal tokens, at
// most arnParts-1 times.
func splitColons(toks []gtok) [][]gtok {
	comps := [][]gtok{nil}
	for _, t := range toks {
		if t.op != partLit {
			comps[len(comps)-1] = append(comps[len(comps)-1], t)
			continue
		}
		s := t.lit
		for len(comps) < arnParts {
			i := indexColon(s)
			if i < 0 {
				break
			}
			comps[len(comps)-1] = append(comps[len(comps)-1], gtok{op: partLit, lit: s[:i]})
			comps = append(comps, nil)
			s = s[i+1:]
		}
		comps[len(comps)-1] = append(comps[len(comps)-1], gtok{op: partLit, lit: s})
	}
	return comps
}

func indexColon(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return i
		}
	}
	return -1
}

type clauseResult uint8

const (
	clauseDynamic clauseResult = iota // depends on request keys
	clauseTrue
	clauseFalse
	clauseUnknown // an unresolved variable or unusable key: see Compile
)

// compileClause substitutes the clause's values and, when its key belongs
// to the connection, decides it now.
func compileClause(cl *clause, v Vars) (cclause, clauseResult) {
	cc := cclause{c: cl}
	for _, t := range cl.vals {
		if !cc.addValue(t, v) {
			return cc, clauseUnknown
		}
	}
	vals, st := v.lookup(cl.key)
	switch {
	case st == keyUnresolvable:
		return cc, clauseUnknown
	case st == keyAbsent && !connectionKey(cl.key):
		return cc, clauseDynamic
	case cc.eval(vals):
		return cc, clauseTrue
	}
	return cc, clauseFalse
}

func (cc *cclause) addValue(t tmpl, v Vars) bool {
	switch {
	case cc.c.def.fam == famArn:
		a, ok := renderArn(t, v)
		cc.arns = append(cc.arns, a)
		return ok
	case cc.c.def.cmp == cmpLike:
		g, ok := renderGlob(t, v, false)
		cc.globs = append(cc.globs, g)
		return ok
	}
	s, ok := renderString(t, v)
	cc.strs = append(cc.strs, s)
	return ok
}
