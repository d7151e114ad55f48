// Package devicetest sets up a roosttest server the way seed 000 sets up
// AWS IoT for fleet provisioning by claim, through the AWS SDK: the claim
// ("bootstrapping") certificate and its policy, the device policy with
// per-thing topics, the TemperatureSensor thing type and the SensorTemplate
// provisioning template.
//
// It is for tests of the device client and the `roost device` commands;
// nothing in the binary imports it. It starts servers through roosttest
// and does not know how the server works inside.
package devicetest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"

	"github.com/roost-iot/roost/internal/config"
	"github.com/roost-iot/roost/internal/roosttest"
)

// Template is the provisioning template's name in the policies below.
const Template = "SensorTemplate"

func arn(kind, rest string) string {
	return "arn:aws:iot:" + roosttest.Region + ":" + roosttest.Account + ":" + kind + "/" + rest
}

// The seed 000 policies with this installation's region and account. The
// claim policy also covers CreateCertificateFromCsr, which seed 000 does
// not use but a device with --csr does.
var (
	DevicePolicy = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"iot:Connect","Resource":"` + arn("client", "${iot:Connection.Thing.ThingName}") + `"},
 {"Effect":"Allow","Action":["iot:Publish","iot:Receive"],"Resource":"` + arn("topic", "temperature/${iot:Connection.Thing.Attributes[BuildingName]}/${iot:Connection.Thing.Attributes[Location]}/${iot:Connection.Thing.ThingName}") + `"},
 {"Effect":"Allow","Action":"iot:Subscribe","Resource":"` + arn("topicfilter", "temperature/${iot:Connection.Thing.Attributes[BuildingName]}/${iot:Connection.Thing.Attributes[Location]}/${iot:Connection.Thing.ThingName}") + `"}]}`
	ClaimPolicy = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["iot:Connect"],"Resource":"*"},
 {"Effect":"Allow","Action":["iot:Publish","iot:Receive"],"Resource":["` + arn("topic", "$aws/certificates/create/*") + `","` + arn("topic", "$aws/certificates/create-from-csr/*") + `","` + arn("topic", "$aws/provisioning-templates/SensorTemplate/provision/*") + `"]},
 {"Effect":"Allow","Action":"iot:Subscribe","Resource":["` + arn("topicfilter", "$aws/certificates/create/*") + `","` + arn("topicfilter", "$aws/certificates/create-from-csr/*") + `","` + arn("topicfilter", "$aws/provisioning-templates/SensorTemplate/provision/*") + `"]}]}`
)

// SensorTemplate is seed 000's template (as in
// internal/provisioning/template/testdata/golden/seed000_sensor.template.json)
// with a device configuration, so that devices can see one come back.
const SensorTemplate = `{
  "Parameters": {
    "SerialNumber": {"Type": "String"},
    "BuildingName": {"Type": "String"},
    "Location": {"Type": "String"},
    "AWS::IoT::Certificate::Id": {"Type": "String"}
  },
  "Resources": {
    "certificate": {
      "Properties": {"CertificateId": {"Ref": "AWS::IoT::Certificate::Id"}, "Status": "Active"},
      "Type": "AWS::IoT::Certificate"
    },
    "policy": {
      "Properties": {"PolicyName": "TemperatureSensorPolicy"},
      "Type": "AWS::IoT::Policy"
    },
    "thing": {
      "OverrideSettings": {"AttributePayload": "MERGE", "ThingGroups": "DO_NOTHING", "ThingTypeName": "REPLACE"},
      "Properties": {
        "AttributePayload": {
          "DeviceType": "RaspberryPi",
          "ModelNumber": "3",
          "BuildingName": {"Ref": "BuildingName"},
          "Location": {"Ref": "Location"}
        },
        "ThingGroups": [],
        "ThingName": {"Fn::Join": ["", ["sensor_", {"Ref": "SerialNumber"}]]},
        "ThingTypeName": "TemperatureSensor"
      },
      "Type": "AWS::IoT::Thing"
    }
  },
  "DeviceConfiguration": {"SampleInterval": "5"}
}`

// Cloud is a running server set up for provisioning by claim, and the
// files a device needs to reach it.
type Cloud struct {
	*roosttest.Instance
	IoT       *iot.Client
	Endpoint  string // MQTT over mutual TLS, host:port
	CAFile    string
	ClaimCert string // file
	ClaimKey  string // file
}

// Start starts a server with the claim certificate, the policies and the
// thing type. The template is separate (WithTemplate): the server may not
// serve RegisterThing yet where a test only needs certificates.
func Start(t testing.TB, mod ...func(*config.Config)) *Cloud {
	t.Helper()
	ctx := context.Background()
	in := roosttest.StartServer(t, mod...)
	c := &Cloud{Instance: in, IoT: in.IoT(), Endpoint: in.Server.MQTTAddr(),
		CAFile: filepath.Join(in.Config.DataDir, "ca.pem")}
	for name, doc := range map[string]string{"TemperatureSensorPolicy": DevicePolicy, "IoT_Bootstrapping_Certificate": ClaimPolicy} {
		if _, err := c.IoT.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatalf("create policy %s: %v", name, err)
		}
	}
	// The claim key is made here and certified from a CSR, as a
	// manufacturer does with its own key: a server-made key would start the
	// server's RSA key pool, whose refill would run beside what benchmarks
	// measure. It is RSA-2048, as AWS IoT's CreateKeysAndCertificate makes.
	keyPEM, csrPEM := claimCSR(t)
	kc, err := c.IoT.CreateCertificateFromCsr(ctx, &iot.CreateCertificateFromCsrInput{
		CertificateSigningRequest: aws.String(csrPEM), SetAsActive: true})
	if err != nil {
		t.Fatalf("create claim certificate: %v", err)
	}
	if _, err := c.IoT.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String("IoT_Bootstrapping_Certificate"), Target: kc.CertificateArn}); err != nil {
		t.Fatalf("attach claim policy: %v", err)
	}
	dir := t.TempDir()
	c.ClaimCert, c.ClaimKey = filepath.Join(dir, "claim.pem"), filepath.Join(dir, "claim.key")
	write(t, c.ClaimCert, *kc.CertificatePem)
	write(t, c.ClaimKey, keyPEM)
	if _, err := c.IoT.CreateThingType(ctx, &iot.CreateThingTypeInput{ThingTypeName: aws.String("TemperatureSensor"),
		ThingTypeProperties: &types.ThingTypeProperties{SearchableAttributes: []string{"BuildingName", "Location"}}}); err != nil {
		t.Fatalf("create thing type: %v", err)
	}
	return c
}

// WithTemplate creates the enabled SensorTemplate.
func (c *Cloud) WithTemplate(t testing.TB) *Cloud {
	t.Helper()
	_, err := c.IoT.CreateProvisioningTemplate(context.Background(), &iot.CreateProvisioningTemplateInput{
		TemplateName: aws.String(Template), TemplateBody: aws.String(SensorTemplate), Enabled: aws.Bool(true),
		ProvisioningRoleArn: aws.String("arn:aws:iam::123456789012:role/Provisioning"),
	})
	if err != nil {
		t.Fatalf("create provisioning template: %v", err)
	}
	return c
}

// Thing returns a thing's attributes.
func (c *Cloud) Thing(t testing.TB, name string) map[string]string {
	t.Helper()
	out, err := c.IoT.DescribeThing(context.Background(), &iot.DescribeThingInput{ThingName: aws.String(name)})
	if err != nil {
		t.Fatalf("describe thing %s: %v", name, err)
	}
	return out.Attributes
}

// claimCSR makes an RSA-2048 key and a CSR for it, both PEM.
func claimCSR(t testing.TB) (keyPEM, csrPEM string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "claim"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}

func write(t testing.TB, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.TrimSpace(s)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}
