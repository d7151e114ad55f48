package broker_test

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
)

// scrape reads one sample of /metrics on the API port.
func scrape(t *testing.T, url, series string) float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile("(?m)^" + regexp.QuoteMeta(series) + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in /metrics:\n%s", series, body)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

func TestMetricsMove(t *testing.T) {
	f := newFleet(t)
	f.principal("sensor_a", "SensorPolicy", seedAttrs("loft"))
	url := f.srv.URL
	in := scrape(t, url, "roost_mqtt_messages_received_total")
	denied := scrape(t, url, `roost_auth_failures_total{reason="publish"}`)
	must(t, f.pub("sensor_a", "-i", "sensor_a", "-q", "1", "-t", "temperature/home417/loft/sensor_a", "-m", "1"))
	f.pub("sensor_a", "-i", "sensor_a", "-q", "1", "-t", "temperature/home417/cellar/sensor_b", "-m", "1") // denied
	if got := scrape(t, url, "roost_mqtt_messages_received_total"); got < in+2 {
		t.Errorf("messages received went from %v to %v, want +2", in, got)
	}
	if got := scrape(t, url, `roost_auth_failures_total{reason="publish"}`); got != denied+1 {
		t.Errorf("publish denials went from %v to %v, want +1", denied, got)
	}
	if got := scrape(t, url, "roost_mqtt_received_bytes_total"); got <= 0 {
		t.Errorf("bytes received %v", got)
	}
}
