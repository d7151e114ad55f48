package broker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sdkjsDir is the node project with the AWS IoT Device SDK v2 shadow client.
const sdkjsDir = "testdata/sdkjs"

// nodeWithDeviceSDK returns the node binary, failing (not skipping) with
// what to run when node or the project's node_modules is missing.
func nodeWithDeviceSDK(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is needed for the AWS IoT Device SDK v2 test (install nodejs and npm, then run `npm ci --no-audit --no-fund` in internal/broker/%s): %v", sdkjsDir, err)
	}
	if _, err := os.Stat(filepath.Join(sdkjsDir, "node_modules", "aws-iot-device-sdk-v2", "package.json")); err != nil {
		t.Fatalf("aws-iot-device-sdk-v2 is not installed: run `npm ci --no-audit --no-fund` in internal/broker/%s (%v)", sdkjsDir, err)
	}
	return node
}

// runDeviceSDKScript runs a script of the sdkjs project with node and
// decodes the JSON line it prints last into res. It fails the test, with
// the script's output, when the script was killed after timeout, printed
// no JSON, or reported a failure ({"ok":false,"stage":...,"error":...}).
func runDeviceSDKScript(t *testing.T, node, script string, timeout time.Duration, res any, args ...string) {
	t.Helper()
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, node, append([]string{script}, args...)...)
	cmd.Dir = sdkjsDir
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	if cctx.Err() != nil {
		t.Fatalf("node %s killed after %s: %v\nstdout: %s\nstderr: %s", script, timeout, runErr, stdout.String(), stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	last := []byte(lines[len(lines)-1])
	var status struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
		Stage string `json:"stage"`
	}
	err := json.Unmarshal(last, &status)
	if err == nil {
		err = json.Unmarshal(last, res)
	}
	if err != nil {
		t.Fatalf("node %s: %v; last stdout line not JSON (%v)\nstdout: %s\nstderr: %s", script, runErr, err, stdout.String(), stderr.String())
	}
	var exit *exec.ExitError
	if runErr != nil || !status.OK {
		code := 0
		if errors.As(runErr, &exit) {
			code = exit.ExitCode()
		}
		t.Fatalf("node %s failed (exit %d, %v) at %q: %s\nstderr: %s", script, code, runErr, status.Stage, status.Error, stderr.String())
	}
	t.Logf("%s: %s", script, last)
}

// TestAWSIoTDeviceSDKv2Shadow runs the AWS IoT Device SDK v2 for JavaScript
// (npm aws-iot-device-sdk-v2, iotshadow.IotShadowClient over MQTT 3.1.1 and
// mutual TLS, client id = thing name) through the classic shadow round
// trips: set desired, receive the delta, report until in sync, get, and a
// stale-version update rejected with 409 (issue 6).
func TestAWSIoTDeviceSDKv2Shadow(t *testing.T) {
	node := nodeWithDeviceSDK(t)
	f := newFleet(t)
	const thing = "bulb-js"
	f.principal(thing, "Admin", map[string]string{"room": "hall"})

	var res struct {
		ClientID string `json:"clientId"`
		Granted  map[string]int
		Desired  struct {
			Version int
			State   struct{ Desired map[string]any }
		}
		Delta struct {
			Version int
			State   map[string]any
		}
		Reports int
		Get     struct {
			Version int
			InSync  bool `json:"inSync"`
			State   struct {
				Desired, Reported, Delta map[string]any
			}
		}
		Conflict struct {
			Code         int
			Message      string
			StaleVersion int `json:"staleVersion"`
		}
		Final struct {
			Version int
			State   struct {
				Desired, Reported, Delta map[string]any
			}
		}
	}
	runDeviceSDKScript(t, node, "shadow.js", 45*time.Second, &res,
		"--endpoint", "127.0.0.1", "--port", f.port, "--ca", f.ca,
		"--cert", filepath.Join(f.dir, thing+".pem"), "--key", filepath.Join(f.dir, thing+".key"),
		"--thing", thing, "--timeout-ms", "30000")

	if res.ClientID != thing {
		t.Errorf("client id %q, want %q", res.ClientID, thing)
	}
	for _, topic := range []string{"update/accepted", "update/rejected", "get/accepted", "update/delta"} {
		if q, ok := res.Granted[topic]; !ok || q != 1 {
			t.Errorf("SUBACK for %s granted QoS %d (present %v), want 1", topic, q, ok)
		}
	}
	if res.Desired.Version < 1 || res.Desired.State.Desired["color"] != "red" {
		t.Errorf("update/accepted for desired: %+v", res.Desired)
	}
	if res.Delta.Version != res.Desired.Version || res.Delta.State["color"] != "red" || len(res.Delta.State) != 1 {
		t.Errorf("delta %+v after desired version %d", res.Delta, res.Desired.Version)
	}
	if res.Reports != 1 {
		t.Errorf("%d reports to get in sync, want 1", res.Reports)
	}
	if !res.Get.InSync || res.Get.State.Desired["color"] != "red" || res.Get.State.Reported["color"] != "red" ||
		res.Get.State.Delta != nil || res.Get.Version != res.Desired.Version+1 {
		t.Errorf("get/accepted after reporting: %+v", res.Get)
	}
	if res.Conflict.Code != 409 || res.Conflict.StaleVersion >= res.Get.Version {
		t.Errorf("stale update: %+v (current version %d)", res.Conflict, res.Get.Version)
	}
	if res.Final.Version != res.Get.Version || res.Final.State.Reported["color"] != "red" || res.Final.State.Delta != nil {
		t.Errorf("shadow after the rejected update: %+v", res.Final)
	}

	// The stored shadow, read by the broker's shadow service, not over MQTT.
	raw, err := f.srv.Server.Broker().Shadows().Get(ctx, thing, "", "")
	must(t, err)
	var stored struct {
		State struct {
			Desired, Reported, Delta map[string]any
		}
		Version int
	}
	must(t, json.Unmarshal(raw, &stored))
	if stored.Version < 2 || stored.Version != res.Final.Version || stored.State.Reported["color"] != "red" ||
		stored.State.Desired["color"] != "red" || stored.State.Delta != nil {
		t.Fatalf("stored shadow: %s", raw)
	}
}
