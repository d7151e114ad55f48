package broker_test

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/roost-iot/roost/internal/config"
	"github.com/roost-iot/roost/internal/registry"
)

// BenchmarkShadowUpdatesMQTT measures accepted shadow updates per second
// over MQTT (issue 6: 1,000 things, concurrency 64, target >= 20k/s on the
// 2-core machine) and the get round-trip latency. The gateway acknowledges
// a shadow request (PUBACK) only after the shadow service committed it, so
// PUBACKs per second are accepted updates per second. The Paho clients,
// the broker and SQLite share the machine.
func BenchmarkShadowUpdatesMQTT(b *testing.B) {
	f := newFleet(b, func(c *config.Config) { c.MQTTPublishRate = 0 })
	f.principal("bench", "Admin", nil)
	const things, clients = 1000, 64
	for i := range things {
		_, err := f.reg.CreateThing(ctx, registry.CreateThingInput{Name: fmt.Sprintf("dev-%d", i)})
		must(b, err)
	}
	cs := make([]paho.Client, clients)
	for i := range cs {
		cs[i] = benchClient(b, f, fmt.Sprintf("c-%d", i))
	}
	defer func() {
		for _, c := range cs {
			c.Disconnect(0)
		}
	}()
	var next atomic.Int64
	per := b.N/clients + 1
	b.ResetTimer()
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func(c paho.Client) {
			defer wg.Done()
			for range per {
				n := next.Add(1)
				tok := c.Publish(fmt.Sprintf("$aws/things/dev-%d/shadow/update", n%things), 1, false,
					fmt.Sprintf(`{"state":{"reported":{"temp":%d}}}`, n))
				if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
					b.Error("update not acknowledged")
					return
				}
			}
		}(c)
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(per*clients)/b.Elapsed().Seconds(), "updates/s")
	p50, p99 := getLatency(b, cs[0], 200)
	b.ReportMetric(float64(p50.Microseconds())/1000, "get-p50-ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "get-p99-ms")
}

// getLatency times n shadow gets: publish to /get, wait for /get/accepted.
func getLatency(b *testing.B, c paho.Client, n int) (p50, p99 time.Duration) {
	got := make(chan struct{}, 1)
	c.Subscribe("$aws/things/dev-1/shadow/get/accepted", 1, func(paho.Client, paho.Message) { got <- struct{}{} }).WaitTimeout(5 * time.Second)
	var ds []time.Duration
	for range n {
		start := time.Now()
		c.Publish("$aws/things/dev-1/shadow/get", 1, false, "{}")
		select {
		case <-got:
			ds = append(ds, time.Since(start))
		case <-time.After(5 * time.Second):
			b.Fatal("no get/accepted")
		}
	}
	slices.Sort(ds)
	return ds[len(ds)/2], ds[len(ds)*99/100]
}

func benchClient(b *testing.B, f *fleet, id string) paho.Client {
	caPEM, err := os.ReadFile(f.ca)
	must(b, err)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	cert, err := tls.LoadX509KeyPair(filepath.Join(f.dir, "bench.pem"), filepath.Join(f.dir, "bench.key"))
	must(b, err)
	c := paho.NewClient(paho.NewClientOptions().AddBroker("ssl://localhost:" + f.port).SetClientID(id).
		SetTLSConfig(&tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}}).
		SetAutoReconnect(false).SetConnectTimeout(10 * time.Second).SetMaxResumePubInFlight(1))
	if tok := c.Connect(); !tok.WaitTimeout(15*time.Second) || tok.Error() != nil {
		b.Fatalf("connect %s: %v", id, tok.Error())
	}
	return c
}
