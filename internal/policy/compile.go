package policy

import "fmt"

// Compiled is the union of a principal's policies with one connection's
// variables substituted. It is immutable: Evaluate and EvaluateRequest may
// be called from any number of goroutines, take no lock and allocate nothing.
type Compiled struct {
	stmts []*cstmt // explicit denies first, then allows, in document order
	// byAction[i] lists, as idx[lo:hi], the statements whose Action or
	// NotAction covers knownActions[i], denies first.
	idx      []*cstmt
	byAction [len(knownActions)]span
}

type span struct{ lo, hi uint32 }

// cstmt is a statement after substitution.
type cstmt struct {
	effect      Effect
	policy      string
	index       int
	sid         string
	actions     []string
	notAction   bool
	notResource bool
	res         []glob
	dyn         []cclause // conditions on request keys, checked per call
}

// resource is a Resource/NotResource entry; one without variables is
// compiled once at Parse and shared by every connection.
type resource struct {
	t      tmpl
	static bool
	g      glob
}

func newResource(t tmpl) resource {
	if t.hasVars() {
		return resource{t: t}
	}
	g, _ := renderGlob(t, nil, false)
	return resource{t: t, static: true, g: g}
}

// Compile substitutes v into docs and prepares them for Evaluate.
//
// An unresolved variable — a thing variable without an attached thing, a
// missing attribute, a certificate attribute AWS would not substitute, an
// out-of-range .N, a multi-valued name — is handled so that it never widens
// an Allow and never narrows a Deny:
//
//   - Allow, Resource: that resource entry matches nothing (AWS: "this
//     variable won't be resolved and will result in an access denied error").
//   - Allow, NotResource: the variable becomes `*`, so the exclusion can only
//     grow and the statement only shrink. (AWS leaves the ${...} text, which
//     would make such an exclusion match nothing and the Allow match all.)
//   - Deny, Resource: the variable becomes `*`: the Deny covers every value
//     the variable could have taken. This is stricter than AWS, whose literal
//     ${...} text makes the Deny miss; a Deny that silently stops denying when
//     a thing is detached is the failure this package refuses.
//   - Deny, NotResource: that exclusion entry matches nothing (same as AWS).
//   - In a condition value, or a condition on a key that is known but
//     unusable: the condition is false in an Allow and true in a Deny.
//
// Condition keys that are absent follow IAM: false, except the negated
// operators, ...IfExists and ForAllValues (true). Keys of the connection
// (iot:ClientId, iot:DomainName, iot:Connection.*, iot:Certificate.*) and any
// key present in v are decided here; all others are request keys.
func Compile(docs []*Document, v Vars) (*Compiled, error) {
	c := &Compiled{}
	var denies, allows []*cstmt
	for di, d := range docs {
		if d == nil {
			return nil, fmt.Errorf("policy: compile: document %d is nil", di)
		}
		for i := range d.stmts {
			s, ok := compileStatement(d, i, v)
			switch {
			case !ok:
			case s.effect == ExplicitDeny:
				denies = append(denies, s)
			default:
				allows = append(allows, s)
			}
		}
	}
	c.stmts = append(denies, allows...)
	c.index()
	return c, nil
}

// index builds the per-action statement lists.
func (c *Compiled) index() {
	for i, a := range knownActions {
		lo := uint32(len(c.idx))
		for _, s := range c.stmts {
			if s.coversAction(string(a)) {
				c.idx = append(c.idx, s)
			}
		}
		c.byAction[i] = span{lo: lo, hi: uint32(len(c.idx))}
	}
}

// compileStatement substitutes one statement; ok is false when it can never
// apply to this connection.
func compileStatement(d *Document, i int, v Vars) (*cstmt, bool) {
	st := &d.stmts[i]
	s := &cstmt{
		effect: st.effect, policy: d.Name, index: i, sid: st.sid,
		actions: st.actions, notAction: st.notAction, notResource: st.notResource,
	}
	for _, cl := range st.conds {
		cc, r := compileClause(cl, v)
		switch {
		case r == clauseTrue:
		case r == clauseFalse:
			return nil, false
		case r == clauseUnknown && s.effect == Allow:
			return nil, false
		case r == clauseUnknown: // Deny: assume it holds
		default:
			s.dyn = append(s.dyn, cc)
		}
	}
	// widen: an unresolved variable becomes `*` (see Compile); otherwise the
	// entry is dropped.
	widen := (s.effect == ExplicitDeny) != s.notResource
	s.res = make([]glob, 0, len(st.resources))
	for _, r := range st.resources {
		if r.static {
			s.res = append(s.res, r.g)
		} else if g, ok := renderGlob(r.t, v, widen); ok {
			s.res = append(s.res, g)
		}
	}
	if !s.notResource && len(s.res) == 0 {
		return nil, false
	}
	return s, true
}

func (s *cstmt) coversAction(name string) bool {
	for _, p := range s.actions {
		if matchFold(p, name) {
			return !s.notAction
		}
	}
	return s.notAction
}

func (s *cstmt) matchesResource(r string) bool {
	for i := range s.res {
		if s.res[i].match(r) {
			return !s.notResource
		}
	}
	return s.notResource
}

// applies reports whether s governs this request. keys may be nil.
func (s *cstmt) applies(resource string, keys Keys) bool {
	if !s.matchesResource(resource) {
		return false
	}
	for i := range s.dyn {
		vals, _ := get(keys, s.dyn[i].c.key)
		if !s.dyn[i].eval(vals) {
			return false
		}
	}
	return true
}

func (s *cstmt) decision() Decision {
	return Decision{Effect: s.effect, Policy: s.policy, Statement: s.index, Sid: s.sid}
}

// Evaluate decides whether action a on resource (a full ARN, or "*" for the
// actions whose resource is "*") is allowed, with no request keys: a
// condition on a request key sees that key as absent. It does not allocate.
func (c *Compiled) Evaluate(a Action, resource string) Decision {
	return c.evaluate(a, resource, nil)
}

// EvaluateRequest is Evaluate with request-time condition keys, such as
// ConnectKeys at CONNECT or aws:CurrentTime. Keys cannot override the
// connection's Vars: conditions on those were decided by Compile. It
// allocates nothing itself.
func (c *Compiled) EvaluateRequest(a Action, resource string, keys Keys) Decision {
	return c.evaluate(a, resource, keys)
}

func (c *Compiled) evaluate(a Action, resource string, keys Keys) Decision {
	if c == nil {
		return Decision{Statement: -1}
	}
	if i := actionIndex(a); i >= 0 {
		sp := c.byAction[i]
		for _, s := range c.idx[sp.lo:sp.hi] {
			if s.applies(resource, keys) {
				return s.decision() // denies come first, so a Deny wins
			}
		}
		return Decision{Statement: -1}
	}
	for _, s := range c.stmts { // other spellings: match actions per call
		if s.coversAction(string(a)) && s.applies(resource, keys) {
			return s.decision()
		}
	}
	return Decision{Statement: -1}
}
