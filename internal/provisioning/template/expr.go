package template

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// node is one compiled expression of a template body: a literal, a generic
// object or list, or an intrinsic function. Parse builds the tree once;
// Evaluate walks it per device.
type node interface {
	eval(e *env) (value, error)
}

// cnode is a compiled condition: an entry of the Conditions section or an
// operand of Fn::And, Fn::Or and Fn::Not.
type cnode interface {
	test(e *env) (bool, error)
}

// env is one evaluation: the parameter values and the conditions decided so
// far. It lives for one Evaluate call.
type env struct {
	t     *Template
	vals  []string
	have  []bool
	conds []uint8 // condUnknown, condFalse, condTrue or condBusy
}

const (
	condUnknown uint8 = iota
	condFalse
	condTrue
	condBusy
)

func (e *env) param(i int) (string, error) {
	if e.have[i] {
		return e.vals[i], nil
	}
	p := &e.t.params[i]
	if p.pseudo {
		return "", evalErr(fmt.Sprintf("Parameter %s has no value: the certificate does not provide it.", p.name))
	}
	return "", evalErr(fmt.Sprintf("Missing required parameter: %s.", p.name))
}

func (e *env) cond(i int) (bool, error) {
	switch e.conds[i] {
	case condFalse:
		return false, nil
	case condTrue:
		return true, nil
	case condBusy: // Parse refuses cycles; this only guards the recursion
		return false, evalErr(fmt.Sprintf("condition %s refers to itself", e.t.conds[i].name))
	}
	e.conds[i] = condBusy
	ok, err := e.t.conds[i].c.test(e)
	if err != nil {
		e.conds[i] = condUnknown
		return false, at(err, "Conditions."+e.t.conds[i].name)
	}
	e.conds[i] = condFalse
	if ok {
		e.conds[i] = condTrue
	}
	return ok, nil
}

// evalText evaluates n in a string context. AWS::NoValue reports !present.
func evalText(e *env, n node) (s string, present bool, err error) {
	v, err := n.eval(e)
	if err != nil || v.k == kNone {
		return "", false, err
	}
	s, ok := v.text()
	if !ok {
		return "", false, expectText(v)
	}
	return s, true, nil
}

// mustText is evalText for a function operand, where AWS::NoValue is an error.
func mustText(e *env, n node, fn string) (string, error) {
	s, ok, err := evalText(e, n)
	if err == nil && !ok {
		err = evalErr(fn + ": AWS::NoValue cannot be used here")
	}
	return s, err
}

type lit struct{ v value }

func (n *lit) eval(*env) (value, error) { return n.v, nil }

// objNode is an object that is not an intrinsic function call. Members that
// evaluate to AWS::NoValue are left out.
type objNode struct {
	keys []string
	vals []node
}

func (n *objNode) eval(e *env) (value, error) {
	out := value{k: kObject, keys: make([]string, 0, len(n.keys)), list: make([]value, 0, len(n.keys))}
	for i, vn := range n.vals {
		v, err := vn.eval(e)
		if err != nil {
			return value{}, err
		}
		if v.k != kNone {
			out.keys = append(out.keys, n.keys[i])
			out.list = append(out.list, v)
		}
	}
	return out, nil
}

// arrNode is a literal list. Items that evaluate to AWS::NoValue are left out.
type arrNode struct{ items []node }

func (n *arrNode) eval(e *env) (value, error) {
	out := value{k: kList, list: make([]value, 0, len(n.items))}
	for _, in := range n.items {
		v, err := in.eval(e)
		if err != nil {
			return value{}, err
		}
		if v.k != kNone {
			out.list = append(out.list, v)
		}
	}
	return out, nil
}

// refNode is {"Ref": "<parameter>"}.
type refNode struct{ p int }

func (n *refNode) eval(e *env) (value, error) {
	s, err := e.param(n.p)
	return strValue(s), err
}

// joinNode is {"Fn::Join": [delimiter, [values]]}.
type joinNode struct {
	delim string
	list  node
}

func (n *joinNode) eval(e *env) (value, error) {
	l, err := n.list.eval(e)
	if err != nil {
		return value{}, err
	}
	if l.k != kList {
		return value{}, evalErr(fmt.Sprintf("Fn::Join expects a list of values, got %s", l.k))
	}
	var b strings.Builder
	for i, item := range l.list {
		s, ok := item.text()
		if !ok {
			return value{}, evalErr(fmt.Sprintf("Fn::Join: item %d is %s, not a string", i, item.k))
		}
		if i > 0 {
			b.WriteString(n.delim)
		}
		b.WriteString(s)
	}
	return strValue(b.String()), nil
}

// splitNode is {"Fn::Split": [delimiter, source]}.
type splitNode struct {
	delim string
	src   node
}

func (n *splitNode) eval(e *env) (value, error) {
	s, err := mustText(e, n.src, "Fn::Split")
	if err != nil {
		return value{}, err
	}
	parts := strings.Split(s, n.delim)
	out := value{k: kList, list: make([]value, len(parts))}
	for i, p := range parts {
		out.list[i] = strValue(p)
	}
	return out, nil
}

// selectNode is {"Fn::Select": [index, list]}. AWS: "Fn::Select does not check
// for null values or if the index is out of bounds of the array. Both
// conditions result in a provisioning error".
type selectNode struct{ index, list node }

func (n *selectNode) eval(e *env) (value, error) {
	is, err := mustText(e, n.index, "Fn::Select")
	if err != nil {
		return value{}, err
	}
	l, err := n.list.eval(e)
	if err != nil {
		return value{}, err
	}
	if l.k != kList {
		return value{}, evalErr(fmt.Sprintf("Fn::Select expects a list, got %s", l.k))
	}
	i, err := selectIndex(is, len(l.list))
	if err != nil {
		return value{}, err
	}
	if l.list[i].k == kNull {
		return value{}, evalErr(fmt.Sprintf("Fn::Select: item %d is null", i))
	}
	return l.list[i], nil
}

func selectIndex(s string, n int) (int, error) {
	i, err := strconv.Atoi(s)
	if err != nil {
		return 0, evalErr(fmt.Sprintf("Fn::Select index %q is not an integer", s))
	}
	if i < 0 || i >= n {
		return 0, evalErr(fmt.Sprintf("Fn::Select index %d is out of bounds for a list of %d values", i, n))
	}
	return i, nil
}

// findInMapNode is {"Fn::FindInMap": [mapName, topKey, secondKey]}.
type findInMapNode struct{ m, k1, k2 node }

func (n *findInMapNode) eval(e *env) (value, error) {
	var keys [3]string
	for i, kn := range [3]node{n.m, n.k1, n.k2} {
		s, err := mustText(e, kn, "Fn::FindInMap")
		if err != nil {
			return value{}, err
		}
		keys[i] = s
	}
	v, ok := e.t.lookup(keys[0], keys[1], keys[2])
	if !ok {
		return value{}, evalErr(fmt.Sprintf("Fn::FindInMap: no value for [%s, %s, %s] in Mappings", keys[0], keys[1], keys[2]))
	}
	return v, nil
}

// subNode is {"Fn::Sub": string} or {"Fn::Sub": [string, {var: value}]}.
type subNode struct {
	parts  []subPart
	locals []node
}

// subPart is literal text, a parameter (param >= 0) or a variable of the
// Fn::Sub map (local >= 0).
type subPart struct {
	text         string
	param, local int
}

func (n *subNode) eval(e *env) (value, error) {
	var b strings.Builder
	for _, p := range n.parts {
		switch {
		case p.param >= 0:
			s, err := e.param(p.param)
			if err != nil {
				return value{}, err
			}
			b.WriteString(s)
		case p.local >= 0:
			s, err := mustText(e, n.locals[p.local], "Fn::Sub")
			if err != nil {
				return value{}, err
			}
			b.WriteString(s)
		default:
			b.WriteString(p.text)
		}
	}
	return strValue(b.String()), nil
}

// base64Node is {"Fn::Base64": string}, standard encoding with padding.
type base64Node struct{ src node }

func (n *base64Node) eval(e *env) (value, error) {
	s, err := mustText(e, n.src, "Fn::Base64")
	return strValue(base64.StdEncoding.EncodeToString([]byte(s))), err
}

// ifNode is {"Fn::If": [conditionName, valueIfTrue, valueIfFalse]}.
type ifNode struct {
	cond int
	a, b node
}

func (n *ifNode) eval(e *env) (value, error) {
	ok, err := e.cond(n.cond)
	if err != nil {
		return value{}, err
	}
	if ok {
		return n.a.eval(e)
	}
	return n.b.eval(e)
}

// condValue is a condition function used as a value: it yields a boolean,
// "true" or "false" in a string context.
type condValue struct{ c cnode }

func (n *condValue) eval(e *env) (value, error) {
	ok, err := n.c.test(e)
	return value{k: kBool, b: ok}, err
}

// equalsCond is {"Fn::Equals": [a, b]}: two strings (or numbers, booleans)
// compare by their text; anything else by its JSON form.
type equalsCond struct{ a, b node }

func (c *equalsCond) test(e *env) (bool, error) {
	a, err := c.a.eval(e)
	if err != nil {
		return false, err
	}
	b, err := c.b.eval(e)
	if err != nil {
		return false, err
	}
	as, aok := a.text()
	bs, bok := b.text()
	if aok && bok {
		return as == bs, nil
	}
	return string(appendJSON(nil, a)) == string(appendJSON(nil, b)), nil
}

type notCond struct{ c cnode }

func (c *notCond) test(e *env) (bool, error) {
	ok, err := c.c.test(e)
	return !ok, err
}

// andCond and orCond stop at the first operand that decides.
type andCond struct{ cs []cnode }

func (c *andCond) test(e *env) (bool, error) {
	for _, x := range c.cs {
		if ok, err := x.test(e); err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

type orCond struct{ cs []cnode }

func (c *orCond) test(e *env) (bool, error) {
	for _, x := range c.cs {
		if ok, err := x.test(e); err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// condRef is {"Condition": "<name>"} inside a condition function.
type condRef struct{ i int }

func (c *condRef) test(e *env) (bool, error) { return e.cond(c.i) }
