// Package template owns the syntax and evaluation of AWS IoT provisioning
// templates: the JSON body of a fleet provisioning or JITP template, with its
// Parameters, Mappings, Conditions, Resources and DeviceConfiguration
// sections and the CloudFormation-style intrinsic functions AWS IoT applies
// (Ref, Fn::Join, Fn::Select, Fn::Split, Fn::FindInMap, Fn::Sub, Fn::Base64,
// Fn::If, Fn::Equals, Fn::Not, Fn::And, Fn::Or).
//
// Parse validates a body once, as CreateProvisioningTemplate does, and
// compiles it; Evaluate resolves it for one device against the RegisterThing
// parameters and the pseudo parameters of its certificate, into a Plan of
// typed resources. A Template is immutable: any number of goroutines may call
// Evaluate at once.
//
// This package does not create, look up or attach anything, and knows no
// registry, certificate or policy store: provisioning turns a Plan into
// registry changes in one transaction, checks that named thing types, groups
// and policies exist, and maps *Error to InvalidRequestException and
// *EvalError to a RegisterThing /rejected payload.
package template

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"unicode/utf8"
)

// MaxBodyChars is the service model's limit on templateBody (a length
// constraint, counted in characters).
const MaxBodyChars = 10240

// Template is a parsed, validated provisioning template.
type Template struct {
	params    []param // declared ones first, in document order; then undeclared ones referenced
	byName    map[string]int
	mappings  map[string]map[string]map[string]value
	conds     []condition
	condIdx   map[string]int
	resources []resource
	devCfg    *objNode // nil when there is no DeviceConfiguration section
}

type condition struct {
	name string
	c    cnode
}

// param is a parameter: declared in Parameters, or only referenced (then it
// is required and unconstrained, and an error only where it is used).
type param struct {
	name           string
	pseudo         bool
	declared       bool
	typ            string
	desc           string
	def            string
	hasDef         bool
	allowed        []string
	pattern        *regexp.Regexp
	minLen, maxLen int // -1 when not set
}

// Parameter describes a declared parameter.
type Parameter struct {
	Name          string
	Type          string // "String" or "Number"
	Description   string
	Default       string
	HasDefault    bool
	AllowedValues []string
}

// Parameters lists the declared parameters in document order.
func (t *Template) Parameters() []Parameter {
	var out []Parameter
	for _, p := range t.params {
		if p.declared {
			out = append(out, Parameter{Name: p.name, Type: p.typ, Description: p.desc,
				Default: p.def, HasDefault: p.hasDef, AllowedValues: slices.Clone(p.allowed)})
		}
	}
	return out
}

// Parse validates and compiles a template body. Every error is an *Error.
//
// The top-level sections are Parameters, Mappings, Conditions, Resources
// (required) and DeviceConfiguration; any other key is refused, as is a
// template over MaxBodyChars characters.
func Parse(body []byte) (*Template, error) {
	if n := utf8.RuneCount(body); n > MaxBodyChars {
		return nil, parseErr("", fmt.Sprintf("The template body is %d characters long; the maximum is %d.", n, MaxBodyChars))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, parseErr("", "The template body is empty.")
	}
	root, err := decode(body)
	if err != nil {
		return nil, err
	}
	sections := map[string]any{}
	for i, k := range root.keys {
		switch k {
		case "Parameters", "Mappings", "Conditions", "Resources", "DeviceConfiguration":
			sections[k] = root.vals[i]
		default:
			return nil, parseErr("", fmt.Sprintf("Unsupported section %q; a template has Parameters, Mappings, Conditions, Resources and DeviceConfiguration.", k))
		}
	}
	t := &Template{byName: map[string]int{}, condIdx: map[string]int{}}
	c := &compiler{t: t, cur: -1, resources: map[string]bool{}}
	if v, ok := sections["Parameters"]; ok {
		if err := t.parseParameters(v); err != nil {
			return nil, err
		}
	}
	if v, ok := sections["Mappings"]; ok {
		if err := t.parseMappings(v); err != nil {
			return nil, err
		}
	}
	res, ok := sections["Resources"]
	if !ok {
		return nil, parseErr("", "The template has no Resources section.")
	}
	resObj, ok := res.(*object)
	if !ok {
		return nil, parseErr("Resources", "must be an object of resources.")
	}
	for _, id := range resObj.keys {
		c.resources[id] = true
	}
	if v, ok := sections["Conditions"]; ok {
		if err := c.conditions(v); err != nil {
			return nil, err
		}
	}
	if err := c.resourcesSection(resObj); err != nil {
		return nil, err
	}
	if v, ok := sections["DeviceConfiguration"]; ok {
		if t.devCfg, err = c.deviceConfiguration(v); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (t *Template) parseParameters(v any) error {
	o, ok := v.(*object)
	if !ok {
		return parseErr("Parameters", "must be an object of parameter declarations.")
	}
	for i, name := range o.keys {
		p, err := parseParameter(name, o.vals[i])
		if err != nil {
			return err
		}
		t.byName[name] = len(t.params)
		t.params = append(t.params, p)
	}
	return nil
}

func parseParameter(name string, decl any) (param, error) {
	path := "Parameters." + name
	p := param{name: name, pseudo: IsPseudoParameter(name), declared: true, minLen: -1, maxLen: -1}
	switch {
	case name == "":
		return p, parseErr("Parameters", "a parameter name must not be empty.")
	case len(name) > 5 && name[:5] == "AWS::" && !p.pseudo:
		return p, parseErr(path, fmt.Sprintf("unsupported pseudo parameter %s.", name))
	}
	d, ok := decl.(*object)
	if !ok {
		return p, parseErr(path, "a parameter declaration must be an object.")
	}
	for i, k := range d.keys {
		if err := p.setAttr(k, d.vals[i], path+"."+k); err != nil {
			return p, err
		}
	}
	switch {
	case p.typ == "":
		return p, parseErr(path, "Type is required.")
	case p.pseudo && p.hasDef:
		return p, parseErr(path, "a certificate parameter takes its value from the certificate and cannot have a Default.")
	case p.hasDef:
		if reason := p.check(p.def); reason != "" {
			return p, parseErr(path+".Default", reason)
		}
	}
	return p, nil
}

func (p *param) setAttr(k string, v any, path string) error {
	switch k {
	case "Type":
		s, ok := v.(string)
		if s != "String" && s != "Number" {
			if !ok {
				s = "that is not a string"
			}
			return parseErr(path, fmt.Sprintf("unsupported parameter type %s; String and Number are supported.", s))
		}
		p.typ = s
	case "Default":
		s, ok := scalarText(v)
		if !ok {
			return parseErr(path, "a Default must be a string.")
		}
		p.def, p.hasDef = s, true
	case "Description", "ConstraintDescription":
		s, ok := v.(string)
		if !ok {
			return parseErr(path, "must be a string.")
		}
		if k == "Description" {
			p.desc = s
		}
	case "AllowedValues":
		l, ok := v.([]any)
		if !ok || len(l) == 0 {
			return parseErr(path, "must be a non-empty list of strings.")
		}
		for _, item := range l {
			s, ok := scalarText(item)
			if !ok {
				return parseErr(path, "must be a non-empty list of strings.")
			}
			p.allowed = append(p.allowed, s)
		}
	case "AllowedPattern":
		s, _ := v.(string)
		re, err := regexp.Compile("^(?:" + s + ")$")
		if err != nil || s == "" {
			return parseErr(path, "must be a valid regular expression.")
		}
		p.pattern = re
	case "MinLength", "MaxLength":
		s, _ := scalarText(v)
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return parseErr(path, "must be a non-negative integer.")
		}
		if k == "MinLength" {
			p.minLen = n
		} else {
			p.maxLen = n
		}
	default:
		return parseErr(path, fmt.Sprintf("unsupported parameter attribute %s.", k))
	}
	return nil
}

// scalarText is a JSON string or number as text.
func scalarText(v any) (string, bool) {
	switch literal(v).k {
	case kString, kNumber:
		return literal(v).s, true
	}
	return "", false
}

// check returns why v is not a valid value of p, or "".
func (p *param) check(v string) string {
	if p.typ == "Number" && !isNumber(v) {
		return "the value must be a number."
	}
	if p.allowed != nil {
		found := false
		for _, a := range p.allowed {
			found = found || a == v
		}
		if !found {
			return "the value is not one of the AllowedValues."
		}
	}
	if p.pattern != nil && !p.pattern.MatchString(v) {
		return "the value does not match the AllowedPattern."
	}
	n := utf8.RuneCountInString(v)
	if (p.minLen >= 0 && n < p.minLen) || (p.maxLen >= 0 && n > p.maxLen) {
		return "the length of the value is outside MinLength and MaxLength."
	}
	return ""
}

// isNumber reports whether s is a number as JSON writes one (so not "NaN",
// "Inf" or "0x1p-2", which strconv.ParseFloat would take).
func isNumber(s string) bool {
	return s != "" && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) && json.Valid([]byte(s))
}

// parseMappings reads Mappings: name -> top-level key -> second-level key ->
// value. AWS: "You cannot include parameters, pseudo parameters, or call
// intrinsic functions in the Mappings section."
func (t *Template) parseMappings(v any) error {
	levels := func(v any, path string) (*object, error) {
		o, ok := v.(*object)
		if !ok {
			return nil, parseErr(path, "must be an object.")
		}
		return o, nil
	}
	maps, err := levels(v, "Mappings")
	if err != nil {
		return err
	}
	t.mappings = map[string]map[string]map[string]value{}
	for i, name := range maps.keys {
		top, err := levels(maps.vals[i], "Mappings."+name)
		if err != nil {
			return err
		}
		t.mappings[name] = map[string]map[string]value{}
		for j, k1 := range top.keys {
			path := "Mappings." + name + "." + k1
			second, err := levels(top.vals[j], path)
			if err != nil {
				return err
			}
			t.mappings[name][k1] = map[string]value{}
			for l, k2 := range second.keys {
				mv, err := mappingValue(second.vals[l], path+"."+k2)
				if err != nil {
					return err
				}
				t.mappings[name][k1][k2] = mv
			}
		}
	}
	return nil
}

func mappingValue(v any, path string) (value, error) {
	switch t := v.(type) {
	case *object:
		for _, k := range t.keys {
			if isIntrinsicKey(k) {
				return value{}, parseErr(path, "Mappings cannot contain parameters or intrinsic functions.")
			}
		}
	case []any:
		out := value{k: kList, list: make([]value, len(t))}
		for i, item := range t {
			lv := literal(item)
			if _, ok := lv.text(); !ok {
				return value{}, parseErr(path, "a mapping value must be a string or a list of strings.")
			}
			out.list[i] = lv
		}
		return out, nil
	default:
		if lv := literal(t); lv.k != kNull {
			return lv, nil
		}
	}
	return value{}, parseErr(path, "a mapping value must be a string or a list of strings.")
}

func (t *Template) lookup(m, k1, k2 string) (value, bool) {
	v, ok := t.mappings[m][k1][k2]
	return v, ok
}

func (c *compiler) conditions(v any) error {
	o, ok := v.(*object)
	if !ok {
		return parseErr("Conditions", "must be an object of named conditions.")
	}
	for i, name := range o.keys {
		c.t.condIdx[name] = i
		c.t.conds = append(c.t.conds, condition{name: name})
	}
	c.deps = make([][]int, len(o.keys))
	for i, name := range o.keys {
		c.cur = i
		cn, err := c.condition(o.vals[i], "Conditions."+name)
		if err != nil {
			return err
		}
		c.t.conds[i].c = cn
	}
	c.cur = -1
	return c.checkCycles()
}

// Evaluate resolves the template for one device. params are the RegisterThing
// parameters (after any pre-provisioning hook's overrides); pseudo holds the
// AWS::IoT::Certificate::* values the caller knows. Parameters named
// AWS::IoT::Certificate::* are read from pseudo only, never from params, so a
// device cannot choose its own certificate id. Every error is an *EvalError.
//
// A declared parameter takes its value from params, else its Default; one
// with neither is an error, as is a declared certificate parameter missing
// from pseudo (AWS, JITP: "the device provisioning fails if the certificate
// doesn't have all of the properties mentioned in the Parameters section").
// A parameter that is only referenced is an error where it is used.
func (t *Template) Evaluate(params, pseudo map[string]string) (*Plan, error) {
	e := &env{t: t, vals: make([]string, len(t.params)), have: make([]bool, len(t.params)), conds: make([]uint8, len(t.conds))}
	for i := range t.params {
		if err := e.resolve(i, params, pseudo); err != nil {
			return nil, err
		}
	}
	p := &Plan{Things: []Thing{}, Certificates: []Certificate{}, Policies: []Policy{}}
	for _, r := range t.resources {
		if ci := r.condition(); ci >= 0 {
			ok, err := e.cond(ci)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		if err := r.build(e, p); err != nil {
			return nil, err
		}
	}
	if len(p.Things) > 1 {
		return nil, evalErr("The template declares more than one thing for this device.")
	}
	if len(p.Certificates) > 1 {
		return nil, evalErr("The template declares more than one certificate for this device.")
	}
	if t.devCfg != nil {
		cfg, err := t.devCfg.eval(e)
		if err != nil {
			return nil, at(err, "DeviceConfiguration")
		}
		if p.DeviceConfiguration, err = flatMap(cfg, "DeviceConfiguration"); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (e *env) resolve(i int, params, pseudo map[string]string) error {
	p := &e.t.params[i]
	src := params
	if p.pseudo {
		src = pseudo
	}
	v, ok := src[p.name]
	if !ok && p.hasDef {
		v, ok = p.def, true
	}
	if !ok {
		if p.declared {
			_, err := e.param(i)
			return err
		}
		return nil
	}
	if reason := p.check(v); reason != "" {
		return evalErr(fmt.Sprintf("Parameter %s: %s", p.name, reason))
	}
	e.vals[i], e.have[i] = v, true
	return nil
}
