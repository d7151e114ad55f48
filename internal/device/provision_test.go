package device_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roost-iot/roost/internal/device"
	"github.com/roost-iot/roost/internal/device/devicetest"
)

// testTimeout bounds each test's work; nothing asserts on time.
const testTimeout = 60 * time.Second

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// options are a device's provisioning options against cloud.
func options(t testing.TB, cloud *devicetest.Cloud, params map[string]string) device.Options {
	t.Helper()
	roots, _, err := device.LoadRoots(cloud.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	claim, err := tls.LoadX509KeyPair(cloud.ClaimCert, cloud.ClaimKey)
	if err != nil {
		t.Fatal(err)
	}
	return device.Options{Endpoint: device.Endpoint{Addr: cloud.Endpoint, Roots: roots}, Claim: claim,
		Template: devicetest.Template, Parameters: params}
}

func provision(t *testing.T, cloud *devicetest.Cloud, o device.Options) *device.Identity {
	t.Helper()
	id, err := device.Provision(testContext(t), o)
	if err != nil {
		t.Fatalf("provision %v: %v", o.Parameters, err)
	}
	return id
}

// Every way through the flow gives a registered thing with the template's
// attributes and an identity that connects as it.
func TestProvision(t *testing.T) {
	cloud := devicetest.Start(t).WithTemplate(t)
	for _, tc := range []struct {
		name   string
		format device.Format
		csr    bool
	}{
		{"ok/json", device.JSON, false},
		{"ok/cbor", device.CBOR, false},
		{"ok/json-csr", device.JSON, true},
		{"ok/cbor-csr", device.CBOR, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			serial := "sn-" + filepath.Base(tc.name)
			o := options(t, cloud, map[string]string{"SerialNumber": serial, "BuildingName": "home417", "Location": "loft"})
			o.Format, o.CSR = tc.format, tc.csr
			id := provision(t, cloud, o)
			if id.ThingName != "sensor_"+serial {
				t.Fatalf("thing name %q", id.ThingName)
			}
			if id.DeviceConfiguration["SampleInterval"] != "5" {
				t.Fatalf("device configuration %v", id.DeviceConfiguration)
			}
			attrs := cloud.Thing(t, id.ThingName)
			if attrs["BuildingName"] != "home417" || attrs["Location"] != "loft" || attrs["DeviceType"] != "RaspberryPi" {
				t.Fatalf("attributes %v", attrs)
			}
			if id.Topic() != "temperature/home417/loft/"+id.ThingName {
				t.Fatalf("topic %q", id.Topic())
			}
		})
	}
}

// A rejected RegisterThing comes back as the cloud's error code, and the
// step says which request failed.
func TestProvisionRejected(t *testing.T) {
	cloud := devicetest.Start(t).WithTemplate(t)
	o := options(t, cloud, map[string]string{"BuildingName": "home417", "Location": "loft"}) // no SerialNumber
	_, err := device.Provision(testContext(t), o)
	var rej *device.Rejection
	var step *device.StepError
	if !errors.As(err, &rej) || !errors.As(err, &step) || step.Step != device.StepRegister || rej.StatusCode != 400 {
		t.Fatalf("want a RegisterThing rejection, got %v", err)
	}
	t.Logf("rejected as %s: %v", device.Reason(err), err)
}

// Seed 000's fleet: two sensors in different rooms each publish to their
// own topic and hear only themselves; each is refused on the other's topic.
func TestTwoDevicesOwnTopics(t *testing.T) {
	cloud := devicetest.Start(t).WithTemplate(t)
	ctx := testContext(t)
	loft := provision(t, cloud, options(t, cloud, map[string]string{"SerialNumber": "1", "BuildingName": "home417", "Location": "loft"}))
	kitchen := provision(t, cloud, options(t, cloud, map[string]string{"SerialNumber": "2", "BuildingName": "home417", "Location": "kitchen"}))
	ep := options(t, cloud, nil).Endpoint

	var wg sync.WaitGroup
	echoes := map[string][]device.Reading{}
	var mu sync.Mutex
	for _, id := range []*device.Identity{loft, kitchen} {
		wg.Go(func() {
			n, err := device.Publish(ctx, device.PublishOptions{Endpoint: ep, Identity: id, Interval: 20 * time.Millisecond,
				Count: 3, Subscribe: true, Echo: func(topic string, payload []byte) {
					var r device.Reading
					if topic != id.Topic() || json.Unmarshal(payload, &r) != nil {
						t.Errorf("%s heard %s %q", id.ThingName, topic, payload)
					}
					mu.Lock()
					echoes[id.ThingName] = append(echoes[id.ThingName], r)
					mu.Unlock()
				}})
			if err != nil || n != 3 {
				t.Errorf("%s published %d: %v", id.ThingName, n, err)
			}
		})
	}
	wg.Wait()
	for _, id := range []*device.Identity{loft, kitchen} {
		got := echoes[id.ThingName]
		if len(got) != 3 {
			t.Fatalf("%s heard %d readings back, want 3: %v", id.ThingName, len(got), got)
		}
		for _, r := range got {
			if r.ThingName != id.ThingName || r.Timestamp == 0 {
				t.Fatalf("%s heard %+v", id.ThingName, r)
			}
		}
	}

	// The loft sensor may neither subscribe to nor publish on the
	// kitchen's topic: the SUBACK fails, and the publish closes the
	// connection (MQTT 3.1.1, as AWS IoT does).
	cert, _ := loft.Certificate()
	conn, err := device.Dial(ctx, ep, cert, loft.ThingName)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Subscribe(ctx, func(string, []byte) {}, kitchen.Topic()); !errors.Is(err, device.ErrSubscribeRefused) {
		t.Fatalf("subscribe to the other's topic: %v", err)
	}
	if err := conn.Publish(ctx, kitchen.Topic(), []byte(`{"temperature":99}`)); !errors.Is(err, device.ErrConnectionLost) {
		t.Fatalf("publish to the other's topic: %v", err)
	}
	// And a device may not connect under another thing's name.
	if c, err := device.Dial(ctx, ep, cert, kitchen.ThingName); err == nil {
		c.Close()
		t.Fatal("connected as the other thing")
	}
}

// A saved identity comes back whole; the key is 0600.
func TestSaveLoad(t *testing.T) {
	cloud := devicetest.Start(t).WithTemplate(t)
	ctx := testContext(t)
	dir := filepath.Join(t.TempDir(), "device-certs")
	_, caPEM, _ := device.LoadRoots(cloud.CAFile)
	o := options(t, cloud, map[string]string{"SerialNumber": "7", "BuildingName": "home417", "Location": "loft"})
	o.Keep = func(id *device.Identity) error {
		_, err := device.Save(dir, id, cloud.Endpoint, caPEM)
		return err
	}
	id := provision(t, cloud, o)
	for name, want := range map[string]os.FileMode{"private.key": 0o600, "certificate.pem": 0o644, "ca.pem": 0o644, "device.json": 0o644} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Mode().Perm() != want {
			t.Fatalf("%s: %v %v, want %v", name, err, fi.Mode(), want)
		}
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Fatalf("directory mode %v", fi.Mode())
	}
	cfg, err := device.LoadConfig(filepath.Join(dir, device.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	got, ep, err := cfg.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got.ThingName != id.ThingName || got.CertificateID != id.CertificateID || got.Topic() != id.Topic() ||
		got.DeviceConfiguration["SampleInterval"] != "5" {
		t.Fatalf("loaded %+v", got.LogValue())
	}
	if n, err := device.Publish(ctx, device.PublishOptions{Endpoint: ep, Identity: got, Count: 1}); n != 1 || err != nil {
		t.Fatalf("publish with the loaded identity: %d %v", n, err)
	}
	if _, err := device.LoadConfig(filepath.Join(t.TempDir(), device.ConfigFile)); !errors.Is(err, device.ErrNotProvisioned) {
		t.Fatalf("missing config: %v", err)
	}
}

// A device rides out a broker restart: it reconnects with backoff and the
// reading that was not acknowledged is sent again.
func TestPublishReconnects(t *testing.T) {
	cloud := devicetest.Start(t).WithTemplate(t)
	// The server comes back on the port the kernel gave it (picking a free
	// port beforehand races with other test processes).
	cloud.Config.MQTTAddr = cloud.Server.MQTTAddr()
	ctx := testContext(t)
	id := provision(t, cloud, options(t, cloud, map[string]string{"SerialNumber": "9", "BuildingName": "home417", "Location": "loft"}))
	first, restarted := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var logs lockedBuffer
	done := make(chan int)
	go func() {
		n, err := device.Publish(ctx, device.PublishOptions{Endpoint: options(t, cloud, nil).Endpoint, Identity: id,
			Interval: 20 * time.Millisecond, Count: 5, Backoff: device.Backoff{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond},
			Log: slog.New(slog.NewTextHandler(&logs, nil)),
			// The first reading waits for the restart, so the second
			// finds its connection gone.
			Sent: func(device.Reading) { once.Do(func() { close(first); <-restarted }) }})
		if err != nil {
			t.Error(err)
		}
		done <- n
	}()
	<-first
	cloud.Restart()
	close(restarted)
	if n := <-done; n != 5 {
		t.Fatalf("published %d, want 5", n)
	}
	if !strings.Contains(logs.String(), "reconnecting") {
		t.Fatalf("no reconnect logged: %s", logs.String())
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A simulated fleet: every device provisioned, each its own thing.
func TestSimulate(t *testing.T) {
	cloud := devicetest.Start(t).WithTemplate(t)
	ctx := testContext(t)
	dir := t.TempDir()
	_, caPEM, _ := device.LoadRoots(cloud.CAFile)
	prog := &device.Progress{}
	rep := device.Simulate(ctx, device.SimulateOptions{
		Provision: options(t, cloud, map[string]string{"BuildingName": "home417", "Location": "room{i}"}),
		Count:     8, Concurrency: 4, SerialPrefix: "sim-", Dir: dir, CAPEM: caPEM, Progress: prog,
	})
	if rep.Provisioned != 8 || rep.Failed != 0 || len(rep.Identities) != 8 || len(rep.Latencies) != 8 || prog.Provisioned.Load() != 8 {
		t.Fatalf("report %+v (errors %v)", rep, rep.Errors)
	}
	if rep.Percentile(0.5) <= 0 || rep.Percentile(0.99) < rep.Percentile(0.5) || rep.Rate() <= 0 {
		t.Fatalf("p50 %v p99 %v rate %v", rep.Percentile(0.5), rep.Percentile(0.99), rep.Rate())
	}
	seen := map[string]bool{}
	for _, id := range rep.Identities {
		seen[id.ThingName] = true
		if _, err := device.LoadConfig(filepath.Join(dir, id.ThingName, device.ConfigFile)); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != 8 || !seen["sensor_sim-0"] || cloud.Thing(t, "sensor_sim-3")["Location"] != "room3" {
		t.Fatalf("things %v", seen)
	}
}
