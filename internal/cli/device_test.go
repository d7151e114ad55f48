package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"

	"github.com/roost-iot/roost/internal/device"
	"github.com/roost-iot/roost/internal/device/devicetest"
)

// runDevice runs `roost device <args>` in process.
func runDevice(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := deviceCmd()
	var out, errb bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err = cmd.ExecuteContext(ctx)
	return out.String(), errb.String(), err
}

func claimArgs(cloud *devicetest.Cloud, more ...string) []string {
	return append([]string{"--endpoint", cloud.Endpoint, "--ca", cloud.CAFile, "--claim-cert", cloud.ClaimCert,
		"--claim-key", cloud.ClaimKey, "--template", devicetest.Template}, more...)
}

// Seed 000's device script as commands: provision, run again (nothing to
// do), provision again with --force, then publish and hear it back.
func TestDeviceProvisionAndPublish(t *testing.T) {
	cloud := devicetest.Start(t).WithTemplate(t)
	dir := filepath.Join(t.TempDir(), "device-certs")
	args := append([]string{"provision"}, claimArgs(cloud, "--param", "SerialNumber=123", "--param", "BuildingName=home417",
		"--param", "Location=loft", "--out", dir)...)
	out, stderr, err := runDevice(t, args...)
	if err != nil || out != "sensor_123\n" {
		t.Fatalf("provision: %q %q %v", out, stderr, err)
	}
	for _, name := range []string{"certificate.pem", "private.key", "ca.pem", "device.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if fi, _ := os.Stat(filepath.Join(dir, "private.key")); fi.Mode().Perm() != 0o600 {
		t.Fatalf("private.key mode %v", fi.Mode())
	}
	if strings.Contains(stderr, "PRIVATE KEY") {
		t.Fatalf("the key reached the log: %s", stderr)
	}
	cfg, err := device.LoadConfig(filepath.Join(dir, device.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}

	out, stderr, err = runDevice(t, args...)
	if err != nil || out != "sensor_123\n" || !strings.Contains(stderr, "already provisioned as sensor_123") {
		t.Fatalf("second run: %q %q %v", out, stderr, err)
	}
	again, _ := device.LoadConfig(filepath.Join(dir, device.ConfigFile))
	if again.CertificateID != cfg.CertificateID {
		t.Fatal("the second run changed the identity")
	}

	out, stderr, err = runDevice(t, append(args, "--force")...)
	forced, _ := device.LoadConfig(filepath.Join(dir, device.ConfigFile))
	if err != nil || out != "sensor_123\n" || forced.CertificateID == cfg.CertificateID {
		t.Fatalf("--force: %q %q %v", out, stderr, err)
	}

	out, stderr, err = runDevice(t, "publish", "--config", filepath.Join(dir, device.ConfigFile),
		"--interval", "10ms", "--count", "3", "--subscribe")
	if err != nil || strings.Count(out, "published temperature/home417/loft/sensor_123 ") != 3 ||
		strings.Count(out, `received temperature/home417/loft/sensor_123 {"thingName":"sensor_123"`) != 3 {
		t.Fatalf("publish: %q %q %v", out, stderr, err)
	}
}

// --csr with --format cbor, and readings from a file.
func TestDeviceProvisionCSRCBOR(t *testing.T) {
	cloud := devicetest.Start(t).WithTemplate(t)
	dir := t.TempDir()
	out, stderr, err := runDevice(t, append([]string{"provision"}, claimArgs(cloud, "--csr", "--format", "cbor",
		"--param", "SerialNumber=456", "--param", "BuildingName=home417", "--param", "Location=cellar", "--out", dir)...)...)
	if err != nil || out != "sensor_456\n" {
		t.Fatalf("provision: %q %q %v", out, stderr, err)
	}
	readings := filepath.Join(t.TempDir(), "readings.txt")
	os.WriteFile(readings, []byte("12.5\n13\n"), 0o644)
	out, stderr, err = runDevice(t, "publish", "--config", filepath.Join(dir, device.ConfigFile),
		"--interval", "10ms", "--count", "3", "--file", readings)
	want := "published temperature/home417/cellar/sensor_456 12.5\n" +
		"published temperature/home417/cellar/sensor_456 13.0\n" +
		"published temperature/home417/cellar/sensor_456 12.5\n"
	if err != nil || out != want {
		t.Fatalf("publish: %q %q %v", out, stderr, err)
	}
}

// A rejected RegisterThing fails the command with the cloud's error code
// and message.
func TestDeviceProvisionRejected(t *testing.T) {
	cloud := devicetest.Start(t).WithTemplate(t)
	dir := t.TempDir()
	_, _, err := runDevice(t, append([]string{"provision"}, claimArgs(cloud, "--param", "BuildingName=home417", "--out", dir)...)...)
	if err == nil || !strings.Contains(err.Error(), "register thing: rejected: ") || !strings.Contains(err.Error(), "(400)") {
		t.Fatalf("want the rejection, got %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, device.ConfigFile)); !os.IsNotExist(err) {
		t.Fatalf("a failed provisioning left a config: %v", err)
	}
}

func TestDeviceSimulate(t *testing.T) {
	cloud := devicetest.Start(t).WithTemplate(t)
	out, stderr, err := runDevice(t, append([]string{"simulate"}, claimArgs(cloud, "--count", "6", "--concurrency", "3",
		"--param", "BuildingName=home417", "--param", "Location=room{i}")...)...)
	if err != nil || !strings.Contains(out, "provisioned 6, failed 0") || !strings.Contains(out, "flow latency p50 ") {
		t.Fatalf("simulate: %q %q %v", out, stderr, err)
	}
	// Without a BuildingName every RegisterThing is rejected: the summary
	// counts them by reason and the command fails.
	out, _, err = runDevice(t, append([]string{"simulate"}, claimArgs(cloud, "--count", "2", "--serial-prefix", "bad-")...)...)
	if err == nil || !strings.Contains(out, "failed      2  register thing: ") {
		t.Fatalf("simulate without parameters: %q %v", out, err)
	}
}

// When the identity cannot be saved the command fails and says which
// thing the cloud registered. (Without --force, the unreadable --out
// already fails the check for an earlier identity.)
func TestDeviceProvisionCannotSave(t *testing.T) {
	cloud := devicetest.Start(t).WithTemplate(t)
	file := filepath.Join(t.TempDir(), "not-a-dir")
	os.WriteFile(file, nil, 0o644)
	_, _, err := runDevice(t, append([]string{"provision"}, claimArgs(cloud, "--param", "SerialNumber=8",
		"--param", "BuildingName=home417", "--param", "Location=loft", "--out", file, "--force")...)...)
	if err == nil || !strings.Contains(err.Error(), "registered as sensor_8, but: keep identity: ") {
		t.Fatalf("want a keep error, got %v", err)
	}
}

// Seed 000 end to end with the commands: SensorTemplate with a
// pre-provisioning hook that allows listed serial numbers and denies a
// denylisted one; two devices in different rooms, each publishing on its
// own topic; then a device onboarded by trusted user with a claim from
// CreateProvisioningClaim.
func TestDeviceSeed000HookAndTrustedUser(t *testing.T) {
	cloud := devicetest.Start(t)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct{ Parameters map[string]string }
		json.NewDecoder(r.Body).Decode(&ev)
		serial := ev.Parameters["SerialNumber"]
		json.NewEncoder(w).Encode(map[string]bool{"allowProvisioning": serial != "666" && strings.HasPrefix(serial, "00")})
	}))
	defer hook.Close()
	_, err := cloud.IoT.CreateProvisioningTemplate(context.Background(), &iot.CreateProvisioningTemplateInput{
		TemplateName: aws.String(devicetest.Template), TemplateBody: aws.String(devicetest.SensorTemplate), Enabled: aws.Bool(true),
		ProvisioningRoleArn: aws.String("arn:aws:iam::123456789012:role/Provisioning"),
		PreProvisioningHook: &iottypes.ProvisioningHook{TargetArn: aws.String(hook.URL)},
	})
	if err != nil {
		t.Fatal(err)
	}
	provision := func(claimCert, claimKey, serial, location string) (string, string, error) {
		dir := filepath.Join(t.TempDir(), serial)
		out, _, err := runDevice(t, "provision", "--endpoint", cloud.Endpoint, "--ca", cloud.CAFile, "--claim-cert", claimCert,
			"--claim-key", claimKey, "--template", devicetest.Template, "--param", "SerialNumber="+serial,
			"--param", "BuildingName=home417", "--param", "Location="+location, "--out", dir)
		return strings.TrimSpace(out), filepath.Join(dir, device.ConfigFile), err
	}
	loft, loftCfg, err := provision(cloud.ClaimCert, cloud.ClaimKey, "0001", "loft")
	if err != nil || loft != "sensor_0001" {
		t.Fatalf("loft: %q %v", loft, err)
	}
	kitchen, kitchenCfg, err := provision(cloud.ClaimCert, cloud.ClaimKey, "0002", "kitchen")
	if err != nil || kitchen != "sensor_0002" {
		t.Fatalf("kitchen: %q %v", kitchen, err)
	}
	if _, _, err := provision(cloud.ClaimCert, cloud.ClaimKey, "666", "loft"); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("the denylisted serial: %v", err)
	}
	for cfg, topic := range map[string]string{loftCfg: "temperature/home417/loft/sensor_0001", kitchenCfg: "temperature/home417/kitchen/sensor_0002"} {
		out, stderr, err := runDevice(t, "publish", "--config", cfg, "--interval", "10ms", "--count", "2", "--subscribe")
		if err != nil || strings.Count(out, "received "+topic+" ") != 2 {
			t.Fatalf("publish on %s: %q %q %v", topic, out, stderr, err)
		}
	}
	// The loft device on the kitchen's topic: each publish closes the
	// connection (MQTT 3.1.1, as AWS), and the command gives up.
	if out, _, err := runDevice(t, "publish", "--config", loftCfg, "--topic", "temperature/home417/kitchen/sensor_0002",
		"--interval", "10ms", "--count", "1"); err == nil || !strings.Contains(err.Error(), "does not allow") || strings.Contains(out, "published ") {
		t.Fatalf("publishing on the kitchen's topic: %q %v", out, err)
	}

	// By trusted user: a 5-minute claim from the API.
	claim, err := cloud.IoT.CreateProvisioningClaim(context.Background(), &iot.CreateProvisioningClaimInput{TemplateName: aws.String(devicetest.Template)})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "claim.pem"), filepath.Join(dir, "claim.key")
	os.WriteFile(cert, []byte(*claim.CertificatePem), 0o600)
	os.WriteFile(key, []byte(*claim.KeyPair.PrivateKey), 0o600)
	if name, _, err := provision(cert, key, "0003", "garage"); err != nil || name != "sensor_0003" {
		t.Fatalf("by trusted user: %q %v", name, err)
	}
}
