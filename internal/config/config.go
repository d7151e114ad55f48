// Package config owns Roost's configuration: the one Config struct, its
// defaults, and how flags, ROOST_* environment variables and an optional YAML
// file combine into it (flags win over the environment, which wins over the
// file, which wins over the defaults).
//
// The field comments of Config are the configuration reference; the README
// repeats them. This package does not create files or listeners.
package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"time"
)

// Config is everything an operator can set. The `flag` tag names the
// command-line flag; the environment variable is ROOST_ plus the flag name in
// upper case with '-' as '_'; the `yaml` tag is the key in the config file.
type Config struct {
	// DataDir holds the database, the CA, the server certificate and the
	// admin credentials. Created on first start.
	DataDir string `yaml:"dataDir" flag:"data-dir"`
	// APIAddr is where the AWS-compatible control plane (iot) and data plane
	// (iot-data) listen. Loopback by default: over plain HTTP the API carries
	// private keys (CreateKeysAndCertificate), so expose it only with APITLS.
	APIAddr string `yaml:"apiAddr" flag:"api-addr"`
	// MQTTAddr is the device gateway: MQTT 3.1.1/5 over mutual TLS. It also
	// accepts ALPN x-amzn-mqtt-ca, so it can serve devices on 443.
	MQTTAddr string `yaml:"mqttAddr" flag:"mqtt-addr"`
	// HTTPSAddr is the HTTPS device data plane (publish, later shadows)
	// with client certificates, AWS's port 8443.
	HTTPSAddr string `yaml:"httpsAddr" flag:"https-addr"`
	// DevMQTTAddr is a plain-MQTT listener for local development, without
	// TLS or certificates: off when empty. Clients on it are anonymous and
	// get exactly the policy named by DevMQTTPolicy (which must exist).
	// Only loopback addresses are accepted unless DevMQTTAllowRemote.
	DevMQTTAddr        string `yaml:"devMqttAddr" flag:"dev-mqtt-addr"`
	DevMQTTPolicy      string `yaml:"devMqttPolicy" flag:"dev-mqtt-policy"`
	DevMQTTAllowRemote bool   `yaml:"devMqttAllowRemote" flag:"dev-mqtt-allow-remote"`
	// Gateway limits; the defaults are AWS IoT Core's quotas.
	// MQTTMaxQoS is 1 as in AWS IoT (a QoS 2 PUBLISH is refused), or 2 to
	// serve QoS 2 as a general MQTT broker.
	MQTTMaxQoS int `yaml:"mqttMaxQoS" flag:"mqtt-max-qos"`
	// MQTTMaxPayload bounds a PUBLISH payload in bytes (AWS: 128 KB).
	MQTTMaxPayload int `yaml:"mqttMaxPayload" flag:"mqtt-max-payload"`
	// MQTTPublishRate bounds inbound publishes per second per connection
	// (AWS: 100); 0 is unlimited.
	MQTTPublishRate float64 `yaml:"mqttPublishRate" flag:"mqtt-publish-rate"`
	// MQTTMaxSubscriptions bounds subscriptions per connection (AWS: 50).
	MQTTMaxSubscriptions int `yaml:"mqttMaxSubscriptions" flag:"mqtt-max-subscriptions"`
	// MQTTSessionExpiry is how long a persistent session outlives its
	// connection (AWS: 1 hour by default, up to 7 days).
	MQTTSessionExpiry time.Duration `yaml:"mqttSessionExpiry" flag:"mqtt-session-expiry"`
	// MQTTRetainedOnWildcard sends retained messages to matching wildcard
	// subscriptions as the MQTT spec does; AWS IoT sends them only to a
	// subscription whose filter is the topic.
	MQTTRetainedOnWildcard bool `yaml:"mqttRetainedOnWildcard" flag:"mqtt-retained-on-wildcard"`
	// MQTTIdleParkAfter: a device connection quiet this long gives up its
	// goroutine (and stack) until it has input; 0 never parks.
	MQTTIdleParkAfter time.Duration `yaml:"mqttIdleParkAfter" flag:"mqtt-idle-park-after"`
	// ProvisioningClaimLifetime is how long a CreateProvisioningClaim
	// certificate is valid (AWS: 5 minutes).
	ProvisioningClaimLifetime time.Duration `yaml:"provisioningClaimLifetime" flag:"provisioning-claim-lifetime"`
	// APITLS serves the API over HTTPS with the server certificate.
	APITLS bool `yaml:"apiTLS" flag:"api-tls"`
	// Hosts are the names and addresses put in the server certificate.
	// Defaults to localhost, 127.0.0.1, ::1 and the machine's host name.
	Hosts []string `yaml:"hosts" flag:"host"`
	// Endpoint is the device endpoint host that DescribeEndpoint returns.
	// Defaults to the first of Hosts.
	Endpoint string `yaml:"endpoint" flag:"endpoint"`
	// Region appears in ARNs and is the SigV4 signing region clients use.
	Region string `yaml:"region" flag:"region"`
	// AccountID appears in ARNs (12 digits). Generated once on first start
	// when not set.
	AccountID string `yaml:"accountId" flag:"account-id"`
	// AccessKeyID and SecretAccessKey name the admin credentials. When both
	// are empty, a pair is generated on first start and written to
	// <DataDir>/credentials.
	AccessKeyID     string `yaml:"accessKeyId" flag:"access-key-id"`
	SecretAccessKey string `yaml:"secretAccessKey" flag:"secret-access-key"`
	// DebugAddr serves Go's runtime profiles (net/http/pprof) for
	// measuring memory and CPU; off when empty, loopback addresses only
	// (profiles show what the server holds).
	DebugAddr string `yaml:"debugAddr" flag:"debug-addr"`
	// LogLevel is debug, info, warn or error; LogFormat is text or json.
	LogLevel  string `yaml:"logLevel" flag:"log-level"`
	LogFormat string `yaml:"logFormat" flag:"log-format"`
}

// Default returns the configuration Roost runs with when nothing is set.
func Default() Config {
	return Config{
		DataDir:   "roost-data",
		APIAddr:   "127.0.0.1:8440",
		MQTTAddr:  ":8883",
		HTTPSAddr: ":8443",

		MQTTMaxQoS: 1, MQTTMaxPayload: 128 * 1024, MQTTPublishRate: 100,
		MQTTMaxSubscriptions: 50, MQTTSessionExpiry: time.Hour, ProvisioningClaimLifetime: 5 * time.Minute,
		MQTTIdleParkAfter: 2 * time.Second,
		Hosts:             defaultHosts(),
		Region:            "us-east-1",
		LogLevel:          "info",
		LogFormat:         "text",
	}
}

func defaultHosts() []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if h, err := os.Hostname(); err == nil && h != "" && h != "localhost" {
		hosts = append(hosts, h)
	}
	return hosts
}

// DeviceEndpoint is the host devices are told to connect to.
func (c *Config) DeviceEndpoint() string {
	if c.Endpoint != "" {
		return c.Endpoint
	}
	if len(c.Hosts) > 0 {
		return c.Hosts[0]
	}
	return "localhost"
}

var (
	regionRE    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d{1,2}$`)
	accountRE   = regexp.MustCompile(`^\d{12}$`)
	accessKeyRE = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)
)

// Validate reports every invalid field at once.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.DataDir == "" {
		bad("data-dir must not be empty")
	}
	if _, _, err := net.SplitHostPort(c.APIAddr); err != nil {
		bad("api-addr %q: %v", c.APIAddr, err)
	}
	if _, _, err := net.SplitHostPort(c.MQTTAddr); err != nil {
		bad("mqtt-addr %q: %v", c.MQTTAddr, err)
	}
	if _, _, err := net.SplitHostPort(c.HTTPSAddr); err != nil {
		bad("https-addr %q: %v", c.HTTPSAddr, err)
	}
	if c.DevMQTTAddr != "" {
		c.validateDevListener(bad)
	}
	if c.MQTTMaxQoS < 0 || c.MQTTMaxQoS > 2 {
		bad("mqtt-max-qos must be 0, 1 or 2")
	}
	if c.MQTTMaxPayload < 1 || c.MQTTMaxPayload > 256<<20 {
		bad("mqtt-max-payload must be between 1 byte and 256 MB")
	}
	if c.MQTTPublishRate < 0 || c.MQTTMaxSubscriptions < 1 {
		bad("mqtt-publish-rate must be >= 0 and mqtt-max-subscriptions >= 1")
	}
	if c.ProvisioningClaimLifetime < time.Second || c.ProvisioningClaimLifetime > time.Hour {
		bad("provisioning-claim-lifetime must be between 1s and 1h (AWS: 5m)")
	}
	if c.MQTTIdleParkAfter < 0 {
		bad("mqtt-idle-park-after must be >= 0 (0 never parks)")
	}
	if c.MQTTSessionExpiry < time.Minute || c.MQTTSessionExpiry > 7*24*time.Hour {
		bad("mqtt-session-expiry must be between 1m and 168h (AWS allows up to 7 days)")
	}
	if len(c.Hosts) == 0 {
		bad("host: at least one host name is needed for the server certificate")
	}
	if !regionRE.MatchString(c.Region) {
		bad("region %q is not a region name such as us-east-1", c.Region)
	}
	if c.AccountID != "" && !accountRE.MatchString(c.AccountID) {
		bad("account-id %q must be 12 digits", c.AccountID)
	}
	if (c.AccessKeyID == "") != (c.SecretAccessKey == "") {
		bad("access-key-id and secret-access-key must be set together")
	}
	if c.AccessKeyID != "" && !accessKeyRE.MatchString(c.AccessKeyID) {
		bad("access-key-id must be 16 to 128 upper-case letters and digits")
	}
	if c.SecretAccessKey != "" && len(c.SecretAccessKey) < 16 {
		bad("secret-access-key must be at least 16 characters")
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		bad("log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("log-format %q: want text or json", c.LogFormat)
	}
	if c.DebugAddr != "" && !isLoopback(c.DebugAddr) {
		bad("debug-addr %q: want a loopback address such as 127.0.0.1:6060 (profiles show what the server holds)", c.DebugAddr)
	}
	return errors.Join(errs...)
}

// isLoopback says whether a host:port address names localhost or a
// loopback IP.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// validateDevListener refuses a development listener without a policy, or
// bound beyond loopback unless the operator said so explicitly.
func (c *Config) validateDevListener(bad func(string, ...any)) {
	if _, _, err := net.SplitHostPort(c.DevMQTTAddr); err != nil {
		bad("dev-mqtt-addr %q: %v", c.DevMQTTAddr, err)
		return
	}
	if c.DevMQTTPolicy == "" {
		bad("dev-mqtt-addr needs dev-mqtt-policy: the policy anonymous development clients get")
	}
	if !isLoopback(c.DevMQTTAddr) && !c.DevMQTTAllowRemote {
		bad("dev-mqtt-addr %q is not a loopback address: the plain-MQTT development listener has no TLS and no client certificates; set dev-mqtt-allow-remote to bind it anyway", c.DevMQTTAddr)
	}
}
