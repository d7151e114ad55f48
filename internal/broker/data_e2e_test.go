package broker_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roost-iot/roost/internal/roosttest"
)

// curl runs the seed 004 command line: curl --cert --key --cacert -X POST
// https://<endpoint>:8443/topics/<topic>?qos=1.
func (f *fleet) curl(name, path, body string) (string, error) {
	_, port, _ := strings.Cut(f.srv.Server.HTTPSAddr(), "127.0.0.1:")
	out, err := exec.Command("curl", "-sS", "--max-time", "10", "-w", " %{http_code}",
		"--cacert", f.ca, "--cert", filepath.Join(f.dir, name+".pem"), "--key", filepath.Join(f.dir, name+".key"),
		"-X", "POST", "https://localhost:"+port+path, "-d", body).CombinedOutput()
	return string(out), err
}

func TestHTTPSPublishWithClientCertificate(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is needed")
	}
	f := newFleet(t)
	f.principal("sensor_a", "SensorPolicy", seedAttrs("loft"))
	f.principal("admin", "Admin", nil)
	watch := f.sub("admin", "-i", "watcher", "-t", "motion/#", "-C", "1", "-W", "15")
	f.subscribed(1)
	out, err := f.curl("admin", "/topics/motion/hall?qos=1", `{"motion":true}`)
	if err != nil || !strings.Contains(out, `"message":"OK"`) || !strings.HasSuffix(out, " 200") {
		t.Fatalf("https publish: %q %v", out, err)
	}
	if got, err := watch.wait(t, 15*time.Second); err != nil || strings.TrimSpace(got) != `motion/hall {"motion":true}` {
		t.Fatalf("subscriber got %q (%v)", got, err)
	}
	// HTTP has no client id, so the seed policy's thing variables do not
	// resolve and sensor_a may publish nothing over HTTPS.
	out, _ = f.curl("sensor_a", "/topics/temperature/home417/loft/sensor_a?qos=1", "21")
	if !strings.HasSuffix(out, " 403") {
		t.Fatalf("sensor_a over HTTPS: %q, want 403", out)
	}
	// A revoked certificate is refused.
	must(t, f.reg.UpdateCertificate(ctx, f.cert["admin"].ID, "REVOKED"))
	if out, _ := f.curl("admin", "/topics/motion/hall?qos=1", "x"); !strings.HasSuffix(out, " 403") {
		t.Fatalf("revoked certificate over HTTPS: %q", out)
	}
}

// awsDataCLI runs `aws iot-data ...` with the admin credentials.
func awsDataCLI(t *testing.T, srv *roosttest.Instance, args ...string) (string, error) {
	t.Helper()
	creds := filepath.Join(t.TempDir(), "credentials")
	must(t, os.WriteFile(creds, []byte("[default]\naws_access_key_id = "+roosttest.AccessKeyID+
		"\naws_secret_access_key = "+roosttest.SecretAccessKey+"\n"), 0o600))
	cmd := exec.Command("aws", append([]string{"--endpoint-url", srv.URL, "--region", roosttest.Region, "iot-data"}, args...)...)
	cmd.Env = append(os.Environ(), "AWS_SHARED_CREDENTIALS_FILE="+creds, "AWS_CONFIG_FILE=/dev/null", "AWS_PAGER=")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestIoTDataWithAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Fatal("the aws CLI is needed")
	}
	f := newFleet(t)
	f.principal("admin", "Admin", nil)
	watch := f.sub("admin", "-i", "watcher", "-t", "lights/bulb1", "-C", "1", "-W", "20")
	f.subscribed(1)
	if out, err := awsDataCLI(t, f.srv, "publish", "--topic", "lights/bulb1", "--qos", "1", "--payload", "on"); err != nil {
		t.Fatalf("aws iot-data publish: %v %s", err, out)
	}
	if got, err := watch.wait(t, 20*time.Second); err != nil || strings.TrimSpace(got) != "lights/bulb1 on" {
		t.Fatalf("subscriber got %q (%v)", got, err)
	}
	if out, err := awsDataCLI(t, f.srv, "publish", "--topic", "lights/bulb1/color", "--qos", "1", "--retain", "--payload", "red"); err != nil {
		t.Fatalf("retained publish: %v %s", err, out)
	}
	out, err := awsDataCLI(t, f.srv, "get-retained-message", "--topic", "lights/bulb1/color")
	var got struct {
		Topic            string
		Payload          string
		Qos              int
		LastModifiedTime int64
	}
	if err != nil || json.Unmarshal([]byte(out), &got) != nil {
		t.Fatalf("get-retained-message: %v %s", err, out)
	}
	if p, _ := base64.StdEncoding.DecodeString(got.Payload); got.Topic != "lights/bulb1/color" || string(p) != "red" || got.Qos != 1 || got.LastModifiedTime < 1e12 {
		t.Fatalf("retained message %+v", got)
	}
	out, err = awsDataCLI(t, f.srv, "list-retained-messages")
	if err != nil || !strings.Contains(out, `"topic": "lights/bulb1/color"`) || !strings.Contains(out, `"payloadSize": 3`) {
		t.Fatalf("list-retained-messages: %v %s", err, out)
	}
	if out, err := awsDataCLI(t, f.srv, "get-retained-message", "--topic", "no/such"); err == nil || !strings.Contains(out, "ResourceNotFoundException") {
		t.Fatalf("missing retained message: %v %s", err, out)
	}
	if out, err := awsDataCLI(t, f.srv, "publish", "--topic", "a/+/b", "--payload", "x"); err == nil || !strings.Contains(out, "InvalidRequestException") {
		t.Fatalf("wildcard topic: %v %s", err, out)
	}
}
