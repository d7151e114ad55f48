package api

import (
	"github.com/roost-iot/roost/internal/registry"
	"github.com/roost-iot/roost/internal/store"
)

func (s *Server) createThing(c *call) (any, error) {
	var in struct {
		ThingTypeName    string            `json:"thingTypeName"`
		AttributePayload *attributePayload `json:"attributePayload"`
		BillingGroupName string            `json:"billingGroupName"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ci := registry.CreateThingInput{Name: c.path("thingName"), TypeName: in.ThingTypeName, BillingGroup: in.BillingGroupName}
	if in.AttributePayload != nil {
		ci.Attributes = in.AttributePayload.Attributes
	}
	t, err := s.reg.CreateThing(c.ctx, ci)
	if err != nil {
		return nil, err
	}
	return map[string]string{"thingName": t.Name, "thingArn": t.ARN, "thingId": t.ID}, nil
}

type thingOut struct {
	DefaultClientID string            `json:"defaultClientId,omitempty"`
	ThingName       string            `json:"thingName"`
	ThingID         string            `json:"thingId,omitempty"`
	ThingArn        string            `json:"thingArn"`
	ThingTypeName   string            `json:"thingTypeName,omitempty"`
	Attributes      map[string]string `json:"attributes"`
	Version         int64             `json:"version"`
}

func (s *Server) describeThing(c *call) (any, error) {
	t, err := s.reg.DescribeThing(c.ctx, c.path("thingName"))
	if err != nil {
		return nil, err
	}
	return thingOut{DefaultClientID: t.Name, ThingName: t.Name, ThingID: t.ID, ThingArn: t.ARN,
		ThingTypeName: t.TypeName, Attributes: nonNil(t.Attributes), Version: t.Version}, nil
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func (s *Server) updateThing(c *call) (any, error) {
	var in struct {
		ThingTypeName    *string           `json:"thingTypeName"`
		AttributePayload *attributePayload `json:"attributePayload"`
		ExpectedVersion  *int64            `json:"expectedVersion"`
		RemoveThingType  bool              `json:"removeThingType"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ui := registry.UpdateThingInput{Name: c.path("thingName"), TypeName: in.ThingTypeName,
		RemoveThingType: in.RemoveThingType, ExpectedVersion: in.ExpectedVersion}
	if in.AttributePayload != nil {
		ui.HasAttributes, ui.Attributes, ui.Merge = true, in.AttributePayload.Attributes, in.AttributePayload.Merge
	}
	return nil, s.reg.UpdateThing(c.ctx, ui)
}

func (s *Server) deleteThing(c *call) (any, error) {
	v, err := c.queryInt64Ptr("expectedVersion")
	if err != nil {
		return nil, err
	}
	return nil, s.reg.DeleteThing(c.ctx, c.path("thingName"), v)
}

func (c *call) pageRequest(tokenParam, maxParam string) (registry.PageRequest, error) {
	n, err := c.queryInt(maxParam)
	if err == nil && c.query(maxParam) != "" && n < 1 {
		err = invalid("%s must be at least 1", maxParam)
	}
	return registry.PageRequest{Token: c.query(tokenParam), Max: n}, err
}

func (s *Server) listThings(c *call) (any, error) {
	pr, err := c.pageRequest("nextToken", "maxResults")
	if err != nil {
		return nil, err
	}
	prefix, err := c.queryBool("usePrefixAttributeValue")
	if err != nil {
		return nil, err
	}
	things, next, err := s.reg.ListThings(c.ctx, registry.ListThingsInput{PageRequest: pr, ThingFilter: store.ThingFilter{
		TypeName: c.query("thingTypeName"), AttrName: c.query("attributeName"), AttrValue: c.query("attributeValue"), AttrPrefix: prefix,
	}})
	if err != nil {
		return nil, err
	}
	out := make([]thingOut, len(things))
	for i, t := range things {
		out[i] = thingOut{ThingName: t.Name, ThingArn: t.ARN, ThingTypeName: t.TypeName, Attributes: nonNil(t.Attributes), Version: t.Version}
	}
	return map[string]any{"things": out, "nextToken": omit(next)}, nil
}

// omit makes an empty token absent from the JSON output.
func omit(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Server) describeEndpoint(c *call) (any, error) {
	switch t := c.query("endpointType"); t {
	case "", "iot:Data", "iot:Data-ATS", "iot:CredentialProvider", "iot:Jobs":
		return map[string]string{"endpointAddress": s.endpoint}, nil
	default:
		return nil, invalid("Endpoint type %s is not valid", t)
	}
}

// Thing principals.

func (c *call) principalHeader() (string, error) {
	p := c.r.Header.Get("x-amzn-principal")
	if p == "" {
		return "", invalid("The principal (header x-amzn-principal) is required")
	}
	return p, nil
}

func (s *Server) attachThingPrincipal(c *call) (any, error) {
	p, err := c.principalHeader()
	if err != nil {
		return nil, err
	}
	return nil, s.reg.AttachThingPrincipal(c.ctx, c.path("thingName"), p, c.query("thingPrincipalType"))
}

func (s *Server) detachThingPrincipal(c *call) (any, error) {
	p, err := c.principalHeader()
	if err != nil {
		return nil, err
	}
	return nil, s.reg.DetachThingPrincipal(c.ctx, c.path("thingName"), p)
}

func (s *Server) listThingPrincipals(c *call) (any, error) {
	pr, err := c.pageRequest("nextToken", "maxResults")
	if err != nil {
		return nil, err
	}
	tps, next, err := s.reg.ListThingPrincipals(c.ctx, c.path("thingName"), pr)
	if err != nil {
		return nil, err
	}
	arns := make([]string, len(tps))
	for i, tp := range tps {
		arns[i] = tp.PrincipalARN
	}
	return map[string]any{"principals": arns, "nextToken": omit(next)}, nil
}

func (s *Server) listThingPrincipalsV2(c *call) (any, error) {
	pr, err := c.pageRequest("nextToken", "maxResults")
	if err != nil {
		return nil, err
	}
	tps, next, err := s.reg.ListThingPrincipals(c.ctx, c.path("thingName"), pr)
	if err != nil {
		return nil, err
	}
	want := c.query("thingPrincipalType")
	objs := []map[string]string{}
	for _, tp := range tps {
		if want == "" || want == tp.Type {
			objs = append(objs, map[string]string{"principal": tp.PrincipalARN, "thingPrincipalType": tp.Type})
		}
	}
	return map[string]any{"thingPrincipalObjects": objs, "nextToken": omit(next)}, nil
}

func (s *Server) listPrincipalThings(c *call) (any, error) {
	p, err := c.principalHeader()
	if err != nil {
		return nil, err
	}
	pr, err := c.pageRequest("nextToken", "maxResults")
	if err != nil {
		return nil, err
	}
	tps, next, err := s.reg.ListPrincipalThings(c.ctx, p, pr)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(tps))
	for i, tp := range tps {
		names[i] = tp.Thing
	}
	return map[string]any{"things": names, "nextToken": omit(next)}, nil
}

func (s *Server) listPrincipalThingsV2(c *call) (any, error) {
	p, err := c.principalHeader()
	if err != nil {
		return nil, err
	}
	pr, err := c.pageRequest("nextToken", "maxResults")
	if err != nil {
		return nil, err
	}
	tps, next, err := s.reg.ListPrincipalThings(c.ctx, p, pr)
	if err != nil {
		return nil, err
	}
	objs := make([]map[string]string, len(tps))
	for i, tp := range tps {
		objs[i] = map[string]string{"thingName": tp.Thing, "thingPrincipalType": tp.Type}
	}
	return map[string]any{"principalThingObjects": objs, "nextToken": omit(next)}, nil
}
