package template

import (
	"fmt"
	"strings"
)

// compiler turns decoded JSON into nodes, checking at Parse everything that
// does not depend on a device's parameters.
type compiler struct {
	t         *Template
	resources map[string]bool // logical ids, for a clear error on Ref to a resource
	cur       int             // index of the condition being compiled, -1 outside Conditions
	deps      [][]int         // deps[i]: the conditions condition i refers to
}

// unsupported lists CloudFormation functions that AWS IoT templates do not
// document, so that using one gets a precise error.
var unsupported = map[string]bool{
	"Fn::GetAtt": true, "Fn::GetAZs": true, "Fn::ImportValue": true, "Fn::Cidr": true,
	"Fn::Transform": true, "Fn::Length": true, "Fn::ToJsonString": true,
}

// isIntrinsicKey reports whether an object key names an intrinsic function.
func isIntrinsicKey(k string) bool { return k == "Ref" || strings.HasPrefix(k, "Fn::") }

// value compiles any JSON value: literals, lists, objects and intrinsics.
func (c *compiler) value(v any, path string) (node, error) {
	switch t := v.(type) {
	case []any:
		n := &arrNode{items: make([]node, len(t))}
		for i, item := range t {
			in, err := c.value(item, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			n.items[i] = in
		}
		return n, nil
	case *object:
		for _, k := range t.keys {
			if isIntrinsicKey(k) {
				if len(t.keys) != 1 {
					return nil, parseErr(path, fmt.Sprintf("%s must be the only key of its object.", k))
				}
				return c.intrinsic(k, t.vals[0], path+"."+k)
			}
		}
		n := &objNode{keys: t.keys, vals: make([]node, len(t.vals))}
		for i, mv := range t.vals {
			mn, err := c.value(mv, path+"."+t.keys[i])
			if err != nil {
				return nil, err
			}
			n.vals[i] = mn
		}
		return n, nil
	}
	return &lit{v: literal(v)}, nil
}

// text compiles a value that must evaluate to a string.
func (c *compiler) text(v any, path string) (node, error) {
	n, err := c.value(v, path)
	if err != nil {
		return nil, err
	}
	switch t := n.(type) {
	case *objNode:
		return nil, parseErr(path, "expected a string, not an object.")
	case *arrNode:
		return nil, parseErr(path, "expected a string, not a list.")
	case *lit:
		if t.v.k == kNull {
			return nil, parseErr(path, "expected a string, not null.")
		}
	}
	return n, nil
}

// list compiles a value that must evaluate to a list; with items set, a
// literal list's items must be strings.
func (c *compiler) list(v any, path string, items bool) (node, error) {
	if l, ok := v.([]any); ok && items {
		n := &arrNode{items: make([]node, len(l))}
		for i, item := range l {
			in, err := c.text(item, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			n.items[i] = in
		}
		return n, nil
	}
	n, err := c.value(v, path)
	if err != nil {
		return nil, err
	}
	switch n.(type) {
	case *objNode, *lit:
		return nil, parseErr(path, "expected a list.")
	}
	return n, nil
}

// args checks that an intrinsic's argument is a list of n items.
func args(fn string, arg any, n int, path string) ([]any, error) {
	l, ok := arg.([]any)
	if !ok || len(l) != n {
		return nil, parseErr(path, fmt.Sprintf("%s takes a list of %d arguments.", fn, n))
	}
	return l, nil
}

// literalString checks an argument that AWS and CloudFormation require to be
// a plain string (a delimiter, a condition name).
func literalString(fn, what string, v any, path string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", parseErr(path, fmt.Sprintf("the %s of %s must be a string literal.", what, fn))
	}
	return s, nil
}

func (c *compiler) intrinsic(fn string, arg any, path string) (node, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, parseErr(path, "Ref takes the name of a parameter.")
		}
		return c.ref(name, path)
	case "Fn::Join":
		return c.join(arg, path)
	case "Fn::Split":
		a, err := args(fn, arg, 2, path)
		if err != nil {
			return nil, err
		}
		delim, err := literalString(fn, "delimiter", a[0], path)
		if err != nil {
			return nil, err
		}
		if delim == "" {
			return nil, parseErr(path, "the delimiter of Fn::Split must not be empty.")
		}
		src, err := c.text(a[1], path+"[1]")
		return &splitNode{delim: delim, src: src}, err
	case "Fn::Select":
		return c.selectFn(arg, path)
	case "Fn::FindInMap":
		return c.findInMap(arg, path)
	case "Fn::Sub":
		return c.sub(arg, path)
	case "Fn::Base64":
		src, err := c.text(arg, path)
		return &base64Node{src: src}, err
	case "Fn::If":
		return c.ifFn(arg, path)
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or":
		cn, err := c.condFn(fn, arg, path)
		return &condValue{c: cn}, err
	}
	if unsupported[fn] {
		return nil, parseErr(path, fmt.Sprintf("%s is not supported in provisioning templates.", fn))
	}
	return nil, parseErr(path, fmt.Sprintf("unknown intrinsic function %s.", fn))
}

// ref resolves a name used by Ref or Fn::Sub. Declared parameters come
// first; AWS::NoValue and the AWS::IoT::Certificate::* pseudo parameters are
// known; any other name is an undeclared parameter read from the RegisterThing
// parameters, as AWS's own create-provisioning-template example relies on
// (it references SerialNumber without declaring it).
func (c *compiler) ref(name, path string) (node, error) {
	if i, ok := c.t.byName[name]; ok {
		return &refNode{p: i}, nil
	}
	switch {
	case name == NoValue:
		return &lit{v: value{k: kNone}}, nil
	case name == "":
		return nil, parseErr(path, "Ref names no parameter.")
	case strings.HasPrefix(name, "AWS::") && !IsPseudoParameter(name):
		return nil, parseErr(path, fmt.Sprintf("unsupported pseudo parameter %s.", name))
	case c.resources[name]:
		return nil, parseErr(path, fmt.Sprintf("Ref to the resource %s is not supported; Ref names a parameter.", name))
	}
	c.t.byName[name] = len(c.t.params)
	c.t.params = append(c.t.params, param{name: name, pseudo: IsPseudoParameter(name), minLen: -1, maxLen: -1})
	return &refNode{p: len(c.t.params) - 1}, nil
}

func (c *compiler) join(arg any, path string) (node, error) {
	a, err := args("Fn::Join", arg, 2, path)
	if err != nil {
		return nil, err
	}
	delim, err := literalString("Fn::Join", "delimiter", a[0], path)
	if err != nil {
		return nil, err
	}
	list, err := c.list(a[1], path+"[1]", true)
	return &joinNode{delim: delim, list: list}, err
}

func (c *compiler) selectFn(arg any, path string) (node, error) {
	a, err := args("Fn::Select", arg, 2, path)
	if err != nil {
		return nil, err
	}
	index, err := c.text(a[0], path+"[0]")
	if err != nil {
		return nil, err
	}
	list, err := c.list(a[1], path+"[1]", false)
	if err != nil {
		return nil, err
	}
	il, iok := index.(*lit)
	ll, lok := list.(*arrNode)
	if iok && lok {
		s, _ := il.v.text()
		if _, err := selectIndex(s, len(ll.items)); err != nil {
			return nil, parseErr(path, err.(*EvalError).Reason+".")
		}
	}
	return &selectNode{index: index, list: list}, nil
}

func (c *compiler) findInMap(arg any, path string) (node, error) {
	a, err := args("Fn::FindInMap", arg, 3, path)
	if err != nil {
		return nil, err
	}
	var ns [3]node
	var keys [3]string
	static := true
	for i := range ns {
		if ns[i], err = c.text(a[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return nil, err
		}
		l, ok := ns[i].(*lit)
		static = static && ok
		if ok {
			keys[i], _ = l.v.text()
		}
	}
	if static {
		v, ok := c.t.lookup(keys[0], keys[1], keys[2])
		if !ok {
			return nil, parseErr(path, fmt.Sprintf("no value for [%s, %s, %s] in Mappings.", keys[0], keys[1], keys[2]))
		}
		return &lit{v: v}, nil
	}
	if _, ok := ns[0].(*lit); ok && c.t.mappings[keys[0]] == nil {
		return nil, parseErr(path, fmt.Sprintf("no mapping named %s.", keys[0]))
	}
	return &findInMapNode{m: ns[0], k1: ns[1], k2: ns[2]}, nil
}

// sub compiles Fn::Sub. ${Name} is a variable of the map, else a parameter;
// ${!Literal} is the text "${Literal}"; a "${" with no closing "}" is text.
func (c *compiler) sub(arg any, path string) (node, error) {
	var s string
	n := &subNode{}
	locals := map[string]int{}
	switch a := arg.(type) {
	case string:
		s = a
	case []any:
		vars, ok := any(nil), false
		if len(a) == 2 {
			s, ok = a[0].(string)
			vars = a[1]
		}
		m, isObj := vars.(*object)
		if !ok || !isObj {
			return nil, parseErr(path, "Fn::Sub takes a string, or a list of a string and an object of variables.")
		}
		for i, k := range m.keys {
			vn, err := c.text(m.vals[i], path+"[1]."+k)
			if err != nil {
				return nil, err
			}
			locals[k] = len(n.locals)
			n.locals = append(n.locals, vn)
		}
	default:
		return nil, parseErr(path, "Fn::Sub takes a string, or a list of a string and an object of variables.")
	}
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			n.parts = append(n.parts, subPart{text: text.String(), param: -1, local: -1})
			text.Reset()
		}
	}
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			text.WriteString(s)
			break
		}
		text.WriteString(s[:i])
		rest := s[i+2:]
		if strings.HasPrefix(rest, "!") {
			text.WriteString("${")
			s = rest[1:]
			continue
		}
		j := strings.IndexByte(rest, '}')
		if j < 0 {
			text.WriteString(s[i:])
			break
		}
		name := rest[:j]
		s = rest[j+1:]
		part, err := c.subVar(name, locals, path)
		if err != nil {
			return nil, err
		}
		flush()
		n.parts = append(n.parts, part)
	}
	flush()
	return n, nil
}

func (c *compiler) subVar(name string, locals map[string]int, path string) (subPart, error) {
	if k, ok := locals[name]; ok {
		return subPart{param: -1, local: k}, nil
	}
	if _, declared := c.t.byName[name]; !declared && strings.Contains(name, ".") {
		return subPart{}, parseErr(path, fmt.Sprintf("${%s}: resource attributes are not supported in provisioning templates.", name))
	}
	rn, err := c.ref(name, path)
	if err != nil {
		return subPart{}, err
	}
	r, ok := rn.(*refNode)
	if !ok {
		return subPart{}, parseErr(path, fmt.Sprintf("${%s} cannot be used in Fn::Sub.", name))
	}
	return subPart{param: r.p, local: -1}, nil
}

func (c *compiler) ifFn(arg any, path string) (node, error) {
	if c.cur >= 0 {
		return nil, parseErr(path, "Fn::If cannot be used in the Conditions section.")
	}
	a, err := args("Fn::If", arg, 3, path)
	if err != nil {
		return nil, err
	}
	name, err := literalString("Fn::If", "condition name", a[0], path)
	if err != nil {
		return nil, err
	}
	ci, err := c.condIndex(name, path)
	if err != nil {
		return nil, err
	}
	n := &ifNode{cond: ci}
	if n.a, err = c.value(a[1], path+"[1]"); err != nil {
		return nil, err
	}
	n.b, err = c.value(a[2], path+"[2]")
	return n, err
}

// condIndex resolves a condition name and records the dependency when a
// condition refers to another.
func (c *compiler) condIndex(name, path string) (int, error) {
	i, ok := c.t.condIdx[name]
	if !ok {
		return 0, parseErr(path, fmt.Sprintf("condition %s is not declared in Conditions.", name))
	}
	if c.cur >= 0 {
		c.deps[c.cur] = append(c.deps[c.cur], i)
	}
	return i, nil
}

// condition compiles a condition operand: a condition function or
// {"Condition": "<name>"}.
func (c *compiler) condition(v any, path string) (cnode, error) {
	o, ok := v.(*object)
	if !ok || len(o.keys) != 1 {
		return nil, parseErr(path, `expected a condition: Fn::Equals, Fn::Not, Fn::And, Fn::Or or {"Condition": name}.`)
	}
	if o.keys[0] == "Condition" {
		name, ok := o.vals[0].(string)
		if !ok {
			return nil, parseErr(path, "Condition takes the name of a condition.")
		}
		i, err := c.condIndex(name, path)
		return &condRef{i: i}, err
	}
	return c.condFn(o.keys[0], o.vals[0], path+"."+o.keys[0])
}

func (c *compiler) condFn(fn string, arg any, path string) (cnode, error) {
	switch fn {
	case "Fn::Equals":
		a, err := args(fn, arg, 2, path)
		if err != nil {
			return nil, err
		}
		eq := &equalsCond{}
		if eq.a, err = c.value(a[0], path+"[0]"); err != nil {
			return nil, err
		}
		eq.b, err = c.value(a[1], path+"[1]")
		return eq, err
	case "Fn::Not":
		a, err := args(fn, arg, 1, path)
		if err != nil {
			return nil, err
		}
		x, err := c.condition(a[0], path+"[0]")
		return &notCond{c: x}, err
	case "Fn::And", "Fn::Or":
		l, ok := arg.([]any)
		if !ok || len(l) < 2 || len(l) > 10 {
			return nil, parseErr(path, fmt.Sprintf("%s takes a list of 2 to 10 conditions.", fn))
		}
		cs := make([]cnode, len(l))
		for i, item := range l {
			x, err := c.condition(item, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			cs[i] = x
		}
		if fn == "Fn::And" {
			return &andCond{cs: cs}, nil
		}
		return &orCond{cs: cs}, nil
	}
	return nil, parseErr(path, fmt.Sprintf("%s is not a condition function.", fn))
}

// checkCycles refuses conditions that refer to themselves through others.
func (c *compiler) checkCycles() error {
	state := make([]uint8, len(c.deps)) // 0 new, 1 on the path, 2 done
	var visit func(i int) error
	visit = func(i int) error {
		state[i] = 1
		for _, j := range c.deps[i] {
			if state[j] == 1 {
				return parseErr("Conditions."+c.t.conds[i].name, fmt.Sprintf("circular reference to condition %s.", c.t.conds[j].name))
			}
			if state[j] == 0 {
				if err := visit(j); err != nil {
					return err
				}
			}
		}
		state[i] = 2
		return nil
	}
	for i := range c.deps {
		if state[i] == 0 {
			if err := visit(i); err != nil {
				return err
			}
		}
	}
	return nil
}
