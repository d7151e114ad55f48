package config

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// usage is the help text of each flag, keyed by flag name.
var usage = map[string]string{
	"data-dir":                    "directory for the database, CA, server certificate and credentials",
	"api-addr":                    "address of the AWS-compatible API (iot and iot-data)",
	"api-tls":                     "serve the API over HTTPS with the server certificate",
	"mqtt-addr":                   "address of the device gateway (MQTT over mutual TLS)",
	"https-addr":                  "address of the HTTPS device data plane (publish with a client certificate)",
	"dev-mqtt-addr":               "plain-MQTT development listener (no TLS; off when empty; loopback only unless allowed)",
	"dev-mqtt-policy":             "policy that anonymous clients of the development listener get",
	"dev-mqtt-allow-remote":       "allow the development listener on a non-loopback address",
	"mqtt-max-qos":                "highest QoS served: 1 as AWS IoT, or 2 as a general MQTT broker",
	"mqtt-max-payload":            "largest PUBLISH payload in bytes (AWS: 131072)",
	"mqtt-publish-rate":           "inbound publishes per second per connection, 0 = unlimited (AWS: 100)",
	"mqtt-max-subscriptions":      "subscriptions per connection (AWS: 50)",
	"mqtt-session-expiry":         "how long a persistent session outlives its connection (AWS: 1h)",
	"mqtt-retained-on-wildcard":   "send retained messages to wildcard subscriptions (MQTT spec; AWS does not)",
	"mqtt-idle-park-after":        "a connection quiet this long holds no goroutine until it has input (0 = never)",
	"provisioning-claim-lifetime": "how long a CreateProvisioningClaim certificate is valid (AWS: 5 minutes)",
	"host":                        "host names and addresses for the server certificate (repeatable)",
	"endpoint":                    "device endpoint host returned by DescribeEndpoint (default: first host)",
	"region":                      "AWS region used in ARNs and SigV4",
	"account-id":                  "12-digit account id used in ARNs (default: generated once)",
	"access-key-id":               "admin access key id (default: generated once)",
	"secret-access-key":           "admin secret access key (default: generated once)",
	"debug-addr":                  "serve Go runtime profiles (net/http/pprof) here; loopback only, off when empty",
	"log-level":                   "debug, info, warn or error",
	"log-format":                  "text or json",
}

// Bind defines one flag per Config field on fs, writing into c. Defaults are
// c's current values, so bind to a Default() config.
func Bind(fs *pflag.FlagSet, c *Config) {
	forEachField(c, func(name string, v reflect.Value) {
		switch p := v.Addr().Interface().(type) {
		case *string:
			fs.StringVar(p, name, *p, usage[name])
		case *bool:
			fs.BoolVar(p, name, *p, usage[name])
		case *[]string:
			fs.StringSliceVar(p, name, *p, usage[name])
		case *int:
			fs.IntVar(p, name, *p, usage[name])
		case *float64:
			fs.Float64Var(p, name, *p, usage[name])
		case *time.Duration:
			fs.DurationVar(p, name, *p, usage[name])
		default:
			panic(fmt.Sprintf("config: field for flag %s has unsupported type %s", name, v.Type()))
		}
	})
	fs.String("config", "", "optional YAML config file (env ROOST_CONFIG)")
}

// Load builds the effective Config: defaults, then the YAML file named by
// --config or ROOST_CONFIG, then ROOST_* variables, then the flags the user
// set on fs (which must have been defined by Bind and parsed).
func Load(fs *pflag.FlagSet, getenv func(string) string) (Config, error) {
	c := Default()
	path, _ := fs.GetString("config")
	if path == "" {
		path = getenv("ROOST_CONFIG")
	}
	if path != "" {
		if err := loadFile(path, &c); err != nil {
			return c, err
		}
	}
	final := pflag.NewFlagSet("effective", pflag.ContinueOnError)
	Bind(final, &c)
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Name == "config" {
			return
		}
		if env := getenv(EnvName(f.Name)); env != "" {
			if e := final.Set(f.Name, env); e != nil {
				err = fmt.Errorf("%s: %w", EnvName(f.Name), e)
				return
			}
		}
		if f.Changed {
			err = copyFlag(final, f)
		}
	})
	if err != nil {
		return c, err
	}
	return c, c.Validate()
}

// EnvName is the environment variable for a flag: ROOST_DATA_DIR for data-dir.
func EnvName(flag string) string {
	return "ROOST_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

func copyFlag(dst *pflag.FlagSet, f *pflag.Flag) error {
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		return dst.Lookup(f.Name).Value.(pflag.SliceValue).Replace(sv.GetSlice())
	}
	return dst.Set(f.Name, f.Value.String())
}

func loadFile(path string, c *Config) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && err.Error() != "EOF" {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}

func forEachField(c *Config, fn func(flag string, v reflect.Value)) {
	rv := reflect.ValueOf(c).Elem()
	rt := rv.Type()
	for i := range rt.NumField() {
		if name := rt.Field(i).Tag.Get("flag"); name != "" {
			fn(name, rv.Field(i))
		}
	}
}
