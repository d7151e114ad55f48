package broker_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func (f *fleet) curlShadow(name, method, path, body string) (string, error) {
	_, port, _ := strings.Cut(f.srv.Server.HTTPSAddr(), "127.0.0.1:")
	args := []string{"-sS", "--max-time", "10", "-w", " %{http_code}", "--cacert", f.ca,
		"--cert", filepath.Join(f.dir, name+".pem"), "--key", filepath.Join(f.dir, name+".key"),
		"-X", method, "https://localhost:" + port + path}
	if body != "" {
		args = append(args, "-d", body)
	}
	out, err := exec.Command("curl", args...).CombinedOutput()
	return string(out), err
}

func TestShadowsOverMQTTRESTAndIoTData(t *testing.T) {
	f := newFleet(t)
	f.principal("bulb1", "Admin", map[string]string{"room": "hall"})
	f.principal("phone", "Admin", nil)
	f.principal("sensor_a", "SensorPolicy", seedAttrs("loft"))

	// The bulb listens for deltas; the phone app sets the desired colour over MQTT.
	delta := f.sub("bulb1", "-i", "bulb1", "-t", "$aws/things/bulb1/shadow/update/delta", "-C", "1", "-W", "15")
	f.subscribed(1)
	must(t, f.pub("phone", "-i", "phone", "-q", "1", "-t", "$aws/things/bulb1/shadow/update",
		"-m", `{"state":{"desired":{"color":"red"}},"clientToken":"app-1"}`))
	out, err := delta.wait(t, 15*time.Second)
	if err != nil || !strings.Contains(out, `"state":{"color":"red"}`) || !strings.Contains(out, `"version":1`) {
		t.Fatalf("delta: %q (%v)", out, err)
	}
	// The bulb reports over REST on 8443 (seed 004's curl), and the delta is gone.
	res, err := f.curlShadow("bulb1", "POST", "/things/bulb1/shadow", `{"state":{"reported":{"color":"red"}}}`)
	if err != nil || !strings.HasSuffix(res, " 200") || !strings.Contains(res, `"reported":{"color":"red"}`) {
		t.Fatalf("REST update: %q %v", res, err)
	}
	res, _ = f.curlShadow("bulb1", "GET", "/things/bulb1/shadow", "")
	if !strings.HasSuffix(res, " 200") || strings.Contains(res, `"delta"`) || !strings.Contains(res, `"desired":{"color":"red"}`) {
		t.Fatalf("REST get after report (in sync, no delta): %q", res)
	}
	// A device whose policy has no shadow actions is refused.
	if res, _ := f.curlShadow("sensor_a", "GET", "/things/bulb1/shadow", ""); !strings.HasSuffix(res, " 403") {
		t.Fatalf("shadow read by policy without GetThingShadow: %q", res)
	}

	// iot-data with the aws CLI: named shadow update, get, list, delete.
	dir := t.TempDir()
	if out, err := awsDataCLI(t, f.srv, "update-thing-shadow", "--thing-name", "bulb1", "--shadow-name", "schedule",
		"--payload", `{"state":{"desired":{"on":"19:00"}}}`, filepath.Join(dir, "u.json")); err != nil {
		t.Fatalf("update-thing-shadow: %v %s", err, out)
	}
	if out, err := awsDataCLI(t, f.srv, "get-thing-shadow", "--thing-name", "bulb1", filepath.Join(dir, "g.json")); err != nil {
		t.Fatalf("get-thing-shadow: %v %s", err, out)
	}
	var doc struct {
		State   map[string]map[string]any
		Version int
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "g.json"))
	if json.Unmarshal(raw, &doc) != nil || doc.State["reported"]["color"] != "red" || doc.Version != 2 {
		t.Fatalf("get-thing-shadow document %s", raw)
	}
	if out, err := awsDataCLI(t, f.srv, "list-named-shadows-for-thing", "--thing-name", "bulb1"); err != nil || !strings.Contains(out, `"schedule"`) {
		t.Fatalf("list-named-shadows-for-thing: %v %s", err, out)
	}
	if out, err := awsDataCLI(t, f.srv, "get-thing-shadow", "--thing-name", "nope", filepath.Join(dir, "x.json")); err == nil || !strings.Contains(out, "ResourceNotFoundException") {
		t.Fatalf("unknown shadow: %v %s", err, out)
	}
	// Deleting the thing deletes its shadows.
	must(t, f.reg.DetachThingPrincipal(ctx, "bulb1", f.cert["bulb1"].ARN))
	must(t, f.reg.DeleteThing(ctx, "bulb1", nil))
	if out, err := awsDataCLI(t, f.srv, "get-thing-shadow", "--thing-name", "bulb1", filepath.Join(dir, "y.json")); err == nil || !strings.Contains(out, "ResourceNotFoundException") {
		t.Fatalf("shadow after DeleteThing: %v %s", err, out)
	}
}
