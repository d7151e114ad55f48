package api_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"
	"github.com/aws/smithy-go"

	"github.com/roost-iot/roost/internal/config"
	"github.com/roost-iot/roost/internal/roosttest"
)

var ctx = context.Background()

// wantCode asserts that err is an AWS API error with the given exception name.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want %s, got %s: %s", code, ae.ErrorCode(), ae.ErrorMessage())
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// seedBootstrapPolicy is seed 000's IoT_Bootstrapping_Certificate policy with
// this installation's region and account in its ARNs.
const seedBootstrapPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["iot:Connect"], "Resource": "*"},
    {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"], "Resource": [
      "arn:aws:iot:us-east-1:123456789012:topic/$aws/certificates/create/*",
      "arn:aws:iot:us-east-1:123456789012:topic/$aws/provisioning-templates/SensorTemplate/provision/*"]},
    {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": [
      "arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/certificates/create/*",
      "arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/provisioning-templates/SensorTemplate/provision/*"]}
  ]
}`

func TestThingsLifecycle(t *testing.T) {
	srv := roosttest.StartServer(t)
	c := srv.IoT()
	must[*iot.CreateThingTypeOutput](t)(c.CreateThingType(ctx, &iot.CreateThingTypeInput{
		ThingTypeName: aws.String("TemperatureSensor"),
		ThingTypeProperties: &types.ThingTypeProperties{SearchableAttributes: []string{"BuildingName", "Location"},
			ThingTypeDescription: aws.String("DS18B20 on a Raspberry Pi")},
	}))
	out := must[*iot.CreateThingOutput](t)(c.CreateThing(ctx, &iot.CreateThingInput{
		ThingName: aws.String("sensor_1"), ThingTypeName: aws.String("TemperatureSensor"),
		AttributePayload: &types.AttributePayload{Attributes: map[string]string{"BuildingName": "home417", "Location": "loft", "DeviceType": "RaspberryPi", "ModelNumber": "3"}},
	}))
	if *out.ThingArn != "arn:aws:iot:us-east-1:123456789012:thing/sensor_1" || *out.ThingId == "" {
		t.Fatalf("create output %+v", out)
	}
	// Identical create is idempotent; a different one conflicts.
	again := must[*iot.CreateThingOutput](t)(c.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("sensor_1"), ThingTypeName: aws.String("TemperatureSensor"),
		AttributePayload: &types.AttributePayload{Attributes: map[string]string{"BuildingName": "home417", "Location": "loft", "DeviceType": "RaspberryPi", "ModelNumber": "3"}}}))
	if *again.ThingId != *out.ThingId {
		t.Fatal("idempotent create returned another thing")
	}
	_, err := c.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("sensor_1")})
	wantCode(t, err, "ResourceAlreadyExistsException")
	var rae *types.ResourceAlreadyExistsException
	if !errors.As(err, &rae) || aws.ToString(rae.ResourceId) != *out.ThingId {
		t.Fatalf("ResourceAlreadyExistsException must carry resourceId: %v", err)
	}

	d := must[*iot.DescribeThingOutput](t)(c.DescribeThing(ctx, &iot.DescribeThingInput{ThingName: aws.String("sensor_1")}))
	if d.Version != 1 || d.Attributes["Location"] != "loft" || *d.ThingTypeName != "TemperatureSensor" || *d.DefaultClientId != "sensor_1" {
		t.Fatalf("describe %+v", d)
	}
	// Merge adds and removes; a stale expectedVersion conflicts.
	must[*iot.UpdateThingOutput](t)(c.UpdateThing(ctx, &iot.UpdateThingInput{ThingName: aws.String("sensor_1"), ExpectedVersion: aws.Int64(1),
		AttributePayload: &types.AttributePayload{Merge: true, Attributes: map[string]string{"Location": "downstairs", "ModelNumber": ""}}}))
	_, err = c.UpdateThing(ctx, &iot.UpdateThingInput{ThingName: aws.String("sensor_1"), ExpectedVersion: aws.Int64(1)})
	wantCode(t, err, "VersionConflictException")
	d = must[*iot.DescribeThingOutput](t)(c.DescribeThing(ctx, &iot.DescribeThingInput{ThingName: aws.String("sensor_1")}))
	if d.Version != 2 || d.Attributes["Location"] != "downstairs" || d.Attributes["ModelNumber"] != "" || d.Attributes["BuildingName"] != "home417" {
		t.Fatalf("after merge %+v", d.Attributes)
	}

	_, err = c.DescribeThing(ctx, &iot.DescribeThingInput{ThingName: aws.String("nope")})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = c.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("bad name!")})
	wantCode(t, err, "InvalidRequestException")
	_, err = c.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("x"), ThingTypeName: aws.String("Missing")})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = c.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("x"),
		AttributePayload: &types.AttributePayload{Attributes: map[string]string{"a": "1", "b": "2", "c": "3", "d": "4"}}})
	wantCode(t, err, "InvalidRequestException")

	must[*iot.DeleteThingOutput](t)(c.DeleteThing(ctx, &iot.DeleteThingInput{ThingName: aws.String("sensor_1")}))
	must[*iot.DeleteThingOutput](t)(c.DeleteThing(ctx, &iot.DeleteThingInput{ThingName: aws.String("sensor_1")}))
	_, err = c.DescribeThing(ctx, &iot.DescribeThingInput{ThingName: aws.String("sensor_1")})
	wantCode(t, err, "ResourceNotFoundException")
}

func TestListThingsFiltersAndPaging(t *testing.T) {
	srv := roosttest.StartServer(t)
	c := srv.IoT()
	must[*iot.CreateThingTypeOutput](t)(c.CreateThingType(ctx, &iot.CreateThingTypeInput{ThingTypeName: aws.String("T")}))
	for i := range 23 {
		in := &iot.CreateThingInput{ThingName: aws.String(string(rune('a'+i)) + "-thing"),
			AttributePayload: &types.AttributePayload{Attributes: map[string]string{"BuildingName": []string{"home417", "home418", "office"}[i%3]}}}
		if i%2 == 0 {
			in.ThingTypeName = aws.String("T")
		}
		must[*iot.CreateThingOutput](t)(c.CreateThing(ctx, in))
	}
	var names []string
	p := iot.NewListThingsPaginator(c, &iot.ListThingsInput{MaxResults: aws.Int32(5)})
	pages := 0
	for p.HasMorePages() {
		page := must[*iot.ListThingsOutput](t)(p.NextPage(ctx))
		pages++
		for _, th := range page.Things {
			names = append(names, *th.ThingName)
		}
	}
	if len(names) != 23 || pages != 5 || !slices.IsSorted(names) {
		t.Fatalf("paging: %d names in %d pages: %v", len(names), pages, names)
	}
	count := func(in *iot.ListThingsInput) int {
		t.Helper()
		return len(must[*iot.ListThingsOutput](t)(c.ListThings(ctx, in)).Things)
	}
	if n := count(&iot.ListThingsInput{ThingTypeName: aws.String("T")}); n != 12 {
		t.Errorf("type filter: %d", n)
	}
	if n := count(&iot.ListThingsInput{AttributeName: aws.String("BuildingName"), AttributeValue: aws.String("home417")}); n != 8 {
		t.Errorf("attribute filter: %d", n)
	}
	if n := count(&iot.ListThingsInput{AttributeName: aws.String("BuildingName"), AttributeValue: aws.String("home"), UsePrefixAttributeValue: true}); n != 16 {
		t.Errorf("prefix filter: %d", n)
	}
	_, err := c.ListThings(ctx, &iot.ListThingsInput{NextToken: aws.String("!!garbage")})
	wantCode(t, err, "InvalidRequestException")
}

func TestThingTypesAndGroups(t *testing.T) {
	srv := roosttest.StartServer(t)
	c := srv.IoT()
	must[*iot.CreateThingTypeOutput](t)(c.CreateThingType(ctx, &iot.CreateThingTypeInput{ThingTypeName: aws.String("Old"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}))
	must[*iot.CreateThingOutput](t)(c.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("t1"), ThingTypeName: aws.String("Old")}))
	_, err := c.DeleteThingType(ctx, &iot.DeleteThingTypeInput{ThingTypeName: aws.String("Old")})
	wantCode(t, err, "InvalidRequestException")
	must[*iot.DeprecateThingTypeOutput](t)(c.DeprecateThingType(ctx, &iot.DeprecateThingTypeInput{ThingTypeName: aws.String("Old")}))
	dt := must[*iot.DescribeThingTypeOutput](t)(c.DescribeThingType(ctx, &iot.DescribeThingTypeInput{ThingTypeName: aws.String("Old")}))
	if !dt.ThingTypeMetadata.Deprecated || dt.ThingTypeMetadata.DeprecationDate == nil || dt.ThingTypeMetadata.CreationDate == nil {
		t.Fatalf("deprecation metadata %+v", dt.ThingTypeMetadata)
	}
	_, err = c.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("t2"), ThingTypeName: aws.String("Old")})
	wantCode(t, err, "InvalidRequestException")
	_, err = c.DeleteThingType(ctx, &iot.DeleteThingTypeInput{ThingTypeName: aws.String("Old")})
	wantCode(t, err, "InvalidRequestException") // t1 still has the type
	must[*iot.UpdateThingOutput](t)(c.UpdateThing(ctx, &iot.UpdateThingInput{ThingName: aws.String("t1"), RemoveThingType: true}))
	tags := must[*iot.ListTagsForResourceOutput](t)(c.ListTagsForResource(ctx, &iot.ListTagsForResourceInput{ResourceArn: dt.ThingTypeArn}))
	if len(tags.Tags) != 1 || *tags.Tags[0].Value != "a" {
		t.Fatalf("tags %+v", tags.Tags)
	}
	must[*iot.DeleteThingTypeOutput](t)(c.DeleteThingType(ctx, &iot.DeleteThingTypeInput{ThingTypeName: aws.String("Old")}))

	// Groups: a hierarchy, membership, recursive listing, deletion rules.
	must[*iot.CreateThingGroupOutput](t)(c.CreateThingGroup(ctx, &iot.CreateThingGroupInput{ThingGroupName: aws.String("building")}))
	must[*iot.CreateThingGroupOutput](t)(c.CreateThingGroup(ctx, &iot.CreateThingGroupInput{ThingGroupName: aws.String("floor1"), ParentGroupName: aws.String("building"),
		ThingGroupProperties: &types.ThingGroupProperties{ThingGroupDescription: aws.String("first floor")}}))
	_, err = c.CreateThingGroup(ctx, &iot.CreateThingGroupInput{ThingGroupName: aws.String("x"), ParentGroupName: aws.String("missing")})
	wantCode(t, err, "ResourceNotFoundException")
	g := must[*iot.DescribeThingGroupOutput](t)(c.DescribeThingGroup(ctx, &iot.DescribeThingGroupInput{ThingGroupName: aws.String("floor1")}))
	if *g.ThingGroupMetadata.ParentGroupName != "building" || len(g.ThingGroupMetadata.RootToParentThingGroups) != 1 ||
		*g.ThingGroupProperties.ThingGroupDescription != "first floor" || g.Version != 1 {
		t.Fatalf("describe group %+v", g)
	}
	up := must[*iot.UpdateThingGroupOutput](t)(c.UpdateThingGroup(ctx, &iot.UpdateThingGroupInput{ThingGroupName: aws.String("floor1"), ExpectedVersion: aws.Int64(1),
		ThingGroupProperties: &types.ThingGroupProperties{AttributePayload: &types.AttributePayload{Attributes: map[string]string{"k": "v"}}}}))
	if up.Version != 2 {
		t.Fatalf("group version %d", up.Version)
	}
	must[*iot.AddThingToThingGroupOutput](t)(c.AddThingToThingGroup(ctx, &iot.AddThingToThingGroupInput{ThingGroupName: aws.String("floor1"), ThingName: aws.String("t1")}))
	_, err = c.AddThingToThingGroup(ctx, &iot.AddThingToThingGroupInput{ThingGroupName: aws.String("building"), ThingName: aws.String("t1")})
	wantCode(t, err, "InvalidRequestException") // same hierarchy
	in := must[*iot.ListThingsInThingGroupOutput](t)(c.ListThingsInThingGroup(ctx, &iot.ListThingsInThingGroupInput{ThingGroupName: aws.String("building"), Recursive: true}))
	if !slices.Equal(in.Things, []string{"t1"}) {
		t.Fatalf("recursive things %v", in.Things)
	}
	for_ := must[*iot.ListThingGroupsForThingOutput](t)(c.ListThingGroupsForThing(ctx, &iot.ListThingGroupsForThingInput{ThingName: aws.String("t1")}))
	if len(for_.ThingGroups) != 1 || *for_.ThingGroups[0].GroupName != "floor1" {
		t.Fatalf("groups for thing %+v", for_.ThingGroups)
	}
	kids := must[*iot.ListThingGroupsOutput](t)(c.ListThingGroups(ctx, &iot.ListThingGroupsInput{ParentGroup: aws.String("building")}))
	if len(kids.ThingGroups) != 1 {
		t.Fatalf("children %+v", kids.ThingGroups)
	}
	_, err = c.DeleteThingGroup(ctx, &iot.DeleteThingGroupInput{ThingGroupName: aws.String("building")})
	wantCode(t, err, "InvalidRequestException") // has a child
	must[*iot.RemoveThingFromThingGroupOutput](t)(c.RemoveThingFromThingGroup(ctx, &iot.RemoveThingFromThingGroupInput{ThingGroupName: aws.String("floor1"), ThingName: aws.String("t1")}))
	must[*iot.DeleteThingGroupOutput](t)(c.DeleteThingGroup(ctx, &iot.DeleteThingGroupInput{ThingGroupName: aws.String("floor1")}))
	must[*iot.DeleteThingGroupOutput](t)(c.DeleteThingGroup(ctx, &iot.DeleteThingGroupInput{ThingGroupName: aws.String("building")}))
}

func TestCertificatesAndPolicies(t *testing.T) {
	srv := roosttest.StartServer(t)
	c := srv.IoT()
	kc := must[*iot.CreateKeysAndCertificateOutput](t)(c.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{SetAsActive: true}))
	if len(*kc.CertificateId) != 64 || kc.KeyPair == nil || *kc.KeyPair.PrivateKey == "" || *kc.KeyPair.PublicKey == "" {
		t.Fatalf("create keys and certificate %+v", kc)
	}
	block, _ := pem.Decode([]byte(*kc.CertificatePem))
	if block == nil {
		t.Fatal("certificatePem is not PEM")
	}
	dc := must[*iot.DescribeCertificateOutput](t)(c.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: kc.CertificateId}))
	if dc.CertificateDescription.Status != types.CertificateStatusActive || dc.CertificateDescription.Validity == nil {
		t.Fatalf("describe cert %+v", dc.CertificateDescription)
	}

	// The seed 000 bootstrap policy, attached to the certificate and a thing.
	pol := must[*iot.CreatePolicyOutput](t)(c.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("IoT_Bootstrapping_Certificate"), PolicyDocument: aws.String(seedBootstrapPolicy)}))
	if *pol.PolicyVersionId != "1" {
		t.Fatalf("policy version %s", *pol.PolicyVersionId)
	}
	_, err := c.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Statement": "nope"`)})
	wantCode(t, err, "MalformedPolicyException")
	must[*iot.AttachPolicyOutput](t)(c.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: pol.PolicyName, Target: kc.CertificateArn}))
	must[*iot.CreateThingOutput](t)(c.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("sensor_1")}))
	must[*iot.AttachThingPrincipalOutput](t)(c.AttachThingPrincipal(ctx, &iot.AttachThingPrincipalInput{ThingName: aws.String("sensor_1"), Principal: kc.CertificateArn}))

	// ListAttachedPolicies puts the certificate ARN (with ':' and '/') in the path.
	ap := must[*iot.ListAttachedPoliciesOutput](t)(c.ListAttachedPolicies(ctx, &iot.ListAttachedPoliciesInput{Target: kc.CertificateArn}))
	if len(ap.Policies) != 1 || *ap.Policies[0].PolicyName != "IoT_Bootstrapping_Certificate" {
		t.Fatalf("attached policies %+v", ap.Policies)
	}
	tg := must[*iot.ListTargetsForPolicyOutput](t)(c.ListTargetsForPolicy(ctx, &iot.ListTargetsForPolicyInput{PolicyName: pol.PolicyName}))
	if !slices.Equal(tg.Targets, []string{*kc.CertificateArn}) {
		t.Fatalf("targets %v", tg.Targets)
	}
	pr := must[*iot.ListThingPrincipalsOutput](t)(c.ListThingPrincipals(ctx, &iot.ListThingPrincipalsInput{ThingName: aws.String("sensor_1")}))
	pt := must[*iot.ListPrincipalThingsOutput](t)(c.ListPrincipalThings(ctx, &iot.ListPrincipalThingsInput{Principal: kc.CertificateArn}))
	if !slices.Equal(pr.Principals, []string{*kc.CertificateArn}) || !slices.Equal(pt.Things, []string{"sensor_1"}) {
		t.Fatalf("principals %v things %v", pr.Principals, pt.Things)
	}

	// Deletion rules: ACTIVE refused, then things attached, then policies unless forced.
	_, err = c.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: kc.CertificateId})
	wantCode(t, err, "CertificateStateException")
	must[*iot.UpdateCertificateOutput](t)(c.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: kc.CertificateId, NewStatus: types.CertificateStatusInactive}))
	_, err = c.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: kc.CertificateId})
	wantCode(t, err, "DeleteConflictException")
	_, err = c.DeleteThing(ctx, &iot.DeleteThingInput{ThingName: aws.String("sensor_1")})
	wantCode(t, err, "InvalidRequestException")
	must[*iot.DetachThingPrincipalOutput](t)(c.DetachThingPrincipal(ctx, &iot.DetachThingPrincipalInput{ThingName: aws.String("sensor_1"), Principal: kc.CertificateArn}))
	_, err = c.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: kc.CertificateId})
	wantCode(t, err, "DeleteConflictException") // policy still attached
	_, err = c.DeletePolicy(ctx, &iot.DeletePolicyInput{PolicyName: pol.PolicyName})
	wantCode(t, err, "DeleteConflictException")
	must[*iot.DeleteCertificateOutput](t)(c.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: kc.CertificateId, ForceDelete: true}))
	_, err = c.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: kc.CertificateId})
	wantCode(t, err, "ResourceNotFoundException")

	// Versions: at most 5, default switching, default not deletable.
	for range 4 {
		must[*iot.CreatePolicyVersionOutput](t)(c.CreatePolicyVersion(ctx, &iot.CreatePolicyVersionInput{PolicyName: pol.PolicyName, PolicyDocument: aws.String(seedBootstrapPolicy)}))
	}
	_, err = c.CreatePolicyVersion(ctx, &iot.CreatePolicyVersionInput{PolicyName: pol.PolicyName, PolicyDocument: aws.String(seedBootstrapPolicy)})
	wantCode(t, err, "VersionsLimitExceededException")
	must[*iot.SetDefaultPolicyVersionOutput](t)(c.SetDefaultPolicyVersion(ctx, &iot.SetDefaultPolicyVersionInput{PolicyName: pol.PolicyName, PolicyVersionId: aws.String("3")}))
	_, err = c.DeletePolicyVersion(ctx, &iot.DeletePolicyVersionInput{PolicyName: pol.PolicyName, PolicyVersionId: aws.String("3")})
	wantCode(t, err, "DeleteConflictException")
	vs := must[*iot.ListPolicyVersionsOutput](t)(c.ListPolicyVersions(ctx, &iot.ListPolicyVersionsInput{PolicyName: pol.PolicyName}))
	if len(vs.PolicyVersions) != 5 {
		t.Fatalf("versions %d", len(vs.PolicyVersions))
	}
	gp := must[*iot.GetPolicyOutput](t)(c.GetPolicy(ctx, &iot.GetPolicyInput{PolicyName: pol.PolicyName}))
	if *gp.DefaultVersionId != "3" {
		t.Fatalf("default version %s", *gp.DefaultVersionId)
	}
	_, err = c.DeletePolicy(ctx, &iot.DeletePolicyInput{PolicyName: pol.PolicyName})
	wantCode(t, err, "DeleteConflictException") // non-default versions remain
	for _, v := range []string{"1", "2", "4", "5"} {
		must[*iot.DeletePolicyVersionOutput](t)(c.DeletePolicyVersion(ctx, &iot.DeletePolicyVersionInput{PolicyName: pol.PolicyName, PolicyVersionId: aws.String(v)}))
	}
	must[*iot.DeletePolicyOutput](t)(c.DeletePolicy(ctx, &iot.DeletePolicyInput{PolicyName: pol.PolicyName}))
}

func TestCreateCertificateFromCsrKeepsKey(t *testing.T) {
	srv := roosttest.StartServer(t)
	c := srv.IoT()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "sensor_1"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	csr := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
	out := must[*iot.CreateCertificateFromCsrOutput](t)(c.CreateCertificateFromCsr(ctx, &iot.CreateCertificateFromCsrInput{CertificateSigningRequest: aws.String(csr), SetAsActive: true}))
	block, _ := pem.Decode([]byte(*out.CertificatePem))
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		t.Fatal("the certificate does not carry the CSR's public key")
	}
	_, err = c.CreateCertificateFromCsr(ctx, &iot.CreateCertificateFromCsrInput{CertificateSigningRequest: aws.String("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n")})
	wantCode(t, err, "InvalidRequestException")

	// The issued certificate can be registered elsewhere only once.
	_, err = c.RegisterCertificate(ctx, &iot.RegisterCertificateInput{CertificatePem: out.CertificatePem})
	wantCode(t, err, "ResourceAlreadyExistsException")
	_, err = c.RegisterCertificateWithoutCA(ctx, &iot.RegisterCertificateWithoutCAInput{CertificatePem: aws.String("not a pem")})
	wantCode(t, err, "CertificateValidationException")
	list := must[*iot.ListCertificatesOutput](t)(c.ListCertificates(ctx, &iot.ListCertificatesInput{}))
	if len(list.Certificates) != 1 || *list.Certificates[0].CertificateId != *out.CertificateId {
		t.Fatalf("list certificates %+v", list.Certificates)
	}
}

func TestRegisterCertificateWithoutCA(t *testing.T) {
	srv := roosttest.StartServer(t)
	c := srv.IoT()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: bigOne(), Subject: pkix.Name{CommonName: "self"}, NotBefore: now().Add(-1e9), NotAfter: now().Add(1e15)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	// A self-signed certificate has no registered CA...
	_, err = c.RegisterCertificate(ctx, &iot.RegisterCertificateInput{CertificatePem: aws.String(pemText)})
	wantCode(t, err, "CertificateValidationException")
	// ...but registers without one, in SNI_ONLY mode.
	out := must[*iot.RegisterCertificateWithoutCAOutput](t)(c.RegisterCertificateWithoutCA(ctx, &iot.RegisterCertificateWithoutCAInput{CertificatePem: aws.String(pemText), Status: types.CertificateStatusActive}))
	d := must[*iot.DescribeCertificateOutput](t)(c.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: out.CertificateId}))
	if d.CertificateDescription.CertificateMode != types.CertificateModeSniOnly || d.CertificateDescription.Status != types.CertificateStatusActive {
		t.Fatalf("registered %+v", d.CertificateDescription)
	}
}

func TestEndpointAndSignatures(t *testing.T) {
	srv := roosttest.StartServer(t)
	ep := must[*iot.DescribeEndpointOutput](t)(srv.IoT().DescribeEndpoint(ctx, &iot.DescribeEndpointInput{EndpointType: aws.String("iot:Data-ATS")}))
	if *ep.EndpointAddress != "localhost" {
		t.Fatalf("endpoint %s", *ep.EndpointAddress)
	}
	_, err := srv.IoT().DescribeEndpoint(ctx, &iot.DescribeEndpointInput{EndpointType: aws.String("iot:Nope")})
	wantCode(t, err, "InvalidRequestException")
	_, err = srv.IoTWith(roosttest.AccessKeyID, "wrong-secret-wrong-secret-wrong-secret!!").ListThings(ctx, &iot.ListThingsInput{})
	wantCode(t, err, "InvalidSignatureException")
	_, err = srv.IoTWith("AKIAUNKNOWNUNKNOWN00", roosttest.SecretAccessKey).ListThings(ctx, &iot.ListThingsInput{})
	wantCode(t, err, "UnrecognizedClientException")
}

func TestRestartKeepsEverything(t *testing.T) {
	srv := roosttest.StartServer(t, func(c *config.Config) { c.AccessKeyID, c.SecretAccessKey = "", "" })
	c := srv.IoTWith(srv.Server.Admin().AccessKeyID, srv.Server.Admin().SecretAccessKey)
	must[*iot.CreateThingOutput](t)(c.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("keep")}))
	kc := must[*iot.CreateKeysAndCertificateOutput](t)(c.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{SetAsActive: true}))
	must[*iot.CreatePolicyOutput](t)(c.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(seedBootstrapPolicy)}))
	must[*iot.AttachPolicyOutput](t)(c.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String("p"), Target: kc.CertificateArn}))
	admin := srv.Server.Admin()
	caBefore := readFile(t, srv.Config.DataDir, "ca.pem")
	srv.Restart()
	if srv.Server.Admin() != admin {
		t.Fatal("admin credentials were regenerated")
	}
	if readFile(t, srv.Config.DataDir, "ca.pem") != caBefore {
		t.Fatal("the CA was regenerated")
	}
	c = srv.IoTWith(admin.AccessKeyID, admin.SecretAccessKey)
	must[*iot.DescribeThingOutput](t)(c.DescribeThing(ctx, &iot.DescribeThingInput{ThingName: aws.String("keep")}))
	ap := must[*iot.ListAttachedPoliciesOutput](t)(c.ListAttachedPolicies(ctx, &iot.ListAttachedPoliciesInput{Target: kc.CertificateArn}))
	if len(ap.Policies) != 1 {
		t.Fatalf("attachments lost: %+v", ap.Policies)
	}
	for _, f := range []string{"ca.key", "server.key", "credentials", "roost.db"} {
		if m := fileMode(t, srv.Config.DataDir, f); m != 0o600 {
			t.Errorf("%s has mode %o, want 600", f, m)
		}
	}
}
