package broker_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/eclipse/paho.golang/paho"
)

// TestDeleteConnectionWithAWSCLI drives `aws iot-data delete-connection`
// against live MQTT 5 clients: the client gets DISCONNECT 0x98
// (Administrative action), the lifecycle event says
// API_INITIATED_DISCONNECT, --prevent-will-message discards the will
// (published otherwise), --clean-session discards a persistent session
// (kept otherwise), and bad or unknown client ids get AWS's exceptions.
func TestDeleteConnectionWithAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Fatal("the aws CLI is needed")
	}
	t.Parallel()
	g := startGateway(t)
	g.device("admin", "Admin", nil)
	watch, _ := g.v5("admin", conn5("dc-watch", true, 0))
	watch.mustSub("will/dc/+")
	watch.mustSub("$aws/events/presence/disconnected/+")
	deleteConn := func(t *testing.T, args ...string) (string, error) {
		t.Helper()
		return awsDataCLI(t, g.srv, append([]string{"delete-connection"}, args...)...)
	}
	withWill := func(clientID string, expiry uint32) *paho.Connect {
		cp := conn5(clientID, true, expiry)
		cp.WillMessage = &paho.WillMessage{Topic: "will/dc/" + clientID, Payload: []byte(clientID + " gone"), QoS: 1}
		return cp
	}
	// disconnected reads the next message, which must be clientID's
	// disconnected event, and returns its reason.
	disconnected := func(t *testing.T, clientID string) string {
		t.Helper()
		m := watch.with(t).next()
		if m.Topic != "$aws/events/presence/disconnected/"+clientID {
			t.Fatalf("got %q on %q, want the disconnected event of %s", m.Payload, m.Topic, clientID)
		}
		var ev struct{ DisconnectReason string }
		if err := json.Unmarshal(m.Payload, &ev); err != nil {
			t.Fatalf("event %q: %v", m.Payload, err)
		}
		return ev.DisconnectReason
	}

	t.Run("disconnects, will published", func(t *testing.T) {
		c, _ := g.with(t).v5("admin", withWill("dc-a", 0))
		if out, err := deleteConn(t, "--client-id", "dc-a"); err != nil {
			t.Fatalf("delete-connection: %v %s", err, out)
		}
		if d := c.with(t).gone(); d == nil || d.ReasonCode != 0x98 {
			t.Errorf("DISCONNECT %+v, want reason 0x98 (Administrative action)", d)
		}
		if r := disconnected(t, "dc-a"); r != "API_INITIATED_DISCONNECT" {
			t.Errorf("disconnectReason %q, want API_INITIATED_DISCONNECT", r)
		}
		watch.with(t).expect("will/dc/dc-a", "dc-a gone")
	})

	t.Run("prevent will message", func(t *testing.T) {
		c, _ := g.with(t).v5("admin", withWill("dc-b", 0))
		if out, err := deleteConn(t, "--client-id", "dc-b", "--prevent-will-message"); err != nil {
			t.Fatalf("delete-connection: %v %s", err, out)
		}
		c.with(t).gone()
		disconnected(t, "dc-b")
		// Nothing else may come before a sentinel published now.
		pub, _ := g.v5("admin", conn5("dc-pub", true, 0)) // closed when the test ends: its event would come between
		pub.mustPub("will/dc/sentinel", "sentinel")
		if m := watch.with(t).next(); m.Topic != "will/dc/sentinel" {
			t.Errorf("got %q on %q: the will was published", m.Payload, m.Topic)
		}
	})

	t.Run("persistent session kept, or cleaned", func(t *testing.T) {
		g := g.with(t)
		for _, clean := range []bool{false, true} {
			id := map[bool]string{false: "dc-keep", true: "dc-clean"}[clean]
			c, _ := g.v5("admin", conn5(id, true, 3600))
			c.mustSub("dc/" + id)
			args := []string{"--client-id", id}
			if clean {
				args = append(args, "--clean-session")
			}
			if out, err := deleteConn(t, args...); err != nil {
				t.Fatalf("delete-connection %v: %v %s", args, err, out)
			}
			c.with(t).gone()
			disconnected(t, id)
			_, ack := g.v5("admin", conn5(id, false, 3600))
			if ack.SessionPresent == clean {
				t.Errorf("--clean-session=%v: Session Present %v on reconnect", clean, ack.SessionPresent)
			}
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct{ id, want string }{
			{"nobody-here", "ResourceNotFoundException"},
			{"$aws-thing", "InvalidRequestException"},
			{strings.Repeat("x", 129), "InvalidRequestException"},
		} {
			out, err := deleteConn(t, "--client-id", tc.id)
			if err == nil || !strings.Contains(out, tc.want) {
				t.Errorf("delete-connection --client-id %.20s: %v %s; want %s", tc.id, err, out, tc.want)
			}
		}
	})
}
