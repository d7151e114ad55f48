package broker_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestLifecycleEvents(t *testing.T) {
	f := newFleet(t)
	f.principal("admin", "Admin", nil)
	watch := f.sub("admin", "-i", "watcher", "-t", "$aws/events/#", "-C", "3", "-W", "15", "-q", "1")
	f.subscribed(1)
	must(t, f.pub("admin", "-i", "dev-1", "-q", "1", "-t", "x/y", "-m", "hi")) // connect, then a clean DISCONNECT
	out, err := watch.wait(t, 20*time.Second)
	if err != nil {
		t.Fatalf("watcher: %v %q", err, out)
	}
	events := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		topic, payload, _ := strings.Cut(line, " ")
		var ev map[string]any
		if err := json.Unmarshal([]byte(payload), &ev); err != nil {
			t.Fatalf("event %s is not JSON: %q", topic, payload)
		}
		events[topic] = ev
	}
	conn := events["$aws/events/presence/connected/dev-1"]
	disc := events["$aws/events/presence/disconnected/dev-1"]
	if conn == nil || disc == nil {
		t.Fatalf("want connected and disconnected events for dev-1, got %v", events)
	}
	certID := f.cert["admin"].ID
	if conn["eventType"] != "connected" || conn["principalIdentifier"] != certID || conn["ipAddress"] != "127.0.0.1" ||
		conn["clientId"] != "dev-1" || conn["sessionIdentifier"] == "" || conn["timestamp"].(float64) < 1e12 {
		t.Errorf("connected event %v", conn)
	}
	if disc["disconnectReason"] != "CLIENT_INITIATED_DISCONNECT" || disc["clientInitiatedDisconnect"] != true ||
		disc["versionNumber"] != conn["versionNumber"] || disc["sessionIdentifier"] != conn["sessionIdentifier"] {
		t.Errorf("disconnected event %v (connected %v)", disc, conn)
	}
	// Subscriptions are announced too. The first watcher's subscription
	// must be gone first, or subscribed(1) below would count it.
	for deadline := time.Now().Add(10 * time.Second); f.srv.Server.Broker().Stats().Subscriptions.Load() > 0; {
		if time.Now().After(deadline) {
			t.Fatal("the first watcher's subscription is still there")
		}
		time.Sleep(10 * time.Millisecond)
	}
	watch = f.sub("admin", "-i", "watcher2", "-t", "$aws/events/subscriptions/subscribed/dev-2", "-C", "1", "-W", "15")
	f.subscribed(1)
	f.sub("admin", "-i", "dev-2", "-t", "a/b", "-t", "c/d", "-E").wait(t, 10*time.Second)
	out, err = watch.wait(t, 15*time.Second)
	if err != nil || !strings.Contains(out, `"topics":["a/b","c/d"]`) || !strings.Contains(out, `"eventType":"subscribed"`) {
		t.Fatalf("subscribed event: %q %v", out, err)
	}
}
