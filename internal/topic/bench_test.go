package topic

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// BenchmarkMatch guards Match, called per (filter, publish) by the rules
// engine and policy-free paths: it must not allocate.
func BenchmarkMatch(b *testing.B) {
	for _, c := range []struct{ name, filter, topic string }{
		{"exact", "temperature/b7/floor2/thing-000042", "temperature/b7/floor2/thing-000042"},
		{"plus", "temperature/+/+/thing-000042", "temperature/b7/floor2/thing-000042"},
		{"hash", "temperature/#", "temperature/b7/floor2/thing-000042"},
		{"miss", "temperature/b8/+/+", "temperature/b7/floor2/thing-000042"},
		{"shadow", "$aws/things/+/shadow/update/accepted", "$aws/things/thing-000042/shadow/update/accepted"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Match(c.filter, c.topic)
			}
		})
	}
}

// BenchmarkValidateName guards the per-PUBLISH validation of the topic name.
func BenchmarkValidateName(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if ValidateName("$aws/things/thing-000042/shadow/update/accepted") != nil {
			b.Fatal("invalid")
		}
	}
}

// BenchmarkValidateFilter guards the per-SUBSCRIBE validation.
func BenchmarkValidateFilter(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if ValidateFilter("$share/ingest/temperature/+/+/#") != nil {
			b.Fatal("invalid")
		}
	}
}

// fleet fills an Index with about n subscriptions shaped like a device
// fleet: each device subscribes to its own command and shadow topics and
// publishes telemetry on temperature/<building>/<location>/<thing>; a few
// dashboards and rules use wildcards, and one shared group ingests all.
// It returns the index and the telemetry topics of the devices.
func fleet(n int) (*Index[int], []string) {
	x := NewIndex[int](AWSMatching)
	devices := n / 4
	topics := make([]string, devices)
	v := 0
	next := func() int { v++; return v }
	for i := range devices {
		thing := fmt.Sprintf("thing-%06d", i)
		building, location := fmt.Sprintf("b%d", i%50), fmt.Sprintf("loc%d", (i/50)%20)
		topics[i] = "temperature/" + building + "/" + location + "/" + thing
		x.Add(topics[i], next())
		x.Add("cmd/"+thing+"/#", next())
		x.Add("$aws/things/"+thing+"/shadow/update/delta", next())
		x.Add("$aws/things/"+thing+"/shadow/get/accepted", next())
	}
	for i := range 50 {
		x.Add(fmt.Sprintf("temperature/b%d/+/+", i), next())
	}
	x.Add("temperature/#", next())
	x.Add("$aws/things/+/shadow/update/accepted", next())
	for range 4 {
		x.AddShared("ingest", "temperature/#", next())
	}
	return x, topics
}

// heapInUse returns the live heap after a GC.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkIndexMatch guards the per-PUBLISH fan-out lookup: 0 allocs with
// a reused Matches. B/sub reports the Index's memory per subscription.
// A telemetry publish matches the device's filter, its building's
// dashboard, temperature/# and the shared group.
func BenchmarkIndexMatch(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			before := heapInUse()
			x, topics := fleet(n)
			perSub := float64(heapInUse()-before-uint64(len(topics))*(16+36)) / float64(x.Len())
			r := rand.New(rand.NewPCG(1, 2))
			var ms Matches[int]
			b.ReportAllocs()
			for b.Loop() {
				ms.Reset()
				x.Match(topics[r.IntN(len(topics))], &ms)
			}
			if len(ms.Values) != 3 || len(ms.Groups) != 1 {
				b.Fatalf("matched %v %d", ms.Values, len(ms.Groups))
			}
			b.ReportMetric(perSub, "B/sub")
		})
	}
}

// BenchmarkIndexMatchParallel measures matching from many connection
// goroutines at once (read-lock scaling), with and without a concurrent
// subscriber churning.
func BenchmarkIndexMatchParallel(b *testing.B) {
	for _, churn := range []bool{false, true} {
		b.Run(fmt.Sprintf("100000/churn=%v", churn), func(b *testing.B) {
			x, topics := fleet(100_000)
			filters := make([]string, 1000)
			for i := range filters {
				filters[i] = fmt.Sprintf("cmd/new-%d/+", i)
			}
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				for i := 0; churn; i++ {
					select {
					case <-stop:
						return
					default:
					}
					x.Add(filters[i%len(filters)], -1)
					x.Remove(filters[i%len(filters)], -1)
				}
			}()
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				r := rand.New(rand.NewPCG(rand.Uint64(), 2))
				var ms Matches[int]
				for pb.Next() {
					ms.Reset()
					x.Match(topics[r.IntN(len(topics))], &ms)
				}
			})
			close(stop)
			<-done
		})
	}
}

// BenchmarkIndexAddRemove guards SUBSCRIBE/UNSUBSCRIBE (and connect and
// disconnect storms) on a 100k-subscription Index: one Add and one Remove
// of a per-device filter that creates and prunes two nodes.
func BenchmarkIndexAddRemove(b *testing.B) {
	x, _ := fleet(100_000)
	filters := make([]string, 1024)
	for i := range filters {
		filters[i] = fmt.Sprintf("$aws/things/thing-%06d/jobs/notify-next/%d", i, i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f := filters[i%len(filters)]
		x.Add(f, -1)
		x.Remove(f, -1)
		i++
	}
}

// BenchmarkIndexAddShared guards joining and leaving a shared group.
func BenchmarkIndexAddShared(b *testing.B) {
	x, _ := fleet(10_000)
	b.ReportAllocs()
	for b.Loop() {
		x.AddShared("ingest", "temperature/#", -1)
		x.RemoveShared("ingest", "temperature/#", -1)
	}
}

// BenchmarkNATSSubject guards the cluster-mode mapping per publish.
func BenchmarkNATSSubject(b *testing.B) {
	b.Run("string", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			NATSSubject("temperature/b7/floor2/thing-000042")
		}
	})
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 128)
		for b.Loop() {
			buf = AppendNATSSubject(buf[:0], "temperature/b7/floor2/thing-000042")
		}
	})
}
