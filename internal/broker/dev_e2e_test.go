package broker_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/roost-iot/roost/internal/config"
)

func TestDevelopmentListener(t *testing.T) {
	f := newFleet(t, func(c *config.Config) { c.DevMQTTAddr, c.DevMQTTPolicy = "127.0.0.1:0", "Dev" })
	dev := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"},
 {"Effect":"Allow","Action":["iot:Publish","iot:Subscribe","iot:Receive"],"Resource":["` + arn("topic", "dev/*") + `","` + arn("topicfilter", "dev/*") + `"]}]}`
	_, err := f.reg.CreatePolicy(ctx, "Dev", dev, nil)
	must(t, err)
	port := portOf(f.srv.Server.DevMQTTAddr())
	plain := func(bin string, args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, bin, append([]string{"-h", "127.0.0.1", "-p", port}, args...)...).CombinedOutput()
		return string(out), err
	}
	done := make(chan string, 1)
	go func() {
		out, _ := plain("mosquitto_sub", "-i", "dev-sub", "-t", "dev/x", "-C", "1", "-W", "10")
		done <- out
	}()
	f.subscribed(1)
	if out, err := plain("mosquitto_pub", "-i", "dev-pub", "-q", "1", "-t", "dev/x", "-m", "hello"); err != nil {
		t.Fatalf("plain publish under the dev policy: %v %s", err, out)
	}
	if out := <-done; strings.TrimSpace(out) != "hello" {
		t.Fatalf("plain subscriber got %q", out)
	}
	if _, err := plain("mosquitto_pub", "-i", "dev-pub", "-q", "1", "-t", "prod/x", "-m", "x"); err == nil {
		t.Fatal("the dev policy must still be enforced")
	}
}
