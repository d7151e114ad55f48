package api

import (
	"strconv"

	"github.com/roost-iot/roost/internal/registry"
)

func versionString(id int64) string { return strconv.FormatInt(id, 10) }

func (s *Server) createPolicy(c *call) (any, error) {
	var in struct {
		PolicyDocument string `json:"policyDocument"`
		Tags           []tag  `json:"tags"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	p, err := s.reg.CreatePolicy(c.ctx, c.path("policyName"), in.PolicyDocument, tagMap(in.Tags))
	if err != nil {
		return nil, err
	}
	return map[string]string{"policyName": p.Name, "policyArn": p.ARN, "policyDocument": p.Document,
		"policyVersionId": versionString(p.DefaultVersion)}, nil
}

func (s *Server) getPolicy(c *call) (any, error) {
	p, err := s.reg.GetPolicy(c.ctx, c.path("policyName"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"policyName": p.Name, "policyArn": p.ARN, "policyDocument": p.Document,
		"defaultVersionId": versionString(p.DefaultVersion), "creationDate": ts(p.CreatedAt),
		"lastModifiedDate": ts(p.UpdatedAt), "generationId": p.GenerationID}, nil
}

func policyRefs(ps []registry.Policy) []map[string]string {
	out := make([]map[string]string, len(ps))
	for i, p := range ps {
		out[i] = map[string]string{"policyName": p.Name, "policyArn": p.ARN}
	}
	return out
}

func (s *Server) listPolicies(c *call) (any, error) {
	pr, err := c.pageRequest("marker", "pageSize")
	if err != nil {
		return nil, err
	}
	asc, err := c.queryBool("isAscendingOrder")
	if err != nil {
		return nil, err
	}
	ps, next, err := s.reg.ListPolicies(c.ctx, asc || c.query("isAscendingOrder") == "", pr)
	if err != nil {
		return nil, err
	}
	return map[string]any{"policies": policyRefs(ps), "nextMarker": omit(next)}, nil
}

func (s *Server) deletePolicy(c *call) (any, error) {
	return nil, s.reg.DeletePolicy(c.ctx, c.path("policyName"))
}

func (s *Server) createPolicyVersion(c *call) (any, error) {
	def, err := c.queryBool("setAsDefault")
	if err != nil {
		return nil, err
	}
	var in struct {
		PolicyDocument string `json:"policyDocument"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	v, err := s.reg.CreatePolicyVersion(c.ctx, c.path("policyName"), in.PolicyDocument, def)
	if err != nil {
		return nil, err
	}
	return map[string]any{"policyArn": v.ARN, "policyDocument": v.Document,
		"policyVersionId": versionString(v.ID), "isDefaultVersion": v.IsDefault}, nil
}

func (c *call) versionID() (int64, error) { return registry.ParseVersionID(c.path("policyVersionId")) }

func (s *Server) getPolicyVersion(c *call) (any, error) {
	id, err := c.versionID()
	if err != nil {
		return nil, err
	}
	v, err := s.reg.GetPolicyVersion(c.ctx, c.path("policyName"), id)
	if err != nil {
		return nil, err
	}
	return map[string]any{"policyArn": v.ARN, "policyName": v.PolicyName, "policyDocument": v.Document,
		"policyVersionId": versionString(v.ID), "isDefaultVersion": v.IsDefault, "creationDate": ts(v.CreatedAt),
		"lastModifiedDate": ts(v.UpdatedAt), "generationId": v.GenerationID}, nil
}

func (s *Server) listPolicyVersions(c *call) (any, error) {
	vs, err := s.reg.ListPolicyVersions(c.ctx, c.path("policyName"))
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, len(vs))
	for i, v := range vs {
		out[i] = map[string]any{"versionId": versionString(v.ID), "isDefaultVersion": v.IsDefault, "createDate": ts(v.CreatedAt)}
	}
	return map[string]any{"policyVersions": out}, nil
}

func (s *Server) setDefaultPolicyVersion(c *call) (any, error) {
	id, err := c.versionID()
	if err != nil {
		return nil, err
	}
	return nil, s.reg.SetDefaultPolicyVersion(c.ctx, c.path("policyName"), id)
}

func (s *Server) deletePolicyVersion(c *call) (any, error) {
	id, err := c.versionID()
	if err != nil {
		return nil, err
	}
	return nil, s.reg.DeletePolicyVersion(c.ctx, c.path("policyName"), id)
}

func (c *call) targetBody() (string, error) {
	var in struct {
		Target string `json:"target"`
	}
	if err := c.decode(&in); err != nil {
		return "", err
	}
	if in.Target == "" {
		return "", invalid("target is required")
	}
	return in.Target, nil
}

func (s *Server) attachPolicy(c *call) (any, error) {
	t, err := c.targetBody()
	if err != nil {
		return nil, err
	}
	return nil, s.reg.AttachPolicy(c.ctx, c.path("policyName"), t)
}

func (s *Server) detachPolicy(c *call) (any, error) {
	t, err := c.targetBody()
	if err != nil {
		return nil, err
	}
	return nil, s.reg.DetachPolicy(c.ctx, c.path("policyName"), t)
}

// principalPolicy serves the deprecated AttachPrincipalPolicy and
// DetachPrincipalPolicy, which older scripts still call.
func (s *Server) principalPolicy(attach bool) op {
	return func(c *call) (any, error) {
		p := c.r.Header.Get("x-amzn-iot-principal")
		if p == "" {
			return nil, invalid("The principal (header x-amzn-iot-principal) is required")
		}
		if attach {
			return nil, s.reg.AttachPolicy(c.ctx, c.path("policyName"), p)
		}
		return nil, s.reg.DetachPolicy(c.ctx, c.path("policyName"), p)
	}
}

func (s *Server) listAttachedPolicies(c *call) (any, error) {
	pr, err := c.pageRequest("marker", "pageSize")
	if err != nil {
		return nil, err
	}
	rec, err := c.queryBool("recursive")
	if err != nil {
		return nil, err
	}
	ps, next, err := s.reg.ListAttachedPolicies(c.ctx, c.path("target"), rec, pr)
	if err != nil {
		return nil, err
	}
	return map[string]any{"policies": policyRefs(ps), "nextMarker": omit(next)}, nil
}

func (s *Server) listPrincipalPolicies(c *call) (any, error) {
	p := c.r.Header.Get("x-amzn-iot-principal")
	if p == "" {
		return nil, invalid("The principal (header x-amzn-iot-principal) is required")
	}
	pr, err := c.pageRequest("marker", "pageSize")
	if err != nil {
		return nil, err
	}
	ps, next, err := s.reg.ListAttachedPolicies(c.ctx, p, false, pr)
	if err != nil {
		return nil, err
	}
	return map[string]any{"policies": policyRefs(ps), "nextMarker": omit(next)}, nil
}

func (s *Server) listTargetsForPolicy(c *call) (any, error) {
	pr, err := c.pageRequest("marker", "pageSize")
	if err != nil {
		return nil, err
	}
	targets, next, err := s.reg.ListTargetsForPolicy(c.ctx, c.path("policyName"), pr)
	if err != nil {
		return nil, err
	}
	return map[string]any{"targets": targets, "nextMarker": omit(next)}, nil
}

// Tags.

func (s *Server) tagResource(c *call) (any, error) {
	var in struct {
		ResourceArn string `json:"resourceArn"`
		Tags        []tag  `json:"tags"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return nil, s.reg.TagResource(c.ctx, in.ResourceArn, tagMap(in.Tags))
}

func (s *Server) untagResource(c *call) (any, error) {
	var in struct {
		ResourceArn string   `json:"resourceArn"`
		TagKeys     []string `json:"tagKeys"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return nil, s.reg.UntagResource(c.ctx, in.ResourceArn, in.TagKeys)
}

func (s *Server) listTagsForResource(c *call) (any, error) {
	tags, err := s.reg.ListTagsForResource(c.ctx, c.query("resourceArn"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"tags": tagList(tags)}, nil
}
