package broker_test

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/roost-iot/roost/internal/roosttest"
)

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// presign makes an AWS IoT WebSocket URL signed as the AWS IoT Device SDKs
// sign it (GET /mqtt, service iotdevicegateway).
func presign(t *testing.T, hostport, secret string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", "https://"+hostport+"/mqtt", nil)
	creds := aws.Credentials{AccessKeyID: roosttest.AccessKeyID, SecretAccessKey: secret}
	u, _, err := v4.NewSigner().PresignHTTP(ctx, creds, req, emptySHA256, "iotdevicegateway", roosttest.Region, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return "wss" + u[len("https"):]
}

func wsClient(t *testing.T, f *fleet, url, id string) paho.Client {
	t.Helper()
	pem, err := os.ReadFile(f.ca)
	must(t, err)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	opts := paho.NewClientOptions().AddBroker(url).SetClientID(id).SetTLSConfig(&tls.Config{RootCAs: roots}).
		SetConnectTimeout(5 * time.Second).SetAutoReconnect(false).SetConnectRetry(false)
	return paho.NewClient(opts)
}

func TestMQTTOverWebSocketWithSigV4(t *testing.T) {
	f := newFleet(t)
	f.principal("device", "Admin", nil)
	host := "localhost:" + portOf(f.srv.Server.HTTPSAddr())

	c := wsClient(t, f, presign(t, host, roosttest.SecretAccessKey), "phone-app")
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("websocket connect: %v", tok.Error())
	}
	defer c.Disconnect(100)
	got := make(chan string, 1)
	if tok := c.Subscribe("lights/bulb1/state", 1, func(_ paho.Client, m paho.Message) { got <- string(m.Payload()) }); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	f.subscribed(1)
	must(t, f.pub("device", "-i", "bulb1", "-q", "1", "-t", "lights/bulb1/state", "-m", "on"))
	select {
	case m := <-got:
		if m != "on" {
			t.Fatalf("websocket client got %q", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("websocket client got nothing")
	}
	// It publishes too, to an mTLS subscriber.
	s := f.sub("device", "-i", "bulb1", "-t", "lights/bulb1/set", "-C", "1", "-W", "10")
	f.subscribed(2)
	if tok := c.Publish("lights/bulb1/set", 1, false, "red"); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("publish: %v", tok.Error())
	}
	if out, err := s.wait(t, 15*time.Second); err != nil || out != "lights/bulb1/set red\n" {
		t.Fatalf("mTLS subscriber got %q (%v)", out, err)
	}
	// A URL signed with the wrong secret is refused before the upgrade.
	bad := wsClient(t, f, presign(t, host, "wrong-secret-wrong-secret-wrong-secret!!"), "intruder")
	if tok := bad.Connect(); tok.WaitTimeout(10*time.Second) && tok.Error() == nil {
		bad.Disconnect(0)
		t.Fatal("a URL with a bad signature must be refused")
	}
}

func portOf(addr string) string {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			return addr[i+1:]
		}
	}
	return addr
}
