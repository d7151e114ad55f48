package template

// Plan is what a template asks for, for one device: the resources in
// document order with every parameter and function already resolved, and the
// DeviceConfiguration that RegisterThing returns to the device. Nothing in it
// exists yet: provisioning creates, looks up or attaches these resources in
// one transaction, and applies the override settings when one already exists.
type Plan struct {
	Things       []Thing       `json:"things"`
	Certificates []Certificate `json:"certificates"`
	Policies     []Policy      `json:"policies"`
	// DeviceConfiguration is nil when the template has no such section.
	DeviceConfiguration map[string]string `json:"deviceConfiguration"`
}

// Thing is an AWS::IoT::Thing resource. A nil AttributePayload or ThingGroups
// means the template did not set the property; an empty one that it set it
// empty, which matters to REPLACE.
type Thing struct {
	LogicalID        string              `json:"logicalId"`
	ThingName        string              `json:"thingName"`
	ThingTypeName    string              `json:"thingTypeName,omitempty"`
	AttributePayload map[string]string   `json:"attributePayload"`
	ThingGroups      []string            `json:"thingGroups"`
	BillingGroup     string              `json:"billingGroup,omitempty"`
	OverrideSettings map[string]Override `json:"overrideSettings,omitempty"`
}

// Certificate is an AWS::IoT::Certificate resource: exactly one of
// CertificateID, CertificateSigningRequest and CertificatePem is set.
// Fleet provisioning and JITP templates use CertificateID (AWS: "Only
// certificate IDs can be used with a fleet provisioning template").
type Certificate struct {
	LogicalID                 string `json:"logicalId"`
	CertificateID             string `json:"certificateId,omitempty"`
	CertificateSigningRequest string `json:"certificateSigningRequest,omitempty"`
	CertificatePem            string `json:"certificatePem,omitempty"`
	CACertificatePem          string `json:"caCertificatePem,omitempty"`
	// Status is StatusActive or StatusInactive, whatever the template's case.
	Status           string              `json:"status"`
	OverrideSettings map[string]Override `json:"overrideSettings,omitempty"`
}

// Policy is an AWS::IoT::Policy resource. With a PolicyDocument, the policy
// is created (or reused) under PolicyName, which the engine sets to the hex
// SHA-256 of the document when the template gives no name ("Defaults to a
// hash of the policy document"). Without one, PolicyName names an existing
// policy to attach.
type Policy struct {
	LogicalID      string `json:"logicalId"`
	PolicyName     string `json:"policyName"`
	PolicyDocument string `json:"policyDocument,omitempty"`
}

// Certificate statuses a template may set. AWS's fleet provisioning example
// writes "Active"; the engine accepts any case.
const (
	StatusActive   = "ACTIVE"
	StatusInactive = "INACTIVE"
)

// Override is what provisioning does when a resource the template declares
// already exists (the OverrideSettings of a resource).
type Override string

const (
	// DoNothing leaves the existing resource as it is.
	DoNothing Override = "DO_NOTHING"
	// Replace replaces it with the template's.
	Replace Override = "REPLACE"
	// Fail fails the request with ResourceConflictsException.
	Fail Override = "FAIL"
	// Merge merges attributes or group memberships; only for a thing's
	// AttributePayload and ThingGroups.
	Merge Override = "MERGE"
)

// Override keys, as the AWS examples write them (the prose's
// ATTRIBUTE_PAYLOAD, THING_TYPE_NAME, THING_GROUPS and STATUS are accepted
// and normalized to these).
const (
	OverrideAttributePayload = "AttributePayload"
	OverrideThingTypeName    = "ThingTypeName"
	OverrideThingGroups      = "ThingGroups"
	OverrideStatus           = "Status"
)

// Pseudo parameters. The caller supplies their values to Evaluate: the
// certificate id for fleet provisioning, and for JITP also the subject
// attributes of the device certificate (SerialNumber is the subject's
// serialNumber attribute, not the X.509 serial).
const (
	CertificateID                         = "AWS::IoT::Certificate::Id"
	CertificateCommonName                 = "AWS::IoT::Certificate::CommonName"
	CertificateCountry                    = "AWS::IoT::Certificate::Country"
	CertificateOrganization               = "AWS::IoT::Certificate::Organization"
	CertificateOrganizationalUnit         = "AWS::IoT::Certificate::OrganizationalUnit"
	CertificateDistinguishedNameQualifier = "AWS::IoT::Certificate::DistinguishedNameQualifier"
	CertificateStateName                  = "AWS::IoT::Certificate::StateName"
	CertificateSerialNumber               = "AWS::IoT::Certificate::SerialNumber"
	// NoValue, as in CloudFormation, leaves out the property or list item
	// it is the value of (typically from one branch of Fn::If).
	NoValue = "AWS::NoValue"
)

// IsPseudoParameter reports whether name is one of the
// AWS::IoT::Certificate::* parameters.
func IsPseudoParameter(name string) bool {
	switch name {
	case CertificateID, CertificateCommonName, CertificateCountry, CertificateOrganization,
		CertificateOrganizationalUnit, CertificateDistinguishedNameQualifier,
		CertificateStateName, CertificateSerialNumber:
		return true
	}
	return false
}
