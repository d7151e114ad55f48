package broker_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// pythonWithPaho finds a Python 3 that imports Eclipse Paho (the Debian
// package python3-paho-mqtt installs into the system interpreter, which may
// not be the first python3 on PATH).
func pythonWithPaho(t *testing.T) string {
	t.Helper()
	var tried []string
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(py)
		if err != nil {
			continue
		}
		tried = append(tried, path)
		if exec.Command(path, "-c", "import paho.mqtt.client").Run() == nil {
			return path
		}
	}
	t.Fatalf("no Python 3 with paho.mqtt among %q (apt-get install python3-paho-mqtt)", tried)
	return ""
}

// pyEvent is one line the script prints.
type pyEvent struct {
	Event          string `json:"event"`
	RC             int    `json:"rc"`
	SessionPresent int    `json:"session_present"`
	Filter         string `json:"filter"`
	Codes          []int  `json:"codes"`
	Topic          string `json:"topic"`
	Payload        string `json:"payload"`
	QoS            int    `json:"qos"`
}

// TestPythonPahoSeed000PubSub runs the seed 000 device flow
// (pubsub_simulated_temps: publish simulated temperatures to
// temperature/<BuildingName>/<Location>/<thing> and receive them back on a
// subscription to the same topic) with Python paho over mutual TLS, in
// MQTT 3.1.1 and 5, under the seed per-device policy.
func TestPythonPahoSeed000PubSub(t *testing.T) {
	t.Parallel()
	py := pythonWithPaho(t)
	g := startGateway(t)
	g.device("sensor_a", "SensorPolicy", seedAttrs("loft"))
	own, other := "temperature/home417/loft/sensor_a", "temperature/home417/cellar/sensor_b"
	host, port, err := net.SplitHostPort(g.addr())
	must(t, err)

	for _, c := range []struct {
		protocol string
		refused  int // SUBACK code for a refused filter
	}{{"3.1.1", 0x80}, {"5", 0x87}} {
		t.Run("MQTT "+c.protocol, func(t *testing.T) {
			args := []string{"testdata/paho_pubsub.py", "--host", host, "--port", port, "--ca", g.ca,
				"--cert", g.certFile("sensor_a"), "--key", g.keyFile("sensor_a"), "--client-id", "sensor_a",
				"--topic", own, "--refused-filter", "temperature/#", "--protocol", c.protocol, "--count", "5"}
			if c.protocol == "3.1.1" {
				args = append(args, "--refused-topic", other) // AWS closes a 3.1.1 connection for it
			}
			events := runPython(t, py, args...)
			checkPubSub(t, events, own, c.refused, c.protocol == "3.1.1")
		})
	}
}

// runPython runs the script and returns the events it printed.
func runPython(t *testing.T, py string, args ...string) []pyEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var events []pyEvent
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var e pyEvent
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			t.Errorf("not an event: %q", sc.Text())
			continue
		}
		events = append(events, e)
	}
	if err != nil {
		t.Fatalf("python paho: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.Bytes())
	}
	return events
}

// checkPubSub checks the script's events: connected, its own topic granted
// QoS 1 and the wildcard refused, every reading received back in order,
// and (3.1.1) the connection closed after a refused publish.
func checkPubSub(t *testing.T, events []pyEvent, own string, refused int, closedOnRefusal bool) {
	t.Helper()
	var sent, got []string
	subacks := map[string][]int{}
	var last pyEvent
	for _, e := range events {
		switch e.Event {
		case "connack":
			if e.RC != 0 || e.SessionPresent != 0 {
				t.Fatalf("CONNACK rc %d, session present %d; want 0, 0", e.RC, e.SessionPresent)
			}
		case "suback":
			subacks[e.Filter] = e.Codes
		case "publish":
			if e.Topic == own {
				sent = append(sent, e.Payload)
			}
		case "message":
			if e.Topic != own || e.QoS != 1 {
				t.Errorf("message on %q at QoS %d, want %q at QoS 1", e.Topic, e.QoS, own)
			}
			got = append(got, e.Payload)
		}
		last = e
	}
	if !slices.Equal(subacks[own], []int{1}) {
		t.Errorf("SUBACK for %s: %v, want [1]", own, subacks[own])
	}
	if !slices.Equal(subacks["temperature/#"], []int{refused}) {
		t.Errorf("SUBACK for temperature/#: %v, want [%d] (iot:Subscribe denied)", subacks["temperature/#"], refused)
	}
	if len(sent) != 5 || !slices.Equal(got, sent) {
		t.Errorf("published %q, received back %q", sent, got)
	}
	switch {
	case last.Event != "disconnect":
		t.Errorf("the flow ended with %+v, want a disconnect", last)
	case closedOnRefusal && last.RC == 0:
		t.Error("the refused publish did not close the 3.1.1 connection")
	case !closedOnRefusal && last.RC != 0:
		t.Errorf("the connection ended with rc %d, want a normal disconnection", last.RC)
	}
}

// TestPythonPahoSeed004Shadow runs seed 004's motion-sensor script (Python
// paho, client id xinwenfu0, TLS 1.2, QoS 0 subscription to
// update/accepted, QoS 1 reported updates) against the thing
// IoT-motion-sensor: every update is accepted with its reported state and
// a growing version, and the shadow holds the last reading.
func TestPythonPahoSeed004Shadow(t *testing.T) {
	t.Parallel()
	py := pythonWithPaho(t)
	g := startGateway(t)
	const thing = "IoT-motion-sensor"
	g.device(thing, "Admin", map[string]string{"room": "lab"})
	host, port, err := net.SplitHostPort(g.addr())
	must(t, err)
	events := runPython(t, py, "testdata/paho_shadow_seed004.py", "--host", host, "--port", port, "--ca", g.ca,
		"--cert", g.certFile(thing), "--key", g.keyFile(thing), "--thing", thing, "--count", "4")
	var sent []string
	var versions []int
	for _, e := range events {
		switch e.Event {
		case "connack":
			if e.RC != 0 {
				t.Fatalf("CONNACK %d", e.RC)
			}
		case "suback":
			if !slices.Equal(e.Codes, []int{0}) {
				t.Errorf("SUBACK %v, want [0]", e.Codes)
			}
		case "publish":
			sent = append(sent, e.Payload)
		case "message":
			var acc struct {
				State struct {
					Reported map[string]any `json:"reported"`
				} `json:"state"`
				Version int `json:"version"`
			}
			must(t, json.Unmarshal([]byte(e.Payload), &acc))
			var want struct {
				State struct {
					Reported map[string]any `json:"reported"`
				} `json:"state"`
			}
			must(t, json.Unmarshal([]byte(sent[len(versions)]), &want))
			if acc.State.Reported["motion"] != want.State.Reported["motion"] || acc.State.Reported["time"] != want.State.Reported["time"] {
				t.Errorf("accepted %s for %s", e.Payload, sent[len(versions)])
			}
			versions = append(versions, acc.Version)
		}
	}
	if len(versions) != 4 || !slices.IsSorted(versions) || versions[0] != 1 || versions[3] != 4 {
		t.Fatalf("accepted versions %v, want 1..4 (events %+v)", versions, events)
	}
	doc, err := g.srv.Server.Broker().Shadows().Get(ctx, thing, "", "")
	must(t, err)
	if !bytes.Contains(doc, []byte(`"motion":1`)) || !bytes.Contains(doc, []byte(`"version":4`)) {
		t.Errorf("shadow after the script: %s", doc)
	}
}
