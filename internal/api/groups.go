package api

import (
	"encoding/json"

	"github.com/roost-iot/roost/internal/registry"
)

// Thing types.

type thingTypeProps struct {
	Description          string          `json:"thingTypeDescription,omitempty"`
	SearchableAttributes []string        `json:"searchableAttributes,omitempty"`
	Mqtt5Configuration   json.RawMessage `json:"mqtt5Configuration,omitempty"`
}

func (s *Server) createThingType(c *call) (any, error) {
	var in struct {
		Props thingTypeProps `json:"thingTypeProperties"`
		Tags  []tag          `json:"tags"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	t, err := s.reg.CreateThingType(c.ctx, registry.CreateThingTypeInput{
		Name: c.path("thingTypeName"), Description: in.Props.Description,
		SearchableAttributes: in.Props.SearchableAttributes, Properties: in.Props.Mqtt5Configuration, Tags: tagMap(in.Tags),
	})
	if err != nil {
		return nil, err
	}
	return map[string]string{"thingTypeName": t.Name, "thingTypeArn": t.ARN, "thingTypeId": t.ID}, nil
}

type thingTypeOut struct {
	Name     string         `json:"thingTypeName"`
	ID       string         `json:"thingTypeId,omitempty"`
	ARN      string         `json:"thingTypeArn"`
	Props    thingTypeProps `json:"thingTypeProperties"`
	Metadata struct {
		Deprecated      bool   `json:"deprecated"`
		DeprecationDate *epoch `json:"deprecationDate,omitempty"`
		CreationDate    *epoch `json:"creationDate,omitempty"`
	} `json:"thingTypeMetadata"`
}

func thingTypeView(t registry.ThingType, withID bool) thingTypeOut {
	out := thingTypeOut{Name: t.Name, ARN: t.ARN, Props: thingTypeProps{
		Description: t.Description, SearchableAttributes: t.SearchableAttributes, Mqtt5Configuration: t.Properties}}
	if withID {
		out.ID = t.ID
	}
	out.Metadata.Deprecated = t.Deprecated
	out.Metadata.DeprecationDate = ts(t.DeprecatedAt)
	out.Metadata.CreationDate = ts(t.CreatedAt)
	return out
}

func (s *Server) describeThingType(c *call) (any, error) {
	t, err := s.reg.DescribeThingType(c.ctx, c.path("thingTypeName"))
	if err != nil {
		return nil, err
	}
	return thingTypeView(t, true), nil
}

func (s *Server) listThingTypes(c *call) (any, error) {
	pr, err := c.pageRequest("nextToken", "maxResults")
	if err != nil {
		return nil, err
	}
	types, next, err := s.reg.ListThingTypes(c.ctx, c.query("thingTypeName"), pr)
	if err != nil {
		return nil, err
	}
	out := make([]thingTypeOut, len(types))
	for i, t := range types {
		out[i] = thingTypeView(t, false)
	}
	return map[string]any{"thingTypes": out, "nextToken": omit(next)}, nil
}

func (s *Server) deprecateThingType(c *call) (any, error) {
	var in struct {
		UndoDeprecate bool `json:"undoDeprecate"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return nil, s.reg.DeprecateThingType(c.ctx, c.path("thingTypeName"), in.UndoDeprecate)
}

func (s *Server) deleteThingType(c *call) (any, error) {
	return nil, s.reg.DeleteThingType(c.ctx, c.path("thingTypeName"))
}

// Thing groups.

type groupProps struct {
	Description      *string           `json:"thingGroupDescription,omitempty"`
	AttributePayload *attributePayload `json:"attributePayload,omitempty"`
}

func (s *Server) createThingGroup(c *call) (any, error) {
	var in struct {
		Parent string     `json:"parentGroupName"`
		Props  groupProps `json:"thingGroupProperties"`
		Tags   []tag      `json:"tags"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	gi := registry.CreateThingGroupInput{Name: c.path("thingGroupName"), Parent: in.Parent, Tags: tagMap(in.Tags)}
	if in.Props.Description != nil {
		gi.Description = *in.Props.Description
	}
	if in.Props.AttributePayload != nil {
		gi.Attributes = in.Props.AttributePayload.Attributes
	}
	g, err := s.reg.CreateThingGroup(c.ctx, gi)
	if err != nil {
		return nil, err
	}
	return map[string]string{"thingGroupName": g.Name, "thingGroupArn": g.ARN, "thingGroupId": g.ID}, nil
}

func (s *Server) describeThingGroup(c *call) (any, error) {
	g, err := s.reg.DescribeThingGroup(c.ctx, c.path("thingGroupName"))
	if err != nil {
		return nil, err
	}
	roots := make([]map[string]string, len(g.Ancestors))
	for i, a := range g.Ancestors {
		roots[i] = map[string]string{"groupName": a.Name, "groupArn": a.ARN}
	}
	meta := map[string]any{"rootToParentThingGroups": roots, "creationDate": ts(g.CreatedAt)}
	if g.ParentName != "" {
		meta["parentGroupName"] = g.ParentName
	}
	desc := g.Description
	return map[string]any{
		"thingGroupName": g.Name, "thingGroupId": g.ID, "thingGroupArn": g.ARN, "version": g.Version,
		"thingGroupProperties": groupProps{Description: &desc, AttributePayload: &attributePayload{Attributes: nonNil(g.Attributes)}},
		"thingGroupMetadata":   meta,
	}, nil
}

func (s *Server) updateThingGroup(c *call) (any, error) {
	var in struct {
		Props           groupProps `json:"thingGroupProperties"`
		ExpectedVersion *int64     `json:"expectedVersion"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ui := registry.UpdateThingGroupInput{Name: c.path("thingGroupName"), Description: in.Props.Description, ExpectedVersion: in.ExpectedVersion}
	if ap := in.Props.AttributePayload; ap != nil {
		ui.HasAttributes, ui.Attributes, ui.Merge = true, ap.Attributes, ap.Merge
	}
	v, err := s.reg.UpdateThingGroup(c.ctx, ui)
	if err != nil {
		return nil, err
	}
	return map[string]int64{"version": v}, nil
}

func (s *Server) deleteThingGroup(c *call) (any, error) {
	v, err := c.queryInt64Ptr("expectedVersion")
	if err != nil {
		return nil, err
	}
	return nil, s.reg.DeleteThingGroup(c.ctx, c.path("thingGroupName"), v)
}

func groupRefs(gs []registry.GroupRef) []map[string]string {
	out := make([]map[string]string, len(gs))
	for i, g := range gs {
		out[i] = map[string]string{"groupName": g.Name, "groupArn": g.ARN}
	}
	return out
}

func (s *Server) listThingGroups(c *call) (any, error) {
	pr, err := c.pageRequest("nextToken", "maxResults")
	if err != nil {
		return nil, err
	}
	rec, err := c.queryBool("recursive")
	if err != nil {
		return nil, err
	}
	gs, next, err := s.reg.ListThingGroups(c.ctx, registry.ListThingGroupsInput{
		Parent: c.query("parentGroup"), NamePrefix: c.query("namePrefixFilter"), Recursive: rec, PageRequest: pr})
	if err != nil {
		return nil, err
	}
	return map[string]any{"thingGroups": groupRefs(gs), "nextToken": omit(next)}, nil
}

func (s *Server) groupThingInput(c *call) (registry.GroupThingInput, error) {
	var in struct {
		ThingGroupName string `json:"thingGroupName"`
		ThingGroupArn  string `json:"thingGroupArn"`
		ThingName      string `json:"thingName"`
		ThingArn       string `json:"thingArn"`
	}
	err := c.decode(&in)
	return registry.GroupThingInput{GroupName: in.ThingGroupName, GroupARN: in.ThingGroupArn,
		ThingName: in.ThingName, ThingARN: in.ThingArn}, err
}

func (s *Server) addThingToThingGroup(c *call) (any, error) {
	in, err := s.groupThingInput(c)
	if err != nil {
		return nil, err
	}
	return nil, s.reg.AddThingToThingGroup(c.ctx, in)
}

func (s *Server) removeThingFromThingGroup(c *call) (any, error) {
	in, err := s.groupThingInput(c)
	if err != nil {
		return nil, err
	}
	return nil, s.reg.RemoveThingFromThingGroup(c.ctx, in)
}

func (s *Server) listThingsInThingGroup(c *call) (any, error) {
	pr, err := c.pageRequest("nextToken", "maxResults")
	if err != nil {
		return nil, err
	}
	rec, err := c.queryBool("recursive")
	if err != nil {
		return nil, err
	}
	names, next, err := s.reg.ListThingsInThingGroup(c.ctx, c.path("thingGroupName"), rec, pr)
	if err != nil {
		return nil, err
	}
	if names == nil {
		names = []string{}
	}
	return map[string]any{"things": names, "nextToken": omit(next)}, nil
}

func (s *Server) listThingGroupsForThing(c *call) (any, error) {
	pr, err := c.pageRequest("nextToken", "maxResults")
	if err != nil {
		return nil, err
	}
	gs, next, err := s.reg.ListThingGroupsForThing(c.ctx, c.path("thingName"), pr)
	if err != nil {
		return nil, err
	}
	return map[string]any{"thingGroups": groupRefs(gs), "nextToken": omit(next)}, nil
}
