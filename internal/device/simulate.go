package device

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

// SimulateOptions describe a simulated fleet provisioning itself by claim.
type SimulateOptions struct {
	// Provision is every device's options. In its Parameters, "{i}" in a
	// value becomes the device's index; SerialNumber, when absent, is
	// SerialPrefix followed by the index.
	Provision    Options
	Count        int
	Concurrency  int // devices provisioning at once; 0 is 1
	SerialPrefix string
	Dir          string        // if set, each identity is saved in Dir/<thing name>
	CAPEM        []byte        // copied beside each saved identity
	Publish      time.Duration // if set, each device then publishes at this interval until ctx ends
	Progress     *Progress     // if set, updated as devices finish
}

// Progress counts a simulation's devices as it runs; read it from another
// goroutine to show progress.
type Progress struct {
	Provisioned, Failed, Published atomic.Int64
}

// Report is the outcome of a simulation.
type Report struct {
	Provisioned int
	Failed      int
	Elapsed     time.Duration    // of the provisioning, not of the publishing after it
	Failures    map[string]int   // by Reason
	Latencies   []time.Duration  // of each successful flow, sorted
	Identities  []*Identity      // of the provisioned devices, by index
	Published   int64            // readings acknowledged, with Publish
	Errors      map[string]error // one example per failure reason
}

// Rate is devices provisioned per second.
func (r *Report) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Provisioned) / r.Elapsed.Seconds()
}

// Percentile is the q-quantile (0..1) of the flow latency, nearest rank.
func (r *Report) Percentile(q float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(q*float64(len(r.Latencies))+0.999999) - 1
	return r.Latencies[min(max(i, 0), len(r.Latencies)-1)]
}

// Simulate provisions Count devices by claim, Concurrency at a time, each
// with its own client id and parameters, and times each whole flow (claim
// connect, certificate, RegisterThing, connect as the thing). With Publish,
// the provisioned devices then publish readings until ctx ends. Ending ctx
// stops the simulation; what finished is reported.
func Simulate(ctx context.Context, o SimulateOptions) *Report {
	s := &simulation{o: o, rep: &Report{Failures: map[string]int{}, Errors: map[string]error{},
		Identities: make([]*Identity, o.Count)}}
	if s.o.Progress == nil {
		s.o.Progress = &Progress{}
	}
	start := time.Now()
	idx := make(chan int)
	var wg sync.WaitGroup
	for range max(o.Concurrency, 1) {
		wg.Go(func() {
			for i := range idx {
				s.device(ctx, i)
			}
		})
	}
feed:
	for i := range o.Count {
		select {
		case idx <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(idx)
	wg.Wait()
	s.rep.Elapsed = time.Since(start)
	s.rep.Identities = slices.DeleteFunc(s.rep.Identities, func(id *Identity) bool { return id == nil })
	slices.Sort(s.rep.Latencies)
	s.pub.Wait()
	s.rep.Published = s.o.Progress.Published.Load()
	return s.rep
}

type simulation struct {
	o   SimulateOptions
	mu  sync.Mutex // guards rep
	rep *Report
	pub sync.WaitGroup
}

// device provisions device i and, with Publish, starts it publishing.
func (s *simulation) device(ctx context.Context, i int) {
	o := s.options(i)
	t0 := time.Now()
	id, err := Provision(ctx, o)
	d := time.Since(t0)
	if ctx.Err() != nil && err != nil {
		return // stopped, not failed
	}
	s.mu.Lock()
	if err != nil {
		r := Reason(err)
		s.rep.Failed++
		s.rep.Failures[r]++
		if s.rep.Errors[r] == nil {
			s.rep.Errors[r] = err
		}
	} else {
		s.rep.Provisioned++
		s.rep.Latencies = append(s.rep.Latencies, d)
		s.rep.Identities[i] = id
	}
	s.mu.Unlock()
	if err != nil {
		s.o.Progress.Failed.Add(1)
		o.Log.Debug("device failed", "index", i, "err", err)
		return
	}
	s.o.Progress.Provisioned.Add(1)
	if s.o.Publish > 0 {
		s.pub.Go(func() {
			Publish(ctx, PublishOptions{Endpoint: o.Endpoint, Identity: id, Interval: s.o.Publish,
				Timeout: o.Timeout, Log: o.Log, Sent: func(Reading) { s.o.Progress.Published.Add(1) }})
		})
	}
}

// options are device i's provisioning options.
func (s *simulation) options(i int) Options {
	o := s.o.Provision
	o.defaults()
	n := strconv.Itoa(i)
	o.Parameters = maps.Clone(o.Parameters)
	if o.Parameters == nil {
		o.Parameters = map[string]string{}
	}
	for k, v := range o.Parameters {
		o.Parameters[k] = strings.ReplaceAll(v, "{i}", n)
	}
	if _, ok := o.Parameters["SerialNumber"]; !ok {
		o.Parameters["SerialNumber"] = s.o.SerialPrefix + n
	}
	o.ClientID = "claim-" + n + "-" + randomHex(4)
	if s.o.Dir != "" {
		o.Keep = func(id *Identity) error {
			_, err := Save(filepath.Join(s.o.Dir, id.ThingName), id, o.Endpoint.Addr, s.o.CAPEM)
			return err
		}
	}
	return o
}

// Reason classifies a provisioning error for a summary: the step, then
// the AWS error code of a rejection or the class of the failure.
func Reason(err error) string {
	step := ""
	if se := (*StepError)(nil); errors.As(err, &se) {
		step = se.Step + ": "
	}
	var rej *Rejection
	if errors.As(err, &rej) {
		return step + rej.ErrorCode
	}
	for _, c := range []struct {
		err  error
		name string
	}{
		{ErrTimeout, "Timeout"},
		{ErrConnectionLost, "ConnectionLost"},
		{ErrSubscribeRefused, "SubscribeRefused"},
		{packets.ErrorRefusedNotAuthorised, "NotAuthorized"},
		{packets.ErrorRefusedBadUsernameOrPassword, "BadUsernameOrPassword"},
		{packets.ErrorRefusedServerUnavailable, "ServerUnavailable"},
		{packets.ErrorRefusedIDRejected, "IdentifierRejected"},
	} {
		if errors.Is(err, c.err) {
			return step + c.name
		}
	}
	var (
		verr *tls.CertificateVerificationError
		aerr tls.AlertError
		uerr x509.UnknownAuthorityError
		nerr net.Error
	)
	switch {
	case errors.As(err, &verr), errors.As(err, &aerr), errors.As(err, &uerr):
		return step + "TLS"
	case errors.As(err, &nerr):
		return step + "Network"
	}
	return step + "Other"
}

// WriteSummary prints the report for a person: counts and rate, latency
// percentiles of the whole flow, and failures by reason with one example
// each.
func (r *Report) WriteSummary(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "provisioned %d, failed %d in %s (%.1f devices/s)\n",
		r.Provisioned, r.Failed, r.Elapsed.Round(time.Millisecond), r.Rate())
	if len(r.Latencies) > 0 {
		fmt.Fprintf(&b, "flow latency p50 %s p99 %s (claim connect, certificate, RegisterThing, connect as thing)\n",
			r.Percentile(0.5).Round(time.Millisecond), r.Percentile(0.99).Round(time.Millisecond))
	}
	for _, reason := range slices.Sorted(maps.Keys(r.Failures)) {
		fmt.Fprintf(&b, "failed %6d  %s  (e.g. %v)\n", r.Failures[reason], reason, r.Errors[reason])
	}
	if r.Published > 0 {
		fmt.Fprintf(&b, "published %d readings\n", r.Published)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
