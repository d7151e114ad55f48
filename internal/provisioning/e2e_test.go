package provisioning_test

// End-to-end tests of RegisterThing, the template API, pre-provisioning
// hooks and provisioning by trusted user: a real server (roosttest, SQLite
// in a temporary directory), the AWS SDK for Go v2 for the control plane,
// and Paho MQTT 3.1.1 clients over mutual TLS for the devices.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/fxamacker/cbor/v2"

	"github.com/roost-iot/roost/internal/config"
	"github.com/roost-iot/roost/internal/roosttest"
)

var ctx = context.Background()

// The seed 000 policies, with this installation's region and account.
const (
	arnPrefix       = "arn:aws:iot:us-east-1:123456789012:"
	bootstrapPolicy = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["iot:Connect"],"Resource":"*"},
 {"Effect":"Allow","Action":["iot:Publish","iot:Receive"],"Resource":[
  "arn:aws:iot:us-east-1:123456789012:topic/$aws/certificates/create/*",
  "arn:aws:iot:us-east-1:123456789012:topic/$aws/provisioning-templates/SensorTemplate/provision/*"]},
 {"Effect":"Allow","Action":"iot:Subscribe","Resource":[
  "arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/certificates/create/*",
  "arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/provisioning-templates/SensorTemplate/provision/*"]}]}`
	devicePolicy = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"iot:Connect","Resource":"arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}"},
 {"Effect":"Allow","Action":["iot:Publish","iot:Receive"],"Resource":"arn:aws:iot:us-east-1:123456789012:topic/temperature/${iot:Connection.Thing.Attributes[BuildingName]}/${iot:Connection.Thing.Attributes[Location]}/${iot:Connection.Thing.ThingName}"},
 {"Effect":"Allow","Action":"iot:Subscribe","Resource":"arn:aws:iot:us-east-1:123456789012:topicfilter/temperature/${iot:Connection.Thing.Attributes[BuildingName]}/${iot:Connection.Thing.Attributes[Location]}/${iot:Connection.Thing.ThingName}"}]}`
	// anyTemplateClaim may use every template's provisioning topics, so
	// that the negative tests reach templates the seed policy does not name.
	anyTemplateClaim = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"iot:Connect","Resource":"*"},
 {"Effect":"Allow","Action":["iot:Publish","iot:Receive"],"Resource":["arn:aws:iot:us-east-1:123456789012:topic/$aws/certificates/*","arn:aws:iot:us-east-1:123456789012:topic/$aws/provisioning-templates/*"]},
 {"Effect":"Allow","Action":"iot:Subscribe","Resource":["arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/certificates/*","arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/provisioning-templates/*"]}]}`
)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// seedTemplate is seed 000's SensorTemplate, verbatim from the template
// engine's golden files.
func seedTemplate(t testing.TB) string {
	b, err := os.ReadFile(filepath.Join("template", "testdata", "golden", "seed000_sensor.template.json"))
	must(t, err)
	return string(b)
}

// hook is a pre-provisioning hook: it allows serial numbers it knows,
// denies "denied-1", and never answers for "slow-1" in time.
type hook struct {
	mu     sync.Mutex
	events []map[string]any
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var ev struct {
		Parameters map[string]string `json:"parameters"`
	}
	var raw map[string]any
	body := json.NewDecoder(r.Body)
	if err := body.Decode(&raw); err != nil {
		http.Error(w, "bad event", 400)
		return
	}
	h.mu.Lock()
	h.events = append(h.events, raw)
	h.mu.Unlock()
	b, _ := json.Marshal(raw)
	json.Unmarshal(b, &ev)
	serial := ev.Parameters["SerialNumber"]
	switch {
	case serial == "slow-1":
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		return
	case serial == "denied-1":
		json.NewEncoder(w).Encode(map[string]any{"allowProvisioning": false})
	default:
		// Overrides are merged into the parameters: the hook names the
		// building.
		json.NewEncoder(w).Encode(map[string]any{"allowProvisioning": true,
			"parameterOverrides": map[string]string{"BuildingName": "home417"}})
	}
}

func (h *hook) last() map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.events) == 0 {
		return nil
	}
	return h.events[len(h.events)-1]
}

// env is a server set up as seed 000 describes: the thing type, the device
// policy, SensorTemplate with a hook, and a bootstrap claim certificate.
type env struct {
	in    *roosttest.Instance
	iot   *iot.Client
	dir   string
	hook  *hook
	roots *x509.CertPool
}

func newEnv(t *testing.T, mod ...func(*config.Config)) *env {
	t.Helper()
	in := roosttest.StartServer(t, mod...)
	e := &env{in: in, iot: in.IoT(), dir: t.TempDir(), hook: &hook{}}
	hs := httptest.NewServer(e.hook)
	t.Cleanup(hs.Close)
	caPEM, err := os.ReadFile(filepath.Join(in.Config.DataDir, "ca.pem"))
	must(t, err)
	e.roots = x509.NewCertPool()
	e.roots.AppendCertsFromPEM(caPEM)

	_, err = e.iot.CreateThingType(ctx, &iot.CreateThingTypeInput{ThingTypeName: aws.String("TemperatureSensor"),
		ThingTypeProperties: &iottypes.ThingTypeProperties{SearchableAttributes: []string{"BuildingName", "Location"}}})
	must(t, err)
	for name, doc := range map[string]string{"TemperatureSensorPolicy": devicePolicy, "IoT_Bootstrapping_Certificate": bootstrapPolicy, "AnyTemplateClaim": anyTemplateClaim} {
		_, err := e.iot.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
		must(t, err)
	}
	_, err = e.iot.CreateProvisioningTemplate(ctx, &iot.CreateProvisioningTemplateInput{
		TemplateName: aws.String("SensorTemplate"), TemplateBody: aws.String(seedTemplate(t)), Enabled: aws.Bool(true),
		ProvisioningRoleArn: aws.String("arn:aws:iam::123456789012:role/Provisioning"),
		PreProvisioningHook: &iottypes.ProvisioningHook{TargetArn: aws.String(hs.URL + "/hook")},
	})
	must(t, err)
	return e
}

// claim makes an active certificate with the named policy and writes it.
func (e *env) claim(t *testing.T, policy string) tls.Certificate {
	t.Helper()
	out, err := e.iot.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{SetAsActive: true})
	must(t, err)
	_, err = e.iot.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String(policy), Target: out.CertificateArn})
	must(t, err)
	cert, err := tls.X509KeyPair([]byte(*out.CertificatePem), []byte(*out.KeyPair.PrivateKey))
	must(t, err)
	return cert
}

// device is an MQTT connection that collects what arrives.
type device struct {
	t   *testing.T
	c   paho.Client
	got chan paho.Message
}

func (e *env) connect(t *testing.T, cert tls.Certificate, clientID string) (*device, error) {
	t.Helper()
	d := &device{t: t, got: make(chan paho.Message, 16)}
	lost := make(chan struct{}, 1)
	opts := paho.NewClientOptions().AddBroker("ssl://" + e.in.Server.MQTTAddr()).SetClientID(clientID).
		SetTLSConfig(&tls.Config{RootCAs: e.roots, Certificates: []tls.Certificate{cert}}).
		SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(5 * time.Second).
		SetConnectionLostHandler(func(paho.Client, error) { lost <- struct{}{} })
	d.c = paho.NewClient(opts)
	tok := d.c.Connect()
	if !tok.WaitTimeout(10 * time.Second) {
		return nil, errors.New("connect timed out")
	}
	if tok.Error() != nil {
		return nil, tok.Error()
	}
	t.Cleanup(func() { d.c.Disconnect(50) })
	return d, nil
}

// call publishes a request to base/format and returns the reply topic's
// last segment (accepted or rejected) and its decoded payload.
func (d *device) call(base, format string, req any) (string, map[string]any) {
	d.t.Helper()
	if tok := d.c.Subscribe(base+"/"+format+"/+", 1, func(_ paho.Client, m paho.Message) { d.got <- m }); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		d.t.Fatalf("subscribe %s: %v", base, tok.Error())
	}
	var payload []byte
	if format == "cbor" {
		payload, _ = cbor.Marshal(req)
	} else {
		payload, _ = json.Marshal(req)
	}
	d.c.Publish(base+"/"+format, 1, false, payload).WaitTimeout(5 * time.Second)
	select {
	case m := <-d.got:
		var v map[string]any
		var err error
		if format == "cbor" {
			err = cbor.Unmarshal(m.Payload(), &v)
		} else {
			err = json.Unmarshal(m.Payload(), &v)
		}
		if err != nil {
			d.t.Fatalf("%s: undecodable %s: %v", m.Topic(), format, err)
		}
		return m.Topic()[strings.LastIndexByte(m.Topic(), '/')+1:], v
	case <-time.After(15 * time.Second):
		d.t.Fatalf("no answer to %s/%s", base, format)
	}
	return "", nil
}

// createCert runs CreateKeysAndCertificate and returns the new identity's
// TLS certificate, its id and ownership token.
func (d *device) createCert(format string) (tls.Certificate, string, string) {
	d.t.Helper()
	res, v := d.call("$aws/certificates/create", format, map[string]any{})
	if res != "accepted" {
		d.t.Fatalf("CreateKeysAndCertificate: %s %v", res, v)
	}
	cert, err := tls.X509KeyPair([]byte(v["certificatePem"].(string)), []byte(v["privateKey"].(string)))
	must(d.t, err)
	return cert, v["certificateId"].(string), v["certificateOwnershipToken"].(string)
}

func (d *device) register(tmpl, format, token string, params map[string]string) (string, map[string]any) {
	d.t.Helper()
	return d.call("$aws/provisioning-templates/"+tmpl+"/provision", format,
		map[string]any{"certificateOwnershipToken": token, "parameters": params})
}

func seedParams(serial, location string) map[string]string {
	return map[string]string{"SerialNumber": serial, "BuildingName": "ignored-the-hook-overrides-it", "Location": location}
}

// TestRegisterThingSeed000 replays seed 000's device flow: claim
// certificate, CreateKeysAndCertificate, RegisterThing with SensorTemplate,
// then the device reconnects with its own certificate and is confined to
// its own topic.
func TestRegisterThingSeed000(t *testing.T) {
	e := newEnv(t)
	claim := e.claim(t, "IoT_Bootstrapping_Certificate")
	claimID := certID(t, claim)
	d, err := e.connect(t, claim, "boot-1")
	must(t, err)
	cert, id, token := d.createCert("json")
	res, v := d.register("SensorTemplate", "json", token, seedParams("0001", "loft"))
	if res != "accepted" || v["thingName"] != "sensor_0001" {
		t.Fatalf("RegisterThing: %s %v", res, v)
	}
	if cfg, ok := v["deviceConfiguration"].(map[string]any); !ok || len(cfg) != 0 {
		t.Errorf("deviceConfiguration = %#v, want {}", v["deviceConfiguration"])
	}

	// The hook saw AWS's event.
	ev := e.hook.last()
	if ev["claimCertificateId"] != claimID || ev["certificateId"] != id || ev["clientId"] != "boot-1" ||
		ev["templateArn"] != arnPrefix+"provisioningtemplate/SensorTemplate" || !strings.Contains(ev["certificatePem"].(string), "BEGIN CERTIFICATE") {
		t.Errorf("hook event = %v", ev)
	}

	// The registry holds what the template says, with the hook's override.
	th, err := e.iot.DescribeThing(ctx, &iot.DescribeThingInput{ThingName: aws.String("sensor_0001")})
	must(t, err)
	want := map[string]string{"DeviceType": "RaspberryPi", "ModelNumber": "3", "BuildingName": "home417", "Location": "loft"}
	if aws.ToString(th.ThingTypeName) != "TemperatureSensor" || !equalMaps(th.Attributes, want) {
		t.Errorf("thing: type %q attributes %v", aws.ToString(th.ThingTypeName), th.Attributes)
	}
	dc, err := e.iot.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(id)})
	must(t, err)
	if dc.CertificateDescription.Status != iottypes.CertificateStatusActive {
		t.Errorf("certificate status %s, want ACTIVE", dc.CertificateDescription.Status)
	}
	pols, err := e.iot.ListAttachedPolicies(ctx, &iot.ListAttachedPoliciesInput{Target: dc.CertificateDescription.CertificateArn})
	must(t, err)
	if len(pols.Policies) != 1 || aws.ToString(pols.Policies[0].PolicyName) != "TemperatureSensorPolicy" {
		t.Errorf("policies on the new certificate: %v", pols.Policies)
	}

	// The token is spent.
	if res, v := d.register("SensorTemplate", "json", token, seedParams("0001", "loft")); res != "rejected" || v["errorCode"] != "InvalidCertificateOwnershipToken" || v["statusCode"] != float64(400) {
		t.Errorf("replayed token: %s %v", res, v)
	}

	// The device reconnects with its own certificate, as its thing.
	dev, err := e.connect(t, cert, "sensor_0001")
	must(t, err)
	own := "temperature/home417/loft/sensor_0001"
	if tok := dev.c.Subscribe(own, 1, func(_ paho.Client, m paho.Message) { dev.got <- m }); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe own topic: %v", tok.Error())
	}
	dev.c.Publish(own, 1, false, `{"temperature":21.5}`).WaitTimeout(5 * time.Second)
	select {
	case m := <-dev.got:
		if string(m.Payload()) != `{"temperature":21.5}` {
			t.Errorf("echo %q", m.Payload())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the device did not get its own reading back")
	}
	// Another client id is not this thing: refused at CONNECT.
	if _, err := e.connect(t, cert, "sensor_9999"); err == nil {
		t.Error("the device certificate connected under another thing's client id")
	}
}

func certID(t *testing.T, c tls.Certificate) string {
	x, err := x509.ParseCertificate(c.Certificate[0])
	must(t, err)
	return sha256Hex(x.Raw)
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestRegisterThingCSRAndCBOR provisions with CreateCertificateFromCsr over
// CBOR: the device keeps its key.
func TestRegisterThingCSRAndCBOR(t *testing.T) {
	e := newEnv(t)
	d, err := e.connect(t, e.claim(t, "AnyTemplateClaim"), "boot-csr")
	must(t, err)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "sensor"}}, key)
	csr := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
	res, v := d.call("$aws/certificates/create-from-csr", "cbor", map[string]string{"certificateSigningRequest": csr})
	if res != "accepted" {
		t.Fatalf("CreateCertificateFromCsr: %s %v", res, v)
	}
	res, v = d.register("SensorTemplate", "cbor", v["certificateOwnershipToken"].(string), seedParams("0002", "cellar"))
	if res != "accepted" || v["thingName"] != "sensor_0002" {
		t.Fatalf("RegisterThing over CBOR: %s %v", res, v)
	}

	// Disabling the template takes effect at once (templates are cached
	// between writes), and enabling it again too.
	for _, enabled := range []bool{false, true} {
		_, err = e.iot.UpdateProvisioningTemplate(ctx, &iot.UpdateProvisioningTemplateInput{TemplateName: aws.String("SensorTemplate"), Enabled: aws.Bool(enabled)})
		must(t, err)
		_, _, token := d.createCert("cbor")
		res, v = d.register("SensorTemplate", "cbor", token, seedParams("0005", "cellar"))
		if want := map[bool]string{false: "rejected", true: "accepted"}[enabled]; res != want {
			t.Fatalf("enabled=%v: %s %v, want %s", enabled, res, v, want)
		}
	}
}

// TestRegisterThingRefusals: each refusal is AWS-shaped and leaves the
// registry as it was (no thing, no policy, the certificate still pending
// with nothing attached).
func TestRegisterThingRefusals(t *testing.T) {
	e := newEnv(t)
	d, err := e.connect(t, e.claim(t, "AnyTemplateClaim"), "boot-neg")
	must(t, err)
	mk := func(name, body string, enabled bool) {
		_, err := e.iot.CreateProvisioningTemplate(ctx, &iot.CreateProvisioningTemplateInput{
			TemplateName: aws.String(name), TemplateBody: aws.String(body), Enabled: aws.Bool(enabled),
			ProvisioningRoleArn: aws.String("arn:aws:iam::123456789012:role/Provisioning")})
		must(t, err)
	}
	mk("Disabled", seedTemplate(t), false)
	// A thing and an inline policy are made before the missing policy is
	// found: the transaction must undo both.
	mk("HalfMade", `{"Parameters":{"AWS::IoT::Certificate::Id":{"Type":"String"}},"Resources":{
		"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":"half_made"}},
		"inline":{"Type":"AWS::IoT::Policy","Properties":{"PolicyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iot:Connect\",\"Resource\":\"*\"}]}"}},
		"missing":{"Type":"AWS::IoT::Policy","Properties":{"PolicyName":"NoSuchPolicy"}},
		"certificate":{"Type":"AWS::IoT::Certificate","Properties":{"CertificateId":{"Ref":"AWS::IoT::Certificate::Id"},"Status":"ACTIVE"}}}}`, true)
	mk("MissingGroup", `{"Parameters":{"AWS::IoT::Certificate::Id":{"Type":"String"}},"Resources":{
		"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":"grouped","ThingGroups":["NoSuchGroup"]}},
		"certificate":{"Type":"AWS::IoT::Certificate","Properties":{"CertificateId":{"Ref":"AWS::IoT::Certificate::Id"},"Status":"ACTIVE"}}}}`, true)

	_, id, token := d.createCert("json")
	_, otherID, otherToken := d.createCert("json")
	// A token whose certificate id was swapped for another certificate's.
	forged := swapTokenCert(t, token, otherID)
	cases := []struct {
		name, tmpl, token string
		params            map[string]string
		status            float64
		code              string
	}{
		{"unknown template", "NoSuchTemplate", token, seedParams("1", "loft"), 404, "ResourceNotFound"},
		{"disabled template", "Disabled", token, seedParams("1", "loft"), 400, "InvalidRequest"},
		{"missing required parameter", "SensorTemplate", token, map[string]string{"Location": "loft"}, 400, "InvalidParameters"},
		{"empty token", "SensorTemplate", "", seedParams("1", "loft"), 400, "InvalidCertificateOwnershipToken"},
		{"forged token", "SensorTemplate", forged, seedParams("1", "loft"), 400, "InvalidCertificateOwnershipToken"},
		{"hook denies", "SensorTemplate", token, seedParams("denied-1", "loft"), 403, "AccessDenied"},
		{"half-made resources", "HalfMade", token, nil, 400, "ResourceNotFound"},
		{"missing thing group", "MissingGroup", token, nil, 400, "ResourceNotFound"},
	}
	for _, tc := range cases {
		res, v := d.register(tc.tmpl, "json", tc.token, tc.params)
		if res != "rejected" || v["statusCode"] != tc.status || v["errorCode"] != tc.code || v["errorMessage"] == "" {
			t.Errorf("%s: %s %v, want rejected %v %s", tc.name, res, v, tc.status, tc.code)
		}
	}
	if testing.Short() {
		t.Log("skipping the 5 s hook timeout in -short mode")
	} else {
		start := time.Now()
		res, v := d.register("SensorTemplate", "json", token, seedParams("slow-1", "loft"))
		if res != "rejected" || v["errorCode"] != "AccessDenied" {
			t.Errorf("hook timeout: %s %v", res, v)
		}
		t.Logf("hook timeout answered after %v", time.Since(start).Round(time.Millisecond))
	}

	// Nothing was left behind.
	things, err := e.iot.ListThings(ctx, &iot.ListThingsInput{})
	must(t, err)
	if len(things.Things) != 0 {
		t.Errorf("things left behind: %v", things.Things)
	}
	pols, err := e.iot.ListPolicies(ctx, &iot.ListPoliciesInput{})
	must(t, err)
	if len(pols.Policies) != 3 {
		t.Errorf("policies after refusals: %d, want the 3 set up (the inline policy of a failed RegisterThing was kept?)", len(pols.Policies))
	}
	for _, cid := range []string{id, otherID} {
		dc, err := e.iot.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(cid)})
		must(t, err)
		if dc.CertificateDescription.Status != iottypes.CertificateStatusPendingActivation {
			t.Errorf("certificate %s is %s after refusals", cid[:8], dc.CertificateDescription.Status)
		}
		pols, err := e.iot.ListAttachedPolicies(ctx, &iot.ListAttachedPoliciesInput{Target: dc.CertificateDescription.CertificateArn})
		must(t, err)
		if len(pols.Policies) != 0 {
			t.Errorf("policies attached to %s after refusals: %v", cid[:8], pols.Policies)
		}
	}
	// The real token still works afterwards.
	if res, v := d.register("SensorTemplate", "json", otherToken, seedParams("0003", "attic")); res != "accepted" {
		t.Errorf("after the refusals: %s %v", res, v)
	}
}

// TestClaimCannotPublishTelemetry: the bootstrap policy reaches only the
// provisioning topics; a telemetry publish closes the 3.1.1 connection.
func TestClaimCannotPublishTelemetry(t *testing.T) {
	e := newEnv(t)
	lost := make(chan error, 1)
	opts := paho.NewClientOptions().AddBroker("ssl://" + e.in.Server.MQTTAddr()).SetClientID("boot-tele").
		SetTLSConfig(&tls.Config{RootCAs: e.roots, Certificates: []tls.Certificate{e.claim(t, "IoT_Bootstrapping_Certificate")}}).
		SetAutoReconnect(false).SetConnectionLostHandler(func(_ paho.Client, err error) { lost <- err })
	c := paho.NewClient(opts)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer c.Disconnect(50)
	c.Publish("temperature/home417/loft/sensor_0001", 1, false, "{}")
	select {
	case <-lost:
	case <-time.After(10 * time.Second):
		t.Fatal("a claim certificate published telemetry and stayed connected")
	}
}

// TestProvisioningByTrustedUser: CreateProvisioningClaim gives a short-lived
// claim that provisions like a bootstrap certificate, is hidden from
// ListCertificates, and is refused once expired.
func TestProvisioningByTrustedUser(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.ProvisioningClaimLifetime = 3 * time.Second })
	out, err := e.iot.CreateProvisioningClaim(ctx, &iot.CreateProvisioningClaimInput{TemplateName: aws.String("SensorTemplate")})
	must(t, err)
	if out.Expiration == nil || time.Until(*out.Expiration) > 4*time.Second || out.KeyPair == nil {
		t.Fatalf("claim: expiration %v key pair %v", out.Expiration, out.KeyPair != nil)
	}
	claim, err := tls.X509KeyPair([]byte(*out.CertificatePem), []byte(*out.KeyPair.PrivateKey))
	must(t, err)
	certs, err := e.iot.ListCertificates(ctx, &iot.ListCertificatesInput{})
	must(t, err)
	for _, c := range certs.Certificates {
		if aws.ToString(c.CertificateId) == aws.ToString(out.CertificateId) {
			t.Error("ListCertificates shows the temporary claim")
		}
	}
	d, err := e.connect(t, claim, "trusted-1")
	must(t, err)
	_, _, token := d.createCert("json")
	if res, v := d.register("SensorTemplate", "json", token, seedParams("0004", "garage")); res != "accepted" || v["thingName"] != "sensor_0004" {
		t.Fatalf("RegisterThing with a trusted-user claim: %s %v", res, v)
	}
	d.c.Disconnect(50)

	time.Sleep(time.Until(*out.Expiration) + 1500*time.Millisecond)
	if _, err := e.connect(t, claim, "trusted-2"); err == nil {
		t.Fatal("an expired claim certificate connected")
	}
	// Unknown templates have no claims.
	_, err = e.iot.CreateProvisioningClaim(ctx, &iot.CreateProvisioningClaimInput{TemplateName: aws.String("NoSuchTemplate")})
	var nf *iottypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("claim for an unknown template: %v", err)
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// swapTokenCert rewrites a token to name another certificate, keeping its
// expiry and authentication code.
func swapTokenCert(t *testing.T, token, certID string) string {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	must(t, err)
	id, err := hex.DecodeString(certID)
	must(t, err)
	copy(raw, id)
	return base64.RawURLEncoding.EncodeToString(raw)
}
