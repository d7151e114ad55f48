package provisioning

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/roost-iot/roost/internal/registry"
)

// HookTimeout is how long a pre-provisioning hook may take (AWS: the
// Lambda must return within 5 seconds).
const HookTimeout = 5 * time.Second

// maxHookResponse bounds what Roost reads of a hook's answer.
const maxHookResponse = 64 << 10

// hookEvent is AWS's pre-provisioning hook input.
type hookEvent struct {
	ClaimCertificateID string            `json:"claimCertificateId"`
	CertificateID      string            `json:"certificateId"`
	CertificatePem     string            `json:"certificatePem"`
	TemplateARN        string            `json:"templateArn"`
	ClientID           string            `json:"clientId"`
	Parameters         map[string]string `json:"parameters"`
}

// hookResponse is AWS's pre-provisioning hook output.
type hookResponse struct {
	AllowProvisioning  allowFlag         `json:"allowProvisioning"`
	ParameterOverrides map[string]string `json:"parameterOverrides"`
}

// allowFlag is allowProvisioning as Lambdas write it: AWS's documentation
// shows JSON true, and Lambdas in the field also answer "true" or 1, which
// AWS accepts. Only those allow; anything else, or nothing, denies.
type allowFlag bool

func (a *allowFlag) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case bool:
		*a = allowFlag(v)
	case string:
		*a = allowFlag(strings.EqualFold(v, "true"))
	case float64:
		*a = allowFlag(v != 0)
	default:
		*a = false
	}
	return nil
}

// hookClient calls hooks. Redirects are not followed: a hook answers
// itself.
type hookClient struct{ c *http.Client }

func newHookClient() hookClient {
	return hookClient{c: &http.Client{
		Timeout: HookTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// runHook POSTs the hook event to the template's hook URL and returns the
// parameters to provision with. Anything but a 2xx JSON answer with
// allowProvisioning true denies: a timeout, an error, a bad answer.
func (s *Service) runHook(ctx context.Context, tpl registry.ProvisioningTemplate, cert registry.Certificate, r Request, params map[string]string) (map[string]string, error) {
	if params == nil {
		params = map[string]string{}
	}
	ev := hookEvent{ClaimCertificateID: r.CertID, CertificateID: cert.ID, CertificatePem: cert.PEM,
		TemplateARN: tpl.ARN, ClientID: r.ClientID, Parameters: params}
	out, err := s.hooks.call(ctx, tpl.HookTargetARN, ev)
	if err != nil {
		// The cause names the hook's URL: it is logged, not sent to devices.
		s.log.Warn("pre-provisioning hook failed", "template", tpl.Name, "err", err)
		return nil, reject(403, "AccessDenied", "The pre-provisioning hook did not allow provisioning (it failed or timed out).")
	}
	if !out.AllowProvisioning {
		return nil, reject(403, "AccessDenied", "The pre-provisioning hook denied provisioning.")
	}
	return mergeParams(params, out.ParameterOverrides), nil
}

func (h hookClient) call(ctx context.Context, url string, ev hookEvent) (hookResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, HookTimeout)
	defer cancel()
	body, _ := json.Marshal(ev)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return hookResponse{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.c.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return hookResponse{}, fmt.Errorf("no answer within %s", HookTimeout)
		}
		return hookResponse{}, fmt.Errorf("request: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return hookResponse{}, fmt.Errorf("HTTP status %d", resp.StatusCode)
	}
	var out hookResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxHookResponse)).Decode(&out); err != nil {
		return hookResponse{}, fmt.Errorf("the answer is not a JSON hook response: %w", err)
	}
	return out, nil
}

// mergeParams returns params with the hook's overrides applied.
func mergeParams(params, overrides map[string]string) map[string]string {
	out := make(map[string]string, len(params)+len(overrides))
	maps.Copy(out, params)
	maps.Copy(out, overrides)
	return out
}
