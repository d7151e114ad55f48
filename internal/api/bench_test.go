package api_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"

	"github.com/roost-iot/roost/internal/roosttest"
)

// These benchmarks measure API calls per second through the real AWS SDK
// for Go v2 over loopback: SigV4 signing and verification, routing, the
// registry and a SQLite transaction per call. The client and the server
// share the machine's cores, so the figure is a floor for the server alone.

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

func BenchmarkDescribeThing(b *testing.B) {
	srv := roosttest.StartServer(b)
	c := srv.IoT()
	attrs := map[string]string{"BuildingName": "home417", "Location": "loft"}
	if _, err := c.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("sensor_1"),
		AttributePayload: &types.AttributePayload{Attributes: attrs}}); err != nil {
		b.Fatal(err)
	}
	in := &iot.DescribeThingInput{ThingName: aws.String("sensor_1")}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.DescribeThing(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
		reportRate(b)
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.DescribeThing(ctx, in); err != nil {
					b.Error(err)
					return
				}
			}
		})
		reportRate(b)
	})
}

func BenchmarkCreateThing(b *testing.B) {
	srv := roosttest.StartServer(b)
	c := srv.IoT()
	var n atomic.Int64
	create := func() error {
		_, err := c.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String(fmt.Sprintf("sensor_%d", n.Add(1))),
			AttributePayload: &types.AttributePayload{Attributes: map[string]string{"BuildingName": "home417"}}})
		return err
	}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if err := create(); err != nil {
				b.Fatal(err)
			}
		}
		reportRate(b)
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := create(); err != nil {
					b.Error(err)
					return
				}
			}
		})
		reportRate(b)
	})
}
