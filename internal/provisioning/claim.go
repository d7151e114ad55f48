package provisioning

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/roost-iot/roost/internal/registry"
)

// Claim is a temporary claim certificate for provisioning by trusted user.
type Claim struct {
	registry.IssuedCertificate
	Expiration time.Time
}

// claimPolicyName is the policy every claim of a template carries.
func claimPolicyName(tmpl string) string { return "RoostProvisioningClaim-" + tmpl }

// claimPolicy allows what a claim needs and nothing more: connecting, and
// the MQTT provisioning API of its template (AWS's claim policy for
// provisioning by claim, plus create-from-csr).
func (s *Service) claimPolicy(tmpl string) string {
	arn := "arn:aws:iot:" + s.reg.Region() + ":" + s.reg.Account() + ":"
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
{"Effect":"Allow","Action":"iot:Connect","Resource":"*"},
{"Effect":"Allow","Action":["iot:Publish","iot:Receive"],"Resource":[
 "%[1]stopic/$aws/certificates/create/*","%[1]stopic/$aws/certificates/create-from-csr/*",
 "%[1]stopic/$aws/provisioning-templates/%[2]s/provision/*"]},
{"Effect":"Allow","Action":"iot:Subscribe","Resource":[
 "%[1]stopicfilter/$aws/certificates/create/*","%[1]stopicfilter/$aws/certificates/create-from-csr/*",
 "%[1]stopicfilter/$aws/provisioning-templates/%[2]s/provision/*"]}]}`, arn, tmpl)
}

// CreateProvisioningClaim issues a claim certificate for a fleet
// provisioning template, valid for ClaimLifetime, with the template's claim
// policy (created on first use) attached.
func (s *Service) CreateProvisioningClaim(ctx context.Context, tmpl string) (Claim, error) {
	t, err := s.reg.DescribeProvisioningTemplate(ctx, tmpl)
	if err != nil {
		return Claim{}, err
	}
	if t.Type != registry.TemplateFleetProvisioning {
		return Claim{}, &registry.Error{Code: registry.InvalidRequest,
			Message: fmt.Sprintf("The provisioning template %s is not a %s template", tmpl, registry.TemplateFleetProvisioning)}
	}
	policy := claimPolicyName(tmpl)
	_, err = s.reg.CreatePolicy(ctx, policy, s.claimPolicy(tmpl), nil)
	var re *registry.Error
	if err != nil && !(errors.As(err, &re) && re.Code == registry.AlreadyExists) {
		return Claim{}, fmt.Errorf("claim policy: %w", err)
	}
	exp := s.now().Add(s.ClaimLifetime).UTC().Truncate(time.Second)
	ic, err := s.reg.CreateClaimCertificate(ctx, policy, exp)
	if err != nil {
		return Claim{}, err
	}
	return Claim{IssuedCertificate: ic, Expiration: exp}, nil
}
