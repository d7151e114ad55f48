package broker_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// claimClient connects with the claim certificate over mutual TLS, as the
// seed 000 device script does, and collects what arrives.
func claimClient(t *testing.T, f *fleet, name, clientID string) (paho.Client, chan paho.Message) {
	t.Helper()
	caPEM, err := os.ReadFile(f.ca)
	must(t, err)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	cert, err := tls.LoadX509KeyPair(filepath.Join(f.dir, name+".pem"), filepath.Join(f.dir, name+".key"))
	must(t, err)
	opts := paho.NewClientOptions().AddBroker("ssl://localhost:" + f.port).SetClientID(clientID).
		SetTLSConfig(&tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}}).
		SetAutoReconnect(false).SetConnectTimeout(5 * time.Second)
	c := paho.NewClient(opts)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect %s: %v", clientID, tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	got := make(chan paho.Message, 8)
	for _, topic := range []string{"$aws/certificates/create/json/+", "$aws/certificates/create-from-csr/json/+"} {
		if tok := c.Subscribe(topic, 1, func(_ paho.Client, m paho.Message) { got <- m }); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatalf("subscribe %s: %v", topic, tok.Error())
		}
	}
	return c, got
}

func answer(t *testing.T, got chan paho.Message) (string, map[string]any) {
	t.Helper()
	select {
	case m := <-got:
		var v map[string]any
		if err := json.Unmarshal(m.Payload(), &v); err != nil {
			t.Fatalf("%s: not JSON: %q", m.Topic(), m.Payload())
		}
		return m.Topic(), v
	case <-time.After(10 * time.Second):
		t.Fatal("no answer from the provisioning API")
	}
	return "", nil
}

func TestFleetProvisioningCertificateAPI(t *testing.T) {
	f := newFleet(t)
	f.principal("claim", "IoT_Bootstrapping_Certificate", nil)
	dev, got := claimClient(t, f, "claim", "device-1")
	_, other := claimClient(t, f, "claim", "device-2") // same claim certificate, another device

	// CreateKeysAndCertificate: payload {} as the AWS IoT Device SDK sends it.
	dev.Publish("$aws/certificates/create/json", 1, false, "{}").WaitTimeout(5 * time.Second)
	topic, acc := answer(t, got)
	if topic != "$aws/certificates/create/json/accepted" || acc["certificateId"] == nil || acc["privateKey"] == nil ||
		acc["certificatePem"] == nil || acc["certificateOwnershipToken"] == nil {
		t.Fatalf("%s: %v", topic, acc)
	}
	c, err := f.reg.DescribeCertificate(ctx, acc["certificateId"].(string))
	must(t, err)
	if c.Status != "PENDING_ACTIVATION" {
		t.Fatalf("a certificate made over MQTT starts PENDING_ACTIVATION, got %s", c.Status)
	}
	// The answer went to the requesting connection only.
	select {
	case m := <-other:
		t.Fatalf("another device got %s", m.Topic())
	case <-time.After(300 * time.Millisecond):
	}

	// Seed 000's bootstrap policy does not cover create-from-csr: the
	// publish is refused (3.1.1: disconnected) and nothing is answered.
	dev.Publish("$aws/certificates/create-from-csr/json", 1, false, "{}").WaitTimeout(5 * time.Second)
	select {
	case m := <-got:
		t.Fatalf("the bootstrap policy must not reach create-from-csr, got %s", m.Topic())
	case <-time.After(500 * time.Millisecond):
	}

	// A claim policy that adds the CSR topics (AWS's CSR flow needs them).
	csrPolicy := strings.ReplaceAll(bootstrapPolicy, "$aws/certificates/create/*", "$aws/certificates/*")
	_, err = f.reg.CreatePolicy(ctx, "ClaimWithCSR", csrPolicy, nil)
	must(t, err)
	f.principal("csrclaim", "ClaimWithCSR", nil)
	dev, got = claimClient(t, f, "csrclaim", "device-3")

	// CreateCertificateFromCsr keeps the device's key.
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "device-1"}}, key)
	req, _ := json.Marshal(map[string]string{"certificateSigningRequest": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))})
	dev.Publish("$aws/certificates/create-from-csr/json", 1, false, req).WaitTimeout(5 * time.Second)
	topic, acc = answer(t, got)
	if topic != "$aws/certificates/create-from-csr/json/accepted" || acc["privateKey"] != nil {
		t.Fatalf("%s: %v", topic, acc)
	}
	block, _ := pem.Decode([]byte(acc["certificatePem"].(string)))
	issued, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !key.PublicKey.Equal(issued.PublicKey) {
		t.Fatalf("the certificate must carry the CSR's key: %v", err)
	}
	// A bad CSR is rejected in AWS's shape.
	dev.Publish("$aws/certificates/create-from-csr/json", 1, false, `{"certificateSigningRequest":"nope"}`).WaitTimeout(5 * time.Second)
	topic, rej := answer(t, got)
	if topic != "$aws/certificates/create-from-csr/json/rejected" || rej["statusCode"] != float64(400) || rej["errorCode"] == "" || rej["errorMessage"] == "" {
		t.Fatalf("%s: %v", topic, rej)
	}
}
