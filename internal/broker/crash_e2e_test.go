package broker_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/roost-iot/roost/internal/config"
	"github.com/roost-iot/roost/internal/registry"
	"github.com/roost-iot/roost/internal/roosttest"
	"github.com/roost-iot/roost/internal/server"
)

// childEnv makes the test binary run as a Roost server process (see
// TestMain), so a test can SIGKILL it.
const childEnv = "ROOST_TEST_CHILD_SERVER"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		runChildServer(dir, os.Getenv(childEnv+"_MQTT"))
		return
	}
	os.Exit(m.Run())
}

func childConfig(dir, mqttAddr string) config.Config {
	cfg := config.Default()
	cfg.DataDir, cfg.APIAddr, cfg.MQTTAddr, cfg.HTTPSAddr = dir, "127.0.0.1:0", mqttAddr, "127.0.0.1:0"
	cfg.Hosts = []string{"localhost", "127.0.0.1"}
	cfg.Region, cfg.AccountID = roosttest.Region, roosttest.Account
	cfg.AccessKeyID, cfg.SecretAccessKey = roosttest.AccessKeyID, roosttest.SecretAccessKey
	cfg.MQTTPublishRate = 0
	return cfg
}

func runChildServer(dir, mqttAddr string) {
	s, err := server.Open(context.Background(), childConfig(dir, mqttAddr), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil {
		err = s.Start(context.Background())
	}
	if err != nil {
		os.Stderr.WriteString(err.Error())
		os.Exit(2)
	}
	os.Stdout.WriteString("READY\n")
	select {} // until killed
}

func startChild(t *testing.T, dir, mqttAddr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir, childEnv+"_MQTT="+mqttAddr)
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	must(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ready := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- strings.TrimSpace(line) == "READY"
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("child server did not start")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("child server did not start in time")
	}
	return cmd
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// prepare registers a thing with an allow-all certificate in dir.
func prepare(t *testing.T, dir string) (certFile, keyFile string) {
	s, err := server.Open(ctx, childConfig(dir, "127.0.0.1:0"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	must(t, err)
	defer s.Close()
	reg := s.Registry()
	_, err = reg.CreatePolicy(ctx, "Admin", adminPolicy, nil)
	must(t, err)
	c, err := reg.CreateKeysAndCertificate(ctx, true)
	must(t, err)
	must(t, reg.AttachPolicy(ctx, "Admin", c.ARN))
	_, err = reg.CreateThing(ctx, registryThing("crash-1"))
	must(t, err)
	certFile, keyFile = filepath.Join(dir, "dev.pem"), filepath.Join(dir, "dev.key")
	must(t, os.WriteFile(certFile, []byte(c.PEM), 0o600))
	must(t, os.WriteFile(keyFile, []byte(c.PrivateKeyPEM), 0o600))
	return certFile, keyFile
}

func mqttClient(t *testing.T, dir, addr, certFile, keyFile, id string, onMsg paho.MessageHandler) paho.Client {
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	must(t, err)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	must(t, err)
	c := paho.NewClient(paho.NewClientOptions().AddBroker("ssl://" + addr).SetClientID(id).
		SetTLSConfig(&tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}, ServerName: "127.0.0.1"}).
		SetAutoReconnect(false).SetConnectTimeout(5 * time.Second).SetDefaultPublishHandler(onMsg))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	return c
}

func TestShadowUpdatesSurviveSIGKILL(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := prepare(t, dir)
	addr := freeAddr(t)
	child := startChild(t, dir, addr)

	var mu sync.Mutex
	accepted := map[int]int64{} // n -> version answered on /accepted
	onMsg := func(_ paho.Client, m paho.Message) {
		var doc struct {
			State   struct{ Reported struct{ N int } }
			Version int64
		}
		if strings.HasSuffix(m.Topic(), "/update/accepted") && json.Unmarshal(m.Payload(), &doc) == nil {
			mu.Lock()
			accepted[doc.State.Reported.N] = doc.Version
			mu.Unlock()
		}
	}
	c := mqttClient(t, dir, addr, certFile, keyFile, "crash-1", onMsg)
	c.Subscribe("$aws/things/crash-1/shadow/update/accepted", 1, nil).WaitTimeout(5 * time.Second)
	done := make(chan struct{})
	go func() { // updates until the server dies
		defer close(done)
		for n := 1; n < 100000; n++ {
			tok := c.Publish("$aws/things/crash-1/shadow/update", 1, false, `{"state":{"reported":{"n":`+strconv.Itoa(n)+`}}}`)
			if !tok.WaitTimeout(2*time.Second) || tok.Error() != nil {
				return
			}
		}
	}()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n := len(accepted)
		mu.Unlock()
		if n >= 200 || time.Now().After(deadline) {
			break
		}
	}
	must(t, child.Process.Signal(syscall.SIGKILL))
	child.Wait()
	<-done
	c.Disconnect(0)

	mu.Lock()
	lastN, lastV := 0, int64(0)
	for n, v := range accepted {
		if n > lastN {
			lastN, lastV = n, v
		}
	}
	for n, v := range accepted {
		if v != int64(n) { // one update per n, in order: version n
			t.Errorf("update %d was accepted as version %d", n, v)
		}
	}
	mu.Unlock()
	if lastN < 50 {
		t.Fatalf("only %d updates accepted before the kill", lastN)
	}

	startChild(t, dir, addr)
	got := make(chan []byte, 1)
	c = mqttClient(t, dir, addr, certFile, keyFile, "crash-1", func(_ paho.Client, m paho.Message) {
		if strings.HasSuffix(m.Topic(), "/get/accepted") {
			got <- m.Payload()
		}
	})
	defer c.Disconnect(100)
	c.Subscribe("$aws/things/crash-1/shadow/get/accepted", 1, nil).WaitTimeout(5 * time.Second)
	c.Publish("$aws/things/crash-1/shadow/get", 1, false, "{}").WaitTimeout(5 * time.Second)
	select {
	case raw := <-got:
		var doc struct {
			State   struct{ Reported struct{ N int } }
			Version int64
		}
		must(t, json.Unmarshal(raw, &doc))
		if doc.Version < lastV || doc.State.Reported.N < lastN {
			t.Fatalf("after SIGKILL the shadow is at version %d (n=%d); the last update answered on /accepted was version %d (n=%d)",
				doc.Version, doc.State.Reported.N, lastV, lastN)
		}
		t.Logf("%d updates accepted before SIGKILL; after restart: version %d, n=%d", lastN, doc.Version, doc.State.Reported.N)
	case <-time.After(10 * time.Second):
		t.Fatal("no get/accepted after restart")
	}
}

func registryThing(name string) registry.CreateThingInput {
	return registry.CreateThingInput{Name: name}
}
