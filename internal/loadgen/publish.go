package loadgen

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roost-iot/roost/internal/mqtt"
)

// PayloadMin is the smallest payload: sequence number, send time and
// publisher index.
const PayloadMin = 20

// PublishConfig configures the fan-in and latency scenarios: Publishers
// connections publish to <Topic>/<i> and one subscriber takes <Topic>/#.
type PublishConfig struct {
	Publishers int
	QoS        mqtt.QoS      // of the PUBLISHes and of the subscription
	Payload    int           // bytes, at least PayloadMin
	Duration   time.Duration // the measured window
	Rate       float64       // total msgs/s over all publishers; 0 = as fast as the broker takes them
	Window     int           // QoS 1: PUBLISHes in flight (not yet PUBACKed) per publisher
	Batch      int           // PUBLISHes per write, at most
	Drain      time.Duration // after the window: how long to wait for PUBACKs and deliveries
	Topic      string        // topic prefix
	Latency    bool          // keep every publish-to-deliver latency
	// Trace, when set with Latency, receives one line per delivery: the
	// send time (ms since the start) and the latency (ms), to see when
	// the slow ones happen.
	Trace io.Writer
}

// FanInDefaults are the fan-in scenario's defaults: 100 publishers as fast
// as they can, 100-byte payloads, 10 s.
func FanInDefaults() PublishConfig {
	return PublishConfig{Publishers: 100, Payload: 100, Duration: 10 * time.Second, Window: 100,
		Batch: 64, Drain: 10 * time.Second, Topic: "bench/fanin"}
}

// LatencyDefaults are the latency scenario's defaults: QoS 1 at 100 msgs/s
// in total from 10 publishers for 20 s.
func LatencyDefaults() PublishConfig {
	return PublishConfig{Publishers: 10, QoS: mqtt.QoS1, Payload: 100, Duration: 20 * time.Second,
		Rate: 100, Window: 100, Batch: 64, Drain: 5 * time.Second, Topic: "bench/latency", Latency: true}
}

func (c *PublishConfig) check() error {
	switch {
	case c.Publishers < 1:
		return fmt.Errorf("publishers must be at least 1")
	case c.QoS > mqtt.QoS1:
		return fmt.Errorf("QoS must be 0 or 1")
	case c.Payload < PayloadMin:
		return fmt.Errorf("payload must be at least %d bytes", PayloadMin)
	case c.Duration <= 0:
		return fmt.Errorf("duration must be positive")
	case c.Window < 1 || c.Window > 65535:
		return fmt.Errorf("window must be between 1 and 65535")
	case c.Rate < 0:
		return fmt.Errorf("rate must not be negative")
	}
	c.Batch = max(c.Batch, 1)
	if c.Topic == "" {
		c.Topic = "bench"
	}
	return nil
}

// counters are a run's totals, updated in batches.
type counters struct {
	sent, acked, delivered, dups, failures atomic.Int64
}

// run is one fan-in or latency run.
type run struct {
	t     *Target
	cfg   PublishConfig
	base  time.Time // timestamps in payloads are nanoseconds since base
	stop  atomic.Bool
	close atomic.Bool // connections are being closed: read errors are expected
	n     counters

	errMu sync.Mutex
	errs  errorList
}

func (r *run) fail(err error) {
	if r.close.Load() {
		return
	}
	r.n.failures.Add(1)
	r.errMu.Lock()
	r.errs.add(err)
	r.errMu.Unlock()
}

// Publish runs the fan-in scenario, or the latency one when cfg.Latency.
func Publish(ctx context.Context, t *Target, cfg PublishConfig) (*Result, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	r := &run{t: t, cfg: cfg, base: time.Now()}
	sub, err := r.openSubscriber(ctx)
	if err != nil {
		return nil, err
	}
	defer sub.c.close()
	pubs, err := r.openPublishers(ctx)
	defer func() {
		for _, p := range pubs {
			p.c.close()
		}
	}()
	if err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	wg.Go(sub.read)
	start := time.Now()
	for _, p := range pubs {
		wg.Go(func() { p.read(r) })
		wg.Go(func() { p.write(r, start) })
	}
	res := r.measure(ctx, start, pubs)
	r.drain(ctx, pubs)
	r.close.Store(true)
	res.Sent, res.Acked, res.Delivered = r.n.sent.Load(), r.n.acked.Load(), r.n.delivered.Load()
	res.Duplicates, res.Failures = r.n.dups.Load(), r.n.failures.Load()
	if res.Lost = res.Sent - res.Delivered; res.Lost < 0 {
		res.Lost = 0
	}
	if res.Sent > 0 {
		res.LossPct = round(100*float64(res.Lost)/float64(res.Sent), 3)
	}
	for _, p := range pubs {
		p.c.close()
	}
	sub.c.close()
	wg.Wait()
	res.Errors = r.errs.msgs
	if cfg.Trace != nil {
		if err := sub.writeTrace(cfg.Trace); err != nil {
			return nil, fmt.Errorf("latency trace: %w", err)
		}
	}
	if cfg.Latency || len(sub.lat) > 0 {
		fillLatency(res, sub.lat)
	}
	return res, nil
}

// measure lets the publishers run for the window and takes the rates.
func (r *run) measure(ctx context.Context, start time.Time, pubs []*publisher) *Result {
	cfg := r.cfg
	res := &Result{Scenario: ScenarioFanIn, Addr: r.t.Addr, QoS: int(cfg.QoS), Publishers: cfg.Publishers,
		PayloadBytes: cfg.Payload, TargetRate: cfg.Rate}
	if cfg.Latency {
		res.Scenario = ScenarioLatency
	}
	if cfg.QoS > 0 {
		res.Window = cfg.Window
	}
	cpu := startCPU(r.t.PID)
	cpu.start = start
	select {
	case <-time.After(time.Until(start.Add(cfg.Duration))):
	case <-ctx.Done():
	}
	sent, acked, delivered := r.n.sent.Load(), r.n.acked.Load(), r.n.delivered.Load()
	r.stop.Store(true)
	for _, p := range pubs {
		p.wakeUp()
	}
	cpu.stop(res, 0)
	res.SentRate = round(float64(sent)/res.Seconds, 1)
	res.AckedRate = round(float64(acked)/res.Seconds, 1)
	res.DeliveredRate = round(float64(delivered)/res.Seconds, 1)
	return res
}

// drain waits for outstanding PUBACKs, then for deliveries to stop coming.
func (r *run) drain(ctx context.Context, pubs []*publisher) {
	deadline := time.Now().Add(r.cfg.Drain)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	last, lastChange := int64(-1), time.Now()
	for time.Now().Before(deadline) {
		sent := r.n.sent.Load()
		acksDone := r.cfg.QoS == 0 || r.n.acked.Load() >= sent
		d := r.n.delivered.Load()
		if d != last {
			last, lastChange = d, time.Now()
		}
		if acksDone && (d >= sent || time.Since(lastChange) > time.Second) {
			return
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

func (r *run) openSubscriber(ctx context.Context) (*subscriber, error) {
	c, err := r.t.open(ctx, r.t.ClientID+"-sub", 64<<10)
	if err != nil {
		return nil, fmt.Errorf("subscriber: %w", err)
	}
	if err := c.subscribe(r.cfg.Topic+"/#", r.cfg.QoS); err != nil {
		c.tc.Close()
		return nil, err
	}
	s := &subscriber{r: r, c: c, last: make([]uint64, r.cfg.Publishers)}
	if r.cfg.Latency {
		n := int(r.cfg.Rate*(r.cfg.Duration+r.cfg.Drain).Seconds()*1.2) + 1024
		s.lat = make([]int64, 0, min(n, 10_000_000))
		if r.cfg.Trace != nil {
			s.sentAt = make([]int64, 0, cap(s.lat))
		}
	}
	return s, nil
}

// openPublishers connects the publishers, several at a time.
func (r *run) openPublishers(ctx context.Context) ([]*publisher, error) {
	pubs := make([]*publisher, r.cfg.Publishers)
	errs := make(chan error, len(pubs))
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i := range pubs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			c, err := r.t.open(ctx, r.t.ClientID+"-pub-"+strconv.Itoa(i), 4096)
			if err != nil {
				errs <- fmt.Errorf("publisher %d: %w", i, err)
				return
			}
			pubs[i] = newPublisher(c, i, r.cfg)
		})
	}
	wg.Wait()
	close(errs)
	opened := pubs[:0:0]
	for _, p := range pubs {
		if p != nil {
			opened = append(opened, p)
		}
	}
	return opened, <-errs
}
