package api

// routeIoT registers the control-plane operations, with the methods and
// paths of the botocore iot model (2015-05-28). Path labels are not greedy:
// clients percent-encode '/' inside them, and ServeMux unescapes each
// segment after splitting, so /attached-policies/arn%3A...%2Fid is one label.
func (s *Server) routeIoT() {
	s.handleAll(s.iot, []route{
		{"POST /things/{thingName}", s.createThing},
		{"GET /things/{thingName}", s.describeThing},
		{"PATCH /things/{thingName}", s.updateThing},
		{"DELETE /things/{thingName}", s.deleteThing},
		{"GET /things", s.listThings},
		{"GET /things/{thingName}/thing-groups", s.listThingGroupsForThing},
		{"PUT /things/{thingName}/principals", s.attachThingPrincipal},
		{"DELETE /things/{thingName}/principals", s.detachThingPrincipal},
		{"GET /things/{thingName}/principals", s.listThingPrincipals},
		{"GET /things/{thingName}/principals-v2", s.listThingPrincipalsV2},
		{"GET /principals/things", s.listPrincipalThings},
		{"GET /principals/things-v2", s.listPrincipalThingsV2},

		{"POST /thing-types/{thingTypeName}", s.createThingType},
		{"GET /thing-types/{thingTypeName}", s.describeThingType},
		{"GET /thing-types", s.listThingTypes},
		{"POST /thing-types/{thingTypeName}/deprecate", s.deprecateThingType},
		{"DELETE /thing-types/{thingTypeName}", s.deleteThingType},

		{"POST /thing-groups/{thingGroupName}", s.createThingGroup},
		{"GET /thing-groups/{thingGroupName}", s.describeThingGroup},
		{"PATCH /thing-groups/{thingGroupName}", s.updateThingGroup},
		{"DELETE /thing-groups/{thingGroupName}", s.deleteThingGroup},
		{"GET /thing-groups", s.listThingGroups},
		{"PUT /thing-groups/addThingToThingGroup", s.addThingToThingGroup},
		{"PUT /thing-groups/removeThingFromThingGroup", s.removeThingFromThingGroup},
		{"GET /thing-groups/{thingGroupName}/things", s.listThingsInThingGroup},

		{"POST /keys-and-certificate", s.createKeysAndCertificate},
		{"POST /certificates", s.createCertificateFromCsr},
		{"POST /certificate/register", s.registerCertificate(false)},
		{"POST /certificate/register-no-ca", s.registerCertificate(true)},
		{"GET /certificates/{certificateId}", s.describeCertificate},
		{"PUT /certificates/{certificateId}", s.updateCertificate},
		{"DELETE /certificates/{certificateId}", s.deleteCertificate},
		{"GET /certificates", s.listCertificates},

		{"POST /provisioning-templates", s.createProvisioningTemplate},
		{"GET /provisioning-templates", s.listProvisioningTemplates},
		{"GET /provisioning-templates/{templateName}", s.describeProvisioningTemplate},
		{"PATCH /provisioning-templates/{templateName}", s.updateProvisioningTemplate},
		{"DELETE /provisioning-templates/{templateName}", s.deleteProvisioningTemplate},
		{"POST /provisioning-templates/{templateName}/versions", s.createProvisioningTemplateVersion},
		{"GET /provisioning-templates/{templateName}/versions", s.listProvisioningTemplateVersions},
		{"GET /provisioning-templates/{templateName}/versions/{versionId}", s.describeProvisioningTemplateVersion},
		{"DELETE /provisioning-templates/{templateName}/versions/{versionId}", s.deleteProvisioningTemplateVersion},
		{"POST /provisioning-templates/{templateName}/provisioning-claim", s.createProvisioningClaim},

		{"POST /policies/{policyName}", s.createPolicy},
		{"GET /policies/{policyName}", s.getPolicy},
		{"DELETE /policies/{policyName}", s.deletePolicy},
		{"GET /policies", s.listPolicies},
		{"POST /policies/{policyName}/version", s.createPolicyVersion},
		{"GET /policies/{policyName}/version", s.listPolicyVersions},
		{"GET /policies/{policyName}/version/{policyVersionId}", s.getPolicyVersion},
		{"PATCH /policies/{policyName}/version/{policyVersionId}", s.setDefaultPolicyVersion},
		{"DELETE /policies/{policyName}/version/{policyVersionId}", s.deletePolicyVersion},
		{"PUT /target-policies/{policyName}", s.attachPolicy},
		{"POST /target-policies/{policyName}", s.detachPolicy},
		{"POST /attached-policies/{target}", s.listAttachedPolicies},
		{"POST /policy-targets/{policyName}", s.listTargetsForPolicy},
		{"PUT /principal-policies/{policyName}", s.principalPolicy(true)},
		{"DELETE /principal-policies/{policyName}", s.principalPolicy(false)},
		{"GET /principal-policies", s.listPrincipalPolicies},

		{"GET /endpoint", s.describeEndpoint},
		{"POST /tags", s.tagResource},
		{"POST /untag", s.untagResource},
		{"GET /tags", s.listTagsForResource},

		{"/", notFoundRoute},
	})
}
