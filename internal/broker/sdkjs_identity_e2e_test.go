package broker_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// sdkjsSensorPolicy is seed 000's per-device policy, TemperatureSensorPolicy
// (us-east-1, 123456789012), as in authz_test.go's seedDevicePolicy.
const sdkjsSensorPolicy = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"iot:Connect","Resource":"arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}"},
 {"Effect":"Allow","Action":["iot:Publish","iot:Receive"],"Resource":"arn:aws:iot:us-east-1:123456789012:topic/temperature/${iot:Connection.Thing.Attributes[BuildingName]}/${iot:Connection.Thing.Attributes[Location]}/${iot:Connection.Thing.ThingName}"},
 {"Effect":"Allow","Action":"iot:Subscribe","Resource":"arn:aws:iot:us-east-1:123456789012:topicfilter/temperature/${iot:Connection.Thing.Attributes[BuildingName]}/${iot:Connection.Thing.Attributes[Location]}/${iot:Connection.Thing.ThingName}"}]}`

// TestAWSIoTDeviceSDKv2FleetProvisioning runs seed 000's fleet provisioning
// by claim with the AWS IoT Device SDK v2 for JavaScript (npm
// aws-iot-device-sdk-v2, iotidentity.IotIdentityClient over MQTT 3.1.1 and
// mutual TLS): CreateKeysAndCertificate, RegisterThing on SensorTemplate
// with the device's parameters, a replay of the spent ownership token
// (rejected, 400 InvalidCertificateOwnershipToken), and a reconnect with the
// new certificate as the thing that publishes to its own topic and
// receives it back. The registry is then checked through the AWS SDK for
// Go v2: the thing, its type and attributes, the ACTIVE certificate, its
// policy and principal.
func TestAWSIoTDeviceSDKv2FleetProvisioning(t *testing.T) {
	node := nodeWithDeviceSDK(t)
	f := newFleet(t)
	c := f.srv.IoT()

	// Seed 000: the thing type, the device policy and SensorTemplate.
	_, err := c.CreateThingType(ctx, &iot.CreateThingTypeInput{ThingTypeName: aws.String("TemperatureSensor"),
		ThingTypeProperties: &iottypes.ThingTypeProperties{SearchableAttributes: []string{"BuildingName", "Location"}}})
	must(t, err)
	_, err = c.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("TemperatureSensorPolicy"),
		PolicyDocument: aws.String(sdkjsSensorPolicy)})
	must(t, err)
	body, err := os.ReadFile(filepath.Join("..", "provisioning", "template", "testdata", "golden", "seed000_sensor.template.json"))
	must(t, err)
	_, err = c.CreateProvisioningTemplate(ctx, &iot.CreateProvisioningTemplateInput{
		TemplateName: aws.String("SensorTemplate"), TemplateBody: aws.String(string(body)), Enabled: aws.Bool(true),
		ProvisioningRoleArn: aws.String("arn:aws:iam::123456789012:role/Provisioning")})
	must(t, err)
	// The claim: an ACTIVE certificate with the seed's bootstrap policy.
	f.principal("claim", "IoT_Bootstrapping_Certificate", nil)

	const serial, building, location = "sdkjs7f3e", "home417", "loft"
	const thing = "sensor_" + serial
	params, _ := json.Marshal(map[string]string{"SerialNumber": serial, "BuildingName": building, "Location": location})

	var res struct {
		ClaimClientID          string `json:"claimClientId"`
		Granted                map[string]int
		CertificateID          string `json:"certificateId"`
		CertificateFingerprint string `json:"certificateFingerprint"`
		KeyMatches             bool   `json:"keyMatches"`
		TokenLength            int    `json:"tokenLength"`
		ThingName              string `json:"thingName"`
		DeviceConfiguration    map[string]string
		RegisterKeys           []string `json:"registerKeys"`
		Replay                 struct {
			Topic        string
			StatusCode   int    `json:"statusCode"`
			ErrorCode    string `json:"errorCode"`
			ErrorMessage string `json:"errorMessage"`
			Keys         []string
		}
		Reconnect struct {
			ClientID  string `json:"clientId"`
			Topic     string
			Granted   int
			Published bool
			Received  bool
		}
	}
	runDeviceSDKScript(t, node, "identity.js", 60*time.Second, &res,
		"--endpoint", "127.0.0.1", "--port", f.port, "--ca", f.ca,
		"--cert", filepath.Join(f.dir, "claim.pem"), "--key", filepath.Join(f.dir, "claim.key"),
		"--template", "SensorTemplate", "--params", string(params), "--client-id", "claim-js",
		"--topic-prefix", "temperature", "--timeout-ms", "45000")

	// What the device saw.
	for _, topic := range []string{"create/accepted", "create/rejected", "register/accepted", "register/rejected"} {
		if q, ok := res.Granted[topic]; !ok || q != 1 {
			t.Errorf("SUBACK for %s granted QoS %d (present %v), want 1", topic, q, ok)
		}
	}
	if len(res.CertificateID) != 64 || res.CertificateID != res.CertificateFingerprint || !res.KeyMatches || res.TokenLength == 0 {
		t.Errorf("create/accepted: certificate id %q, SHA-256 of its DER %q, key matches %v, token length %d",
			res.CertificateID, res.CertificateFingerprint, res.KeyMatches, res.TokenLength)
	}
	if res.ThingName != thing {
		t.Errorf("register/accepted thingName %q, want %q", res.ThingName, thing)
	}
	if res.DeviceConfiguration == nil || len(res.DeviceConfiguration) != 0 ||
		!slices.Equal(res.RegisterKeys, []string{"deviceConfiguration", "thingName"}) {
		t.Errorf("register/accepted keys %v, deviceConfiguration %v; want exactly deviceConfiguration {} and thingName", res.RegisterKeys, res.DeviceConfiguration)
	}
	if res.Replay.Topic != "register/rejected" || res.Replay.StatusCode != 400 || res.Replay.ErrorCode != "InvalidCertificateOwnershipToken" ||
		res.Replay.ErrorMessage == "" || !slices.Equal(res.Replay.Keys, []string{"errorCode", "errorMessage", "statusCode"}) {
		t.Errorf("replayed RegisterThing: %+v; want register/rejected with exactly statusCode 400, errorCode InvalidCertificateOwnershipToken, errorMessage", res.Replay)
	}
	wantTopic := "temperature/" + building + "/" + location + "/" + thing
	if res.Reconnect.ClientID != thing || res.Reconnect.Topic != wantTopic || res.Reconnect.Granted != 1 ||
		!res.Reconnect.Published || !res.Reconnect.Received {
		t.Errorf("reconnect as the thing: %+v; want client id %s publishing and receiving on %s", res.Reconnect, thing, wantTopic)
	}

	// What the registry holds, through the control plane.
	d, err := c.DescribeThing(ctx, &iot.DescribeThingInput{ThingName: aws.String(thing)})
	must(t, err)
	wantAttrs := map[string]string{"BuildingName": building, "Location": location, "DeviceType": "RaspberryPi", "ModelNumber": "3"}
	if aws.ToString(d.ThingTypeName) != "TemperatureSensor" || len(d.Attributes) != len(wantAttrs) {
		t.Errorf("thing %s: type %q, attributes %v; want TemperatureSensor, %v", thing, aws.ToString(d.ThingTypeName), d.Attributes, wantAttrs)
	}
	for k, v := range wantAttrs {
		if d.Attributes[k] != v {
			t.Errorf("thing %s attribute %s = %q, want %q", thing, k, d.Attributes[k], v)
		}
	}
	cd, err := c.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(res.CertificateID)})
	must(t, err)
	cert := cd.CertificateDescription
	if cert.Status != iottypes.CertificateStatusActive {
		t.Errorf("provisioned certificate %s is %s, want ACTIVE", res.CertificateID, cert.Status)
	}
	pr, err := c.ListThingPrincipals(ctx, &iot.ListThingPrincipalsInput{ThingName: aws.String(thing)})
	must(t, err)
	if !slices.Equal(pr.Principals, []string{aws.ToString(cert.CertificateArn)}) {
		t.Errorf("principals of %s: %v, want [%s]", thing, pr.Principals, aws.ToString(cert.CertificateArn))
	}
	ap, err := c.ListAttachedPolicies(ctx, &iot.ListAttachedPoliciesInput{Target: cert.CertificateArn})
	must(t, err)
	if len(ap.Policies) != 1 || aws.ToString(ap.Policies[0].PolicyName) != "TemperatureSensorPolicy" {
		t.Errorf("policies of the provisioned certificate: %v, want TemperatureSensorPolicy", ap.Policies)
	}
	// The replay registered nothing more: the provisioned thing is the only one.
	lt, err := c.ListThings(ctx, &iot.ListThingsInput{})
	must(t, err)
	if len(lt.Things) != 1 || aws.ToString(lt.Things[0].ThingName) != thing {
		names := make([]string, 0, len(lt.Things))
		for _, th := range lt.Things {
			names = append(names, aws.ToString(th.ThingName))
		}
		t.Errorf("things after provisioning: %v, want [%s]", names, thing)
	}
}
