package shadow

import (
	"context"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roost-iot/roost/internal/store"
)

// The benchmarks run on a real SQLite file (WAL, synchronous=NORMAL, the
// server's default): an update costs a write transaction, or a share of
// one when updates come in concurrently.

// motionReport is the seed's motion sensor report.
func motionReport(i int) []byte {
	return []byte(`{"state":{"reported":{"motion":` + strconv.Itoa(i&1) + `,"time":"2016/03/08 15:52:04"}},"clientToken":"c0ffee-` + strconv.Itoa(i) + `"}`)
}

// BenchmarkUpdate guards the cost of one update answered alone: parse,
// read, merge, write, commit, documents.
func BenchmarkUpdate(b *testing.B) {
	e := newEnv(b, Options{})
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		if _, err := e.s.Update(ctx, "IoT-motion-sensor", "", motionReport(i)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateParallel guards throughput under load: 64 writers over
// 1,000 things, the benchmark shape without MQTT. Reports
// updates/s.
func BenchmarkUpdateParallel(b *testing.B) {
	for _, queues := range []int{1, 4} {
		b.Run("queues="+strconv.Itoa(queues), func(b *testing.B) {
			e := newEnv(b, Options{Queues: queues})
			ctx := context.Background()
			var n atomic.Int64
			b.SetParallelism(64 / max(1, runtime.GOMAXPROCS(0)))
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(n.Add(1))
					thing := "thing-" + strconv.Itoa(i*7919%1000)
					if _, err := e.s.Update(ctx, thing, "", motionReport(i)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "updates/s")
		})
	}
}

// BenchmarkUpdateDelta guards an app's desired update that publishes a
// delta on a populated shadow.
func BenchmarkUpdateDelta(b *testing.B) {
	e := newEnv(b, Options{})
	ctx := context.Background()
	seedShadow(b, e)
	i := 0
	for b.Loop() {
		i++
		req := []byte(`{"state":{"desired":{"color":"c` + strconv.Itoa(i) + `","brightness":` + strconv.Itoa(i%100) + `}},"clientToken":"app"}`)
		res, err := e.s.Update(ctx, "myLightBulb", "", req)
		if err != nil || res.Delta == nil {
			b.Fatal(err, res.Delta == nil)
		}
	}
}

// BenchmarkGet guards GetThingShadow of a shadow with a delta.
func BenchmarkGet(b *testing.B) {
	e := newEnv(b, Options{})
	ctx := context.Background()
	seedShadow(b, e)
	for b.Loop() {
		if _, err := e.s.Get(ctx, "myLightBulb", "", "tok"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetParallel guards concurrent reads over 1,000 things.
func BenchmarkGetParallel(b *testing.B) {
	e := newEnv(b, Options{})
	ctx := context.Background()
	for i := range 1000 {
		if _, err := e.s.Update(ctx, "thing-"+strconv.Itoa(i), "", motionReport(i)); err != nil {
			b.Fatal(err)
		}
	}
	var n atomic.Int64
	b.SetParallelism(64 / max(1, runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(n.Add(1))
			if _, err := e.s.Get(ctx, "thing-"+strconv.Itoa(i%1000), "", ""); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkApply guards the CPU work of an update without the store:
// parsing, merging, delta, metadata and every document.
func BenchmarkApply(b *testing.B) {
	cur := store.Shadow{
		State:    []byte(`{"desired":{"color":"green","brightness":80,"schedule":[{"at":"07:00","on":true}]},"reported":{"color":"red","brightness":80,"fw":"1.2.3","schedule":[{"at":"07:00","on":true}]}}`),
		Metadata: []byte(`{"desired":{"color":{"timestamp":1},"brightness":{"timestamp":1},"schedule":[{"at":{"timestamp":1},"on":{"timestamp":1}}]},"reported":{"color":{"timestamp":1},"brightness":{"timestamp":1},"fw":{"timestamp":1},"schedule":[{"at":{"timestamp":1},"on":{"timestamp":1}}]}}`),
		Version:  41,
	}
	req := []byte(`{"state":{"reported":{"color":"green","temp":21.5}},"clientToken":"bulb"}`)
	now := time.Unix(t0, 0)
	for b.Loop() {
		r, e := parseUpdate(req)
		if e != nil {
			b.Fatal(e)
		}
		w, e := applyUpdate(r, cur, true, now)
		if e != nil {
			b.Fatal(e)
		}
		w.result(r)
	}
}

func seedShadow(b *testing.B, e *env) {
	b.Helper()
	_, err := e.s.Update(context.Background(), "myLightBulb", "", []byte(`{"state":{"desired":{"color":"green","brightness":80},`+
		`"reported":{"color":"red","brightness":80,"fw":"1.2.3","schedule":[{"at":"07:00","on":true},{"at":"23:00","on":false}]}}}`))
	if err != nil {
		b.Fatal(err)
	}
}
