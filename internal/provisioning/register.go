package provisioning

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/roost-iot/roost/internal/provisioning/template"
	"github.com/roost-iot/roost/internal/registry"
)

const (
	templatePrefix  = "$aws/provisioning-templates/"
	provisionSuffix = "/provision"
)

// templateOfTopic returns the template name of a RegisterThing request
// topic without its format ($aws/provisioning-templates/<name>/provision).
func templateOfTopic(base string) (string, bool) {
	rest, ok := strings.CutPrefix(base, templatePrefix)
	if !ok {
		return "", false
	}
	name, ok := strings.CutSuffix(rest, provisionSuffix)
	return name, ok && name != "" && !strings.Contains(name, "/")
}

type registerThingRequest struct {
	Token      string            `json:"certificateOwnershipToken" cbor:"certificateOwnershipToken"`
	Parameters map[string]string `json:"parameters" cbor:"parameters"`
}

type registerThingResponse struct {
	DeviceConfiguration map[string]string `json:"deviceConfiguration" cbor:"deviceConfiguration"`
	ThingName           string            `json:"thingName" cbor:"thingName"`
}

// registerThing is RegisterThing: the ownership token names the
// certificate, the template (enabled, FLEET_PROVISIONING) is evaluated
// with the request's parameters (after the pre-provisioning hook, if any,
// allowed it and overrode some), and the registry applies the plan in one
// transaction, which activates the certificate and so spends the token.
func (s *Service) registerThing(ctx context.Context, name, format string, r Request) (any, error) {
	var in registerThingRequest
	if err := decode(format, r.Payload, &in); err != nil {
		return nil, err
	}
	certID, err := s.CertificateForToken(in.Token)
	if err != nil {
		return nil, err
	}
	tpl, t, err := s.fleetTemplate(ctx, name)
	if err != nil {
		return nil, err
	}
	params := in.Parameters
	if tpl.HookTargetARN != "" {
		// The hook gets the certificate; a spent token must not reach it.
		// Without a hook, Provision checks the certificate in its
		// transaction, which saves a read per device.
		cert, err := s.pendingCertificate(ctx, certID)
		if err != nil {
			return nil, err
		}
		if params, err = s.runHook(ctx, tpl, cert, r, params); err != nil {
			return nil, err
		}
	}
	plan, err := t.Evaluate(params, map[string]string{template.CertificateID: certID})
	var ee *template.EvalError
	if errors.As(err, &ee) {
		return nil, reject(400, "InvalidParameters", "%s", ee.Error())
	}
	if err != nil {
		return nil, err
	}
	res, err := s.reg.Provision(ctx, registry.ProvisionInput{CertID: certID, Plan: plan})
	if err != nil {
		return nil, provisionRejection(err)
	}
	s.log.Debug("device provisioned", "template", name, "thing", res.ThingName, "certificate", certID)
	cfg := plan.DeviceConfiguration
	if cfg == nil {
		cfg = map[string]string{}
	}
	return registerThingResponse{DeviceConfiguration: cfg, ThingName: res.ThingName}, nil
}

// pendingCertificate returns the token's certificate if it still waits
// for RegisterThing.
func (s *Service) pendingCertificate(ctx context.Context, id string) (registry.Certificate, error) {
	c, err := s.reg.DescribeCertificate(ctx, id)
	var re *registry.Error
	if errors.As(err, &re) && re.Code == registry.NotFound {
		return c, reject(400, "InvalidCertificateOwnershipToken", "The certificate of this ownership token no longer exists.")
	}
	if err != nil {
		return c, err
	}
	if c.Status != registry.StatusPendingActivation {
		return c, reject(400, "InvalidCertificateOwnershipToken", "Certificate ownership token has already been used.")
	}
	return c, nil
}

// fleetTemplate returns an enabled fleet provisioning template and its
// parsed default version.
func (s *Service) fleetTemplate(ctx context.Context, name string) (registry.ProvisioningTemplate, *template.Template, error) {
	tpl, err := s.reg.DescribeProvisioningTemplate(ctx, name)
	var re *registry.Error
	if errors.As(err, &re) && re.Code == registry.NotFound {
		return tpl, nil, reject(404, "ResourceNotFound", "The provisioning template %s does not exist.", name)
	}
	if err != nil {
		return tpl, nil, err
	}
	if !tpl.Enabled {
		return tpl, nil, reject(400, "InvalidRequest", "The provisioning template %s is disabled.", name)
	}
	if tpl.Type != registry.TemplateFleetProvisioning {
		return tpl, nil, reject(400, "InvalidRequest", "The provisioning template %s is a %s template, not a fleet provisioning one.", name, tpl.Type)
	}
	t, err := s.templates.parse(tpl)
	return tpl, t, err
}

// provisionRejection maps the registry's refusal of a plan to a
// RegisterThing /rejected payload. The error codes other than
// InvalidCertificateOwnershipToken are Roost's (AWS's are not published).
func provisionRejection(err error) error {
	var re *registry.Error
	if !errors.As(err, &re) {
		return err
	}
	switch re.Code {
	case registry.CertificateState:
		if re == registry.ErrCertificateGone {
			return reject(400, "InvalidCertificateOwnershipToken", "The certificate of this ownership token no longer exists.")
		}
		return reject(400, "InvalidCertificateOwnershipToken", "Certificate ownership token has already been used.")
	case registry.NotFound:
		return reject(400, "ResourceNotFound", "%s", re.Message)
	case registry.ResourceConflict, registry.AlreadyExists:
		return reject(409, "ResourceConflict", "%s", re.Message)
	case registry.LimitExceeded:
		return reject(400, "LimitExceeded", "%s", re.Message)
	}
	return reject(400, "InvalidRequest", "%s", re.Message)
}

// templateCache keeps parsed template versions. A version's body never
// changes, and the template id changes when a name is reused, so the key
// (id, version) cannot go stale.
type templateCache struct {
	mu sync.Mutex
	m  map[string]*template.Template // mu held
}

const maxCachedTemplates = 256

func (c *templateCache) parse(tpl registry.ProvisioningTemplate) (*template.Template, error) {
	k := tpl.ID + "/" + strconv.FormatInt(tpl.DefaultVersion, 10)
	c.mu.Lock()
	t, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return t, nil
	}
	t, err := template.Parse([]byte(tpl.Body))
	if err != nil {
		// Stored bodies were parsed when created; only a change of the
		// engine's rules gets here.
		return nil, reject(400, "InvalidRequest", "%s", err.Error())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedTemplates {
		c.m = map[string]*template.Template{}
	}
	c.m[k] = t
	return t, nil
}
