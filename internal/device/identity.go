package device

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// Identity is what a device owns once provisioned: its thing name and
// certificate, the key of that certificate, and what it was provisioned
// with.
type Identity struct {
	ThingName           string
	CertificateID       string
	CertificatePEM      []byte
	PrivateKeyPEM       []byte // secret: never logged, written 0600
	Template            string
	Parameters          map[string]string
	DeviceConfiguration map[string]any
}

// Certificate is the identity as a TLS client certificate.
func (id *Identity) Certificate() (tls.Certificate, error) {
	c, err := tls.X509KeyPair(id.CertificatePEM, id.PrivateKeyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("certificate %s and its key: %w", id.CertificateID, err)
	}
	return c, nil
}

// LogValue keeps the private key out of logs whatever the handler.
func (id *Identity) LogValue() slog.Value {
	return slog.GroupValue(slog.String("thing", id.ThingName), slog.String("certificateId", id.CertificateID))
}

// Topic is the device's telemetry topic, seed 000's IOT_TOPIC
// temperature/${BuildingName}/${Location}/${ThingName}: the cloud fills
// those in from the thing's attributes, and the device knows them because
// it sent them as RegisterThing parameters.
func (id *Identity) Topic() string {
	return "temperature/" + id.Parameters["BuildingName"] + "/" + id.Parameters["Location"] + "/" + id.ThingName
}

// ConfigFile is the name of a provisioned device's configuration in its
// directory; its presence means "provisioned".
const ConfigFile = "device.json"

// Files in a device directory beside ConfigFile.
const (
	certFile = "certificate.pem"
	keyFile  = "private.key"
	caFile   = "ca.pem"
)

// Config is device.json: where to connect, which files hold the identity
// (relative paths are relative to the directory of device.json, so the
// directory can move), and what the device was provisioned with.
type Config struct {
	Endpoint            string            `json:"endpoint"`
	CAFile              string            `json:"caFile"`
	CertificateFile     string            `json:"certificateFile"`
	PrivateKeyFile      string            `json:"privateKeyFile"`
	ThingName           string            `json:"thingName"`
	Template            string            `json:"template"`
	CertificateID       string            `json:"certificateId"`
	Parameters          map[string]string `json:"parameters,omitempty"`
	DeviceConfiguration map[string]any    `json:"deviceConfiguration,omitempty"`

	dir string // of the file this was read from
}

// Save writes an identity into dir (made 0700 if missing): the
// certificate, the key (0600), a copy of the CA and device.json, in that
// order, so that device.json only exists once the rest does.
func Save(dir string, id *Identity, endpoint string, caPEM []byte) (*Config, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("device directory: %w", err)
	}
	c := &Config{Endpoint: endpoint, CAFile: caFile, CertificateFile: certFile, PrivateKeyFile: keyFile,
		ThingName: id.ThingName, Template: id.Template, CertificateID: id.CertificateID,
		Parameters: id.Parameters, DeviceConfiguration: id.DeviceConfiguration, dir: dir}
	js, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", ConfigFile, err)
	}
	for _, f := range []struct {
		name string
		data []byte
		perm os.FileMode
	}{
		{certFile, id.CertificatePEM, 0o644},
		{keyFile, id.PrivateKeyPEM, 0o600},
		{caFile, caPEM, 0o644},
		{ConfigFile, append(js, '\n'), 0o644},
	} {
		if err := writeFile(filepath.Join(dir, f.name), f.data, f.perm); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// writeFile replaces a file at once: a temporary file created with its
// final mode (so a key is never readable by others, not even briefly, and
// an older file's wider mode is not kept), then renamed over the old one.
func writeFile(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp-" + randomHex(4)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}

// ErrNotProvisioned is a directory without device.json.
var ErrNotProvisioned = errors.New("not provisioned")

// LoadConfig reads a device.json.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", path, ErrNotProvisioned)
	}
	if err != nil {
		return nil, fmt.Errorf("read device config: %w", err)
	}
	c := &Config{dir: filepath.Dir(path)}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("device config %s: %w", path, err)
	}
	if c.ThingName == "" || c.Endpoint == "" {
		return nil, fmt.Errorf("device config %s: no thingName or endpoint", path)
	}
	return c, nil
}

// path resolves a file named in the config.
func (c *Config) path(name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(c.dir, name)
}

// Load reads the identity and the endpoint the config names.
func (c *Config) Load() (*Identity, Endpoint, error) {
	roots, _, err := LoadRoots(c.path(c.CAFile))
	if err != nil {
		return nil, Endpoint{}, err
	}
	id := &Identity{ThingName: c.ThingName, CertificateID: c.CertificateID, Template: c.Template,
		Parameters: c.Parameters, DeviceConfiguration: c.DeviceConfiguration}
	if id.CertificatePEM, err = os.ReadFile(c.path(c.CertificateFile)); err != nil {
		return nil, Endpoint{}, fmt.Errorf("read certificate: %w", err)
	}
	if id.PrivateKeyPEM, err = os.ReadFile(c.path(c.PrivateKeyFile)); err != nil {
		return nil, Endpoint{}, fmt.Errorf("read private key: %w", err)
	}
	if _, err := id.Certificate(); err != nil {
		return nil, Endpoint{}, err
	}
	return id, Endpoint{Addr: c.Endpoint, Roots: roots}, nil
}
