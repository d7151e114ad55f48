package device_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/roost-iot/roost/internal/device"
	"github.com/roost-iot/roost/internal/device/devicetest"
)

// BenchmarkProvision measures fleet provisioning by claim end to end over
// loopback, as `roost device simulate` does: claim connect (mutual TLS),
// CreateKeysAndCertificate, RegisterThing, connect with the new
// certificate. It guards the cost of onboarding a device. Without a CSR
// the server makes an RSA-2048 key per device (as AWS does), which takes
// most of the time and varies a lot; with one (ECDSA P-256, made here) the
// TLS handshakes and the registry transaction are what is left.
func BenchmarkProvision(b *testing.B) {
	cloud := devicetest.Start(b).WithTemplate(b)
	run := 0
	for _, csr := range []bool{false, true} {
		for _, c := range []int{1, 16} {
			b.Run(fmt.Sprintf("csr=%v/concurrency=%d", csr, c), func(b *testing.B) {
				run++
				o := options(b, cloud, map[string]string{"BuildingName": "bench", "Location": "rack"})
				o.CSR = csr
				rep := device.Simulate(context.Background(), device.SimulateOptions{
					Provision: o, Count: b.N, Concurrency: c, SerialPrefix: fmt.Sprintf("bench-%d-", run),
				})
				if rep.Failed > 0 {
					b.Fatalf("%d failed: %v", rep.Failed, rep.Errors)
				}
				b.ReportMetric(rep.Rate(), "devices/s")
				b.ReportMetric(float64(rep.Percentile(0.5).Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(rep.Percentile(0.99).Microseconds())/1000, "p99-ms")
			})
		}
	}
}
