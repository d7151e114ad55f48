package policy

import (
	"cmp"
	"encoding/json"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Condition operators are IAM's (IAM "Condition operators" reference); AWS
// IoT's own examples use StringEquals, Bool, IpAddress and the
// ForAllValues:/ForAnyValue: set forms, and the rest behave as in IAM.

type family uint8

const (
	famString family = iota
	famNumeric
	famDate
	famBool
	famBinary
	famIP
	famArn
	famNull
)

type cmpKind uint8

const (
	cmpEq cmpKind = iota
	cmpLike
	cmpLT
	cmpLE
	cmpGT
	cmpGE
)

type opDef struct {
	fam    family
	cmp    cmpKind
	negate bool // StringNotEquals, NotIpAddress, ...: true when the key is absent
	fold   bool // ...IgnoreCase
}

// operators is keyed by the lower-cased operator name.
var operators = func() map[string]opDef {
	m := map[string]opDef{
		"StringEquals":              {fam: famString},
		"StringNotEquals":           {fam: famString, negate: true},
		"StringEqualsIgnoreCase":    {fam: famString, fold: true},
		"StringNotEqualsIgnoreCase": {fam: famString, fold: true, negate: true},
		"StringLike":                {fam: famString, cmp: cmpLike},
		"StringNotLike":             {fam: famString, cmp: cmpLike, negate: true},
		"Bool":                      {fam: famBool},
		"BinaryEquals":              {fam: famBinary},
		"IpAddress":                 {fam: famIP},
		"NotIpAddress":              {fam: famIP, negate: true},
		// IAM: ArnEquals and ArnLike both take wildcards per ARN component.
		"ArnEquals":    {fam: famArn, cmp: cmpLike},
		"ArnLike":      {fam: famArn, cmp: cmpLike},
		"ArnNotEquals": {fam: famArn, cmp: cmpLike, negate: true},
		"ArnNotLike":   {fam: famArn, cmp: cmpLike, negate: true},
		"Null":         {fam: famNull},
	}
	for _, f := range []struct {
		prefix string
		fam    family
	}{{"Numeric", famNumeric}, {"Date", famDate}} {
		m[f.prefix+"Equals"] = opDef{fam: f.fam}
		m[f.prefix+"NotEquals"] = opDef{fam: f.fam, negate: true}
		m[f.prefix+"LessThan"] = opDef{fam: f.fam, cmp: cmpLT}
		m[f.prefix+"LessThanEquals"] = opDef{fam: f.fam, cmp: cmpLE}
		m[f.prefix+"GreaterThan"] = opDef{fam: f.fam, cmp: cmpGT}
		m[f.prefix+"GreaterThanEquals"] = opDef{fam: f.fam, cmp: cmpGE}
	}
	lower := make(map[string]opDef, len(m))
	for k, v := range m {
		lower[strings.ToLower(k)] = v
	}
	return lower
}()

type setMode uint8

const (
	setNone   setMode = iota
	setForAll         // ForAllValues: every request value matches (true when none)
	setForAny         // ForAnyValue: at least one request value matches
)

// clause is one operator/key pair of a Condition block with its values.
type clause struct {
	op       string // as written, for messages
	def      opDef
	set      setMode
	ifExists bool
	key      string
	vals     []tmpl         // string, bool, binary, arn (variables allowed in string, bool, arn)
	nums     []float64      // numeric
	times    []time.Time    // date
	nets     []netip.Prefix // ip
	nullWant bool           // Null: "true" means the key must be absent
}

// parseConditionBlock reads {"<Operator>": {"<key>": value | [values]}}.
func parseConditionBlock(raw json.RawMessage, vars bool, where string) ([]*clause, error) {
	block, err := decodeObject(raw, where)
	if err != nil {
		return nil, err
	}
	var out []*clause
	for i, opName := range block.keys {
		keys, err := decodeObject(block.vals[i], where+"."+opName)
		if err != nil {
			return nil, err
		}
		for j, key := range keys.keys {
			c, err := parseClause(opName, key, keys.vals[j], vars, where+"."+opName+"."+key)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func parseClause(opName, key string, raw json.RawMessage, vars bool, where string) (*clause, error) {
	c := &clause{op: opName, key: key}
	name := opName
	if p, rest, ok := strings.Cut(name, ":"); ok {
		switch p {
		case "ForAllValues":
			c.set = setForAll
		case "ForAnyValue":
			c.set = setForAny
		default:
			return nil, syntaxErr("%s: unknown condition operator %q", where, opName)
		}
		name = rest
	}
	if base, ok := strings.CutSuffix(name, "IfExists"); ok {
		c.ifExists, name = true, base
	}
	def, ok := operators[strings.ToLower(name)]
	if !ok || (def.fam == famNull && (c.ifExists || c.set != setNone)) {
		return nil, syntaxErr("%s: unknown condition operator %q", where, opName)
	}
	c.def = def
	if key == "" {
		return nil, syntaxErr("%s: empty condition key", where)
	}
	vals, err := conditionValues(raw, where)
	if err != nil {
		return nil, err
	}
	if err := c.setValues(vals, vars, where); err != nil {
		return nil, err
	}
	return c, nil
}

// conditionValues reads a scalar or an array of scalars. JSON numbers and
// booleans are taken as their text; an empty array is allowed (AWS's
// connect-policy examples use "iot:ConnectAttributes": []).
func conditionValues(raw json.RawMessage, where string) ([]string, error) {
	var items []json.RawMessage
	if jsonKind(raw) == '[' {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, syntaxErr("%s: %v", where, err)
		}
	} else {
		items = []json.RawMessage{raw}
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		switch k := jsonKind(it); {
		case k == '"':
			s, err := jsonString(it, where)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		case k == 't' || k == 'f' || k == '-' || ('0' <= k && k <= '9'):
			out = append(out, strings.TrimSpace(string(it)))
		default:
			return nil, syntaxErr("%s: condition values must be strings, numbers or booleans", where)
		}
	}
	return out, nil
}

// setValues validates and stores values by family; numbers, dates and
// networks are parsed once here so evaluation never re-parses them.
func (c *clause) setValues(vals []string, vars bool, where string) error {
	for _, v := range vals {
		switch c.def.fam {
		case famString, famArn, famBool:
			c.vals = append(c.vals, parseTemplate(v, vars))
		case famBinary:
			c.vals = append(c.vals, tmpl{{kind: partLit, text: v}})
		case famNumeric:
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) {
				return syntaxErr("%s: %q is not a number", where, v)
			}
			c.nums = append(c.nums, f)
		case famDate:
			t, ok := parseDate(v)
			if !ok {
				return syntaxErr("%s: %q is not a date", where, v)
			}
			c.times = append(c.times, t)
		case famIP:
			p, ok := parseNet(v)
			if !ok {
				return syntaxErr("%s: %q is not an IP address or CIDR block", where, v)
			}
			c.nets = append(c.nets, p)
		case famNull:
			switch strings.ToLower(v) {
			case "true":
				c.nullWant = true
			case "false":
			default:
				return syntaxErr("%s: Null takes \"true\" or \"false\"", where)
			}
		}
	}
	if c.def.fam == famNull && len(vals) != 1 {
		return syntaxErr("%s: Null takes one value", where)
	}
	return nil
}

// dateLayouts are the ISO 8601 forms IAM documents for Date operators; a
// bare integer is epoch seconds.
var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", "2006-01-02"}

func parseDate(s string) (time.Time, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func parseNet(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// arnParts is the number of colon-separated ARN components IAM compares
// one by one in Arn* operators.
const arnParts = 6

// cclause is a clause with its values substituted, ready to evaluate.
type cclause struct {
	c     *clause
	strs  []string     // string equality, bool, binary
	globs []glob       // StringLike
	arns  []arnPattern // Arn*
}

// arnPattern is an Arn* value split into its six components.
type arnPattern struct {
	whole bool // fewer than six components: parts[0] matches the whole value
	parts [arnParts]glob
}

// eval applies the clause to the request values of its key. present is
// false when the key is absent or has no values (an empty
// iot:ConnectAttributes list is "no attributes").
func (cc *cclause) eval(vals []string) bool {
	c := cc.c
	present := len(vals) > 0
	if c.def.fam == famNull {
		return present != c.nullWant
	}
	if !present {
		// IAM: a missing key makes a condition false, except the negated
		// operators (true), ...IfExists (true), ForAllValues (true) and
		// ForAnyValue (false).
		switch {
		case c.set == setForAll || c.ifExists:
			return true
		case c.set == setForAny:
			return false
		}
		return c.def.negate
	}
	all := c.set == setForAll || (c.set == setNone && c.def.negate)
	for _, v := range vals {
		ok := cc.one(v)
		if all && !ok {
			return false
		}
		if !all && ok {
			return true
		}
	}
	return all
}

// one applies the operator to a single request value: true when it matches
// some policy value, inverted for the negated operators.
func (cc *cclause) one(v string) bool {
	return cc.any(v) != cc.c.def.negate
}

func (cc *cclause) any(v string) bool {
	c := cc.c
	switch c.def.fam {
	case famString, famBinary:
		return cc.anyString(v)
	case famBool:
		for _, p := range cc.strs {
			if strings.EqualFold(p, v) {
				return true
			}
		}
	case famArn:
		for i := range cc.arns {
			if matchArn(&cc.arns[i], v) {
				return true
			}
		}
	case famNumeric:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) { // NaN would compare as equal to, or less than, any number
			return false
		}
		for _, p := range c.nums {
			if compare(c.def.cmp, cmp.Compare(f, p)) {
				return true
			}
		}
	case famDate:
		t, ok := parseDate(v)
		if !ok {
			return false
		}
		for _, p := range c.times {
			if compare(c.def.cmp, t.Compare(p)) {
				return true
			}
		}
	case famIP:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		a = a.Unmap()
		for _, p := range c.nets {
			if p.Contains(a) {
				return true
			}
		}
	}
	return false
}

func (cc *cclause) anyString(v string) bool {
	if cc.c.def.cmp == cmpLike {
		for i := range cc.globs {
			if cc.globs[i].match(v) {
				return true
			}
		}
		return false
	}
	for _, p := range cc.strs {
		if p == v || (cc.c.def.fold && strings.EqualFold(p, v)) {
			return true
		}
	}
	return false
}

// compare turns a three-way comparison (request vs policy value) into the
// operator's answer; for the Not... operators cmpEq is inverted by the caller.
func compare(k cmpKind, c int) bool {
	switch k {
	case cmpLT:
		return c < 0
	case cmpLE:
		return c <= 0
	case cmpGT:
		return c > 0
	case cmpGE:
		return c >= 0
	}
	return c == 0
}

// matchArn compares component by component, so a `*` never crosses a colon
// before the resource part (IAM Arn* operators). The sixth component, the
// resource, is the rest of the string and may itself contain colons.
func matchArn(p *arnPattern, v string) bool {
	if p.whole {
		return p.parts[0].match(v)
	}
	for i := 0; i < arnParts-1; i++ {
		j := strings.IndexByte(v, ':')
		if j < 0 || !p.parts[i].match(v[:j]) {
			return false
		}
		v = v[j+1:]
	}
	return p.parts[arnParts-1].match(v)
}
