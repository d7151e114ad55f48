package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
