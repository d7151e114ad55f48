package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func load(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	c := Default()
	Bind(fs, &c)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return Load(fs, func(k string) string { return env[k] })
}

func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "roost.yaml")
	yaml := "region: eu-west-1\naccountId: \"111111111111\"\nhosts: [iot.example.com]\napiAddr: 127.0.0.1:9000\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := load(t, []string{"--config", file, "--region", "us-west-2"},
		map[string]string{"ROOST_ACCOUNT_ID": "123456789012", "ROOST_REGION": "ap-south-1"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Region != "us-west-2" {
		t.Errorf("flag must win over env and file: region %q", c.Region)
	}
	if c.AccountID != "123456789012" {
		t.Errorf("env must win over file: account %q", c.AccountID)
	}
	if c.APIAddr != "127.0.0.1:9000" || len(c.Hosts) != 1 || c.Hosts[0] != "iot.example.com" {
		t.Errorf("file values not applied: %+v", c)
	}
	if c.DeviceEndpoint() != "iot.example.com" {
		t.Errorf("endpoint defaults to first host, got %q", c.DeviceEndpoint())
	}
}

func TestLoadSliceFlag(t *testing.T) {
	c, err := load(t, []string{"--host", "a.example", "--host", "10.0.0.1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Hosts, ",") != "a.example,10.0.0.1" {
		t.Errorf("hosts %v", c.Hosts)
	}
}

func TestValidateFailures(t *testing.T) {
	cases := map[string][]string{
		"fail/region":       {"--region", "moon"},
		"fail/account":      {"--account-id", "12"},
		"fail/half-creds":   {"--access-key-id", "AKIAAAAAAAAAAAAAAAAA"},
		"fail/short-secret": {"--access-key-id", "AKIAAAAAAAAAAAAAAAAA", "--secret-access-key", "x"},
		"fail/api-addr":     {"--api-addr", "nope"},
		"fail/log-level":    {"--log-level", "loud"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := load(t, args, nil); err == nil {
				t.Fatal("want a validation error")
			}
		})
	}
}

func TestUnknownFileKeyRefused(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(file, []byte("regoin: us-east-1\n"), 0o600)
	if _, err := load(t, []string{"--config", file}, nil); err == nil {
		t.Fatal("a misspelt key must be refused")
	}
}

func TestGatewayLimitFlags(t *testing.T) {
	c, err := load(t, []string{"--mqtt-max-qos", "2", "--mqtt-session-expiry", "24h", "--mqtt-publish-rate", "0"},
		map[string]string{"ROOST_MQTT_MAX_PAYLOAD": "1024"})
	if err != nil {
		t.Fatal(err)
	}
	if c.MQTTMaxQoS != 2 || c.MQTTSessionExpiry.Hours() != 24 || c.MQTTPublishRate != 0 || c.MQTTMaxPayload != 1024 {
		t.Fatalf("limits %+v", c)
	}
	if _, err := load(t, []string{"--mqtt-max-qos", "3"}, nil); err == nil {
		t.Fatal("QoS 3 must be refused")
	}
}

func TestDevListenerIsLoopbackOnly(t *testing.T) {
	if _, err := load(t, []string{"--dev-mqtt-addr", "127.0.0.1:1883", "--dev-mqtt-policy", "Dev"}, nil); err != nil {
		t.Fatalf("ok/loopback: %v", err)
	}
	for name, args := range map[string][]string{
		"fail/all-interfaces": {"--dev-mqtt-addr", ":1883", "--dev-mqtt-policy", "Dev"},
		"fail/remote":         {"--dev-mqtt-addr", "10.0.0.5:1883", "--dev-mqtt-policy", "Dev"},
		"fail/no-policy":      {"--dev-mqtt-addr", "127.0.0.1:1883"},
	} {
		if _, err := load(t, args, nil); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	if _, err := load(t, []string{"--dev-mqtt-addr", ":1883", "--dev-mqtt-policy", "Dev", "--dev-mqtt-allow-remote"}, nil); err != nil {
		t.Errorf("ok/remote-when-told: %v", err)
	}
}

func TestDebugListenerIsLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:6060", "[::1]:6060", "localhost:6060"} {
		if _, err := load(t, []string{"--debug-addr", addr}, nil); err != nil {
			t.Errorf("%s: %v", addr, err)
		}
	}
	for _, addr := range []string{":6060", "0.0.0.0:6060", "10.0.0.5:6060", "127.0.0.1"} {
		if _, err := load(t, []string{"--debug-addr", addr}, nil); err == nil {
			t.Errorf("%s: want an error", addr)
		}
	}
}

// Every flag says what it does in `roost server --help`.
func TestEveryFlagHasHelp(t *testing.T) {
	fs := pflag.NewFlagSet("roost", pflag.ContinueOnError)
	c := Default()
	Bind(fs, &c)
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Usage == "" {
			t.Errorf("--%s has no help text (internal/config/load.go usage)", f.Name)
		}
	})
}
