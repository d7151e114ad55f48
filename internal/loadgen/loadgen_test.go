package loadgen_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roost-iot/roost/internal/config"
	"github.com/roost-iot/roost/internal/loadgen"
	"github.com/roost-iot/roost/internal/mqtt"
	"github.com/roost-iot/roost/internal/roosttest"
)

const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:*","Resource":"*"}]}`

// startRoost starts a Roost without the per-connection publish rate limit
// and returns a target with a registered P-256 client certificate under a
// permissive policy (policy checks stay on).
func startRoost(t *testing.T) (*loadgen.Target, *roosttest.Instance) {
	tg, srv, _ := startRoostFiles(t)
	return tg, srv
}

// files are the client's PEM files.
type files struct{ ca, cert, key string }

func startRoostFiles(t *testing.T) (*loadgen.Target, *roosttest.Instance, files) {
	t.Helper()
	ctx := context.Background()
	srv := roosttest.StartServer(t, func(c *config.Config) { c.MQTTPublishRate = 0 })
	reg := srv.Server.Registry()
	if _, err := reg.CreatePolicy(ctx, "BenchAllowAll", allowAll, nil); err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "bench"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := reg.CreateCertificateFromCsr(ctx, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr})), true)
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.AttachPolicy(ctx, "BenchAllowAll", cert.ARN); err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "bench.pem"), filepath.Join(dir, "bench.key")
	write(t, certFile, []byte(cert.PEM))
	write(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
	fs := files{ca: filepath.Join(srv.Config.DataDir, "ca.pem"), cert: certFile, key: keyFile}
	tg, err := loadgen.NewTarget(srv.Server.MQTTAddr(), loadgen.TLSOptions{CAFile: fs.ca, CertFile: fs.cert, KeyFile: fs.key})
	if err != nil {
		t.Fatal(err)
	}
	if tg.Sources, err = loadgen.ParseSources("127.0.0.2-127.0.0.3"); err != nil {
		t.Fatal(err)
	}
	return tg, srv, fs
}

func write(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(name, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestFanIn runs the fan-in scenario briefly against a real Roost at both
// QoS levels, as fast as it goes and then at a rate it keeps up with. The
// loss the generator counts must be what the broker says it dropped; flat
// out at QoS 0 on a loaded machine some messages may still be on their way
// when the drain ends, so there the generator may count more, never less.
// Each case publishes under its own topic, so that stragglers of one case
// are not counted by the next.
func TestFanIn(t *testing.T) {
	tg, srv := startRoost(t)
	stats := srv.Server.Broker().Stats()
	for _, tc := range []struct {
		name string
		qos  mqtt.QoS
		rate float64
	}{
		{name: "qos0/flat-out", qos: 0},
		{name: "qos1/flat-out", qos: 1},
		{name: "qos1/2000-per-s", qos: 1, rate: 2000},
	} {
		cfg := loadgen.FanInDefaults()
		cfg.Publishers, cfg.QoS, cfg.Rate, cfg.Duration, cfg.Window, cfg.Drain = 4, tc.qos, tc.rate, time.Second, 8, 5*time.Second
		cfg.Topic = "bench/" + strings.ReplaceAll(tc.name, "/", "-")
		dropped := stats.Dropped.Load()
		res, err := loadgen.Publish(context.Background(), tg, cfg)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		dropped = stats.Dropped.Load() - dropped
		var out bytes.Buffer
		res.WriteTable(&out)
		t.Logf("%s (broker dropped %d):\n%s", tc.name, dropped, out.String())
		if res.Delivered == 0 || res.DeliveredRate == 0 || res.Sent == 0 {
			t.Errorf("%s: nothing delivered: %+v", tc.name, res)
		}
		if res.Failures > 0 || res.Duplicates > 0 {
			t.Errorf("%s: %d failures (%v), %d duplicates", tc.name, res.Failures, res.Errors, res.Duplicates)
		}
		if flatQoS0 := tc.qos == 0 && tc.rate == 0; res.Lost < dropped || (!flatQoS0 && res.Lost != dropped) {
			t.Errorf("%s: generator counts %d lost, the broker dropped %d", tc.name, res.Lost, dropped)
		}
		if tc.qos == 1 && res.Acked != res.Sent {
			t.Errorf("%s: sent %d, acked %d", tc.name, res.Sent, res.Acked)
		}
		if tc.rate > 0 && (res.Lost != 0 || res.Sent < int64(tc.rate*0.8)) {
			t.Errorf("%s: sent %d, lost %d: want about %g sent and none lost", tc.name, res.Sent, res.Lost, tc.rate)
		}
		if res.Cores == 0 || res.GenCPU <= 0 {
			t.Errorf("%s: no generator CPU figure: %+v", tc.name, res)
		}
	}
}

func TestLatency(t *testing.T) {
	tg, _ := startRoost(t)
	cfg := loadgen.LatencyDefaults()
	cfg.Publishers, cfg.Rate, cfg.Duration, cfg.Drain = 4, 200, time.Second, 2*time.Second
	res, err := loadgen.Publish(context.Background(), tg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// 200 msgs/s for one second, give or take the last tick.
	if res.Samples < 150 || res.Samples > 260 || res.Lost != 0 {
		t.Errorf("got %d samples, %d lost; want about 200 and none", res.Samples, res.Lost)
	}
	if !(0 < res.P50 && res.P50 <= res.P99 && res.P99 <= res.Max) {
		t.Errorf("percentiles out of order: %+v", res)
	}
}

func TestIdleAndConnect(t *testing.T) {
	tg, _ := startRoost(t)
	cfg := loadgen.IdleDefaults()
	tg.PID = os.Getpid() // roosttest runs the server in this process
	cfg.Conns, cfg.Settle = 50, 100*time.Millisecond
	res, err := loadgen.Idle(context.Background(), tg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Connected != 50 || res.Alive != 50 || res.RSSAfterKB == 0 {
		t.Errorf("idle: %+v", res)
	}
	cres, err := loadgen.Connect(context.Background(), tg, loadgen.ConnectConfig{Connectors: 2, Duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if cres.Connects == 0 || cres.Failures > 0 || cres.ConnectRate == 0 {
		t.Errorf("connect: %+v", cres)
	}
}

// TestUntrustedServer checks that the generator authenticates the broker:
// with a CA that did not sign the server certificate, nothing connects.
func TestUntrustedServer(t *testing.T) {
	tg, _, fs := startRoostFiles(t)
	other, err := loadgen.NewTarget(tg.Addr, loadgen.TLSOptions{CAFile: fs.cert, CertFile: fs.cert, KeyFile: fs.key})
	if err != nil {
		t.Fatal(err)
	}
	res, err := loadgen.Connect(context.Background(), other, loadgen.ConnectConfig{Connectors: 1, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Connects != 0 || res.Failures == 0 || !strings.Contains(strings.Join(res.Errors, " "), "certificate") {
		t.Errorf("connected to a server the CA did not sign: %+v", res)
	}
}

func TestParseSources(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     int
		fail     bool
	}{
		{name: "ok/empty", in: "", want: 0},
		{name: "ok/one", in: "127.0.0.2", want: 1},
		{name: "ok/range", in: "127.0.0.2-127.0.0.9", want: 8},
		{name: "ok/list", in: "127.0.0.2, 127.0.0.5-127.0.0.6", want: 3},
		{name: "fail/reversed", in: "127.0.0.9-127.0.0.2", fail: true},
		{name: "fail/garbage", in: "localhost", fail: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := loadgen.ParseSources(tc.in)
			if (err != nil) != tc.fail || len(got) != tc.want {
				t.Errorf("ParseSources(%q) = %v, %v", tc.in, got, err)
			}
		})
	}
}

func TestReport(t *testing.T) {
	lines := []loadgen.Result{
		{Scenario: "fanin", Label: "roost", QoS: 0, DeliveredRate: 90000, SentRate: 90000, GenCPUPct: 60},
		{Scenario: "fanin", Label: "mosquitto", QoS: 0, DeliveredRate: 39000, SentRate: 50000},
		{Scenario: "fanin", Label: "mochi", QoS: 0, DeliveredRate: 53000, SentRate: 60000},
		{Scenario: "fanin", Label: "roost", QoS: 1, DeliveredRate: 20000, Lost: 5, LossPct: 0.1},
		{Scenario: "fanin", Label: "mochi", QoS: 1, DeliveredRate: 18600},
		{Scenario: "latency", Label: "roost", QoS: 1, P50: 0.4, P99: 3.1, Max: 9},
		{Scenario: "latency", Label: "roost", QoS: 1, P50: 0.4, P99: 0.8, Max: 2},
		{Scenario: "latency", Label: "roost", QoS: 1, P50: 0.4, P99: 0.7, Max: 2},
		{Scenario: "latency", Label: "mosquitto", QoS: 1, P50: 0.3, P99: 0.86, Max: 3},
		{Scenario: "idle", Label: "roost", Conns: 2000, BrokerPID: 1, BytesPerConn: 20 * 1024},
		{Scenario: "connect", Label: "roost", ConnectRate: 1700},
		{Scenario: "connect", Label: "mosquitto", ConnectRate: 545},
	}
	var in bytes.Buffer
	for i := range lines {
		lines[i].WriteJSON(&in)
		in.WriteString("a table line\n")
	}
	got, err := loadgen.ReadResults(&in)
	if err != nil || len(got) != len(lines) {
		t.Fatalf("ReadResults: %d results, %v", len(got), err)
	}
	var out bytes.Buffer
	if err := loadgen.Report(&out, got, "roost"); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	for _, want := range []string{
		"| metric | roost | mosquitto | mochi | roost vs target |",
		"| fan-in QoS 0: delivered msgs/s | 90,000 | 39,000 | 53,000 | met: 1.70× mochi (target ≥ 1.5×) |",
		"| fan-in QoS 1: delivered msgs/s | 20,000 | – | 18,600 | NOT met: 1.08× mochi (target ≥ 1.5×) |",
		"| fan-in QoS 1: loss % | 0.10% | – | 0.00% | NOT met: zero loss |",
		"| latency p99 ms | 0.800 | 0.860 | – | met: 0.93× mosquitto (target ≤ 1×) |",
		"| RSS per idle mTLS connection, 2,000 conns (KB) | 20.0 | – | – | NOT met: ≤ 16 KB |",
		"| mTLS connects/s | 1,700 | 545 | – | met: 3.12× mosquitto (target ≥ 3×) |",
		"| fan-in QoS 0 | 60 / 0 / 0 |",
		"Where a broker ran a scenario several times (REPEAT), each cell is the median over the runs.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
