package template

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
)

// Resource types a template may declare.
const (
	TypeThing       = "AWS::IoT::Thing"
	TypeCertificate = "AWS::IoT::Certificate"
	TypePolicy      = "AWS::IoT::Policy"
)

// resource is one compiled entry of the Resources section.
type resource interface {
	condition() int // index into Template.conds, -1 when unconditional
	build(e *env, p *Plan) error
}

type base struct {
	id   string
	cond int
	path string // "Resources.<id>.Properties"
}

func (b *base) condition() int { return b.cond }

func (c *compiler) resourcesSection(o *object) error {
	things, certs := 0, 0
	for i, id := range o.keys {
		r, typ, err := c.resource(id, o.vals[i])
		if err != nil {
			return err
		}
		c.t.resources = append(c.t.resources, r)
		if r.condition() < 0 {
			switch typ {
			case TypeThing:
				things++
			case TypeCertificate:
				certs++
			}
		}
	}
	// AWS: "a thing, a certificate, and one or more IoT policies". Two of a
	// kind are refused here when both are unconditional, else at Evaluate.
	if things > 1 || certs > 1 {
		return parseErr("Resources", "a template declares at most one thing and one certificate.")
	}
	return nil
}

func (c *compiler) resource(id string, v any) (resource, string, error) {
	path := "Resources." + id
	o, ok := v.(*object)
	if id == "" || !ok {
		return nil, "", parseErr(path, "a resource must be an object with a non-empty logical name.")
	}
	b := base{id: id, cond: -1, path: path + ".Properties"}
	var typ string
	props, over := &object{}, (*object)(nil)
	for i, k := range o.keys {
		var ok bool
		switch k {
		case "Type":
			typ, ok = o.vals[i].(string)
		case "Properties":
			props, ok = o.vals[i].(*object)
		case "OverrideSettings":
			over, ok = o.vals[i].(*object)
		case "Condition":
			var name string
			if name, ok = o.vals[i].(string); ok {
				var err error
				if b.cond, err = c.condIndex(name, path+".Condition"); err != nil {
					return nil, "", err
				}
			}
		default:
			return nil, "", parseErr(path, fmt.Sprintf("unsupported resource attribute %s; a resource has Type, Properties, OverrideSettings and Condition.", k))
		}
		if !ok {
			return nil, "", parseErr(path+"."+k, "has the wrong type.")
		}
	}
	var r resource
	var err error
	switch typ {
	case TypeThing:
		r, err = c.thing(b, props, over)
	case TypeCertificate:
		r, err = c.certificate(b, props, over)
	case TypePolicy:
		if over != nil {
			return nil, "", parseErr(path+".OverrideSettings", "OverrideSettings are not available for policy resources.")
		}
		r, err = c.policy(b, props)
	case "":
		return nil, "", parseErr(path, "Type is required.")
	default:
		return nil, "", parseErr(path+".Type", fmt.Sprintf("unsupported resource type %s; valid types are %s, %s and %s.", typ, TypeThing, TypeCertificate, TypePolicy))
	}
	return r, typ, err
}

// overrides reads OverrideSettings; keys maps each accepted spelling to the
// normalized key; merge says which keys accept MERGE.
func overrides(o *object, path string, keys map[string]string, merge map[string]bool) (map[string]Override, error) {
	if o == nil {
		return nil, nil
	}
	out := map[string]Override{}
	for i, k := range o.keys {
		key, ok := keys[k]
		if !ok {
			return nil, parseErr(path+".OverrideSettings", fmt.Sprintf("unsupported override setting %s.", k))
		}
		s, _ := o.vals[i].(string)
		switch ov := Override(strings.ToUpper(s)); {
		case ov == DoNothing || ov == Replace || ov == Fail || (ov == Merge && merge[key]):
			out[key] = ov
		case merge[key]:
			return nil, parseErr(path+".OverrideSettings."+k, "invalid override; expected DO_NOTHING, REPLACE, FAIL or MERGE.")
		default:
			return nil, parseErr(path+".OverrideSettings."+k, "invalid override; expected DO_NOTHING, REPLACE or FAIL.")
		}
	}
	return out, nil
}

type thingRes struct {
	base
	name, typeName, billing node // nil when absent
	attrs, groups           node
	over                    map[string]Override
}

var thingOverrides = map[string]string{
	"AttributePayload": OverrideAttributePayload, "ATTRIBUTE_PAYLOAD": OverrideAttributePayload,
	"ThingTypeName": OverrideThingTypeName, "THING_TYPE_NAME": OverrideThingTypeName,
	"ThingGroups": OverrideThingGroups, "THING_GROUPS": OverrideThingGroups,
}

func (c *compiler) thing(b base, props, over *object) (resource, error) {
	r := &thingRes{base: b}
	var err error
	if r.over, err = overrides(over, "Resources."+b.id, thingOverrides,
		map[string]bool{OverrideAttributePayload: true, OverrideThingGroups: true}); err != nil {
		return nil, err
	}
	for i, k := range props.keys {
		v, path := props.vals[i], b.path+"."+k
		switch k {
		case "ThingName":
			r.name, err = c.text(v, path)
		case "ThingTypeName":
			r.typeName, err = c.text(v, path)
		case "BillingGroup":
			r.billing, err = c.text(v, path)
		case "AttributePayload":
			r.attrs, err = c.flatObject(v, path, "an attribute value")
		case "ThingGroups":
			r.groups, err = c.list(v, path, true)
		case "PackageVersions":
			err = parseErr(path, "PackageVersions is not supported.")
		default:
			err = parseErr(path, fmt.Sprintf("unsupported thing property %s.", k))
		}
		if err != nil {
			return nil, err
		}
	}
	if r.name == nil {
		return nil, parseErr(b.path, "ThingName is required.")
	}
	return r, nil
}

// flatObject compiles an object whose values must be strings
// (AttributePayload, DeviceConfiguration), or an intrinsic that yields one.
func (c *compiler) flatObject(v any, path, what string) (node, error) {
	n, err := c.value(v, path)
	if err != nil {
		return nil, err
	}
	switch t := n.(type) {
	case *lit, *arrNode:
		return nil, parseErr(path, "must be an object of name-value pairs.")
	case *objNode:
		for i, mn := range t.vals {
			switch m := mn.(type) {
			case *objNode, *arrNode:
				return nil, parseErr(path+"."+t.keys[i], what+" must be a string; nested values are not supported.")
			case *lit:
				if m.v.k == kNull {
					return nil, parseErr(path+"."+t.keys[i], what+" must be a string, not null.")
				}
			}
		}
	}
	return n, nil
}

// flatMap converts an evaluated flat object to a map of strings.
func flatMap(v value, path string) (map[string]string, error) {
	if v.k != kObject {
		return nil, &EvalError{Path: path, Reason: fmt.Sprintf("expected an object of name-value pairs, got %s", v.k)}
	}
	out := make(map[string]string, len(v.keys))
	for i, k := range v.keys {
		s, ok := v.list[i].text()
		if !ok {
			return nil, &EvalError{Path: path + "." + k, Reason: fmt.Sprintf("expected a string, got %s; nested values are not supported", v.list[i].k)}
		}
		out[k] = s
	}
	return out, nil
}

// optText evaluates an optional string property.
func optText(e *env, n node, path string) (string, error) {
	if n == nil {
		return "", nil
	}
	s, _, err := evalText(e, n)
	return s, at(err, path)
}

func (r *thingRes) build(e *env, p *Plan) error {
	t := Thing{LogicalID: r.id, OverrideSettings: maps.Clone(r.over)}
	name, ok, err := evalText(e, r.name)
	if err != nil {
		return at(err, r.path+".ThingName")
	}
	if !ok || name == "" {
		return &EvalError{Path: r.path + ".ThingName", Reason: "the thing name is empty"}
	}
	t.ThingName = name
	if t.ThingTypeName, err = optText(e, r.typeName, r.path+".ThingTypeName"); err != nil {
		return err
	}
	if t.BillingGroup, err = optText(e, r.billing, r.path+".BillingGroup"); err != nil {
		return err
	}
	if r.attrs != nil {
		v, err := r.attrs.eval(e)
		if err != nil {
			return at(err, r.path+".AttributePayload")
		}
		if v.k != kNone {
			if t.AttributePayload, err = flatMap(v, r.path+".AttributePayload"); err != nil {
				return err
			}
		}
	}
	if r.groups != nil {
		if t.ThingGroups, err = stringList(e, r.groups, r.path+".ThingGroups"); err != nil {
			return err
		}
	}
	p.Things = append(p.Things, t)
	return nil
}

// stringList evaluates a list of strings; AWS::NoValue for the whole list
// leaves it unset (nil).
func stringList(e *env, n node, path string) ([]string, error) {
	v, err := n.eval(e)
	if err != nil || v.k == kNone {
		return nil, at(err, path)
	}
	if v.k != kList {
		return nil, &EvalError{Path: path, Reason: fmt.Sprintf("expected a list of strings, got %s", v.k)}
	}
	out := make([]string, len(v.list))
	for i, item := range v.list {
		s, ok := item.text()
		if !ok {
			return nil, &EvalError{Path: fmt.Sprintf("%s[%d]", path, i), Reason: fmt.Sprintf("expected a string, got %s", item.k)}
		}
		out[i] = s
	}
	return out, nil
}

type certRes struct {
	base
	srcProp string // the property that names the certificate
	src, ca node
	status  node // nil: ACTIVE
	over    map[string]Override
}

func (c *compiler) certificate(b base, props, over *object) (resource, error) {
	r := &certRes{base: b}
	var err error
	if r.over, err = overrides(over, "Resources."+b.id, map[string]string{"Status": OverrideStatus, "STATUS": OverrideStatus}, nil); err != nil {
		return nil, err
	}
	sources := 0
	for i, k := range props.keys {
		v, path := props.vals[i], b.path+"."+k
		switch k {
		case "CertificateId", "CertificateID", "CertificateSigningRequest", "CertificatePem":
			sources++
			r.srcProp = k
			r.src, err = c.text(v, path)
		case "CACertificatePem":
			r.ca, err = c.text(v, path)
		case "Status":
			if r.status, err = c.text(v, path); err == nil {
				if l, ok := r.status.(*lit); ok && l.v.k != kNone {
					s, _ := l.v.text()
					if _, ok := normalizeStatus(s); !ok {
						err = parseErr(path, fmt.Sprintf("invalid certificate status %q; ACTIVE or INACTIVE.", s))
					}
				}
			}
		default:
			err = parseErr(path, fmt.Sprintf("unsupported certificate property %s.", k))
		}
		if err != nil {
			return nil, err
		}
	}
	switch {
	case sources == 0:
		return nil, parseErr(b.path, "one of CertificateId, CertificateSigningRequest or CertificatePem is required.")
	case sources > 1:
		return nil, parseErr(b.path, "only one of CertificateId, CertificateSigningRequest and CertificatePem may be given.")
	case r.ca != nil && r.srcProp != "CertificatePem":
		return nil, parseErr(b.path, "CACertificatePem goes only with CertificatePem.")
	}
	return r, nil
}

func normalizeStatus(s string) (string, bool) {
	switch u := strings.ToUpper(s); u {
	case StatusActive, StatusInactive:
		return u, true
	}
	return "", false
}

func (r *certRes) build(e *env, p *Plan) error {
	c := Certificate{LogicalID: r.id, Status: StatusActive, OverrideSettings: maps.Clone(r.over)}
	src, ok, err := evalText(e, r.src)
	if err != nil {
		return at(err, r.path+"."+r.srcProp)
	}
	if !ok || src == "" {
		return &EvalError{Path: r.path + "." + r.srcProp, Reason: "the value is empty"}
	}
	switch r.srcProp {
	case "CertificateSigningRequest":
		c.CertificateSigningRequest = src
	case "CertificatePem":
		c.CertificatePem = src
	default:
		c.CertificateID = src
	}
	if c.CACertificatePem, err = optText(e, r.ca, r.path+".CACertificatePem"); err != nil {
		return err
	}
	if r.status != nil {
		s, ok, err := evalText(e, r.status)
		if err != nil {
			return at(err, r.path+".Status")
		}
		if ok {
			if c.Status, ok = normalizeStatus(s); !ok {
				return &EvalError{Path: r.path + ".Status", Reason: fmt.Sprintf("invalid certificate status %q", s)}
			}
		}
	}
	p.Certificates = append(p.Certificates, c)
	return nil
}

type policyRes struct {
	base
	name, doc node
}

func (c *compiler) policy(b base, props *object) (resource, error) {
	r := &policyRes{base: b}
	var err error
	for i, k := range props.keys {
		v, path := props.vals[i], b.path+"."+k
		switch k {
		case "PolicyName":
			r.name, err = c.text(v, path)
		case "PolicyDocument":
			r.doc, err = c.policyDocument(v, path)
		default:
			err = parseErr(path, fmt.Sprintf("unsupported policy property %s.", k))
		}
		if err != nil {
			return nil, err
		}
	}
	switch {
	case r.name == nil && r.doc == nil:
		return nil, parseErr(b.path, "Neither policyName nor policyDocument is present in the Template.")
	case r.name != nil && r.doc != nil:
		return nil, parseErr(b.path, "PolicyName and PolicyDocument cannot both be given.")
	}
	return r, nil
}

// policyDocument accepts a JSON object (AWS's fleet provisioning example) or
// the same object as an escaped string (its JITP and bulk examples).
func (c *compiler) policyDocument(v any, path string) (node, error) {
	n, err := c.value(v, path)
	if err != nil {
		return nil, err
	}
	switch t := n.(type) {
	case *arrNode:
		return nil, parseErr(path, "must be a JSON object or a string holding one.")
	case *lit:
		s, ok := t.v.text()
		if t.v.k != kString || !ok || !isJSONObject(s) {
			return nil, parseErr(path, "must be a JSON object or a string holding one.")
		}
	}
	return n, nil
}

func isJSONObject(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "{") && json.Valid([]byte(s))
}

func (r *policyRes) build(e *env, p *Plan) error {
	pol := Policy{LogicalID: r.id}
	if r.name != nil {
		name, ok, err := evalText(e, r.name)
		if err != nil {
			return at(err, r.path+".PolicyName")
		}
		if !ok || name == "" {
			return &EvalError{Path: r.path + ".PolicyName", Reason: "the policy name is empty"}
		}
		pol.PolicyName = name
		p.Policies = append(p.Policies, pol)
		return nil
	}
	v, err := r.doc.eval(e)
	if err != nil {
		return at(err, r.path+".PolicyDocument")
	}
	switch v.k {
	case kObject:
		pol.PolicyDocument = string(appendJSON(nil, v))
	case kString:
		if !isJSONObject(v.s) {
			return &EvalError{Path: r.path + ".PolicyDocument", Reason: "the policy document is not a JSON object"}
		}
		pol.PolicyDocument = v.s
	default:
		return &EvalError{Path: r.path + ".PolicyDocument", Reason: fmt.Sprintf("expected a JSON object, got %s", v.k)}
	}
	sum := sha256.Sum256([]byte(pol.PolicyDocument))
	pol.PolicyName = hex.EncodeToString(sum[:])
	p.Policies = append(p.Policies, pol)
	return nil
}

// deviceConfiguration compiles the DeviceConfiguration section: a flat object
// whose values may be intrinsics. AWS: "nested objects are not supported".
func (c *compiler) deviceConfiguration(v any) (*objNode, error) {
	o, ok := v.(*object)
	if !ok {
		return nil, parseErr("DeviceConfiguration", "must be an object of name-value pairs.")
	}
	for _, k := range o.keys {
		if isIntrinsicKey(k) {
			return nil, parseErr("DeviceConfiguration", "must be an object of name-value pairs, not an intrinsic function.")
		}
	}
	n, err := c.flatObject(o, "DeviceConfiguration", "a DeviceConfiguration value")
	if err != nil {
		return nil, err
	}
	return n.(*objNode), nil
}
